package io.cgiwire.tomcat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayParitySuite;
import io.cgiwire.core.RawClient;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * ScgiNioProtocol on an embedded Tomcat over loopback: the parity suite, then non-blocking IO, a connection closed
 * unused, Unix sockets.
 */
@Timeout(30)
class ScgiNioProtocolTest extends ProtocolTestBase {
    @Override
    Class<ScgiNioProtocol> protocol() {
        return ScgiNioProtocol.class;
    }

    @Nested
    class Parity extends GatewayParitySuite.Scgi {
        @Override
        protected RawClient client() throws IOException {
            return ScgiNioProtocolTest.this.client();
        }

        @Override
        protected BlockingQueue<Throwable> failures() {
            return FAILURES;
        }

        @Override
        protected void assertLogged(String text, int times) {
            List<String> messages = warningMessages();
            assertEquals(times, messages.stream().filter(m -> m.contains(text)).count(), messages::toString);
        }

        @Override
        protected String clientsRequestInfo() {
            return String.join("\n",
                    "method=GET",
                    "scheme=http",
                    "url=http://example.com:8080/info",
                    "uri=/info",
                    "pathInfo=null",
                    "query=null",
                    "contentLength=0",
                    "userAgent=null",
                    "remoteUser=null",
                    "requestId=null",
                    "connection=scgi") + "\n";
        }
    }

    @Test
    void nonBlockingEcho() throws Exception {
        byte[] body = new byte[512 * 1024 + 1];
        new Random(5).nextBytes(body);
        try (RawClient c = client()) {
            byte[] request = RawClient.scgi(RawClient.post("/nbio", body.length), body);
            RawClient.Response r = c.writeWhileReading(request, RawClient::readToEnd);
            assertArrayEquals(body, r.body());
        }
        assertEquals(List.of(), List.copyOf(FAILURES));
    }

    /** httpd opens a connection and closes it unused when it refuses a chunked body: a normal close. */
    @Test
    void connectionClosedBeforeAnyByteIsNotAViolation() throws Exception {
        try (RawClient c = client()) {
            c.shutdownOutput();
            assertTrue(c.closedByServer());
        }
        try (RawClient c = client()) {
            c.write(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
            assertEquals(200, c.readToEnd().status());
        }
        assertEquals(List.of(), warningMessages());
    }

    @Test
    void servesOnAUnixSocket() throws Exception {
        try (RawClient c = new RawClient(unixSocket)) {
            c.write(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
            assertEquals("Hello\n", c.readToEnd().text());
        }
    }
}
