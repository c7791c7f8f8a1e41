package io.cgiwire.jetty;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.RawClient;
import java.util.Arrays;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A slow sender cannot hold a connection: its request's variables must arrive within headerReadTimeout. */
@Timeout(30)
class HeaderReadTimeoutTest {
    private static GatewayLimits limits() {
        GatewayLimits limits = new GatewayLimits();
        limits.setHeaderReadTimeout(400);
        return limits;
    }

    @Nested
    class Fcgi extends ConnectionTestBase {
        @Override
        protected ConnectionFactory factory() {
            return new FcgiConnectionFactory(new HttpConfiguration(), limits());
        }

        @Test
        void paramsThatStopHalfWayCloseTheConnection() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                byte[] params = RawClient.params(1, RawClient.get("/hello"));
                c.write(Arrays.copyOf(params, params.length / 2));
                assertTrue(c.closedByServer(3000));
            }
        }

        @Test
        void aConnectionThatSendsNothingIsClosed() throws Exception {
            try (RawClient c = client()) {
                assertTrue(c.closedByServer(3000));
            }
        }

        /**
         * The connection's one timer, armed by the first request, fires during the second: it must give the second
         * request its own full time, then close the connection when that runs out.
         */
        @Test
        void eachRequestHasItsOwnFullTime() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals(200, c.readResponse(1).status());
                Thread.sleep(250);
                c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                byte[] params = RawClient.params(1, RawClient.get("/hello"));
                c.write(Arrays.copyOf(params, params.length / 2));
                // The timer armed for the first request expires about 150 ms from now; the second has 400 ms.
                assertFalse(c.closedByServer(300));
                assertTrue(c.closedByServer(3000));
            }
        }

        /** Between requests a kept-alive connection is the web server's to close: the timer does not run. */
        @Test
        void anIdleKeptAliveConnectionStaysOpen() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals(200, c.readResponse(1).status());
                assertFalse(c.closedByServer(1500));
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals(200, c.readResponse(1).status());
            }
        }
    }

    @Nested
    class Scgi extends ConnectionTestBase {
        @Override
        protected ConnectionFactory factory() {
            return new ScgiConnectionFactory(new HttpConfiguration(), limits());
        }

        @Test
        void aNetstringThatStopsHalfWayClosesTheConnection() throws Exception {
            try (RawClient c = client()) {
                byte[] request = RawClient.scgi(RawClient.get("/hello"), new byte[0]);
                c.write(Arrays.copyOf(request, 20));
                assertTrue(c.closedByServer(3000));
            }
        }
    }
}
