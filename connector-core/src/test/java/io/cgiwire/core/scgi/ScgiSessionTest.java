package io.cgiwire.core.scgi;

import static io.cgiwire.core.GatewaySessionAssertions.assertRejects;
import static io.cgiwire.core.GatewaySessionAssertions.assertSession;
import static io.cgiwire.core.GatewaySessionAssertions.body;
import static io.cgiwire.core.GatewaySessionAssertions.bodyEnd;
import static io.cgiwire.core.GatewaySessionAssertions.bytes;
import static io.cgiwire.core.GatewaySessionAssertions.completed;
import static io.cgiwire.core.GatewaySessionAssertions.concat;
import static io.cgiwire.core.GatewaySessionAssertions.escape;
import static io.cgiwire.core.GatewaySessionAssertions.latin1;
import static io.cgiwire.core.GatewaySessionAssertions.request;
import static io.cgiwire.core.GatewaySessionAssertions.write;
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
import io.cgiwire.core.HostileInputs.Hostile;
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
import org.junit.jupiter.params.provider.MethodSource;

/** The SCGI session byte in, byte out: what both adapters' connections do, tested once. */
class ScgiSessionTest {
    static final InetSocketAddress PEER = new InetSocketAddress(IpLiterals.address("192.0.2.10"), 50000);
    static final InetSocketAddress LOCAL = new InetSocketAddress(IpLiterals.address("127.0.0.1"), 4000);
    static final Supplier<ScgiSession> SESSIONS = () -> session(new GatewayLimits(), new FakeClock());

    static ScgiSession session(GatewayLimits limits, FakeClock clock) {
        return new ScgiSession(limits, new GatewayTrust(), new GatewayMetrics("SCGI"), PEER, LOCAL, clock);
    }

    /** Answers "hi" once the body is in, and completes. */
    static final Adapter SERVE = (event, d) -> {
        if (event instanceof GatewayEvent.BodyEnd) {
            d.respond("hi");
            d.complete(false);
        }
    };

    /** Answers "hi" at the request without reading its body. */
    static final Adapter ANSWER_EARLY = (event, d) -> {
        if (event instanceof GatewayEvent.Request) {
            d.respond("hi");
        }
    };

    static final Adapter IDLE = (event, d) -> {
    };

    record Case(String name, Adapter adapter, byte[] input, List<Seen> seen, byte[] out) {
        @Override
        public String toString() {
            return name;
        }
    }

    static String refusal(int status, String phrase, String name) {
        String body = status + " " + name + "\n";
        return "Status: " + status + " " + phrase + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body;
    }

    static Stream<Case> cases() {
        Map<String, String> badHost = RawClient.get("/hello");
        badHost.put("HTTP_HOST", "bad host");
        byte[] badHostRefusal = latin1(refusal(400, "Bad Request", "CGI_BAD_HOST"));
        return Stream.of(
                new Case("GET: the request, its empty body, then close", SERVE,
                        RawClient.scgi(RawClient.get("/hello"), new byte[0]),
                        List.of(request(1, false, "GET", "/hello"), bodyEnd(), completed(false)), latin1("hi")),
                new Case("POST: the body, exactly CONTENT_LENGTH bytes", SERVE,
                        RawClient.scgi(RawClient.post("/echo", 5), latin1("hello")),
                        List.of(request(1, false, "POST", "/echo"), body("hello"), bodyEnd(), completed(false)),
                        latin1("hi")),
                new Case("answered before its body: the body is drained unread", ANSWER_EARLY,
                        RawClient.scgi(RawClient.post("/echo", 5), latin1("hello")),
                        List.of(request(1, false, "POST", "/echo")), latin1("hi")),
                new Case("bad variables: 400 without the container, close, the body drained", SERVE,
                        RawClient.scgi(badHost, latin1("abc")),
                        List.of(write(badHostRefusal, true, true)), badHostRefusal));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void session(Case c) throws ProtocolException {
        assertSession(SESSIONS, c.adapter(), c.input(), c.seen(), c.out());
    }

    /** Every broken netstring the adapters' tests send: refused, stickily, and answered with its 4xx. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.cgiwire.core.HostileInputs#scgi")
    void violationsAreStickyAndAnswered(Hostile hostile) {
        ProtocolException e = assertRejects(SESSIONS, IDLE, hostile.bytes(), List.of(), hostile.violation());
        String phrase = e.statusHint() == 431 ? "Request Header Fields Too Large" : "Bad Request";
        assertEquals(refusal(e.statusHint(), phrase, hostile.violation().name()),
                new String(bytes(SESSIONS.get().answer(e)), java.nio.charset.StandardCharsets.ISO_8859_1));
        assertTrue(hostile.answered());
    }

    /** The request without its last {@code bodyLength} bytes: the header netstring alone. */
    static byte[] headOf(byte[] request, int bodyLength) {
        return Arrays.copyOf(request, request.length - bodyLength);
    }

    @Test
    void dataAfterTheBodyIsAViolation() {
        byte[] input = concat(RawClient.scgi(RawClient.post("/echo", 1), latin1("x")), latin1("y"));
        assertRejects(SESSIONS, IDLE, input, List.of(request(1, false, "POST", "/echo"), body("x"), bodyEnd()),
                Violation.SCGI_DATA_AFTER_END);
    }

    @Test
    void endOfInputBeforeAnyByteIsACloseInsideTheRequestAViolation() throws ProtocolException {
        SESSIONS.get().endOfInput();
        byte[] whole = RawClient.scgi(RawClient.post("/echo", 3), latin1("abc"));
        Driver done = new Driver(SESSIONS.get(), IDLE);
        done.read(whole);
        done.session.endOfInput();
        for (int cut : new int[] {2, 20, whole.length - 1}) {
            Driver d = new Driver(SESSIONS.get(), IDLE);
            d.read(Arrays.copyOf(whole, cut));
            ProtocolException e = assertThrows(ProtocolException.class, d.session::endOfInput, "cut at " + cut);
            assertEquals(Violation.PREMATURE_END, e.violation());
            assertSame(e, assertThrows(ProtocolException.class, d.session::endOfInput));
        }
    }

    @Test
    void theResponseIsWrittenAsItIsAndEndsWithTheConnection() throws ProtocolException {
        Driver d = new Driver(SESSIONS.get(), IDLE);
        d.read(headOf(RawClient.scgi(RawClient.post("/echo", 4), latin1("abcd")), 4));
        GatewaySession s = d.session;
        ByteBuffer content = ByteBuffer.wrap(latin1("abc"));
        ByteBuffer[] frames = s.frame(content);
        assertEquals(1, frames.length);
        assertSame(content, frames[0], "not copied, not framed");
        assertEquals(7, s.framedLength(7, true));
        assertEquals(0, s.framedLength(0, true));
        ByteBuffer out = ByteBuffer.allocate(16);
        s.frameInto(out, ByteBuffer.wrap(latin1("head ")), ByteBuffer.wrap(latin1("body")), false);
        assertEquals("head body", escape(Arrays.copyOf(out.array(), out.position())));
        assertFalse(s.ended());
        s.frameInto(out, null, null, true);
        assertEquals(9, out.position(), "the end writes nothing");
        assertTrue(s.ended());
        assertNull(s.end());
        assertFalse(s.hasStderr());
        assertNull(s.errorStream(framed -> fail("SCGI has no error stream")));
        assertNull(s.stderr(ByteBuffer.wrap(latin1("x"))));
        assertFalse(s.holding());
        assertTrue(s.closeWhenIdle());
        GatewaySession.Completion c = s.complete(false);
        assertNull(c.owed());
        assertFalse(c.keepConnection(), "one request per connection");
        assertFalse(c.inputComplete(), "4 body bytes are still to come: the connection drains them");
        assertNull(s.current());
    }

    /** Once the body is in whole, nothing more may come: the connection may close without waiting for the peer. */
    @Test
    void aCompleteRequestLeavesNothingToDrain() throws ProtocolException {
        for (byte[] whole : List.of(RawClient.scgi(RawClient.get("/hello"), new byte[0]),
                RawClient.scgi(RawClient.post("/echo", 3), latin1("abc")))) {
            Driver d = new Driver(SESSIONS.get(), IDLE);
            d.read(whole);
            assertTrue(d.session.complete(false).inputComplete());
        }
    }

    /** A response that failed is cut short, one that did not is whole: SCGI has no abort. */
    @Test
    void onlyAFailedResponseIsCutShort() throws ProtocolException {
        for (boolean failed : new boolean[] {false, true}) {
            Driver d = new Driver(SESSIONS.get(), IDLE);
            d.read(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
            assertEquals(failed, d.session.complete(failed).cutShort());
        }
    }

    /** Once the body is whole nothing the request needs can come, and the adapter need not read until it completes. */
    @Test
    void aRequestWithItsBodyReadNeedsNoMoreReads() throws ProtocolException {
        Driver get = new Driver(SESSIONS.get(), IDLE);
        get.read(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
        assertTrue(get.session.idleUntilComplete());
        byte[] post = RawClient.scgi(RawClient.post("/echo", 3), latin1("abc"));
        Driver d = new Driver(SESSIONS.get(), IDLE);
        d.read(headOf(post, 3));
        assertFalse(d.session.idleUntilComplete(), "the body is still to come");
        d.read(latin1("ab"));
        assertFalse(d.session.idleUntilComplete(), "a byte of the body is still to come");
        d.read(latin1("c"));
        assertTrue(d.session.idleUntilComplete());
    }

    @Test
    void endWithoutReadingTheBodyDrainsIt() throws ProtocolException {
        Driver d = new Driver(SESSIONS.get(), IDLE);
        d.read(headOf(RawClient.scgi(RawClient.post("/echo", 5), latin1("hello")), 5));
        assertNull(d.session.end());
        assertTrue(d.session.ended());
        d.read(latin1("hello"));
        assertEquals(List.of(request(1, false, "POST", "/echo")), d.seen());
        d.session.endOfInput();
    }

    @Test
    void refuseAnswersTheRequestAndCloses() throws ProtocolException {
        Driver d = new Driver(SESSIONS.get(), IDLE);
        d.read(headOf(RawClient.scgi(RawClient.post("/echo", 2), latin1("ab")), 2));
        GatewayEvent.Write w = d.session.refuse(400, "CGI_BAD_REQUEST_TARGET");
        assertArrayEquals(latin1(refusal(400, "Bad Request", "CGI_BAD_REQUEST_TARGET")), bytes(w.bytes()));
        assertTrue(w.close());
        assertTrue(w.refusal().contains("CGI_BAD_REQUEST_TARGET"), w.refusal());
        assertNull(d.session.current());
        d.read(latin1("ab"));
        assertEquals(1, d.seen().size(), "the body is drained: " + d.seen());
    }

    @Test
    void theHeadDeadlineRunsFromTheConnectionUntilTheHeadersAreIn() throws ProtocolException {
        GatewayLimits limits = new GatewayLimits();
        limits.setHeaderReadTimeout(2000);
        FakeClock clock = new FakeClock();
        ScgiSession s = session(limits, clock);
        assertTrue(s.headPending());
        assertEquals(2000, s.headTimeLeftMillis());
        byte[] request = RawClient.scgi(RawClient.post("/echo", 3), latin1("abc"));
        Driver d = new Driver(s, IDLE);
        d.read(Arrays.copyOf(request, 10));
        clock.advanceMillis(1500);
        assertEquals(500, s.headTimeLeftMillis(), "a trickled netstring has one deadline in all");
        d.read(Arrays.copyOfRange(request, 10, request.length - 3));
        assertFalse(s.headPending());
        assertEquals(Long.MAX_VALUE, s.headTimeLeftMillis());
        clock.advanceMillis(10_000);
        assertEquals(Long.MAX_VALUE, s.headTimeLeftMillis(), "the body has no head deadline");
        assertTrue(s.headTimedOut().contains("2000 ms"), s.headTimedOut());

        ScgiSession refused = session(limits, clock);
        Map<String, String> badHost = RawClient.get("/hello");
        badHost.put("HTTP_HOST", "bad host");
        new Driver(refused, IDLE).read(RawClient.scgi(badHost, new byte[0]));
        assertFalse(refused.headPending(), "a refused request's headers are in too");
    }

    @Test
    void theRequestIsNumberedOneAndNeverKeepsTheConnection() throws ProtocolException {
        Driver d = new Driver(SESSIONS.get(), IDLE);
        d.read(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
        assertEquals(1, d.session.current().id());
        assertFalse(d.session.current().keepConnection());
        assertEquals(1, d.session.requests());
        assertEquals("SCGI", d.session.protocol());
    }
}
