package io.cgiwire.jetty;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_END_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayParitySuite;
import io.cgiwire.core.RawClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The FastCGI connection on a real Jetty server over loopback, driven the way a web server drives it: the parity
 * suite both adapters pass, then what is Jetty's own (records as Jetty's copy limit shapes them, a header holding CR
 * LF failing the response, the default parameter limits).
 */
@Timeout(30)
class FcgiConnectionTest extends ConnectionTestBase {
    @Override
    protected org.eclipse.jetty.server.ConnectionFactory factory() {
        FcgiConnectionFactory factory = new FcgiConnectionFactory();
        factory.setMultiplexing(multiplexing());
        return factory;
    }

    /** The factory's multiplexing: on, its default. */
    boolean multiplexing() {
        return true;
    }

    @Nested
    class Parity extends GatewayParitySuite.Fcgi {
        @Override
        protected RawClient client() throws IOException {
            return FcgiConnectionTest.this.client();
        }

        /** Jetty serves several ids of a connection at once (issue 13), unless told not to. */
        @Override
        protected boolean multiplexes() {
            return multiplexing();
        }

        @Override
        protected BlockingQueue<Throwable> failures() {
            return handler.failures;
        }

        /** Jetty's connections log through Jetty's logger, which these tests do not capture. */
        @Override
        protected void assertLogged(String text, int times) {
        }

        /**
         * A 400 if nothing was committed (a body too long is found before the echo writes), else a response cut
         * short (the echo streamed "abc" already), as an HTTP response is when its request body ends early.
         */
        @Override
        protected void assertStdinMismatchReply(String reply, boolean ended) {
            assertTrue(ended ? reply.contains("Status: 400 ") : reply.contains("Status: 200 "), reply);
        }

        @Override
        protected String clientsRequestInfo() {
            return "uri=https://www.example.com:8443/info/a%20b?q=1\ncontentLength=null\n";
        }
    }

    /** A small response goes out whole: head and body in one STDOUT record, zero padded, then the end. */
    @Test
    void aSmallResponseIsOneRecordThenTheEnd() throws Exception {
        try (RawClient c = client()) {
            for (int i = 0; i < 3; i++) {
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                RawClient.Record stdout = c.readRecord();
                String text = new String(stdout.content(), StandardCharsets.ISO_8859_1);
                assertEquals(FCGI_STDOUT, stdout.type());
                assertTrue(text.startsWith("Status: 200 OK\r\n") && text.endsWith("\r\n\r\nHello\n"), text);
                assertEquals(0, (stdout.content().length + stdout.padding().length) % 8);
                assertArrayEquals(new byte[stdout.padding().length], stdout.padding(), "padding is zeros");
                RawClient.Record end = c.readRecord();
                assertEquals(FCGI_STDOUT, end.type());
                assertEquals(0, end.content().length);
                assertEquals(FCGI_END_REQUEST, c.readRecord().type());
            }
        }
    }

    /** Bodies either side of the size up to which a response is copied into one record arrive intact. */
    @Test
    void bodiesAroundTheCopyLimitEchoedIntact() throws Exception {
        Random random = new Random(11);
        try (RawClient c = client()) {
            for (int size : new int[] {1, 8000, 8191, 8192, 8193, 9000, 65535, 65536, 70000}) {
                byte[] body = new byte[size];
                random.nextBytes(body);
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/echo", size), body));
                RawClient.Response r = c.readResponse(1);
                assertEquals(200, r.status());
                assertArrayEquals(body, r.body(), "body of " + size + " bytes");
            }
        }
    }

    /** A response header holding CR LF never reaches the web server as a header line of its own. */
    @Test
    void aHeaderWithCrLfIsNeverWritten() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/inject"), new byte[0]));
            String reply = new String(c.readUntilClosedOrEnded(), StandardCharsets.ISO_8859_1);
            assertFalse(reply.contains("\nX-Injected"), reply);
            assertTrue(reply.startsWith("Status: 500 "), reply);
        }
    }

    @Test
    void oversizedParamsAnswered431() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/hello");
            params.put("HTTP_COOKIE", "x".repeat(40000));
            params.put("HTTP_X_MORE", "y".repeat(30000));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
            all.writeBytes(RawClient.params(1, params));
            c.write(all.toByteArray());
            RawClient.Response r = c.readResponse(1);
            assertEquals(431, r.status());
            assertTrue(c.closedByServer());
        }
    }
}
