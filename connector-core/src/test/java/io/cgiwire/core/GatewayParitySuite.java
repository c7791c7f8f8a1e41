package io.cgiwire.core;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_AUTHORIZER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_END_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MAX_REQS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MPXS_CONNS;
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

import io.cgiwire.core.fcgi.FcgiEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a web server sees of either adapter, whichever container runs the application: the end-to-end cases both
 * adapters must pass alike, driven through {@link RawClient} (this module's test jar). Each adapter runs {@link Fcgi}
 * and {@link Scgi} by subclassing them on a server of its own that serves these routes the same way:
 * <ul>
 *   <li>{@code /hello}: "Hello\n", text/plain with Content-Length 6, for any method;
 *   <li>{@code /echo}: POST, the body back as application/octet-stream; a read that fails goes to {@link #failures()};
 *   <li>{@code /info}: one line per field of the request, first the ones both containers report alike
 *       (remote, local, secure, server, protocol, host, contentType), then the container's own;
 *   <li>{@code /stderr}: "logged\n" to the FastCGI stderr stream, "ok\n" as the response.
 * </ul>
 * Where the containers legitimately differ (a response header holding CR LF, the container's own request fields,
 * logging) the adapter's tests keep the case or answer a hook here.
 */
@Timeout(30)
public abstract class GatewayParitySuite {
    /** A new client connected to the server under test. */
    protected abstract RawClient client() throws IOException;

    /** Failures the routes' reads (and the container's writes) reported, in order. */
    protected abstract BlockingQueue<Throwable> failures();

    /**
     * Asserts the adapter logged {@code times} warnings containing {@code text} since the case started, for an
     * adapter whose tests capture its log; an adapter whose log is not captured checks nothing.
     */
    protected abstract void assertLogged(String text, int times);

    /** The cases on a FastCGI connection. */
    public abstract static class Fcgi extends GatewayParitySuite {
        /**
         * The container's own /info lines for {@link #theRequestIsTheClientsNotTheSockets()}'s request: GET
         * {@code /info/a%20b?q=1} as request 7, HTTPS on, host www.example.com:8443, User-Agent raw, REMOTE_USER
         * mallory (not trusted).
         */
        protected abstract String clientsRequestInfo();

        /** Whether the adapter serves several requests of a connection at once (FCGI_MPXS_CONNS=1). */
        protected abstract boolean multiplexes();

        /**
         * Asserts what else the web server got for {@link #stdinShorterOrLongerThanContentLengthFailsTheRead()}'s
         * {@code reply} ({@code ended} if it holds FCGI_END_REQUEST): what was committed before the read failed depends
         * on how the container buffers the echo.
         */
        protected abstract void assertStdinMismatchReply(String reply, boolean ended);

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
                        "remote=203.0.113.7:40001",
                        "local=127.0.0.1:8443",
                        "secure=true",
                        "server=www.example.com:8443",
                        "protocol=HTTP/1.1",
                        "host=www.example.com:8443",
                        "contentType=null") + "\n" + clientsRequestInfo(), r.text());
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
                byte[] request = RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/echo", body.length), body);
                RawClient.Response r = c.writeWhileReading(request, x -> x.readResponse(1));
                assertEquals(200, r.status());
                assertArrayEquals(body, r.body());
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals("Hello\n", c.readResponse(1).text());
            }
        }

        /**
         * A body of unknown length ends with the empty STDIN record: nginx with fastcgi_request_buffering off sends
         * CONTENT_LENGTH empty, Caddy sends -1 for a chunked body.
         */
        @ParameterizedTest
        @ValueSource(strings = {"", "-1"})
        void bodyOfUnknownLength(String contentLength) throws Exception {
            try (RawClient c = client()) {
                Map<String, String> params = RawClient.post("/echo", 0);
                params.put("CONTENT_LENGTH", contentLength);
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
                ByteBuffer q = FcgiEncoder.getValues(List.of(FCGI_MPXS_CONNS, FCGI_MAX_REQS, "OTHER"));
                c.write(Arrays.copyOfRange(q.array(), q.position(), q.limit()));
                RawClient.Record r = c.readRecord();
                assertEquals(FCGI_GET_VALUES_RESULT, r.type());
                String content = new String(r.content(), StandardCharsets.ISO_8859_1);
                if (multiplexes()) {
                    // At most maxMultiplexedRequests at once on the connection: HAProxy reads FCGI_MAX_REQS as that.
                    assertTrue(content.contains("FCGI_MPXS_CONNS1"), content);
                    assertTrue(content.contains("FCGI_MAX_REQS16"), content);
                } else {
                    assertTrue(content.contains("FCGI_MPXS_CONNS0"), content);
                    assertTrue(content.contains("FCGI_MAX_REQS200"), content);
                }
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

        /**
         * A second request id while one is in flight (HAProxy's mpxs-conns puts several on a new connection) waits,
         * its body kept, and is answered once the first is: none is refused or left without an answer.
         */
        @Test
        void aSecondRequestIdWaitsWithItsBodyAndIsAnsweredAfterTheFirst() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                c.write(RawClient.params(1, RawClient.post("/echo", 2)));
                c.write(RawClient.begin(3, FCGI_RESPONDER, FCGI_KEEP_CONN));
                c.write(RawClient.params(3, RawClient.post("/echo", 3)));
                c.write(RawClient.stream(FCGI_STDIN, 3, new byte[] {'a', 'b', 'c'}));
                c.write(RawClient.stream(FCGI_STDIN, 1, new byte[] {'o', 'k'}));
                // In any order when the two are served at once.
                Map<Integer, RawClient.Response> responses = c.readResponses(1, 3);
                assertEquals("ok", responses.get(1).text());
                assertEquals("abc", responses.get(3).text());
                c.write(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
                assertEquals(200, c.readResponse(1).status());
            }
        }

        @Test
        void otherRolesRefusedWithUnknownRole() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.begin(1, FCGI_AUTHORIZER, FCGI_KEEP_CONN));
                RawClient.Record r = c.readRecord();
                assertEquals(FCGI_END_REQUEST, r.type());
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
                assertNotNull(failures().poll(5, TimeUnit.SECONDS), "the application's read failed");
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
            assertNotNull(failures().poll(5, TimeUnit.SECONDS), "the application's read failed");
        }

        /**
         * A body that ends before CONTENT_LENGTH, or goes past it, is not the request's body (spec 6.2): the
         * application's read fails, the violation is logged once, and the connection closes: never a complete 200.
         */
        @Test
        void stdinShorterOrLongerThanContentLengthFailsTheRead() throws Exception {
            for (String body : new String[] {"abc", "abcdefghijk"}) {
                failures().clear();
                try (RawClient c = client()) {
                    c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/echo", 10),
                            body.getBytes(StandardCharsets.US_ASCII)));
                    String reply = new String(c.readUntilClosed(), StandardCharsets.ISO_8859_1);
                    boolean ended = reply.contains("\u0001\u0003\u0000\u0001");
                    assertFalse(ended && reply.contains("Status: 200 "), reply);
                    assertStdinMismatchReply(reply, ended);
                }
                Throwable failure = failures().poll(5, TimeUnit.SECONDS);
                assertTrue(String.valueOf(failure).contains("FCGI_STDIN_LENGTH_MISMATCH"), String.valueOf(failure));
            }
            assertLogged("FCGI_STDIN_LENGTH_MISMATCH: ", 2);
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
            assertLogged("CGI_BAD_HOST", 1);
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
            assertLogged("FCGI_BAD_VERSION: record version 9", 1);
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
    }

    /** The cases on an SCGI connection: one request, then the connection closes. */
    public abstract static class Scgi extends GatewayParitySuite {
        /**
         * The container's own /info lines for {@link #theRequestIsTheClients()}'s request: GET {@code /info} with
         * {@link RawClient#get(String)}'s variables but no SERVER_ADDR.
         */
        protected abstract String clientsRequestInfo();

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
                byte[] request = RawClient.scgi(RawClient.post("/echo", body.length), body);
                RawClient.Response r = c.writeWhileReading(request, RawClient::readToEnd);
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
                assertEquals(String.join("\n",
                        "remote=203.0.113.7:40001",
                        "local=127.0.0.1:8080",
                        "secure=false",
                        "server=example.com:8080",
                        "protocol=HTTP/1.1",
                        "host=example.com:8080",
                        "contentType=null") + "\n" + clientsRequestInfo(), text);
            }
        }

        /** The application answers without reading a 1 MiB body: the body is drained, so the response is not reset. */
        @Test
        void unreadBodyIsDrainedBeforeClosing() throws Exception {
            byte[] body = new byte[1024 * 1024];
            try (RawClient c = client()) {
                byte[] request = RawClient.scgi(RawClient.post("/hello", body.length), body);
                RawClient.Response r = c.writeWhileReading(request, RawClient::readToEnd);
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
        void malformedNetstringAnswered400AndLoggedOnce() throws Exception {
            try (RawClient c = client()) {
                c.write("12x:".getBytes(StandardCharsets.US_ASCII));
                RawClient.Response r = c.readToEnd();
                assertEquals(400, r.status());
                assertTrue(r.text().contains("SCGI_BAD_NETSTRING_LENGTH"));
            }
            assertLogged("SCGI_BAD_NETSTRING_LENGTH", 1);
        }
    }
}
