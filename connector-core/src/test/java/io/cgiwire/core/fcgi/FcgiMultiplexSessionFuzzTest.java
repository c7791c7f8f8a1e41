package io.cgiwire.core.fcgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cgiwire.core.Fuzzing;
import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.GatewaySessionAssertions;
import io.cgiwire.core.GatewaySessionFuzzing;
import io.cgiwire.core.GatewayTrust;
import io.cgiwire.core.ProtocolException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;

/**
 * A multiplexing {@link FcgiSession} driven as an adapter that serves several requests at once drives it, on any
 * bytes in any split (input layout: {@link Fuzzing}; policy bits below). Shares the seeds of
 * {@link FcgiSessionFuzzTest}.
 * <ul>
 * <li>only {@link ProtocolException} escapes, and it is sticky;
 * <li>at most {@code maxMultiplexedRequests} requests in flight; Body, BodyEnd, BodyFailed and Abort only for a request
 *     in flight whose response has not ended, never body after its end or failure, never more than CONTENT_LENGTH
 *     and, at BodyEnd, exactly that many;
 * <li>{@code next} returns null with input left only while holding or paused;
 * <li>what goes out is well-formed records, with at most one FCGI_END_REQUEST per request;
 * <li>the same events and bytes out fed whole and in the fuzzer's split.
 * </ul>
 */
class FcgiMultiplexSessionFuzzTest {
    /** Request: answered at once, before its body. */
    static final int RESPOND_AT_REQUEST = 1;
    /** Body: never consumed, so that the unread bound is reached (paused alone, BodyFailed with others). */
    static final int LEAVE_BODY_UNREAD = 1 << 1;
    /** Abort: the request completes, failed, at once. */
    static final int FAIL_AT_ABORT = 1 << 2;
    /** BodyEnd: the request completes only once the next request has started (several in flight). */
    static final int COMPLETE_LATE = 1 << 3;
    /** Request: every other one completes failed before its response ends (a response cut short). */
    static final int CUT_SHORT = 1 << 4;

    @Timeout(FcgiSessionFuzzTest.TIMEOUT_SECONDS)
    @FuzzTest(maxDuration = "25s")
    void serve(byte[] input) {
        Fuzzing.Input in = Fuzzing.Input.of(input);
        Run whole = new Run(in);
        whole.run(Fuzzing.cut(in.stream(), new int[0]));
        Run split = new Run(in);
        split.run(in.chunks());
        assertEquals(violation(whole.failure), violation(split.failure), "violation");
        if (whole.failure == null || whole.failure.violation() != io.cgiwire.core.Violation.FCGI_STDIN_LENGTH_MISMATCH) {
            assertEquals(whole.seen, split.seen, "events");
        }
        if (!in.has(LEAVE_BODY_UNREAD)) {
            assertEquals(GatewaySessionAssertions.escape(whole.out.toByteArray()),
                    GatewaySessionAssertions.escape(split.out.toByteArray()), "bytes out");
        }
    }

    private static Object violation(ProtocolException e) {
        return e == null ? null : e.violation();
    }

    private static final class Run {
        private final Fuzzing.Input input;
        private final GatewaySession session;
        final List<String> seen = new ArrayList<>();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        /** The requests in flight, with what the adapter knows of each. */
        private final Map<GatewayRequest, State> inFlight = new IdentityHashMap<>();
        /** Requests whose BodyEnd came, waiting to complete (COMPLETE_LATE). */
        private final List<GatewayRequest> late = new ArrayList<>();
        private int started;
        private boolean closed;
        ProtocolException failure;

        private static final class State {
            long bodyBytes;
            boolean bodyDone;
            boolean responded;
            int ends;
        }

        Run(Fuzzing.Input input) {
            this.input = input;
            this.session = new FcgiSession(Fuzzing.limits(), new GatewayTrust(), new GatewayMetrics("FastCGI"), null,
                    null, () -> 0L, 10, 20, true);
        }

        void run(List<ByteBuffer> chunks) {
            byte[] unread = new byte[0];
            try {
                for (ByteBuffer chunk : chunks) {
                    ByteBuffer in = ByteBuffer.wrap(GatewaySessionAssertions.concat(unread,
                            GatewaySessionAssertions.bytes(chunk)));
                    if (!read(in)) {
                        return;
                    }
                    unread = GatewaySessionAssertions.bytes(in);
                }
                if (!closed && !session.paused()) {
                    session.endOfInput();
                }
            } catch (ProtocolException e) {
                failure = e;
                assertSame(e, assertThrows(ProtocolException.class, () -> session.next(ByteBuffer.allocate(0))));
            }
        }

        /** Decodes {@code in}; false when the connection closed or paused for good (the body is never read). */
        private boolean read(ByteBuffer in) throws ProtocolException {
            long events = 0;
            while (!closed) {
                if (session.paused()) {
                    assertTrue(input.has(LEAVE_BODY_UNREAD), "paused though every body byte was consumed");
                    return false;
                }
                GatewayEvent event = session.next(in);
                if (event == null) {
                    if (session.holding()) {
                        // Room is made only by a completion: complete the oldest late one, else stop here.
                        if (late.isEmpty()) {
                            assertTrue(inFlight.size() > 0, "holding with nothing in flight");
                            return false;
                        }
                        complete(late.remove(0), false);
                        continue;
                    }
                    assertEquals(0, in.remaining(), "null with input left, while neither holding nor paused");
                    return true;
                }
                assertTrue(++events <= in.capacity() + 2L * (started + 2), "more events than bytes: a loop?");
                onEvent(event);
            }
            return false;
        }

        private State target(String what) {
            GatewayRequest r = session.target();
            assertNotNull(r, what + " for no request");
            State s = inFlight.get(r);
            assertNotNull(s, what + " for a request not in flight");
            assertFalse(s.responded && s.ends > 0 && !what.equals("Abort"), what + " after the response ended");
            return s;
        }

        private void onEvent(GatewayEvent event) throws ProtocolException {
            if (event instanceof GatewayEvent.Request r) {
                GatewayRequest q = r.request();
                assertNull(inFlight.put(q, new State()), "the same request started twice");
                assertTrue(inFlight.size() <= Fuzzing.MAX_MULTIPLEXED_REQUESTS, "more in flight than the bound");
                started++;
                seen.add("Request " + q.id() + " " + q.method() + " " + q.rawTarget());
                if (input.has(CUT_SHORT) && started % 2 == 0) {
                    complete(q, true);
                } else if (input.has(RESPOND_AT_REQUEST)) {
                    respond(q);
                }
                if (input.has(COMPLETE_LATE) && !late.isEmpty() && inFlight.containsKey(late.get(0))) {
                    complete(late.remove(0), false);
                }
            } else if (event instanceof GatewayEvent.Body b) {
                State s = target("Body");
                assertFalse(s.bodyDone, "Body after the body's end or failure");
                s.bodyBytes += b.data().remaining();
                long length = session.target().contentLength();
                assertTrue(length < 0 || s.bodyBytes <= length, "more body than CONTENT_LENGTH");
                body(session.target().id(), b.data().remaining());
                if (!input.has(LEAVE_BODY_UNREAD)) {
                    session.consumed(session.target(), b.data().remaining());
                }
                b.data().position(b.data().limit());
            } else if (event instanceof GatewayEvent.BodyEnd) {
                State s = target("BodyEnd");
                GatewayRequest q = session.target();
                assertFalse(s.bodyDone, "BodyEnd twice");
                assertTrue(q.contentLength() < 0 || s.bodyBytes == q.contentLength(), "BodyEnd short");
                s.bodyDone = true;
                seen.add("BodyEnd " + q.id());
                finish(q, s);
            } else if (event instanceof GatewayEvent.BodyFailed f) {
                State s = target("BodyFailed");
                assertTrue(input.has(LEAVE_BODY_UNREAD), "a body failed though every byte was consumed");
                assertTrue(inFlight.size() > 1 || session.waiting(), "a body failed with no other request");
                s.bodyDone = true;
                seen.add("BodyFailed " + session.target().id());
                finish(session.target(), s);
            } else if (event instanceof GatewayEvent.Abort) {
                GatewayRequest q = session.target();
                State s = target("Abort");
                assertTrue(session.aborted(q));
                seen.add("Abort " + q.id());
                if (input.has(FAIL_AT_ABORT)) {
                    late.remove(q);
                    complete(q, true);
                } else if (!s.responded) {
                    s.bodyDone = true;
                    finish(q, s);
                }
            } else if (event instanceof GatewayEvent.Write w) {
                byte[] bytes = GatewaySessionAssertions.bytes(w.bytes());
                GatewaySessionFuzzing.assertRecords(bytes);
                seen.add("Write " + w.close() + " " + GatewaySessionAssertions.escape(bytes));
                out.writeBytes(bytes);
                closed |= w.close();
            }
        }

        /** Notes body bytes of request {@code id}: one entry for consecutive ones, as they depend on the split. */
        private void body(int id, int bytes) {
            String prefix = "Body " + id + " ";
            int last = seen.size() - 1;
            if (last >= 0 && seen.get(last).startsWith(prefix)) {
                seen.set(last, prefix + (Long.parseLong(seen.get(last).substring(prefix.length())) + bytes));
            } else {
                seen.add(prefix + bytes);
            }
        }

        /** The body is done: respond if not yet, then complete now or late. */
        private void finish(GatewayRequest q, State s) {
            if (!s.responded) {
                respond(q);
            }
            if (input.has(COMPLETE_LATE)) {
                late.add(q);
            } else {
                complete(q, false);
            }
        }

        private void respond(GatewayRequest q) {
            State s = inFlight.get(q);
            byte[] content = "Status: 200 OK\r\n\r\nhi".getBytes(StandardCharsets.US_ASCII);
            ByteBuffer buffer = ByteBuffer.allocate(session.framedLength(q, content.length, true));
            session.frameInto(q, buffer, null, ByteBuffer.wrap(content), true);
            assertFalse(buffer.hasRemaining(), "frameInto wrote less than framedLength");
            own(s, buffer.array());
            assertNull(session.end(q), "the end goes out once");
            assertTrue(session.ended(q));
            s.responded = true;
        }

        private void complete(GatewayRequest q, boolean failed) {
            State s = inFlight.remove(q);
            assertNotNull(s, "completed twice");
            GatewaySession.Completion c = session.complete(q, failed);
            if (c.owed() != null) {
                own(s, GatewaySessionAssertions.bytes(c.owed()));
            }
            assertTrue(s.ends <= 1, "FCGI_END_REQUEST written " + s.ends + " times");
            seen.add("Completed " + q.id() + " " + c.keepConnection());
            if (!c.keepConnection()) {
                assertTrue(inFlight.isEmpty(), "closed with requests in flight");
                closed = true;
            }
        }

        private void own(State s, byte[] bytes) {
            s.ends += GatewaySessionFuzzing.assertRecords(bytes);
            out.writeBytes(bytes);
        }
    }
}
