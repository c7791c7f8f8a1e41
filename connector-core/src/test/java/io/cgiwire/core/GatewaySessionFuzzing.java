package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.fcgi.Fcgi;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the session fuzz tests share: an adapter that plays a container on any bytes in any split (input layout:
 * {@link Fuzzing}; the policy byte picks its reactions), and the properties every {@link GatewaySession} keeps.
 * <ul>
 * <li>only {@link ProtocolException} escapes, and it is sticky: {@code next} and {@code endOfInput} throw it again;
 * <li>events follow the life of a request: Request only with none in flight, Body and BodyEnd only for the request
 *     in flight while its response has not ended, never more body bytes than CONTENT_LENGTH and, at BodyEnd, exactly
 *     that many; Abort only for the request in flight; Body slices read-only and not empty;
 * <li>{@code next} returns null with input left only while {@link GatewaySession#holding()};
 * <li>FastCGI output (Writes, framed responses, stderr, what complete owes, answers) is well-formed records an
 *     application may send, zero padded; the end of a response goes out at most once; a connection whose request
 *     did not end on the wire is not kept;
 * <li>the same events, violation and bytes out fed whole, in the fuzzer's split and one byte at a time (unless the
 *     policy completes requests at read boundaries, which depend on the split).
 * </ul>
 */
public final class GatewaySessionFuzzing {
    /** Request: the container answers at once, without reading the body. */
    public static final int RESPOND_AT_REQUEST = 1;
    /** Request: the container refuses it ({@link GatewaySession#refuse}). */
    public static final int REFUSE_AT_REQUEST = 1 << 1;
    /** Abort: the container fails at once. */
    public static final int FAIL_AT_ABORT = 1 << 2;
    /** Every read boundary: the request in flight completes, failed, whatever its state. */
    public static final int COMPLETE_BETWEEN_READS = 1 << 3;
    /** Responses end with frame() and end() rather than one frameInto(). */
    public static final int USE_END = 1 << 4;
    /** Every Body: a line to the error stream. */
    public static final int STDERR = 1 << 5;
    /** A held request stays held: the one in flight never completes. */
    public static final int HOLD = 1 << 6;

    /** Inputs up to this long are also fed one byte at a time. */
    public static final int BYTEWISE_MAX = 4096;

    private GatewaySessionFuzzing() {
    }

    /** Runs the properties on one fuzz input. */
    public static void check(byte[] input, Supplier<? extends GatewaySession> sessions, boolean fastCgi) {
        Fuzzing.Input in = Fuzzing.Input.of(input);
        Run whole = new Run(sessions.get(), in, fastCgi);
        whole.run(Fuzzing.cut(in.stream(), new int[0]));
        Run split = new Run(sessions.get(), in, fastCgi);
        split.run(in.chunks());
        if (in.has(COMPLETE_BETWEEN_READS)) {
            return;
        }
        assertSameOutcome(whole, split, "fuzzer's split");
        if (in.stream().length <= BYTEWISE_MAX) {
            Run bytewise = new Run(sessions.get(), in, fastCgi);
            bytewise.run(Fuzzing.cut(in.stream(), new int[] {1}));
            assertSameOutcome(whole, bytewise, "one byte at a time");
        }
    }

    private static void assertSameOutcome(Run expected, Run actual, String how) {
        assertEquals(violation(expected.failure), violation(actual.failure), how + ": violation");
        if (violation(expected.failure) == Violation.FCGI_STDIN_LENGTH_MISMATCH) {
            // A STDIN record that goes past CONTENT_LENGTH is refused whole, or after the bytes that fit: the body
            // delivered before the violation depends on the split, everything else does not.
            assertEquals(withoutBody(expected.seen), withoutBody(actual.seen), how + ": events");
        } else {
            assertEquals(expected.seen, actual.seen, how + ": events");
        }
        assertEquals(expected.failedAtEnd, actual.failedAtEnd, how + ": failed at end of input");
        assertEquals(GatewaySessionAssertions.escape(expected.out.toByteArray()),
                GatewaySessionAssertions.escape(actual.out.toByteArray()), how + ": bytes out");
    }

    private static List<String> withoutBody(List<String> seen) {
        return seen.stream().filter(s -> !s.startsWith("Body ")).toList();
    }

    private static Violation violation(ProtocolException e) {
        return e == null ? null : e.violation();
    }

    /** One connection: the session, the adapter's view of it, and what was written. */
    private static final class Run {
        private final GatewaySession session;
        private final Fuzzing.Input input;
        private final boolean fastCgi;
        final List<String> seen = new ArrayList<>();
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private GatewayRequest inFlight;
        private long bodyBytes;
        private boolean bodyEnded;
        private boolean responded;
        /** FCGI_END_REQUEST records the adapter's calls wrote for the request in flight. */
        private int endsWritten;
        private boolean aborted;
        private boolean closed;
        private long bytesRead;
        private long reads;
        private long events;
        ProtocolException failure;
        boolean failedAtEnd;

        Run(GatewaySession session, Fuzzing.Input input, boolean fastCgi) {
            this.session = session;
            this.input = input;
            this.fastCgi = fastCgi;
        }

        void run(List<ByteBuffer> chunks) {
            byte[] unread = new byte[0];
            try {
                for (ByteBuffer chunk : chunks) {
                    ByteBuffer in = ByteBuffer.wrap(GatewaySessionAssertions.concat(unread,
                            GatewaySessionAssertions.bytes(chunk)));
                    read(in);
                    if (closed) {
                        break;
                    }
                    unread = Arrays.copyOfRange(in.array(), in.position(), in.limit());
                    if (input.has(COMPLETE_BETWEEN_READS) && inFlight != null) {
                        complete(true);
                        if (closed) {
                            break;
                        }
                        read(ByteBuffer.allocate(0));
                    }
                }
            } catch (ProtocolException e) {
                failure = e;
                flushBody();
                assertSticky(e);
                assertAnswer(e);
                return;
            }
            flushBody();
            if (closed) {
                return;
            }
            try {
                session.endOfInput();
            } catch (ProtocolException e) {
                failure = e;
                failedAtEnd = true;
                assertEquals(Violation.PREMATURE_END, e.violation());
                assertSticky(e);
            }
        }

        private void read(ByteBuffer in) throws ProtocolException {
            // Events come from bytes, or from bytes read before (a request that waited behind another starts, with
            // its body so far): never more than the bytes read in all, and two per read.
            bytesRead += in.remaining();
            reads++;
            while (!closed) {
                GatewayEvent event = session.next(in);
                if (event == null) {
                    if (!session.holding()) {
                        assertEquals(0, in.remaining(), "null with input left, while not holding");
                        return;
                    }
                    assertNotNull(session.current(), "holding with no request in flight");
                    assertSame(inFlight, session.current());
                    assertTrue(session.ended(), "a request is held only once the response in flight has ended");
                    if (input.has(HOLD)) {
                        return;
                    }
                    complete(false);
                    continue;
                }
                assertTrue(++events <= bytesRead + 2L * reads, "more events than bytes: a loop?");
                onEvent(event);
            }
        }

        private void onEvent(GatewayEvent event) {
            if (event instanceof GatewayEvent.Body b) {
                assertNotNull(inFlight, "Body with no request in flight");
                assertFalse(bodyEnded, "Body after BodyEnd");
                assertFalse(responded, "Body after the response ended");
                assertTrue((b.copied() || b.data().isReadOnly()) && b.data().hasRemaining(),
                        "a Body slice of the input, or the session's copy");
                bodyBytes += b.data().remaining();
                long contentLength = inFlight.contentLength();
                assertTrue(contentLength < 0 || bodyBytes <= contentLength, "more body than CONTENT_LENGTH");
                body.writeBytes(GatewaySessionAssertions.bytes(b.data()));
                if (input.has(STDERR)) {
                    ByteBuffer[] stderr = session.stderr(ByteBuffer.wrap("line\n".getBytes(StandardCharsets.US_ASCII)));
                    if (fastCgi) {
                        assertNotNull(stderr, "stderr while the response is in progress");
                        byte[] bytes = GatewaySessionAssertions.bytes(stderr);
                        assertRecords(bytes);
                        assertEquals(Fcgi.FCGI_STDERR, bytes[1]);
                        assertEquals(inFlight.id(), ((bytes[2] & 0xFF) << 8) | (bytes[3] & 0xFF));
                    } else {
                        assertNull(stderr);
                    }
                }
                return;
            }
            flushBody();
            if (event instanceof GatewayEvent.Request r) {
                assertNull(inFlight, "Request while another is in flight");
                assertSame(r.request(), session.current());
                GatewayRequest q = r.request();
                seen.add("Request " + q.id() + " " + q.keepConnection() + " " + q.method() + " " + q.rawTarget());
                inFlight = q;
                bodyBytes = 0;
                bodyEnded = false;
                responded = false;
                aborted = false;
                endsWritten = 0;
                if (input.has(REFUSE_AT_REQUEST)) {
                    GatewayEvent.Write w = session.refuse(400, "CGI_BAD_REQUEST_TARGET");
                    assertNotNull(w.refusal());
                    assertNull(session.current());
                    inFlight = null;
                    write(w);
                } else if (input.has(RESPOND_AT_REQUEST)) {
                    respond();
                }
            } else if (event instanceof GatewayEvent.BodyEnd) {
                assertNotNull(inFlight, "BodyEnd with no request in flight");
                assertFalse(bodyEnded, "BodyEnd twice");
                assertFalse(responded, "BodyEnd after the response ended");
                long contentLength = inFlight.contentLength();
                assertTrue(contentLength < 0 || bodyBytes == contentLength, "BodyEnd before CONTENT_LENGTH bytes");
                bodyEnded = true;
                seen.add("BodyEnd");
                if (!responded) {
                    respond();
                }
                complete(false);
            } else if (event instanceof GatewayEvent.Abort) {
                assertTrue(fastCgi, "Abort is FastCGI's");
                assertNotNull(inFlight, "Abort with no request in flight");
                assertTrue(session.aborted());
                aborted = true;
                seen.add("Abort");
                if (input.has(FAIL_AT_ABORT)) {
                    complete(true);
                }
            } else if (event instanceof GatewayEvent.Write w) {
                write(w);
            }
        }

        private void write(GatewayEvent.Write w) {
            byte[] bytes = GatewaySessionAssertions.bytes(w.bytes());
            assertTrue(bytes.length > 0, "an empty Write");
            seen.add("Write " + w.close() + " " + (w.refusal() != null) + " "
                    + GatewaySessionAssertions.escape(bytes));
            if (fastCgi) {
                assertRecords(bytes);
            } else {
                assertTrue(w.close(), "an SCGI Write always closes");
            }
            out.writeBytes(bytes);
            if (w.close()) {
                closed = true;
            }
        }

        private void respond() {
            byte[] content = "Status: 200 OK\r\n\r\nhi".getBytes(StandardCharsets.US_ASCII);
            if (input.has(USE_END)) {
                writeOwn(GatewaySessionAssertions.bytes(session.frame(ByteBuffer.wrap(content))));
                ByteBuffer end = session.end();
                if (end != null) {
                    writeOwn(GatewaySessionAssertions.bytes(end));
                }
            } else {
                ByteBuffer buffer = ByteBuffer.allocate(session.framedLength(content.length, true));
                Arrays.fill(buffer.array(), (byte) 0xFF);
                session.frameInto(buffer, null, ByteBuffer.wrap(content), true);
                assertFalse(buffer.hasRemaining(), "frameInto wrote less than framedLength");
                writeOwn(buffer.array());
            }
            assertNull(session.end(), "the end goes out once");
            assertTrue(session.ended());
            responded = true;
        }

        private void complete(boolean failed) {
            GatewaySession.Completion c = session.complete(failed);
            assertNull(session.current());
            if (c.owed() != null) {
                writeOwn(GatewaySessionAssertions.bytes(c.owed()));
            }
            if (fastCgi) {
                assertTrue(endsWritten <= 1, "FCGI_END_REQUEST written " + endsWritten + " times");
                assertTrue(endsWritten == 1 || !c.keepConnection(),
                        "a connection kept though its request did not end on the wire");
            } else {
                assertFalse(c.keepConnection(), "SCGI keeps no connection");
            }
            assertTrue(inFlight.keepConnection() || session.waiting() || !c.keepConnection(),
                    "kept without FCGI_KEEP_CONN, and no request waiting");
            seen.add("Completed " + c.keepConnection());
            inFlight = null;
            if (!c.keepConnection()) {
                closed = true;
            }
        }

        /** Bytes the adapter's own calls produced for the request in flight. */
        private void writeOwn(byte[] bytes) {
            if (fastCgi) {
                endsWritten += assertRecords(bytes);
            }
            out.writeBytes(bytes);
        }

        private void flushBody() {
            if (body.size() > 0) {
                seen.add("Body " + GatewaySessionAssertions.escape(body.toByteArray()));
                body.reset();
            }
        }

        private void assertSticky(ProtocolException e) {
            ProtocolException again = assertThrows(ProtocolException.class,
                    () -> session.next(ByteBuffer.wrap(new byte[] {1, 1, 0, 1, 0, 8, 0, 0})));
            assertSame(e, again, "sticky on next");
            assertSame(e, assertThrows(ProtocolException.class, session::endOfInput), "sticky at end of input");
        }

        private void assertAnswer(ProtocolException e) {
            ByteBuffer answer = session.answer(e);
            if (answer == null) {
                return;
            }
            byte[] bytes = GatewaySessionAssertions.bytes(answer);
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            assertTrue(text.contains("Status: " + e.statusHint() + " ") && text.contains(e.violation().name()), text);
            if (fastCgi) {
                assertEquals(1, assertRecords(bytes), "an answer ends its request");
            }
        }
    }

    /**
     * Asserts that {@code bytes} are whole FastCGI records an application sends, padding zero, and returns how many
     * of them are FCGI_END_REQUEST.
     */
    public static int assertRecords(byte[] bytes) {
        int ends = 0;
        int at = 0;
        while (at < bytes.length) {
            assertTrue(at + 8 <= bytes.length, "a cut record header");
            assertEquals(Fcgi.FCGI_VERSION_1, bytes[at]);
            int type = bytes[at + 1] & 0xFF;
            int length = ((bytes[at + 4] & 0xFF) << 8) | (bytes[at + 5] & 0xFF);
            int padding = bytes[at + 6] & 0xFF;
            assertTrue(at + 8 + length + padding <= bytes.length, "a cut record");
            switch (type) {
                case Fcgi.FCGI_STDOUT, Fcgi.FCGI_STDERR, Fcgi.FCGI_GET_VALUES_RESULT -> {
                }
                case Fcgi.FCGI_END_REQUEST, Fcgi.FCGI_UNKNOWN_TYPE -> {
                    assertEquals(8, length, Fcgi.typeName(type) + " content");
                    if (type == Fcgi.FCGI_END_REQUEST) {
                        ends++;
                    }
                }
                default -> throw new AssertionError("an application never sends " + Fcgi.typeName(type));
            }
            for (int i = 0; i < padding; i++) {
                assertEquals(0, bytes[at + 8 + length + i], "padding must be zeros");
            }
            at += 8 + length + padding;
        }
        return ends;
    }
}
