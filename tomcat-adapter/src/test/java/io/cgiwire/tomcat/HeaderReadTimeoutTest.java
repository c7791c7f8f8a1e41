package io.cgiwire.tomcat;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MPXS_CONNS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.RawClient;
import io.cgiwire.core.fcgi.FcgiEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A slow sender cannot hold a connection: a request's variables must be complete within headerReadTimeout in total,
 * however the bytes trickle in, and a connection closed for it is logged once, as on the Jetty side.
 */
@Timeout(30)
class HeaderReadTimeoutTest {
    static final int TIMEOUT_MS = 1000;
    /** Each silence is well under the timeout; the whole trickle is far over it. */
    static final int TRICKLE_INTERVAL_MS = 200;
    static final int TRICKLE_MAX_MS = 8000;
    /** Tomcat's poller looks for read timeouts about once a second. */
    static final int CLOSE_WITHIN_MS = TIMEOUT_MS + 2500;
    static final String LOGGED = "did not arrive within " + TIMEOUT_MS + " ms (headerReadTimeout); closing";

    /** Writes {@code bytes} one at a time, {@link #TRICKLE_INTERVAL_MS} apart: the milliseconds until closed, or -1. */
    static long trickle(RawClient c, byte[] bytes, long start) throws IOException {
        for (byte b : bytes) {
            try {
                c.write(new byte[] {b});
            } catch (IOException closed) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
            if (c.closedByServer(TRICKLE_INTERVAL_MS)) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            }
            if (System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(TRICKLE_MAX_MS)) {
                break;
            }
        }
        return -1;
    }

    abstract static class TimeoutTestBase extends ProtocolTestBase {
        @Override
        void configure(Connector c) {
            c.setProperty("headerReadTimeout", Integer.toString(TIMEOUT_MS));
        }

        void closedInTimeAndLoggedOnce(long closedAfterMs) throws InterruptedException {
            assertTrue(closedAfterMs >= 0, "the connection was still open after " + TRICKLE_MAX_MS + " ms");
            assertTrue(closedAfterMs >= TIMEOUT_MS - 100, "closed after only " + closedAfterMs + " ms");
            assertTrue(closedAfterMs <= CLOSE_WITHIN_MS, "closed after " + closedAfterMs + " ms");
            Thread.sleep(300);
            assertEquals(1, warningMessages().stream().filter(m -> m.contains(LOGGED)).count(),
                    warningMessages()::toString);
        }
    }

    @Nested
    class Fcgi extends TimeoutTestBase {
        @Override
        Class<FcgiNioProtocol> protocol() {
            return FcgiNioProtocol.class;
        }

        @Test
        void variablesTrickledInCloseTheConnectionWhenTheirTotalTimeIsUp() throws Exception {
            try (RawClient c = client()) {
                long start = System.nanoTime();
                c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                closedInTimeAndLoggedOnce(trickle(c, RawClient.params(1, RawClient.get("/hello")), start));
            }
        }

        /** The deadline starts again with the next request's FCGI_BEGIN_REQUEST, not with the connection. */
        @Test
        void onAKeptConnectionTheNextRequestIsTimedFromItsBeginRequest() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals(200, c.readResponse(1).status());
                Thread.sleep(TIMEOUT_MS + 500);
                long start = System.nanoTime();
                c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                closedInTimeAndLoggedOnce(trickle(c, RawClient.params(1, RawClient.get("/hello")), start));
            }
        }

        @Test
        void paramsThatStopHalfWayCloseTheConnection() throws Exception {
            try (RawClient c = client()) {
                long start = System.nanoTime();
                c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                byte[] params = RawClient.params(1, RawClient.get("/hello"));
                c.write(Arrays.copyOf(params, params.length / 2));
                assertTrue(c.closedByServer(TRICKLE_MAX_MS));
                closedInTimeAndLoggedOnce(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
        }

        /** Between requests a kept-alive connection is the web server's to close: no timeout runs. */
        @Test
        void anIdleKeptAliveConnectionStaysOpen() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals(200, c.readResponse(1).status());
                assertFalse(c.closedByServer(TIMEOUT_MS + 2500));
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals(200, c.readResponse(1).status());
            }
            assertEquals(0, warningMessages().stream().filter(m -> m.contains("headerReadTimeout")).count(),
                    warningMessages()::toString);
        }

        /** A management exchange is a complete one, as on Jetty: no request is coming yet, no timeout runs. */
        @Test
        void aConnectionThatOnlyAskedForValuesStaysOpen() throws Exception {
            try (RawClient c = client()) {
                ByteBuffer q = FcgiEncoder.getValues(List.of(FCGI_MPXS_CONNS));
                c.write(Arrays.copyOfRange(q.array(), q.position(), q.limit()));
                assertEquals(FCGI_GET_VALUES_RESULT, c.readRecord().type());
                assertFalse(c.closedByServer(TIMEOUT_MS + 2500));
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals(200, c.readResponse(1).status());
            }
        }
    }

    /** The same on a connector that multiplexes: the connection's reader keeps the deadline. */
    @Nested
    class MultiplexedFcgi extends Fcgi {
        @Override
        void configure(Connector c) {
            super.configure(c);
            c.setProperty("multiplexing", "true");
        }
    }

    @Nested
    class Scgi extends TimeoutTestBase {
        @Override
        Class<ScgiNioProtocol> protocol() {
            return ScgiNioProtocol.class;
        }

        @Test
        void aNetstringTrickledInClosesTheConnectionWhenItsTotalTimeIsUp() throws Exception {
            try (RawClient c = client()) {
                long start = System.nanoTime();
                closedInTimeAndLoggedOnce(trickle(c, RawClient.scgi(RawClient.get("/hello"), new byte[0]), start));
            }
        }

        @Test
        void aNetstringThatStopsHalfWayClosesTheConnection() throws Exception {
            try (RawClient c = client()) {
                long start = System.nanoTime();
                c.write(Arrays.copyOf(RawClient.scgi(RawClient.get("/hello"), new byte[0]), 20));
                assertTrue(c.closedByServer(TRICKLE_MAX_MS));
                closedInTimeAndLoggedOnce(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            }
        }
    }
}
