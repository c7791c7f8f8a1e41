package io.cgiwire.core.fcgi;

import static io.cgiwire.core.GatewaySessionAssertions.abort;
import static io.cgiwire.core.GatewaySessionAssertions.assertRejects;
import static io.cgiwire.core.GatewaySessionAssertions.assertSession;
import static io.cgiwire.core.GatewaySessionAssertions.body;
import static io.cgiwire.core.GatewaySessionAssertions.bodyEnd;
import static io.cgiwire.core.GatewaySessionAssertions.bytes;
import static io.cgiwire.core.GatewaySessionAssertions.completed;
import static io.cgiwire.core.GatewaySessionAssertions.concat;
import static io.cgiwire.core.GatewaySessionAssertions.escape;
import static io.cgiwire.core.GatewaySessionAssertions.request;
import static io.cgiwire.core.GatewaySessionAssertions.write;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_ABORT_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_AUTHORIZER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_DATA;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_FILTER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_PARAMS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_REQUEST_COMPLETE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDERR;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_ROLE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_TYPE;
import static io.cgiwire.core.fcgi.FcgiFixtures.empty;
import static io.cgiwire.core.fcgi.FcgiFixtures.endRequest;
import static io.cgiwire.core.fcgi.FcgiFixtures.latin1;
import static io.cgiwire.core.fcgi.FcgiFixtures.pairs;
import static io.cgiwire.core.fcgi.FcgiFixtures.record;
import static io.cgiwire.core.fcgi.FcgiFixtures.response;
import static io.cgiwire.core.fcgi.FcgiFixtures.zeroPadded;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.GatewaySessionAssertions.Adapter;
import io.cgiwire.core.GatewaySessionAssertions.Driver;
import io.cgiwire.core.GatewaySessionAssertions.FakeClock;
import io.cgiwire.core.GatewaySessionAssertions.Seen;
import io.cgiwire.core.GatewayTrust;
import io.cgiwire.core.IpLiterals;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.RawClient;
import io.cgiwire.core.Violation;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The FastCGI session byte in, byte out: what both adapters' connections do, tested once. */
class FcgiSessionTest {
    static final InetSocketAddress PEER = new InetSocketAddress(IpLiterals.address("192.0.2.10"), 50000);
    static final InetSocketAddress LOCAL = new InetSocketAddress(IpLiterals.address("127.0.0.1"), 9000);
    static final int MAX_CONNS = 10;
    static final int MAX_REQS = 20;

    static final Supplier<FcgiSession> SESSIONS = () -> session(new GatewayLimits(), new FakeClock());

    static FcgiSession session(GatewayLimits limits, FakeClock clock) {
        return new FcgiSession(limits, new GatewayTrust(), new GatewayMetrics("FastCGI"), PEER, LOCAL, clock, MAX_CONNS,
                MAX_REQS);
    }

    /** Answers "hi" once the body is in and completes; completes at once, failed, when aborted. */
    static final Adapter SERVE = (event, d) -> {
        if (event instanceof GatewayEvent.BodyEnd) {
            d.respond("hi");
            d.complete(false);
        } else if (event instanceof GatewayEvent.Abort) {
            d.complete(true);
        }
    };

    /** Answers "hi" at the request, without reading its body; completes only when the next request is held. */
    static final Adapter ANSWER_EARLY = new Adapter() {
        @Override
        public void on(GatewayEvent event, Driver d) {
            if (event instanceof GatewayEvent.Request) {
                d.respond("hi");
            }
        }

        @Override
        public void onHolding(Driver d) {
            d.complete(false);
        }
    };

    /** Does nothing: the container has the request and has not answered yet. */
    static final Adapter IDLE = (event, d) -> {
    };

    record Case(String name, Adapter adapter, byte[] input, List<Seen> seen, byte[] out) {
        @Override
        public String toString() {
            return name;
        }
    }

    static byte[] get(int id, int flags) {
        return RawClient.request(id, flags, RawClient.get("/hello"), new byte[0]);
    }

    static byte[] abortRecord(int id) {
        return empty(FCGI_ABORT_REQUEST, id);
    }

    static String refusal(int status, String phrase, String name) {
        String body = status + " " + name + "\n";
        return "Status: " + status + " " + phrase + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body;
    }

    static final Seen GET_KEPT = request(1, true, "GET", "/hello");
    static final Seen GET_CLOSED = request(1, false, "GET", "/hello");

    static Stream<Case> cases() {
        Map<String, String> badHost = RawClient.get("/hello");
        badHost.put("HTTP_HOST", "bad host");
        Map<String, String> unknownLength = RawClient.post("/echo", 0);
        unknownLength.put("CONTENT_LENGTH", "");
        byte[] badHostRefusal = response(1, refusal(400, "Bad Request", "CGI_BAD_HOST"));
        byte[] values = zeroPadded(FCGI_GET_VALUES_RESULT, 0, pairs("FCGI_MPXS_CONNS", "0", "FCGI_MAX_CONNS", "10",
                "FCGI_MAX_REQS", "20"));
        return Stream.of(
                new Case("GET with FCGI_KEEP_CONN: the connection stays", SERVE, get(1, FCGI_KEEP_CONN),
                        List.of(GET_KEPT, bodyEnd(), completed(true)), response(1, "hi")),
                new Case("GET without FCGI_KEEP_CONN: the connection closes", SERVE, get(1, 0),
                        List.of(GET_CLOSED, bodyEnd(), completed(false)), response(1, "hi")),
                new Case("two requests on a kept connection, both id 1", SERVE,
                        concat(get(1, FCGI_KEEP_CONN), get(1, FCGI_KEEP_CONN)),
                        List.of(GET_KEPT, bodyEnd(), completed(true), GET_KEPT, bodyEnd(), completed(true)),
                        concat(response(1, "hi"), response(1, "hi"))),
                new Case("POST body delivered", SERVE,
                        RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/echo", 5), latin1("hello")),
                        List.of(request(1, true, "POST", "/echo"), body("hello"), bodyEnd(), completed(true)),
                        response(1, "hi")),
                new Case("body of unknown length ends with its stream", SERVE,
                        concat(RawClient.begin(1, FCGI_RESPONDER, 0), RawClient.params(1, unknownLength),
                                record(FCGI_STDIN, 1, latin1("abc"), 5), record(FCGI_STDIN, 1, latin1("def")),
                                empty(FCGI_STDIN, 1)),
                        List.of(request(1, false, "POST", "/echo"), body("abcdef"), bodyEnd(), completed(false)),
                        response(1, "hi")),
                new Case("a second id while one is in flight waits, then starts", SERVE,
                        concat(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
                                RawClient.params(1, RawClient.post("/echo", 2)), get(2, FCGI_KEEP_CONN),
                                RawClient.stream(FCGI_STDIN, 1, latin1("ok"))),
                        List.of(request(1, true, "POST", "/echo"), body("ok"), bodyEnd(), completed(true),
                                request(2, true, "GET", "/hello"), bodyEnd(), completed(true)),
                        concat(response(1, "hi"), response(2, "hi"))),
                new Case("a waiting request's body is kept and delivered when it starts", SERVE,
                        concat(RawClient.begin(1, FCGI_RESPONDER, 0), RawClient.params(1,
                                RawClient.post("/echo", 2)), RawClient.begin(3, FCGI_RESPONDER, 0),
                                RawClient.params(3, RawClient.post("/next", 6)),
                                record(FCGI_STDIN, 3, latin1("abc")), RawClient.stream(FCGI_STDIN, 1, latin1("ok")),
                                RawClient.stream(FCGI_STDIN, 3, latin1("def"))),
                        List.of(request(1, false, "POST", "/echo"), body("ok"), bodyEnd(), completed(true),
                                request(3, false, "POST", "/next"), body("abcdef"), bodyEnd(), completed(false)),
                        concat(response(1, "hi"), response(3, "hi"))),
                new Case("an abort of a waiting request ends it at once; the others go on", SERVE,
                        concat(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
                                RawClient.params(1, RawClient.post("/echo", 2)), get(3, FCGI_KEEP_CONN),
                                abortRecord(3), get(5, FCGI_KEEP_CONN), RawClient.stream(FCGI_STDIN, 1, latin1("ok"))),
                        List.of(request(1, true, "POST", "/echo"), write(endRequest(3, FCGI_REQUEST_COMPLETE), false,
                                false), body("ok"), bodyEnd(), completed(true), request(5, true, "GET", "/hello"),
                                bodyEnd(), completed(true)),
                        concat(endRequest(3, FCGI_REQUEST_COMPLETE), response(1, "hi"), response(5, "hi"))),
                new Case("FCGI_AUTHORIZER: FCGI_UNKNOWN_ROLE, its records skipped, the next request served", SERVE,
                        concat(RawClient.begin(1, FCGI_AUTHORIZER, FCGI_KEEP_CONN),
                                RawClient.params(1, RawClient.get("/hello")), get(1, 0)),
                        List.of(write(endRequest(1, FCGI_UNKNOWN_ROLE), false, false), GET_CLOSED, bodyEnd(),
                                completed(false)),
                        concat(endRequest(1, FCGI_UNKNOWN_ROLE), response(1, "hi"))),
                new Case("FCGI_FILTER: FCGI_UNKNOWN_ROLE, its FCGI_DATA skipped", SERVE,
                        concat(RawClient.begin(1, FCGI_FILTER, 0), RawClient.params(1, RawClient.get("/f")),
                                RawClient.stream(FCGI_STDIN, 1, new byte[0]),
                                RawClient.stream(FCGI_DATA, 1, latin1("file")), get(1, 0)),
                        List.of(write(endRequest(1, FCGI_UNKNOWN_ROLE), false, false), GET_CLOSED, bodyEnd(),
                                completed(false)),
                        concat(endRequest(1, FCGI_UNKNOWN_ROLE), response(1, "hi"))),
                new Case("FCGI_GET_VALUES: FCGI_MPXS_CONNS 0, the limits, unknown names left out", SERVE,
                        concat(record(FCGI_GET_VALUES, 0, pairs("FCGI_MPXS_CONNS", "", "FCGI_MAX_CONNS", "",
                                "FCGI_MAX_REQS", "", "OTHER", ""), 3), get(1, 0)),
                        List.of(write(values, false, false), GET_CLOSED, bodyEnd(), completed(false)),
                        concat(values, response(1, "hi"))),
                new Case("an unknown management type: FCGI_UNKNOWN_TYPE", SERVE, record(99, 0, latin1("x"), 7),
                        List.of(write(record(FCGI_UNKNOWN_TYPE, 0, new byte[] {99, 0, 0, 0, 0, 0, 0, 0}), false,
                                false)),
                        record(FCGI_UNKNOWN_TYPE, 0, new byte[] {99, 0, 0, 0, 0, 0, 0, 0})),
                new Case("an unknown type on the request in flight: FCGI_UNKNOWN_TYPE on id 0", SERVE,
                        concat(RawClient.begin(1, FCGI_RESPONDER, 0), RawClient.params(1, RawClient.get("/hello")),
                                record(200, 1, latin1("yz"), 6), RawClient.stream(FCGI_STDIN, 1, new byte[0])),
                        List.of(GET_CLOSED, write(record(FCGI_UNKNOWN_TYPE, 0, new byte[] {(byte) 200, 0, 0, 0, 0,
                                0, 0, 0}), false, false), bodyEnd(), completed(false)),
                        concat(record(FCGI_UNKNOWN_TYPE, 0, new byte[] {(byte) 200, 0, 0, 0, 0, 0, 0, 0}),
                                response(1, "hi"))),
                new Case("abort of the request in flight: Abort, only FCGI_END_REQUEST owed, the connection kept",
                        SERVE, concat(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
                                RawClient.params(1, RawClient.post("/echo", 100)), abortRecord(1),
                                get(1, FCGI_KEEP_CONN)),
                        List.of(request(1, true, "POST", "/echo"), abort(), completed(true), GET_KEPT, bodyEnd(),
                                completed(true)),
                        concat(endRequest(1, FCGI_REQUEST_COMPLETE), response(1, "hi"))),
                new Case("abort of the request in flight without FCGI_KEEP_CONN: the connection closes", SERVE,
                        concat(RawClient.begin(1, FCGI_RESPONDER, 0), RawClient.params(1,
                                RawClient.post("/echo", 100)), abortRecord(1)),
                        List.of(request(1, false, "POST", "/echo"), abort(), completed(false)),
                        endRequest(1, FCGI_REQUEST_COMPLETE)),
                new Case("abort of a request whose params are not complete: FCGI_END_REQUEST at once", SERVE,
                        concat(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
                                record(FCGI_PARAMS, 1, pairs("REQUEST_METHOD", "GET")), abortRecord(1),
                                get(1, FCGI_KEEP_CONN)),
                        List.of(write(endRequest(1, FCGI_REQUEST_COMPLETE), false, false), GET_KEPT, bodyEnd(),
                                completed(true)),
                        concat(endRequest(1, FCGI_REQUEST_COMPLETE), response(1, "hi"))),
                new Case("abort of an id never begun is ignored", SERVE, concat(abortRecord(5), get(1, 0)),
                        List.of(GET_CLOSED, bodyEnd(), completed(false)), response(1, "hi")),
                new Case("the next request begun before the first completes is held, then delivered", ANSWER_EARLY,
                        concat(get(1, FCGI_KEEP_CONN), RawClient.request(1, FCGI_KEEP_CONN,
                                RawClient.get("/second"), new byte[0])),
                        List.of(GET_KEPT, completed(true), request(1, true, "GET", "/second")),
                        concat(response(1, "hi"), response(1, "hi"))),
                new Case("bad variables: 400 without the container, the kept connection goes on", SERVE,
                        concat(RawClient.request(1, FCGI_KEEP_CONN, badHost, new byte[0]), get(1, FCGI_KEEP_CONN)),
                        List.of(write(badHostRefusal, false, true), GET_KEPT, bodyEnd(), completed(true)),
                        concat(badHostRefusal, response(1, "hi"))),
                new Case("bad variables without FCGI_KEEP_CONN: 400, then close", SERVE,
                        RawClient.request(1, 0, badHost, new byte[0]),
                        List.of(write(badHostRefusal, true, true)), badHostRefusal));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void session(Case c) throws ProtocolException {
        assertSession(SESSIONS, c.adapter(), c.input(), c.seen(), c.out());
    }

    @Test
    void aHeldRequestLeavesItsRecordsUnreadUntilTheFirstCompletes() throws ProtocolException {
        byte[] second = concat(RawClient.begin(1, FCGI_RESPONDER, 0), RawClient.params(1,
                RawClient.post("/second", 1)));
        byte[] secondBody = RawClient.stream(FCGI_STDIN, 1, latin1("x"));
        Adapter holdOn = new Adapter() {
            @Override
            public void on(GatewayEvent event, Driver d) {
                if (event instanceof GatewayEvent.Request r && r.request().path().equals("/hello")) {
                    d.respond("hi");
                }
            }

            @Override
            public void onHolding(Driver d) {
            }
        };
        Driver d = new Driver(SESSIONS.get(), holdOn);
        d.read(concat(get(1, FCGI_KEEP_CONN), second, secondBody));
        assertTrue(d.session.holding());
        assertEquals(escape(secondBody), escape(d.unread()), "the held request's body is left unread");
        ByteBuffer more = ByteBuffer.wrap(get(1, 0));
        assertNull(d.session.next(more));
        assertEquals(0, more.position(), "nothing is read while holding");

        d.complete(false);
        assertTrue(d.session.holding(), "until next() delivers it");
        d.read(new byte[0]);
        assertFalse(d.session.holding());
        assertEquals(List.of(GET_KEPT, completed(true), request(1, false, "POST", "/second"), body("x"), bodyEnd()),
                d.seen());
    }

    @Test
    void stdinShorterThanContentLengthIsAMismatch() {
        byte[] input = RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/echo", 10), latin1("abc"));
        assertRejects(SESSIONS, IDLE, input, List.of(request(1, true, "POST", "/echo"), body("abc")),
                Violation.FCGI_STDIN_LENGTH_MISMATCH);
    }

    /** Fed whole, the 11-byte record is refused before any of it is delivered; byte by byte, after 10 bytes. */
    @Test
    void stdinLongerThanContentLengthIsAMismatchAndNeverMoreThanContentLengthIsDelivered() {
        byte[] input = RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/echo", 10), latin1("abcdefghijk"));
        assertRejects(SESSIONS, IDLE, input, List.of(request(1, true, "POST", "/echo")),
                List.of(request(1, true, "POST", "/echo"), body("abcdefghij")), Violation.FCGI_STDIN_LENGTH_MISMATCH);
    }

    /**
     * Regression: a STDIN length mismatch, found by the session rather than its decoder, was not sticky: the next call
     * went on decoding, and endOfInput passed.
     */
    @Test
    void stdinLengthMismatchIsSticky() throws ProtocolException {
        Driver d = new Driver(SESSIONS.get(), IDLE);
        ProtocolException e = assertThrows(ProtocolException.class, () -> d.read(RawClient.request(1, FCGI_KEEP_CONN,
                RawClient.post("/echo", 1), new byte[0])));
        assertEquals(Violation.FCGI_STDIN_LENGTH_MISMATCH, e.violation());
        assertSame(e, assertThrows(ProtocolException.class, () -> d.session.next(ByteBuffer.wrap(get(2, 0)))));
        assertSame(e, assertThrows(ProtocolException.class, () -> d.session.next(ByteBuffer.allocate(0))));
        assertSame(e, assertThrows(ProtocolException.class, d.session::endOfInput));
    }

    /** One id fewer than maxMultiplexedRequests may be active: the next is refused, politely, not as a violation. */
    @Test
    void anIdOverTheBoundIsRefusedWithCantMpxConn() throws ProtocolException {
        GatewayLimits limits = new GatewayLimits();
        limits.setMaxMultiplexedRequests(3);
        byte[] input = concat(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
                RawClient.params(1, RawClient.post("/echo", 2)), get(3, FCGI_KEEP_CONN), get(5, FCGI_KEEP_CONN),
                RawClient.stream(FCGI_STDIN, 1, latin1("ok")), get(7, FCGI_KEEP_CONN));
        assertSession(() -> session(limits, new FakeClock()), SERVE, input,
                List.of(request(1, true, "POST", "/echo"), write(endRequest(5, FCGI_CANT_MPX_CONN), false, false),
                        body("ok"), bodyEnd(), completed(true), request(3, true, "GET", "/hello"), bodyEnd(),
                        completed(true), request(7, true, "GET", "/hello"), bodyEnd(), completed(true)),
                concat(endRequest(5, FCGI_CANT_MPX_CONN), response(1, "hi"), response(3, "hi"), response(7, "hi")));
    }

    /** Bodies of waiting requests are copied up to a bound; one that would pass it is answered 503 at once. */
    @Test
    void aWaitingBodyOverTheBoundIsAnswered503() throws ProtocolException {
        byte[] big = new byte[FcgiSession.MAX_WAITING_BODY / 2 + 1];
        Driver d = new Driver(SESSIONS.get(), IDLE);
        d.read(concat(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN), RawClient.params(1, RawClient.get("/a")),
                RawClient.begin(3, FCGI_RESPONDER, FCGI_KEEP_CONN), RawClient.params(3,
                        RawClient.post("/b", big.length)), RawClient.stream(FCGI_STDIN, 3, big),
                RawClient.begin(5, FCGI_RESPONDER, FCGI_KEEP_CONN), RawClient.params(5,
                        RawClient.post("/c", big.length)), RawClient.stream(FCGI_STDIN, 5, big)));
        byte[] refused = response(5, refusal(503, "Service Unavailable", "Service Unavailable"));
        assertEquals(List.of(request(1, true, "GET", "/a"), write(refused, false, true)), d.seen());
    }

    @Test
    void getValuesLeavesOutLimitsThatAreNotKnown() throws ProtocolException {
        byte[] query = record(FCGI_GET_VALUES, 0, pairs("FCGI_MAX_CONNS", "", "FCGI_MAX_REQS", "", "FCGI_MPXS_CONNS",
                ""));
        Driver d = new Driver(new FcgiSession(new GatewayLimits(), new GatewayTrust(),
                new GatewayMetrics("FastCGI"), PEER, LOCAL, new FakeClock(), 0, -1), IDLE);
        d.read(query);
        byte[] answer = zeroPadded(FCGI_GET_VALUES_RESULT, 0, pairs("FCGI_MPXS_CONNS", "0"));
        assertEquals(List.of(write(answer, false, false)), d.seen());
    }

    @Test
    void aDecoderViolationIsSticky() {
        byte[] version = RawClient.begin(1, FCGI_RESPONDER, 0);
        version[0] = 9;
        assertRejects(SESSIONS, IDLE, version, List.of(), Violation.FCGI_BAD_VERSION);
    }

    /** What {@link GatewaySession#answer} writes for a violation, and when it writes nothing. */
    @Test
    void violationsBeforeARequestAreAnsweredOnlyOnceARequestHasBegun() {
        byte[] version = RawClient.begin(1, FCGI_RESPONDER, 0);
        version[0] = 9;
        assertAnswer(new GatewayLimits(), version, Violation.FCGI_BAD_VERSION, null);
        byte[] getValuesOnId1 = record(FCGI_GET_VALUES, 1, new byte[0]);
        assertAnswer(new GatewayLimits(), getValuesOnId1, Violation.FCGI_MANAGEMENT_RECORD_ON_REQUEST_ID, null);
        assertAnswer(new GatewayLimits(), concat(RawClient.begin(1, FCGI_RESPONDER, 0), empty(FCGI_STDOUT, 1)),
                Violation.FCGI_UNEXPECTED_RECORD_TYPE,
                response(1, refusal(400, "Bad Request", "FCGI_UNEXPECTED_RECORD_TYPE")));
        assertAnswer(new GatewayLimits(), concat(RawClient.begin(7, FCGI_RESPONDER, FCGI_KEEP_CONN),
                RawClient.begin(7, FCGI_RESPONDER, 0)), Violation.FCGI_DUPLICATE_REQUEST_ID,
                response(7, refusal(400, "Bad Request", "FCGI_DUPLICATE_REQUEST_ID")));
        GatewayLimits small = new GatewayLimits();
        small.setMaxParamsBytes(100);
        Map<String, String> big = RawClient.get("/hello");
        big.put("HTTP_COOKIE", "x".repeat(200));
        assertAnswer(small, concat(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN), RawClient.params(1, big)),
                Violation.PARAMS_TOO_LARGE, response(1, refusal(431, "Request Header Fields Too Large",
                        "PARAMS_TOO_LARGE")));
        // With the request in the container, the violation fails it there: nothing to answer here.
        assertAnswer(new GatewayLimits(), RawClient.request(1, 0, RawClient.post("/echo", 1), latin1("xy")),
                Violation.FCGI_STDIN_LENGTH_MISMATCH, null);
    }

    private static void assertAnswer(GatewayLimits limits, byte[] input, Violation violation, byte[] answer) {
        FcgiSession s = session(limits, new FakeClock());
        Driver d = new Driver(s, IDLE);
        ProtocolException e = assertThrows(ProtocolException.class, () -> d.read(input));
        assertEquals(violation, e.violation(), e.getMessage());
        ByteBuffer answered = s.answer(e);
        assertEquals(answer == null ? null : escape(answer), answered == null ? null : escape(bytes(answered)));
        assertNull(s.answer(e), "answered once");
    }

    /** A session with request 1 in flight, its variables read and nothing answered. */
    private static Driver inFlight(int flags) throws ProtocolException {
        Driver d = new Driver(SESSIONS.get(), IDLE);
        d.read(concat(RawClient.begin(1, FCGI_RESPONDER, flags), RawClient.params(1, RawClient.post("/echo", 4))));
        assertEquals(List.of(request(1, (flags & FCGI_KEEP_CONN) != 0, "POST", "/echo")), d.seen());
        return d;
    }

    @Test
    void frameCopiesNothingAndPadsWithZeros() throws ProtocolException {
        FcgiSession s = (FcgiSession) inFlight(FCGI_KEEP_CONN).session;
        ByteBuffer content = ByteBuffer.wrap(latin1("abc"));
        ByteBuffer[] frames = s.frame(content);
        assertEquals(0, content.remaining(), "content consumed");
        assertEquals(escape(zeroPadded(FCGI_STDOUT, 1, latin1("abc"))), escape(bytes(frames)));
        assertEquals(0, s.frame(ByteBuffer.allocate(0)).length);

        byte[] big = new byte[65536];
        Arrays.fill(big, (byte) 'b');
        assertArrayEquals(concat(zeroPadded(FCGI_STDOUT, 1, Arrays.copyOf(big, 65535)),
                zeroPadded(FCGI_STDOUT, 1, new byte[] {'b'})), bytes(s.frame(ByteBuffer.wrap(big))));
    }

    @ParameterizedTest(name = "{0} bytes, last {1}: {2}")
    @CsvSource({
        "0, false, 0",
        "0, true, 24",
        "1, false, 16",
        "8, false, 16",
        "9, true, 48",
        "65535, false, 65544",
        "65536, false, 65560",
        "65536, true, 65584",
    })
    void framedLengthIsWhatFrameIntoWrites(int content, boolean last, int length) throws ProtocolException {
        FcgiSession s = (FcgiSession) inFlight(FCGI_KEEP_CONN).session;
        assertEquals(length, s.framedLength(content, last));
        ByteBuffer out = ByteBuffer.allocate(length + 16);
        s.frameInto(out, null, content == 0 ? null : ByteBuffer.allocate(content), last);
        assertEquals(length, out.position());
    }

    @Test
    void frameIntoWritesHeadAndBodyAsOneRecordZeroPaddedThenTheEndOnce() throws ProtocolException {
        FcgiSession s = (FcgiSession) inFlight(FCGI_KEEP_CONN).session;
        ByteBuffer pooled = ByteBuffer.allocate(64);
        Arrays.fill(pooled.array(), (byte) 0xFF);
        s.frameInto(pooled, ByteBuffer.wrap(latin1("Status: 200 OK\r\n\r\n")), ByteBuffer.wrap(latin1("hi")), true);
        assertEquals(escape(response(1, "Status: 200 OK\r\n\r\nhi")),
                escape(Arrays.copyOf(pooled.array(), pooled.position())));
        assertTrue(s.ended());
        assertNull(s.end(), "the end goes out once");
        ByteBuffer again = ByteBuffer.allocate(64);
        s.frameInto(again, null, null, true);
        assertEquals(0, again.position(), "nor does frameInto write it twice");
        assertNull(s.stderr(ByteBuffer.wrap(latin1("late"))), "no stderr after the end");
    }

    /** Regression: frameInto wrote one record header for more than 65535 bytes, and putHeader threw. */
    @Test
    void frameIntoOfMoreThanOneRecordSplitsItAsFrameDoes() throws ProtocolException {
        FcgiSession s = (FcgiSession) inFlight(FCGI_KEEP_CONN).session;
        byte[] head = latin1("Status: 200 OK\r\n\r\n");
        byte[] body = new byte[65530];
        Arrays.fill(body, (byte) 'b');
        ByteBuffer out = ByteBuffer.allocate(s.framedLength(head.length + body.length, true));
        s.frameInto(out, ByteBuffer.wrap(head), ByteBuffer.wrap(body), true);
        assertFalse(out.hasRemaining());
        byte[] all = concat(head, body);
        assertArrayEquals(concat(zeroPadded(FCGI_STDOUT, 1, Arrays.copyOf(all, 65535)),
                zeroPadded(FCGI_STDOUT, 1, Arrays.copyOfRange(all, 65535, all.length)), response(1, "")),
                out.array());
    }

    @Test
    void endWritesTheEmptyStdoutAndEndRequestOnce() throws ProtocolException {
        FcgiSession s = (FcgiSession) inFlight(0).session;
        assertFalse(s.ended());
        assertEquals(escape(response(1, "")), escape(bytes(s.end())));
        assertNull(s.end());
    }

    @Test
    void anAbortedResponseEndsWithEndRequestOnly() throws ProtocolException {
        Driver d = inFlight(FCGI_KEEP_CONN);
        d.read(abortRecord(1));
        assertEquals(abort(), d.seen().get(1));
        assertTrue(d.session.aborted());
        assertEquals(escape(endRequest(1, FCGI_REQUEST_COMPLETE)), escape(bytes(d.session.end())));
        assertNull(d.session.end());
        // Ended after the abort: the connection is kept even though the container failed.
        GatewaySession.Completion c = d.session.complete(true);
        assertNull(c.owed());
        assertTrue(c.keepConnection());
    }

    /** The copy path ends an aborted response as end() does: FCGI_END_REQUEST only, no empty FCGI_STDOUT. */
    @Test
    void anAbortedResponseCopiedEndsWithEndRequestOnly() throws ProtocolException {
        Driver d = inFlight(FCGI_KEEP_CONN);
        d.read(abortRecord(1));
        ByteBuffer out = ByteBuffer.allocate(d.session.framedLength(0, true));
        d.session.frameInto(out, null, null, true);
        assertFalse(out.hasRemaining(), "framedLength counted what frameInto writes");
        assertEquals(escape(endRequest(1, FCGI_REQUEST_COMPLETE)), escape(bytes(out.flip())));
        assertNull(d.session.end());
    }

    @Test
    void stderrStreamWritesThroughTheSinkOnlyWhileAResponseIsInProgress() throws Exception {
        Driver d = inFlight(FCGI_KEEP_CONN);
        List<byte[]> written = new java.util.ArrayList<>();
        java.io.PrintStream err = d.session.errorStream(framed -> written.add(bytes(framed)));
        err.println("oops");
        assertEquals(List.of(escape(zeroPadded(FCGI_STDERR, 1, latin1("oops\n")))),
                written.stream().map(b -> escape(b)).toList());
        d.end();
        err.println("late");
        assertEquals(1, written.size(), "dropped after the end");
        assertSame(err, d.session.errorStream(framed -> fail("a second sink is not used")), "one per request");
    }

    /** A connection between requests holds no error stream: it is lent to a request and given back at its end. */
    @Test
    void stderrStreamIsGivenBackWhenTheRequestCompletes() throws Exception {
        Driver d = inFlight(FCGI_KEEP_CONN);
        List<byte[]> written = new java.util.ArrayList<>();
        java.io.PrintStream err = d.session.errorStream(framed -> written.add(bytes(framed)));
        d.end();
        d.complete(false);
        err.println("after the request");
        assertEquals(0, written.size(), "written for no one once given back");

        Driver other = inFlight(FCGI_KEEP_CONN);
        List<byte[]> otherWritten = new java.util.ArrayList<>();
        java.io.PrintStream lent = other.session.errorStream(framed -> otherWritten.add(bytes(framed)));
        lent.println("mine");
        assertEquals(List.of(escape(zeroPadded(FCGI_STDERR, 1, latin1("mine\n")))),
                otherWritten.stream().map(b -> escape(b)).toList());
        assertEquals(0, written.size());
    }

    @Test
    void requestIdsAndInputDuringAResponse() throws ProtocolException {
        FcgiSession fresh = SESSIONS.get();
        assertTrue(fresh.readsDuringResponse());
        assertNull(fresh.protocolRequestId());
        Driver d = inFlight(FCGI_KEEP_CONN);
        // An abort or a management record may come while it runs, with or without FCGI_KEEP_CONN.
        assertFalse(d.session.idleUntilComplete());
        assertFalse(inFlight(0).session.idleUntilComplete());
        assertEquals("1", d.session.protocolRequestId());
    }

    @Test
    void refusingWithNothingInFlightIsAnAdapterBug() {
        assertThrows(IllegalStateException.class, () -> SESSIONS.get().refuse(400, "x"));
    }

    @Test
    void stderrIsFramedOnlyWhileAResponseIsInProgress() throws ProtocolException {
        FcgiSession fresh = SESSIONS.get();
        assertTrue(fresh.hasStderr());
        assertNull(fresh.stderr(ByteBuffer.wrap(latin1("between requests"))));
        Driver d = inFlight(FCGI_KEEP_CONN);
        assertEquals(escape(zeroPadded(FCGI_STDERR, 1, latin1("oops\n"))),
                escape(bytes(d.session.stderr(ByteBuffer.wrap(latin1("oops\n"))))));
        assertNull(d.session.stderr(ByteBuffer.allocate(0)), "nothing for no bytes");
        d.end();
        assertNull(d.session.stderr(ByteBuffer.wrap(latin1("after"))));
        d.complete(false);
        assertNull(d.session.stderr(ByteBuffer.wrap(latin1("after"))));
    }

    /**
     * What {@link GatewaySession#complete} owes and decides, by how the request went. A response is cut short when it
     * failed or never ended, unless the web server aborted it: then it ends with the FCGI_END_REQUEST owed.
     */
    @ParameterizedTest(name = "keep {0}, ended {1}, aborted {2}, failed {3}: owed END_REQUEST {4}, keep {5}, cut {6}")
    @CsvSource({
        "true,  true,  false, false, false, true,  false",
        "true,  true,  false, true,  false, false, true",
        "false, true,  false, false, false, false, false",
        "true,  false, false, false, false, false, true",
        "true,  false, false, true,  false, false, true",
        "true,  false, true,  true,  true,  true,  false",
        "false, false, true,  true,  true,  false, false",
        "true,  true,  true,  true,  false, true,  false",
    })
    void completion(boolean keepConn, boolean ended, boolean aborted, boolean failed, boolean owesEnd,
            boolean keep, boolean cutShort) throws ProtocolException {
        Driver d = inFlight(keepConn ? FCGI_KEEP_CONN : 0);
        if (aborted) {
            d.read(abortRecord(1));
        }
        if (ended) {
            d.end();
        }
        GatewaySession.Completion c = d.session.complete(failed);
        assertEquals(owesEnd ? escape(endRequest(1, FCGI_REQUEST_COMPLETE)) : null,
                c.owed() == null ? null : escape(bytes(c.owed())));
        assertEquals(keep, c.keepConnection());
        assertEquals(cutShort, c.cutShort());
        assertNull(d.session.current());
        assertTrue(d.session.ended(), "nothing in flight");
    }

    /**
     * Without FCGI_KEEP_CONN the application closes the connection after the response, and once the request's
     * FCGI_STDIN has ended nothing more may come: the adapter may close without waiting for the web server's close.
     */
    @Test
    void aRequestWithoutKeepConnWhoseStdinEndedLeavesNothingToDrain() throws ProtocolException {
        for (byte[] whole : List.of(get(1, 0), RawClient.request(1, 0, RawClient.post("/echo", 3), latin1("abc")))) {
            Driver d = new Driver(SESSIONS.get(), IDLE);
            d.read(whole);
            d.end();
            GatewaySession.Completion c = d.session.complete(false);
            assertFalse(c.keepConnection());
            assertTrue(c.inputComplete());
        }
    }

    @Test
    void aConnectionThatMayStillCarrySomethingIsDrained() throws ProtocolException {
        Driver kept = new Driver(SESSIONS.get(), IDLE);
        kept.read(get(1, FCGI_KEEP_CONN));
        kept.end();
        assertFalse(kept.session.complete(false).inputComplete(), "FCGI_KEEP_CONN: the next request may come");

        Driver bodyToCome = inFlight(0);
        bodyToCome.end();
        assertFalse(bodyToCome.session.complete(false).inputComplete(), "4 body bytes and the end of FCGI_STDIN");

        Driver aborted = new Driver(SESSIONS.get(), IDLE);
        aborted.read(concat(get(1, 0), abortRecord(1)));
        assertFalse(aborted.session.complete(false).inputComplete(), "aborted: the web server closes it");

        Driver partRecord = new Driver(SESSIONS.get(), IDLE);
        byte[] next = abortRecord(1);
        partRecord.read(concat(get(1, 0), Arrays.copyOf(next, 3)));
        partRecord.end();
        assertFalse(partRecord.session.complete(false).inputComplete(), "a record is partly read");
    }

    @Test
    void completeWithNothingInFlightClosesAndOwesNothing() {
        GatewaySession.Completion c = SESSIONS.get().complete(false);
        assertNull(c.owed());
        assertFalse(c.keepConnection());
    }

    /** Failed before its end, the response is cut short: the rest of its body is skipped, never delivered. */
    @Test
    void aFailedRequestsRemainingBodyIsSkipped() throws ProtocolException {
        Driver d = inFlight(FCGI_KEEP_CONN);
        d.complete(true);
        d.read(RawClient.stream(FCGI_STDIN, 1, latin1("body")));
        assertEquals(List.of(request(1, true, "POST", "/echo"), completed(false)), d.seen());
    }

    @Test
    void refuseAnswersTheRequestInFlightWithoutTheContainer() throws ProtocolException {
        for (int flags : new int[] {FCGI_KEEP_CONN, 0}) {
            Driver d = inFlight(flags);
            GatewayEvent.Write w = d.session.refuse(400, "CGI_BAD_REQUEST_TARGET");
            assertEquals(escape(response(1, refusal(400, "Bad Request", "CGI_BAD_REQUEST_TARGET"))),
                    escape(bytes(w.bytes())));
            assertEquals(flags == 0, w.close());
            assertTrue(w.refusal().contains("CGI_BAD_REQUEST_TARGET"), w.refusal());
            assertNull(d.session.current());
            d.read(concat(RawClient.stream(FCGI_STDIN, 1, latin1("body"))));
            assertEquals(1, d.seen().size(), "the refused request's body is skipped: " + d.seen());
        }
    }

    @Test
    void closeWhenIdleUnlessTheLastRequestKeptTheConnection() throws ProtocolException {
        FcgiSession fresh = SESSIONS.get();
        assertTrue(fresh.closeWhenIdle(), "no request yet");
        Driver values = new Driver(SESSIONS.get(), SERVE);
        values.read(record(FCGI_GET_VALUES, 0, pairs("FCGI_MPXS_CONNS", "")));
        assertTrue(values.session.closeWhenIdle(), "a management exchange only");
        Driver kept = new Driver(SESSIONS.get(), SERVE);
        kept.read(get(1, FCGI_KEEP_CONN));
        assertFalse(kept.session.closeWhenIdle(), "FCGI_KEEP_CONN: the web server closes it");
        assertEquals(1, kept.session.requests());
        Driver closed = new Driver(SESSIONS.get(), SERVE);
        closed.read(get(1, 0));
        assertTrue(closed.session.closeWhenIdle());
    }

    @Test
    void theHeadDeadlineRunsFromTheConnectionUntilTheVariablesAreIn() throws ProtocolException {
        GatewayLimits limits = new GatewayLimits();
        limits.setHeaderReadTimeout(1000);
        FakeClock clock = new FakeClock();
        FcgiSession s = session(limits, clock);
        Driver d = new Driver(s, SERVE);
        assertTrue(s.headPending());
        assertEquals(1000, s.headTimeLeftMillis());
        clock.advanceNanos(1);
        assertEquals(1000, s.headTimeLeftMillis(), "rounded up: never 0 while time is left");
        clock.advanceMillis(300);
        assertEquals(700, s.headTimeLeftMillis());
        d.read(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
        assertEquals(700, s.headTimeLeftMillis(), "the first request is timed from the connection");
        clock.advanceMillis(200);
        assertEquals(500, s.headTimeLeftMillis());
        d.read(RawClient.params(1, RawClient.get("/hello")));
        assertFalse(s.headPending());
        assertEquals(Long.MAX_VALUE, s.headTimeLeftMillis());
        d.read(RawClient.stream(FCGI_STDIN, 1, new byte[0]));
        clock.advanceMillis(5000);
        assertEquals(Long.MAX_VALUE, s.headTimeLeftMillis(), "an idle kept connection has no deadline");
        d.read(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
        assertEquals(1000, s.headTimeLeftMillis(), "the next request has its own full time");
        clock.advanceMillis(999);
        assertEquals(1, s.headTimeLeftMillis());
        clock.advanceMillis(1);
        assertEquals(0, s.headTimeLeftMillis());
        clock.advanceMillis(1000);
        assertEquals(0, s.headTimeLeftMillis());
        assertTrue(s.headPending());
        assertTrue(s.headTimedOut().contains("1000 ms"), s.headTimedOut());
    }

    @Test
    void theHeadDeadlineStopsAtAManagementOnlyExchangeButNotWhileVariablesAreAwaited() throws ProtocolException {
        byte[] getValues = record(FCGI_GET_VALUES, 0, pairs("FCGI_MPXS_CONNS", ""));
        FakeClock clock = new FakeClock();
        Driver d = new Driver(session(new GatewayLimits(), clock), SERVE);
        d.read(getValues);
        assertFalse(d.session.headPending(), "no request is coming yet");

        d.read(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
        assertTrue(d.session.headPending());
        d.read(getValues);
        assertTrue(d.session.headPending(), "request 1's variables are still due");
        d.read(abortRecord(1));
        assertFalse(d.session.headPending(), "aborted before its variables");

        d.read(RawClient.begin(1, FCGI_AUTHORIZER, FCGI_KEEP_CONN));
        assertFalse(d.session.headPending(), "a refused role starts nothing");
        d.read(RawClient.begin(1, FCGI_RESPONDER, 0));
        d.read(RawClient.params(1, Map.of("REQUEST_METHOD", "GET", "HTTP_HOST", "bad host")));
        assertFalse(d.session.headPending(), "refused variables are in too");
    }

    @Test
    void endOfInputBetweenRecordsIsAClosedConnectionInsideOneAViolation() throws ProtocolException {
        Driver between = inFlight(FCGI_KEEP_CONN);
        between.session.endOfInput();
        Driver inside = inFlight(FCGI_KEEP_CONN);
        inside.read(Arrays.copyOf(RawClient.stream(FCGI_STDIN, 1, latin1("ab")), 5));
        ProtocolException e = assertThrows(ProtocolException.class, inside.session::endOfInput);
        assertEquals(Violation.PREMATURE_END, e.violation());
    }
}
