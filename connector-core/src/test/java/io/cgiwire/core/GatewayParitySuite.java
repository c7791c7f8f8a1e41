package io.cgiwire.core;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_AUTHORIZER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_END_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MAX_REQS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MPXS_CONNS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_REQUEST_COMPLETE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDERR;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_ROLE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_TYPE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cgiwire.core.fcgi.FcgiEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
 *   <li>{@code /stderr}: "logged\n" to the FastCGI stderr stream, "ok\n" as the response;
 *   <li>{@code /barrier?key=K&parties=N}: any method, waits in {@link Barrier#await} until N requests with key K
 *       are there, then reads the whole body (a read that fails goes to {@link #failures()} and fails the request)
 *       and answers "passed\n"; "barrier timed out\n" with a 504 if the others do not come. With {@code cut=1} it
 *       instead sends "partial\n" (the response committed) and then fails: a response cut short.
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

    /**
     * Where {@code /barrier} requests wait for each other: proof that requests are in the container at once, without
     * measuring time. Each test takes keys of its own ({@link Fcgi#barrier(int)}), so no reset is needed.
     */
    public static final class Barrier {
        /** How long a request waits for the others: far longer than requests already sent take to arrive. */
        public static final long TIMEOUT_MILLIS = 5000;
        private static final ConcurrentMap<String, CountDownLatch> LATCHES = new ConcurrentHashMap<>();

        private Barrier() {
        }

        /** Arrives at barrier {@code key} of {@code parties} and waits for the others: false if they did not come. */
        public static boolean await(String key, int parties) throws InterruptedException {
            CountDownLatch latch = LATCHES.computeIfAbsent(key, k -> new CountDownLatch(parties));
            latch.countDown();
            return latch.await(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    /** The cases on a FastCGI connection. */
    public abstract static class Fcgi extends GatewayParitySuite {
        /** The test servers' FCGI_MAX_REQS when they do not multiplex: their thread pools' 200 threads. */
        private static final int POOL_MAX_REQS = 200;

        /**
         * Whether the adapter multiplexes (issue 13): serves several request ids of one connection at once, each its
         * own container request. One that does not runs the cases where ids wait their turn and skips the others.
         */
        protected abstract boolean multiplexes();

        /** The connector's maxMultiplexedRequests: the default unless the adapter's test sets one. */
        protected int maxMultiplexedRequests() {
            return GatewayLimits.DEFAULT_MAX_MULTIPLEXED_REQUESTS;
        }

        /**
         * The container's own /info lines for {@link #theRequestIsTheClientsNotTheSockets()}'s request: GET
         * {@code /info/a%20b?q=1} as request 7, HTTPS on, host www.example.com:8443, User-Agent raw, REMOTE_USER
         * mallory (not trusted).
         */
        protected abstract String clientsRequestInfo();

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

        /**
         * Once the FCGI_STDIN of a request without FCGI_KEEP_CONN has ended, nothing more may come: the connection
         * closes whole at once, without waiting for the web server's close (a read event per request less).
         */
        @Test
        void closesWholeAtOnceAfterARequestWithoutKeepConn() throws Exception {
            for (byte[] request : List.of(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]),
                    RawClient.request(1, 0, RawClient.post("/echo", 5), "hello".getBytes(StandardCharsets.US_ASCII)))) {
                try (RawClient c = client()) {
                    c.write(request);
                    assertEquals(200, c.readResponse(1).status());
                    assertTrue(c.closedByServer());
                    assertTrue(c.closedWhole(2000), "still reading after the response: the connection drained");
                }
            }
        }

        /**
         * FCGI_KEEP_CONN is each request's own: one without it, after one with it on the same connection, closes the
         * connection once answered. Repeated, since what decides it may race with the first request's completion.
         */
        @Test
        void aLaterRequestWithoutKeepConnClosesTheConnection() throws Exception {
            for (int round = 1; round <= 20; round++) {
                try (RawClient c = client()) {
                    c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/echo", 5),
                            "hello".getBytes(StandardCharsets.US_ASCII)));
                    assertEquals("hello", c.readResponse(1).text());
                    c.write(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
                    assertEquals("Hello\n", c.readResponse(1).text());
                    assertTrue(c.closedByServer(), "round " + round + ": open after a request without keep-conn");
                }
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

        /**
         * A multiplexing adapter says so, with FCGI_MAX_REQS = min(the connector's, maxMultiplexedRequests); one that
         * does not says FCGI_MPXS_CONNS=0, so that HAProxy's mpxs-conns stops putting ids on a busy connection.
         */
        @Test
        void getValuesAnsweredTruthfully() throws Exception {
            try (RawClient c = client()) {
                ByteBuffer q = FcgiEncoder.getValues(List.of(FCGI_MPXS_CONNS, FCGI_MAX_REQS, "OTHER"));
                c.write(Arrays.copyOfRange(q.array(), q.position(), q.limit()));
                RawClient.Record r = c.readRecord();
                assertEquals(FCGI_GET_VALUES_RESULT, r.type());
                String content = new String(r.content(), StandardCharsets.ISO_8859_1);
                if (multiplexes()) {
                    assertEquals(Map.of(FCGI_MPXS_CONNS, "1",
                            FCGI_MAX_REQS, Integer.toString(Math.min(POOL_MAX_REQS, maxMultiplexedRequests()))),
                            pairs(r.content()));
                } else {
                    assertTrue(content.contains("FCGI_MPXS_CONNS0"), content);
                    assertTrue(content.contains("FCGI_MAX_REQS200"), content);
                    assertFalse(content.contains("OTHER"), content);
                }
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
         * A second request id while one is in flight (HAProxy's mpxs-conns puts several on a new connection) keeps
         * its body and is answered, none refused or left without an answer: after the first if the adapter does not
         * multiplex, in either order if it does.
         */
        @Test
        void aSecondRequestIdKeepsItsBodyAndIsAnswered() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                c.write(RawClient.params(1, RawClient.post("/echo", 2)));
                c.write(RawClient.begin(3, FCGI_RESPONDER, FCGI_KEEP_CONN));
                c.write(RawClient.params(3, RawClient.post("/echo", 3)));
                c.write(RawClient.stream(FCGI_STDIN, 3, new byte[] {'a', 'b', 'c'}));
                c.write(RawClient.stream(FCGI_STDIN, 1, new byte[] {'o', 'k'}));
                Answers a = readResponses(c, 1, 3);
                assertEquals("ok", a.get(1).text());
                assertEquals("abc", a.get(3).text());
                if (!multiplexes()) {
                    assertEquals(List.of(1, 3), a.ended(), "ids wait their turn");
                }
                c.write(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
                assertEquals(200, c.readResponse(1).status());
            }
        }

        /**
         * Three ids of one connection are in the container at once: each waits inside the route until all three are
         * there, so all are answered 200 only if the adapter serves them together (a 504 after the barrier's timeout
         * otherwise).
         */
        @Test
        void threeIdsAreInTheContainerAtOnce() throws Exception {
            assumeTrue(multiplexes(), "ids wait their turn on this adapter");
            String barrier = barrier(3);
            try (RawClient c = client()) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int id = 1; id <= 3; id++) {
                    all.writeBytes(RawClient.request(id, FCGI_KEEP_CONN, RawClient.get(barrier), new byte[0]));
                }
                c.write(all.toByteArray());
                Answers a = readResponses(c, 1, 2, 3);
                for (int id = 1; id <= 3; id++) {
                    assertEquals(200, a.get(id).status(), "id " + id + ": " + a.get(id).text());
                }
            }
        }

        /**
         * Per-request flow control: a request that leaves its 2 MiB body unread while another is in flight does not
         * stop the connection. Ids 1 and 2 wait at barriers released over a second connection; id 3, sent after all of
         * id 1's body, is answered first. Id 1's body, past the 1 MiB it may keep unread, was dropped: its read fails
         * once released, and the connection goes on.
         */
        @Test
        void anUnreadBodyDoesNotStopTheOtherIds() throws Exception {
            assumeTrue(multiplexes(), "ids wait their turn on this adapter");
            byte[] body = new byte[2 * 1024 * 1024];
            new Random(13).nextBytes(body);
            String unread = barrier(2);
            String inFlight = barrier(2);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
            all.writeBytes(RawClient.params(1, RawClient.post(unread, body.length)));
            all.writeBytes(RawClient.request(2, FCGI_KEEP_CONN, RawClient.get(inFlight), new byte[0]));
            all.writeBytes(RawClient.stream(FCGI_STDIN, 1, body));
            all.writeBytes(RawClient.request(3, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            try (RawClient c = client(); RawClient other = client()) {
                Answers first = c.writeWhileReading(all.toByteArray(), x -> readResponses(x, 3));
                assertEquals("Hello\n", first.get(3).text(), "the id after the unread body");
                for (String barrier : List.of(inFlight, unread)) {
                    other.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get(barrier), new byte[0]));
                    assertEquals(200, other.readResponse(1).status(), barrier);
                }
                Answers a = readResponses(c, 1, 2);
                assertEquals(200, a.get(2).status(), a.get(2).text());
                assertNotEquals(200, a.get(1).status(), "the body past 1 MiB was dropped: " + a.get(1).text());
                assertInstanceOf(IOException.class, failures().poll(5, TimeUnit.SECONDS), "the dropped body's read");
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals("Hello\n", c.readResponse(1).text(), "the connection still serves");
            }
        }

        /**
         * A request alone on its connection keeps its whole body however long it leaves it unread (nginx's uploads to
         * a slow reader): the connection waits for it instead. The route reads once released over a second connection,
         * after a pause that lets the body pile up (the case holds without it, proving less).
         */
        @Test
        void aLoneRequestsUnreadBodyIsKept() throws Exception {
            byte[] body = new byte[2 * 1024 * 1024];
            new Random(17).nextBytes(body);
            String barrier = barrier(2);
            byte[] request = RawClient.request(1, FCGI_KEEP_CONN, RawClient.post(barrier, body.length), body);
            try (RawClient c = client(); RawClient other = client()) {
                RawClient.Response r = c.writeWhileReading(request, x -> {
                    try {
                        Thread.sleep(500);
                        other.write(RawClient.request(1, 0, RawClient.get(barrier), new byte[0]));
                        assertEquals(200, other.readResponse(1).status(), "the releasing request");
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                    return x.readResponse(1);
                });
                assertEquals(200, r.status(), r.text());
                assertEquals(List.of(), List.copyOf(failures()));
            }
        }

        /** FCGI_ABORT_REQUEST of one of two ids ends that one; the other is answered whole, as if alone. */
        @Test
        void abortingOneIdLeavesTheOtherUntouched() throws Exception {
            byte[] body = new byte[64 * 1024 + 3];
            new Random(5).nextBytes(body);
            try (RawClient c = client()) {
                c.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                c.write(RawClient.params(1, RawClient.post("/echo", 100)));
                c.write(RawClient.begin(2, FCGI_RESPONDER, FCGI_KEEP_CONN));
                c.write(RawClient.params(2, RawClient.post("/echo", body.length)));
                c.write(stdinPart(2, Arrays.copyOf(body, 1000)));
                ByteBuffer abort = ByteBuffer.allocate(8);
                FcgiEncoder.putAbortRequest(abort, 1);
                c.write(abort.array());
                byte[] rest = RawClient.stream(FCGI_STDIN, 2, Arrays.copyOfRange(body, 1000, body.length));
                Answers a = c.writeWhileReading(rest, x -> readResponses(x, 1, 2));
                assertEquals(FCGI_REQUEST_COMPLETE, a.get(1).protocolStatus(), "the aborted id is ended");
                assertEquals(200, a.get(2).status());
                assertArrayEquals(body, a.get(2).body());
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals("Hello\n", c.readResponse(1).text(), "the connection still serves");
            }
        }

        /**
         * A response cut short (the application failed after its head went out) ends its own id only: the other id in
         * flight still gets the body the web server sends after that, and is answered. Both wait at one barrier, so
         * the other is in the container when the first is cut short.
         */
        @Test
        void aResponseCutShortLeavesTheOtherIdServed() throws Exception {
            assumeTrue(multiplexes(), "ids wait their turn on this adapter");
            String key = UUID.randomUUID().toString();
            try (RawClient c = client()) {
                ByteArrayOutputStream both = new ByteArrayOutputStream();
                both.writeBytes(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                both.writeBytes(RawClient.params(1, RawClient.post("/barrier?key=" + key + "&parties=2", 5)));
                both.writeBytes(RawClient.request(2, FCGI_KEEP_CONN,
                        RawClient.get("/barrier?key=" + key + "&parties=2&cut=1"), new byte[0]));
                c.write(both.toByteArray());
                ByteArrayOutputStream cut = new ByteArrayOutputStream();
                while (!cut.toString(StandardCharsets.ISO_8859_1).contains("partial\n")) {
                    RawClient.Record r = c.readRecord();
                    assertEquals(2, r.requestId(), "only the cut id has written");
                    cut.writeBytes(r.content());
                }
                // Its completion reaches the connection meanwhile; then the other id's body comes.
                Thread.sleep(200);
                c.write(RawClient.stream(FCGI_STDIN, 1, "hello".getBytes(StandardCharsets.US_ASCII)));
                ByteArrayOutputStream other = new ByteArrayOutputStream();
                while (true) {
                    RawClient.Record r = c.readRecord();
                    if (r.requestId() == 1 && r.type() == FCGI_END_REQUEST) {
                        break;
                    }
                    if (r.requestId() == 1 && r.type() == FCGI_STDOUT) {
                        other.writeBytes(r.content());
                    }
                }
                assertTrue(other.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\npassed\n"),
                        other.toString(StandardCharsets.ISO_8859_1));
            }
        }

        /**
         * An id begun while maxMultiplexedRequests are in flight waits and is answered once one of them completes, not
         * refused. Those in flight meet at a barrier of that many, so the one waiting cannot end first.
         */
        @Test
        void anIdOverTheInFlightLimitWaitsItsTurn() throws Exception {
            assumeTrue(multiplexes(), "ids wait their turn on this adapter");
            int limit = maxMultiplexedRequests();
            String barrier = barrier(limit);
            try (RawClient c = client()) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int id = 1; id <= limit; id++) {
                    all.writeBytes(RawClient.request(id, FCGI_KEEP_CONN, RawClient.get(barrier), new byte[0]));
                }
                all.writeBytes(RawClient.request(limit + 1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                c.write(all.toByteArray());
                Answers a = readResponses(c, IntStream.rangeClosed(1, limit + 1).toArray());
                for (int id = 1; id <= limit; id++) {
                    assertEquals(200, a.get(id).status(), "id " + id + ": " + a.get(id).text());
                }
                RawClient.Response late = a.get(limit + 1);
                assertEquals(FCGI_REQUEST_COMPLETE, late.protocolStatus(), "waited, not refused");
                assertEquals("Hello\n", late.text());
                assertNotEquals(limit + 1, a.ended().get(0), () -> "over the limit, yet ended first: " + a.ended());
            }
        }

        /**
         * Past the ids in flight, as many again wait; one more is refused with FCGI_CANT_MPX_CONN, at once, and the
         * others are all answered. Those in flight wait at a barrier whose last party comes over a second connection,
         * so nothing on the first can end before the refusal.
         */
        @Test
        void anIdPastTheWaitingOnesIsRefusedWithCantMpxConn() throws Exception {
            assumeTrue(multiplexes(), "ids wait their turn on this adapter");
            int limit = maxMultiplexedRequests();
            String barrier = barrier(limit + 1);
            try (RawClient c = client(); RawClient other = client()) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                for (int id = 1; id <= 2 * limit; id++) {
                    String uri = id <= limit ? barrier : "/hello";
                    all.writeBytes(RawClient.request(id, FCGI_KEEP_CONN, RawClient.get(uri), new byte[0]));
                }
                all.writeBytes(RawClient.begin(2 * limit + 1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                c.write(all.toByteArray());
                RawClient.Record refused = c.readRecord();
                assertEquals(FCGI_END_REQUEST, refused.type());
                assertEquals(2 * limit + 1, refused.requestId(), "2 x maxMultiplexedRequests ids may be active, in"
                        + " flight or waiting: the first refused is the one after them");
                assertEquals(FCGI_CANT_MPX_CONN, refused.content()[4]);
                other.write(RawClient.request(1, 0, RawClient.get(barrier), new byte[0]));
                assertEquals(200, other.readResponse(1).status());
                Answers a = readResponses(c, IntStream.rangeClosed(1, 2 * limit).toArray());
                for (int id = 1; id <= 2 * limit; id++) {
                    assertEquals(200, a.get(id).status(), "id " + id + ": " + a.get(id).text());
                }
                c.write(RawClient.request(2 * limit + 1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals("Hello\n", c.readResponse(2 * limit + 1).text(), "the refused id is free again");
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

        /**
         * An aborted request ends with its FCGI_END_REQUEST as any whole response does, so a connection without
         * FCGI_KEEP_CONN then drains as after any whole response: the rest of a body the web server was still sending
         * is read, not reset under the END_REQUEST. (Only a response cut short by a failure closes at once.)
         */
        @Test
        void anAbortedRequestWithoutKeepConnDrains() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.begin(1, FCGI_RESPONDER, 0));
                c.write(RawClient.params(1, RawClient.post("/echo", 100)));
                Thread.sleep(200);
                ByteBuffer abort = ByteBuffer.allocate(8);
                FcgiEncoder.putAbortRequest(abort, 1);
                c.write(abort.array());
                assertEquals(FCGI_REQUEST_COMPLETE, c.readResponse(1).protocolStatus());
                assertNotNull(failures().poll(5, TimeUnit.SECONDS), "the application's read failed");
                assertTrue(c.closedByServer());
                assertFalse(c.closedWhole(1000), "closed whole at once: what the web server still sends is reset");
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

        /** A barrier of {@code parties} on {@code /barrier} with a key of its own. */
        static String barrier(int parties) {
            return "/barrier?key=" + UUID.randomUUID() + "&parties=" + parties;
        }

        /** STDIN bytes of request {@code id} without the empty record that would end the stream. */
        static byte[] stdinPart(int id, byte[] content) {
            ByteBuffer b = ByteBuffer.allocate((int) FcgiEncoder.streamLength(content.length));
            FcgiEncoder.putStream(b, FCGI_STDIN, id, ByteBuffer.wrap(content));
            return Arrays.copyOf(b.array(), b.position());
        }

        /** The responses of several ids on one connection, and the order in which their FCGI_END_REQUEST came. */
        record Answers(Map<Integer, RawClient.Response> responses, List<Integer> ended) {
            RawClient.Response get(int id) {
                return responses.get(id);
            }
        }

        /**
         * Reads until each of {@code ids} has its FCGI_END_REQUEST, whichever order their records come in; a record
         * of another id fails. A response cut short of its head (an aborted id) has status -1 and its bytes as body.
         */
        static Answers readResponses(RawClient c, int... ids) throws IOException {
            Map<Integer, ByteArrayOutputStream> stdout = new LinkedHashMap<>();
            Map<Integer, ByteArrayOutputStream> stderr = new LinkedHashMap<>();
            for (int id : ids) {
                stdout.put(id, new ByteArrayOutputStream());
                stderr.put(id, new ByteArrayOutputStream());
            }
            Map<Integer, RawClient.Response> responses = new LinkedHashMap<>();
            List<Integer> ended = new ArrayList<>();
            while (ended.size() < ids.length) {
                RawClient.Record r = c.readRecord();
                int id = r.requestId();
                if (!stdout.containsKey(id) || ended.contains(id)) {
                    throw new IOException("record of type " + r.type() + " for request " + id + " while reading "
                            + Arrays.toString(ids) + ", ended " + ended);
                }
                if (r.type() == FCGI_STDOUT) {
                    stdout.get(id).writeBytes(r.content());
                } else if (r.type() == FCGI_STDERR) {
                    stderr.get(id).writeBytes(r.content());
                } else if (r.type() == FCGI_END_REQUEST) {
                    ByteBuffer end = ByteBuffer.wrap(r.content());
                    byte[] bytes = stdout.get(id).toByteArray();
                    String errors = stderr.get(id).toString(StandardCharsets.UTF_8);
                    int appStatus = end.getInt();
                    int protocolStatus = end.get() & 0xFF;
                    boolean headed = new String(bytes, StandardCharsets.ISO_8859_1).contains("\r\n\r\n");
                    responses.put(id, headed ? RawClient.parse(bytes, errors, appStatus, protocolStatus)
                            : new RawClient.Response(-1, Map.of(), bytes, errors, appStatus, protocolStatus));
                    ended.add(id);
                } else {
                    throw new IOException("unexpected record type " + r.type() + " for request " + id);
                }
            }
            return new Answers(responses, ended);
        }

        /** The name-value pairs of a record's content (spec 3.4): a length below 128 in one byte, else in four. */
        static Map<String, String> pairs(byte[] content) {
            ByteBuffer b = ByteBuffer.wrap(content);
            Map<String, String> pairs = new LinkedHashMap<>();
            while (b.hasRemaining()) {
                byte[] name = new byte[length(b)];
                byte[] value = new byte[length(b)];
                b.get(name).get(value);
                pairs.put(new String(name, StandardCharsets.ISO_8859_1),
                        new String(value, StandardCharsets.ISO_8859_1));
            }
            return pairs;
        }

        private static int length(ByteBuffer b) {
            return (b.get(b.position()) & 0x80) == 0 ? b.get() : b.getInt() & 0x7FFFFFFF;
        }
    }

    /** The cases on an SCGI connection: one request, then the connection closes. */
    public abstract static class Scgi extends GatewayParitySuite {
        /**
         * The container's own /info lines for {@link #theRequestIsTheClients()}'s request: GET {@code /info} with
         * {@link RawClient#get(String)}'s variables but no SERVER_ADDR.
         */
        protected abstract String clientsRequestInfo();

        /** Nothing may follow a whole SCGI request: the connection closes whole at once, without draining. */
        @Test
        void closesWholeAtOnceAfterACompleteRequest() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.scgi(RawClient.post("/echo", 5), "hello".getBytes(StandardCharsets.US_ASCII)));
                assertEquals("hello", c.readToEnd().text());
                assertTrue(c.closedWhole(2000), "still reading after the response: the connection drained");
            }
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
