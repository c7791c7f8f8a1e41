package io.cgiwire.jetty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.RawClient;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import org.eclipse.jetty.server.ConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SCGI connection on a real Jetty server over loopback. */
@Timeout(30)
class ScgiConnectionTest extends ConnectionTestBase {
    @Override
    protected ConnectionFactory factory() {
        return new ScgiConnectionFactory();
    }

    @Test
    void aPeerNotInAllowedPeersIsClosedUnanswered() throws Exception {
        connector.getConnectionFactory(ScgiConnectionFactory.class).setAllowedPeers("192.0.2.1, 10.0.0.0/8");
        try (RawClient c = client()) {
            c.write(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void getAnsweredThenTheConnectionCloses() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
            RawClient.Response r = c.readToEnd();
            assertEquals(200, r.status());
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
    void theRequestIsTheClients() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/info");
            params.remove("SERVER_ADDR");
            c.write(RawClient.scgi(params, new byte[0]));
            String text = c.readToEnd().text();
            assertTrue(text.startsWith("remote=203.0.113.7:40001\nlocal=127.0.0.1:8080\nsecure=false\n"), text);
        }
    }

    /** The handler answers without reading a 1 MiB body: the body is drained, so the response is not reset. */
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
    void malformedNetstringAnswered400() throws Exception {
        try (RawClient c = client()) {
            c.write("12x:".getBytes(StandardCharsets.US_ASCII));
            RawClient.Response r = c.readToEnd();
            assertEquals(400, r.status());
            assertTrue(r.text().contains("SCGI_BAD_NETSTRING_LENGTH"));
        }
    }
}
