package io.cgiwire.tomcat;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_AUTHORIZER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_REQUEST_COMPLETE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_ROLE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_TYPE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.RawClient;
import io.cgiwire.core.fcgi.Fcgi;
import io.cgiwire.core.fcgi.FcgiEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.util.ServerInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** FcgiNioProtocol on an embedded Tomcat over loopback, driven the way a web server drives it. */
@Timeout(30)
class FcgiNioProtocolTest extends ProtocolTestBase {
    @Override
    Class<FcgiNioProtocol> protocol() {
        return FcgiNioProtocol.class;
    }

    @Override
    void configure(Connector c) {
        // server.xml spelling, as on the Jetty side; read when a processor is created
        c.setProperty("maxParamValueLength", "20000");
    }

    /** The build runs these tests on Tomcat 11 and on 10.1 (tomcat-adapter-10.1): make sure of which one this is. */
    @Test
    void runsOnTheTomcatTheBuildNames() {
        String expected = System.getProperty("cgiwire.tomcat.version");
        assertNotNull(expected, "the build sets cgiwire.tomcat.version");
        assertTrue(ServerInfo.getServerNumber().startsWith(expected + "."), ServerInfo.getServerInfo());
    }

    @Test
    void limitsAreConnectorAttributes() {
        FcgiNioProtocol protocol = (FcgiNioProtocol) connector.getProtocolHandler();
        assertEquals(20000, protocol.getMaxParamValueLength());
        assertEquals(20000, protocol.getLimits().getMaxParamValueLength());
        assertEquals("127.0.0.1", protocol.getAddress().getHostAddress(), "loopback unless told otherwise");
        assertEquals(-1, protocol.getKeepAliveTimeout());
    }

    @Test
    void getOnAKeptConnectionThenASecondRequest() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello?x=1"), new byte[0]));
            RawClient.Response r = c.readResponse(1);
            assertEquals(200, r.status());
            assertEquals("Hello\n", r.text());
            assertEquals("status", r.headers().keySet().iterator().next(), "Status comes first");
            assertEquals("200 OK", r.headers().get("status"));
            assertEquals("6", r.headers().get("content-length"));
            assertEquals(FCGI_REQUEST_COMPLETE, r.protocolStatus());
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            assertEquals("Hello\n", c.readResponse(1).text());
            assertFalse(c.closedByServer(1000), "FCGI_KEEP_CONN: the connection stays open");
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
            params.put("HTTP_USER_AGENT", "raw");
            params.put("REMOTE_USER", "mallory");
            c.write(RawClient.request(7, 0, params, new byte[0]));
            RawClient.Response r = c.readResponse(7);
            assertEquals(200, r.status());
            assertEquals(String.join("\n",
                    "method=GET",
                    "remote=203.0.113.7:40001",
                    "local=127.0.0.1:8443",
                    "secure=true",
                    "scheme=https",
                    "url=https://www.example.com:8443/info/a%20b",
                    "uri=/info/a%20b",
                    "pathInfo=/a b",
                    "query=q=1",
                    "server=www.example.com:8443",
                    "protocol=HTTP/1.1",
                    "host=www.example.com:8443",
                    "contentType=null",
                    "contentLength=-1",
                    "userAgent=raw",
                    "remoteUser=null",
                    "requestId=7",
                    "connection=fastcgi") + "\n", r.text());
        }
    }

    /** Debian's nginx sends HTTP_HOST without the port: the port the client used comes from SERVER_PORT. */
    @Test
    void hostWithoutPortTakesServerPort() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/info");
            params.put("HTTP_HOST", "127.0.0.1");
            params.put("SERVER_PORT", "8081");
            c.write(RawClient.request(1, 0, params, new byte[0]));
            String text = c.readResponse(1).text();
            assertTrue(text.contains("server=127.0.0.1:8081\n"), text);
            assertTrue(text.contains("host=127.0.0.1:8081\n"), text);
            assertTrue(text.contains("url=http://127.0.0.1:8081/info\n"), text);
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
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            assertEquals("Hello\n", c.readResponse(1).text());
        }
    }

    @Test
    void nonBlockingEcho() throws Exception {
        byte[] body = new byte[1024 * 1024 + 5];
        new Random(11).nextBytes(body);
        try (RawClient c = client()) {
            Thread writer = new Thread(() -> {
                try {
                    c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/nbio", body.length), body));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            RawClient.Response r = c.readResponse(1);
            writer.join();
            assertEquals(200, r.status());
            assertArrayEquals(body, r.body());
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/async"), new byte[0]));
            assertEquals("async\n", c.readResponse(1).text());
        }
        assertEquals(List.of(), List.copyOf(FAILURES));
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
            c.write(Arrays.copyOf(part.array(), part.position()));
            Thread.sleep(100);
            c.write(RawClient.stream(FCGI_STDIN, 1, "def".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("abcdef", c.readResponse(1).text());
        }
    }

    @Test
    void getValuesAnsweredTruthfully() throws Exception {
        try (RawClient c = client()) {
            ByteBuffer q = FcgiEncoder.getValues(List.of(Fcgi.FCGI_MPXS_CONNS, Fcgi.FCGI_MAX_REQS, "OTHER"));
            c.write(Arrays.copyOfRange(q.array(), q.position(), q.limit()));
            RawClient.Record r = c.readRecord();
            assertEquals(FCGI_GET_VALUES_RESULT, r.type());
            String content = new String(r.content(), StandardCharsets.ISO_8859_1);
            assertTrue(content.contains("FCGI_MPXS_CONNS0"), content);
            assertTrue(content.contains("FCGI_MAX_REQS200"), content);
            assertFalse(content.contains("OTHER"), content);
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
            Thread.sleep(200);
            ByteBuffer abort = ByteBuffer.allocate(8);
            FcgiEncoder.putAbortRequest(abort, 1);
            c.write(abort.array());
            RawClient.Response r = c.readResponse(1);
            assertEquals(FCGI_REQUEST_COMPLETE, r.protocolStatus());
            assertNotNull(FAILURES.poll(5, TimeUnit.SECONDS), "the servlet's read failed");
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            assertEquals("Hello\n", c.readResponse(1).text(), "kept-alive connection still serves");
        }
    }

    /** With the body complete, FCGI_ABORT_REQUEST is noticed when the servlet writes next. */
    @Test
    void abortRequestFailsTheNextWrite() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/slow?n=500"), new byte[0]));
            RawClient.Record first = c.readRecord();
            assertEquals(Fcgi.FCGI_STDOUT, first.type());
            ByteBuffer abort = ByteBuffer.allocate(8);
            FcgiEncoder.putAbortRequest(abort, 1);
            c.write(abort.array());
            RawClient.Record last;
            do {
                last = c.readRecord();
            } while (last.type() == Fcgi.FCGI_STDOUT);
            assertEquals(Fcgi.FCGI_END_REQUEST, last.type());
            assertNotNull(FAILURES.poll(5, TimeUnit.SECONDS), "the servlet's write failed");
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
        assertNotNull(FAILURES.poll(5, TimeUnit.SECONDS), "the servlet's read failed");
    }

    /**
     * A body that ends before CONTENT_LENGTH, or goes past it, is not the request's body (spec 6.2): the servlet's
     * read fails, the violation is logged once, and the connection closes without a complete 200.
     */
    @Test
    void stdinShorterOrLongerThanContentLengthFailsTheRead() throws Exception {
        for (String body : new String[] {"abc", "abcdefghijk"}) {
            FAILURES.clear();
            try (RawClient c = client()) {
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/echo", 10),
                        body.getBytes(StandardCharsets.US_ASCII)));
                String reply = new String(c.readUntilClosed(), StandardCharsets.ISO_8859_1);
                boolean ended = reply.contains("\u0001\u0003\u0000\u0001");
                assertTrue(!ended || !reply.contains("Status: 200 "), reply);
            }
            Throwable failure = FAILURES.poll(5, TimeUnit.SECONDS);
            assertTrue(String.valueOf(failure).contains("FCGI_STDIN_LENGTH_MISMATCH"), String.valueOf(failure));
        }
        List<String> messages = warningMessages();
        assertEquals(2, messages.stream().filter(m -> m.contains("FCGI_STDIN_LENGTH_MISMATCH: ")).count(),
                messages::toString);
    }

    /** A response header holding CR LF never reaches the web server as a header line of its own. */
    @Test
    void aHeaderWithCrLfIsNeverWritten() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/inject"), new byte[0]));
            RawClient.Response r = c.readResponse(1);
            // The Tomcat adapter drops the header, with a warning, and sends the rest of the response.
            assertEquals(200, r.status());
            assertFalse(r.headers().containsKey("x-injected"), r.headers().toString());
            assertFalse(r.headers().containsKey("x-echo"), r.headers().toString());
        }
        List<String> messages = warningMessages();
        assertEquals(1, messages.stream().filter(m -> m.contains("response header dropped: header X-Echo")).count(),
                messages::toString);
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
        assertEquals(1, warningMessages().stream().filter(m -> m.contains("CGI_BAD_HOST")).count(),
                warningMessages()::toString);
    }

    @Test
    void protocolViolationClosesOnlyThatConnectionAndIsLoggedOnce() throws Exception {
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
        List<String> messages = warningMessages();
        assertEquals(1, messages.stream().filter(m -> m.contains("FCGI_BAD_VERSION: record version 9")).count(),
                messages::toString);
    }

    @Test
    void oversizedParamsAnswered431() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/hello");
            params.put("HTTP_COOKIE", "x".repeat(20001));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
            all.writeBytes(RawClient.params(1, params));
            c.write(all.toByteArray());
            RawClient.Response r = c.readResponse(1);
            assertEquals(431, r.status());
            assertTrue(r.text().contains("PARAM_VALUE_TOO_LONG"), r.text());
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void headRequestHasNoBodyButKeepsItsLength() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/hello");
            params.put("REQUEST_METHOD", "HEAD");
            c.write(RawClient.request(1, 0, params, new byte[0]));
            RawClient.Response r = c.readResponse(1);
            assertEquals(200, r.status());
            assertEquals("6", r.headers().get("content-length"));
            assertEquals(0, r.body().length);
        }
    }

    /** The web server answers 100-continue itself: no interim response goes through CGI. */
    @Test
    void expectContinueSendsOnlyTheFinalResponse() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.post("/echo", 2);
            params.put("HTTP_EXPECT", "100-continue");
            c.write(RawClient.request(1, 0, params, new byte[] {'h', 'i'}));
            RawClient.Response r = c.readResponse(1);
            assertEquals(200, r.status());
            assertEquals("hi", r.text());
        }
    }

    @Test
    void servesOnAUnixSocket() throws Exception {
        try (RawClient c = new RawClient(unixSocket)) {
            Map<String, String> params = RawClient.get("/info");
            params.put("REMOTE_ADDR", "unix:");
            params.remove("REMOTE_PORT");
            c.write(RawClient.request(1, FCGI_KEEP_CONN, params, new byte[0]));
            String text = c.readResponse(1).text();
            assertTrue(text.contains("remote=unix::0\n"), text);
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            assertEquals("Hello\n", c.readResponse(1).text());
        }
    }
}
