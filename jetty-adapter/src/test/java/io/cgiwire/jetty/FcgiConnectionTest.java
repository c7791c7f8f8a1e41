package io.cgiwire.jetty;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_AUTHORIZER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_END_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_REQUEST_COMPLETE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_ROLE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_TYPE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.RawClient;
import io.cgiwire.core.fcgi.Fcgi;
import io.cgiwire.core.fcgi.FcgiEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The FastCGI connection on a real Jetty server over loopback, driven the way a web server drives it. */
@Timeout(30)
class FcgiConnectionTest extends ConnectionTestBase {
    @Override
    protected org.eclipse.jetty.server.ConnectionFactory factory() {
        return new FcgiConnectionFactory();
    }

    @Test
    void getOnAKeptConnectionThenASecondRequest() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello?x=1"), new byte[0]));
            RawClient.Response r = c.readResponse(1);
            assertEquals(200, r.status());
            assertEquals("Hello\n", r.text());
            assertEquals(FCGI_REQUEST_COMPLETE, r.protocolStatus());
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            assertEquals("Hello\n", c.readResponse(1).text());
            assertFalse(c.closedByServer(1000), "FCGI_KEEP_CONN: the connection stays open");
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

    /**
     * A body that ends before CONTENT_LENGTH, or goes past it, is not the request's body (spec 6.2): the request's
     * read fails and the connection closes. What the web server gets is a 400 if nothing was committed (a body too
     * long is found before the echo writes), else a response cut short without FCGI_END_REQUEST (the echo streamed
     * "abc" already), as an HTTP response is when its request body ends early: never a complete 200.
     */
    @Test
    void stdinShorterOrLongerThanContentLengthFailsTheRead() throws Exception {
        for (String body : new String[] {"abc", "abcdefghijk"}) {
            try (RawClient c = client()) {
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/echo", 10),
                        body.getBytes(StandardCharsets.US_ASCII)));
                String reply = new String(c.readUntilClosed(), StandardCharsets.ISO_8859_1);
                boolean ended = reply.contains("\u0001\u0003\u0000\u0001");
                assertTrue(ended ? reply.contains("Status: 400 ") : reply.contains("Status: 200 "), reply);
                Throwable failure = handler.failures.poll(5, TimeUnit.SECONDS);
                assertTrue(String.valueOf(failure).contains("FCGI_STDIN_LENGTH_MISMATCH"), String.valueOf(failure));
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
    void closesAfterEndRequestWithoutKeepConn() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
            assertEquals(200, c.readResponse(1).status());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void theRequestIsTheClientsNotTheSockets() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/info/a%20b?q=1");
            params.put("HTTPS", "on");
            params.put("HTTP_HOST", "www.example.com");
            params.put("SERVER_PORT", "8443");
            c.write(RawClient.request(1, 0, params, new byte[0]));
            RawClient.Response r = c.readResponse(1);
            assertEquals(200, r.status());
            assertEquals(String.join("\n",
                    "remote=203.0.113.7:40001",
                    "local=127.0.0.1:8443",
                    "secure=true",
                    "uri=https://www.example.com:8443/info/a%20b?q=1",
                    "server=www.example.com:8443",
                    "protocol=HTTP/1.1",
                    "host=www.example.com:8443",
                    "contentType=null",
                    "contentLength=null") + "\n", r.text());
        }
    }

    @Test
    void contentTypeAndLengthComeFromTheCgiVariables() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.post("/info", 3);
            params.put("CONTENT_TYPE", "application/x-www-form-urlencoded");
            c.write(RawClient.request(1, 0, params, "a=1".getBytes(StandardCharsets.US_ASCII)));
            String text = c.readResponse(1).text();
            assertTrue(text.contains("contentType=application/x-www-form-urlencoded\n"), text);
            assertTrue(text.contains("contentLength=3\n"), text);
        }
    }

    @Test
    void largeBodyEchoedIntact() throws Exception {
        byte[] body = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(body);
        try (RawClient c = client()) {
            Thread writer = new Thread(() -> {
                try {
                    c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/echo", body.length), body));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            RawClient.Response r = c.readResponse(1);
            writer.join();
            assertEquals(200, r.status());
            assertArrayEquals(body, r.body());
        }
    }

    /** nginx with fastcgi_request_buffering off: CONTENT_LENGTH empty, the body ends with the empty STDIN record. */
    @Test
    void bodyOfUnknownLength() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.post("/echo", 0);
            params.put("CONTENT_LENGTH", "");
            c.write(RawClient.begin(1, FCGI_RESPONDER, 0));
            c.write(RawClient.params(1, params));
            ByteBuffer part = ByteBuffer.allocate(64);
            FcgiEncoder.putStream(part, FCGI_STDIN, 1, ByteBuffer.wrap("abc".getBytes(StandardCharsets.US_ASCII)));
            c.write(java.util.Arrays.copyOf(part.array(), part.position()));
            Thread.sleep(100);
            c.write(RawClient.stream(FCGI_STDIN, 1, "def".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("abcdef", c.readResponse(1).text());
        }
    }

    @Test
    void getValuesAnsweredTruthfully() throws Exception {
        try (RawClient c = client()) {
            ByteBuffer q = FcgiEncoder.getValues(List.of(Fcgi.FCGI_MPXS_CONNS, Fcgi.FCGI_MAX_REQS, "OTHER"));
            c.write(java.util.Arrays.copyOfRange(q.array(), q.position(), q.limit()));
            RawClient.Record r = c.readRecord();
            assertEquals(FCGI_GET_VALUES_RESULT, r.type());
            String content = new String(r.content(), StandardCharsets.ISO_8859_1);
            assertTrue(content.contains("FCGI_MPXS_CONNS0"), content);
            assertFalse(content.contains("OTHER"), content);
            // The connection goes on serving.
            c.write(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
            assertEquals(200, c.readResponse(1).status());
        }
    }

    @Test
    void unknownTypeAnswered() throws Exception {
        try (RawClient c = client()) {
            ByteBuffer b = ByteBuffer.allocate(8);
            FcgiEncoder.putHeader(b, 99, 0, 0, 0);
            c.write(b.array());
            RawClient.Record r = c.readRecord();
            assertEquals(FCGI_UNKNOWN_TYPE, r.type());
            assertEquals(99, r.content()[0]);
        }
    }

    @Test
    void secondRequestIdRefusedWithCantMpxConn() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
            c.write(RawClient.params(1, RawClient.post("/echo", 2)));
            c.write(RawClient.request(2, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            RawClient.Record refusal = c.readRecord();
            assertEquals(Fcgi.FCGI_END_REQUEST, refusal.type());
            assertEquals(2, refusal.requestId());
            assertEquals(FCGI_CANT_MPX_CONN, refusal.content()[4]);
            c.write(RawClient.stream(FCGI_STDIN, 1, new byte[] {'o', 'k'}));
            assertEquals("ok", c.readResponse(1).text());
        }
    }

    @Test
    void otherRolesRefusedWithUnknownRole() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.begin(1, FCGI_AUTHORIZER, FCGI_KEEP_CONN));
            RawClient.Record r = c.readRecord();
            assertEquals(Fcgi.FCGI_END_REQUEST, r.type());
            assertEquals(FCGI_UNKNOWN_ROLE, r.content()[4]);
            c.write(RawClient.params(1, RawClient.get("/hello")));
            c.write(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
            assertEquals(200, c.readResponse(1).status());
        }
    }

    @Test
    void abortRequestFailsThePendingRead() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
            c.write(RawClient.params(1, RawClient.post("/echo", 100)));
            ByteBuffer abort = ByteBuffer.allocate(8);
            Thread.sleep(200);
            FcgiEncoder.putAbortRequest(abort, 1);
            c.write(abort.array());
            RawClient.Response r = c.readResponse(1);
            assertEquals(FCGI_REQUEST_COMPLETE, r.protocolStatus());
            assertTrue(handler.failures.poll(5, TimeUnit.SECONDS) != null, "the handler's read failed");
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            assertEquals("Hello\n", c.readResponse(1).text(), "kept-alive connection still serves");
        }
    }

    @Test
    void webServerClosingFailsThePendingRead() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
            c.write(RawClient.params(1, RawClient.post("/echo", 100)));
            Thread.sleep(200);
        }
        assertTrue(handler.failures.poll(5, TimeUnit.SECONDS) != null, "the handler's read failed");
    }

    @Test
    void stderrReachesTheWebServer() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.request(1, 0, RawClient.get("/stderr"), new byte[0]));
            RawClient.Response r = c.readResponse(1);
            assertEquals("logged\n", r.stderr());
            assertEquals(200, r.status());
        }
    }

    @Test
    void badHostAnswered400AndTheConnectionGoesOn() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/hello");
            params.put("HTTP_HOST", "bad host");
            c.write(RawClient.request(1, FCGI_KEEP_CONN, params, new byte[0]));
            RawClient.Response r = c.readResponse(1);
            assertEquals(400, r.status());
            assertTrue(r.text().contains("CGI_BAD_HOST"), r.text());
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            assertEquals(200, c.readResponse(1).status());
        }
    }

    @Test
    void protocolViolationClosesOnlyThatConnection() throws Exception {
        try (RawClient bad = client(); RawClient good = client()) {
            good.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
            byte[] broken = RawClient.begin(1, FCGI_RESPONDER, 0);
            broken[0] = 9;
            bad.write(broken);
            assertTrue(bad.closedByServer());
            good.write(RawClient.params(1, RawClient.get("/hello")));
            good.write(RawClient.stream(FCGI_STDIN, 1, new byte[0]));
            assertEquals(200, good.readResponse(1).status());
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

    @Test
    void headRequestHasNoBody() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/hello");
            params.put("REQUEST_METHOD", "HEAD");
            c.write(RawClient.request(1, 0, params, new byte[0]));
            RawClient.Response r = c.readResponse(1);
            assertEquals(200, r.status());
            assertEquals(0, r.body().length);
        }
    }
}
