package io.cgiwire.core.fcgi;

import static io.cgiwire.core.GatewaySessionAssertions.bytes;
import static io.cgiwire.core.GatewaySessionAssertions.concat;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_ABORT_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_OVERLOADED;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_REQUEST_COMPLETE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
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
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.GatewaySessionAssertions.FakeClock;
import io.cgiwire.core.GatewayTrust;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.RawClient;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A multiplexing FastCGI session, byte in and byte out: several requests of one connection in flight at once. */
class FcgiMultiplexSessionTest {
    private static final int MAX_REQS = 200;

    private static FcgiSession session(int maxMultiplexed) {
        GatewayLimits limits = new GatewayLimits();
        limits.setMaxMultiplexedRequests(maxMultiplexed);
        return new FcgiSession(limits, new GatewayTrust(), new GatewayMetrics("FastCGI"), FcgiSessionTest.PEER,
                FcgiSessionTest.LOCAL, new FakeClock(), 10, MAX_REQS, true);
    }

    /** Every event {@code session} has for {@code in} until it wants more bytes or is paused. */
    private static List<GatewayEvent> events(GatewaySession session, ByteBuffer in) throws ProtocolException {
        List<GatewayEvent> events = new ArrayList<>();
        GatewayEvent e;
        while (!session.paused() && (e = session.next(in)) != null) {
            events.add(e);
        }
        return events;
    }

    private static byte[] get(int id) {
        return RawClient.request(id, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]);
    }

    /** A response of "hi" for {@code r}, framed and ended as an adapter writes it. */
    private static byte[] respond(GatewaySession session, GatewayRequest r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (ByteBuffer b : session.frame(r, ByteBuffer.wrap(latin1("Status: 200\r\n\r\nhi")))) {
            out.writeBytes(bytes(b));
        }
        out.writeBytes(bytes(session.end(r)));
        return out.toByteArray();
    }

    @Test
    void getValuesSaysItMultiplexesUpToTheBound() throws ProtocolException {
        FcgiSession session = session(8);
        assertTrue(session.multiplexing());
        List<GatewayEvent> events = events(session, ByteBuffer.wrap(record(FCGI_GET_VALUES, 0,
                pairs("FCGI_MAX_REQS", "", "FCGI_MPXS_CONNS", ""))));
        GatewayEvent.Write answer = assertInstanceOf(GatewayEvent.Write.class, events.get(0));
        assertArrayEquals(zeroPadded(FCGI_GET_VALUES_RESULT, 0, pairs("FCGI_MAX_REQS", "8", "FCGI_MPXS_CONNS", "1")),
                bytes(answer.bytes()));
    }

    @Test
    void aBoundOfOneIsOneRequestAtATime() {
        assertFalse(session(1).multiplexing());
    }

    @Test
    void requestsBegunTogetherAreInFlightTogetherAndAnsweredInAnyOrder() throws ProtocolException {
        FcgiSession session = session(16);
        List<GatewayEvent> events = events(session, ByteBuffer.wrap(concat(get(1), get(2), get(3))));
        List<GatewayRequest> started = new ArrayList<>();
        for (GatewayEvent e : events) {
            if (e instanceof GatewayEvent.Request r) {
                started.add(r.request());
            }
        }
        assertEquals(List.of(1, 2, 3), started.stream().map(GatewayRequest::id).toList());
        // The last started answers first; the others are untouched by it.
        assertArrayEquals(response(3, "Status: 200\r\n\r\nhi"), respond(session, started.get(2)));
        assertTrue(session.complete(started.get(2), false).keepConnection());
        assertFalse(session.ended(started.get(0)));
        assertArrayEquals(response(1, "Status: 200\r\n\r\nhi"), respond(session, started.get(0)));
        assertTrue(session.complete(started.get(0), false).keepConnection());
        assertArrayEquals(response(2, "Status: 200\r\n\r\nhi"), respond(session, started.get(1)));
        assertTrue(session.complete(started.get(1), false).keepConnection());
    }

    @Test
    void bodiesOfInterleavedRequestsGoToTheirOwnRequest() throws ProtocolException {
        FcgiSession session = session(16);
        byte[] input = concat(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
                RawClient.params(1, RawClient.post("/echo", 2)), RawClient.begin(2, FCGI_RESPONDER, FCGI_KEEP_CONN),
                RawClient.params(2, RawClient.post("/echo", 2)), record(FCGI_STDIN, 2, latin1("b2")),
                record(FCGI_STDIN, 1, latin1("a1")), empty(FCGI_STDIN, 2), empty(FCGI_STDIN, 1));
        ByteBuffer in = ByteBuffer.wrap(input);
        List<String> seen = new ArrayList<>();
        GatewayEvent e;
        while ((e = session.next(in)) != null) {
            if (e instanceof GatewayEvent.Request r) {
                seen.add("request " + r.request().id());
            } else if (e instanceof GatewayEvent.Body b) {
                seen.add(session.target().id() + ": " + new String(bytes(b.data()), StandardCharsets.ISO_8859_1));
                session.consumed(session.target(), b.data().remaining());
            } else if (e instanceof GatewayEvent.BodyEnd) {
                seen.add(session.target().id() + ": end");
            }
        }
        assertEquals(List.of("request 1", "request 2", "2: b2", "1: a1", "2: end", "1: end"), seen);
    }

    @Test
    void anAbortEndsOnlyItsRequest() throws ProtocolException {
        FcgiSession session = session(16);
        List<GatewayEvent> events = events(session, ByteBuffer.wrap(concat(get(1), get(2),
                empty(FCGI_ABORT_REQUEST, 1))));
        GatewayRequest first = ((GatewayEvent.Request) events.get(0)).request();
        GatewayRequest second = ((GatewayEvent.Request) events.get(2)).request();
        assertSame(GatewayEvent.ABORT, events.get(events.size() - 1));
        assertSame(first, session.target());
        assertTrue(session.aborted(first));
        assertFalse(session.aborted(second));
        GatewaySession.Completion aborted = session.complete(first, true);
        assertArrayEquals(endRequest(1, FCGI_REQUEST_COMPLETE), bytes(aborted.owed()));
        assertTrue(aborted.keepConnection());
        assertArrayEquals(response(2, "Status: 200\r\n\r\nhi"), respond(session, second));
        assertTrue(session.complete(second, false).keepConnection());
    }

    @Test
    void anIdOverTheBoundWaitsForRoomAndOneOverTwiceTheBoundIsRefused() throws ProtocolException {
        FcgiSession session = session(2);
        List<GatewayEvent> events = events(session, ByteBuffer.wrap(concat(get(1), get(2), get(3), get(4), get(5))));
        List<Integer> started = new ArrayList<>();
        GatewayRequest first = null;
        GatewayEvent.Write refused = null;
        for (GatewayEvent e : events) {
            if (e instanceof GatewayEvent.Request r) {
                started.add(r.request().id());
                first = first == null ? r.request() : first;
            } else if (e instanceof GatewayEvent.Write w) {
                refused = w;
            }
        }
        // Two in flight, a third and a fourth wait (twice the bound active); a fifth is one over: refused.
        assertEquals(List.of(1, 2), started);
        assertArrayEquals(endRequest(5, FCGI_CANT_MPX_CONN), bytes(refused.bytes()));
        respond(session, first);
        assertTrue(session.complete(first, false).keepConnection());
        GatewayEvent next = session.next(ByteBuffer.allocate(0));
        assertEquals(3, assertInstanceOf(GatewayEvent.Request.class, next).request().id());
    }

    /** HAProxy begins a new id as soon as it reads FCGI_END_REQUEST: it takes the ended one's place at once. */
    @Test
    void aRequestEndedOnTheWireMakesRoomBeforeTheContainerCompletesIt() throws ProtocolException {
        FcgiSession session = session(2);
        List<GatewayEvent> events = events(session, ByteBuffer.wrap(concat(get(1), get(2))));
        GatewayRequest first = ((GatewayEvent.Request) events.get(0)).request();
        respond(session, first);
        List<GatewayEvent> next = events(session, ByteBuffer.wrap(get(3)));
        assertEquals(3, assertInstanceOf(GatewayEvent.Request.class, next.get(0)).request().id());
        assertTrue(session.complete(first, false).keepConnection());
    }

    /** The last request begun closes the connection, even when the one before it completes after it. */
    @Test
    void aLaterRequestWithoutKeepConnClosesOnceTheEarlierOneCompletes() throws ProtocolException {
        FcgiSession session = session(16);
        GatewayRequest kept = ((GatewayEvent.Request) events(session, ByteBuffer.wrap(get(1))).get(0)).request();
        respond(session, kept);
        List<GatewayEvent> next = events(session, ByteBuffer.wrap(RawClient.request(1, 0, RawClient.get("/hello"),
                new byte[0])));
        GatewayRequest last = assertInstanceOf(GatewayEvent.Request.class, next.get(0)).request();
        respond(session, last);
        assertTrue(session.complete(last, false).keepConnection(), "the first is still in the container");
        assertFalse(session.complete(kept, false).keepConnection());
    }

    @Test
    void aRequestThatLeavesItsBodyUnreadFailsRatherThanStallTheOthers() throws ProtocolException {
        FcgiSession session = session(16);
        int size = FcgiSession.MAX_UNREAD_BODY + 40_000;
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        input.writeBytes(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
        input.writeBytes(RawClient.params(1, RawClient.post("/upload", size)));
        input.writeBytes(get(2));
        for (int sent = 0; sent < size; sent += 32_000) {
            input.writeBytes(record(FCGI_STDIN, 1, new byte[Math.min(32_000, size - sent)]));
        }
        input.writeBytes(empty(FCGI_STDIN, 1));
        input.writeBytes(get(3));
        List<GatewayEvent> events = events(session, ByteBuffer.wrap(input.toByteArray()));
        GatewayEvent.BodyFailed failed = null;
        int lastId = 0;
        for (GatewayEvent e : events) {
            if (e instanceof GatewayEvent.BodyFailed f) {
                failed = f;
            } else if (e instanceof GatewayEvent.Request r) {
                lastId = r.request().id();
            }
        }
        assertTrue(failed.reason().contains("request 1 left more than 1048576 bytes of its body unread"),
                failed.reason());
        // Nothing of it follows the failure, and the connection went on to the next request.
        assertInstanceOf(GatewayEvent.Request.class, events.get(events.size() - 2));
        assertEquals(3, lastId);
        assertFalse(session.paused());
    }

    @Test
    void aRequestAloneThatLeavesItsBodyUnreadPausesTheConnection() throws ProtocolException {
        FcgiSession session = session(16);
        int size = FcgiSession.MAX_UNREAD_BODY + 40_000;
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        input.writeBytes(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
        input.writeBytes(RawClient.params(1, RawClient.post("/upload", size)));
        for (int sent = 0; sent < size; sent += 32_000) {
            input.writeBytes(record(FCGI_STDIN, 1, new byte[Math.min(32_000, size - sent)]));
        }
        input.writeBytes(empty(FCGI_STDIN, 1));
        ByteBuffer in = ByteBuffer.wrap(input.toByteArray());
        List<GatewayEvent> events = events(session, in);
        GatewayRequest first = ((GatewayEvent.Request) events.get(0)).request();
        assertTrue(session.paused());
        int delivered = 0;
        for (GatewayEvent e : events) {
            assertFalse(e instanceof GatewayEvent.BodyFailed);
            if (e instanceof GatewayEvent.Body b) {
                delivered += b.data().remaining();
            }
        }
        assertTrue(delivered > FcgiSession.MAX_UNREAD_BODY && delivered < size, "delivered " + delivered);
        session.consumed(first, delivered);
        assertFalse(session.paused());
        List<GatewayEvent> rest = events(session, in);
        assertSame(GatewayEvent.BODY_END, rest.get(rest.size() - 1));
    }

    @Test
    void aResponseCutShortClosesTheConnectionOnceTheOthersAreDone() throws ProtocolException {
        FcgiSession session = session(16);
        List<GatewayEvent> events = events(session, ByteBuffer.wrap(concat(get(1), get(2))));
        GatewayRequest first = ((GatewayEvent.Request) events.get(0)).request();
        GatewayRequest second = ((GatewayEvent.Request) events.get(2)).request();
        GatewaySession.Completion cut = session.complete(first, true);
        assertNull(cut.owed());
        assertTrue(cut.keepConnection(), "the other request is still in flight");
        List<GatewayEvent> refused = events(session, ByteBuffer.wrap(get(3)));
        assertArrayEquals(endRequest(3, FCGI_OVERLOADED),
                bytes(assertInstanceOf(GatewayEvent.Write.class, refused.get(0)).bytes()));
        respond(session, second);
        assertFalse(session.complete(second, false).keepConnection());
    }

    @Test
    void anIdEndedOnTheWireIsReusedWhileTheContainerStillHasIt() throws ProtocolException {
        FcgiSession session = session(16);
        List<GatewayEvent> events = events(session, ByteBuffer.wrap(get(1)));
        GatewayRequest first = ((GatewayEvent.Request) events.get(0)).request();
        respond(session, first);
        List<GatewayEvent> next = events(session, ByteBuffer.wrap(get(1)));
        GatewayRequest again = assertInstanceOf(GatewayEvent.Request.class, next.get(0)).request();
        assertEquals(1, again.id());
        assertTrue(session.complete(first, false).keepConnection());
        assertFalse(session.ended(again));
        assertArrayEquals(response(1, "Status: 200\r\n\r\nhi"), respond(session, again));
    }
}
