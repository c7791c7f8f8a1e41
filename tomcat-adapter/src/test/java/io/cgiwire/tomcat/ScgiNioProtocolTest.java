package io.cgiwire.tomcat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.RawClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** ScgiNioProtocol on an embedded Tomcat over loopback. */
@Timeout(30)
class ScgiNioProtocolTest extends ProtocolTestBase {
    @Override
    Class<ScgiNioProtocol> protocol() {
        return ScgiNioProtocol.class;
    }

    @Test
    void getAnsweredThenTheConnectionCloses() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
            RawClient.Response r = c.readToEnd();
            assertEquals(200, r.status());
            assertEquals("status", r.headers().keySet().iterator().next(), "Status comes first");
            assertEquals("Hello\n", r.text());
        }
    }

    @Test
    void bodyStreamedBothWays() throws Exception {
        byte[] body = new byte[2 * 1024 * 1024 + 3];
        new Random(3).nextBytes(body);
        try (RawClient c = client()) {
            Thread writer = new Thread(() -> {
                try {
                    c.write(RawClient.scgi(RawClient.post("/echo", body.length), body));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            RawClient.Response r = c.readToEnd();
            writer.join();
            assertArrayEquals(body, r.body());
        }
    }

    @Test
    void nonBlockingEcho() throws Exception {
        byte[] body = new byte[512 * 1024 + 1];
        new Random(5).nextBytes(body);
        try (RawClient c = client()) {
            Thread writer = new Thread(() -> {
                try {
                    c.write(RawClient.scgi(RawClient.post("/nbio", body.length), body));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            RawClient.Response r = c.readToEnd();
            writer.join();
            assertArrayEquals(body, r.body());
        }
        assertEquals(List.of(), List.copyOf(FAILURES));
    }

    @Test
    void theRequestIsTheClients() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/info");
            params.remove("SERVER_ADDR");
            c.write(RawClient.scgi(params, new byte[0]));
            String text = c.readToEnd().text();
            assertTrue(text.contains("remote=203.0.113.7:40001\nlocal=127.0.0.1:8080\nsecure=false\n"), text);
            assertTrue(text.contains("connection=scgi\n"), text);
        }
    }

    /** The servlet answers without reading a 1 MiB body: the body is drained, so the response is not reset. */
    @Test
    void unreadBodyIsDrainedBeforeClosing() throws Exception {
        byte[] body = new byte[1024 * 1024];
        try (RawClient c = client()) {
            Thread writer = new Thread(() -> {
                try {
                    c.write(RawClient.scgi(RawClient.post("/hello", body.length), body));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            RawClient.Response r = c.readToEnd();
            writer.join();
            assertEquals("Hello\n", r.text());
        }
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
    void badRequestAnswered400() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/hello");
            params.put("REQUEST_METHOD", "G E T");
            c.write(RawClient.scgi(params, new byte[0]));
            RawClient.Response r = c.readToEnd();
            assertEquals(400, r.status());
            assertTrue(r.text().contains("CGI_BAD_METHOD"));
        }
    }

    @Test
    void malformedNetstringAnswered400AndLoggedOnce() throws Exception {
        try (RawClient c = client()) {
            c.write("12x:".getBytes(StandardCharsets.US_ASCII));
            RawClient.Response r = c.readToEnd();
            assertEquals(400, r.status());
            assertTrue(r.text().contains("SCGI_BAD_NETSTRING_LENGTH"));
        }
        assertEquals(1, warningMessages().stream().filter(m -> m.contains("SCGI_BAD_NETSTRING_LENGTH")).count(),
                warningMessages()::toString);
    }

    @Test
    void servesOnAUnixSocket() throws Exception {
        try (RawClient c = new RawClient(unixSocket)) {
            c.write(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
            assertEquals("Hello\n", c.readToEnd().text());
        }
    }
}
