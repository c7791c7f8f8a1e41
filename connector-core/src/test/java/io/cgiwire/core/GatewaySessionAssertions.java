package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * h11's test helper for a {@link GatewaySession}: the adapter's side played in memory. Bytes go in, events come out
 * as {@link Seen} values, and what the adapter writes (the session's Write events, its framed response, what
 * {@link GatewaySession#complete} still owes) is collected as one byte stream, the bytes the web server would read.
 *
 * <p>{@link #assertSession} feeds the input whole, one byte at a time, cut in two at every point (inputs up to
 * {@value #MAX_SPLIT_SCAN} bytes), and followed by trailing bytes that must be left unconsumed: the same events and
 * the same bytes out however the input was split. The adapter, as a real one, keeps what {@code next} left unread
 * (a held request's records) in front of the next read.
 */
public final class GatewaySessionAssertions {
    static final int MAX_SPLIT_SCAN = 2048;
    private static final byte[] TRAILING = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    private GatewaySessionAssertions() {
    }

    /** One thing that happened: an event, or the adapter's completion of a request. Comparable by value. */
    public record Seen(String what) {
        @Override
        public String toString() {
            return what;
        }
    }

    /** {@link GatewayEvent.Request}: its id, keep-connection flag, method and raw target. */
    public static Seen request(int id, boolean keep, String method, String target) {
        return new Seen("Request " + id + (keep ? " keep " : " close ") + method + " " + target);
    }

    /** {@link GatewayEvent.Body}, adjacent ones merged. */
    public static Seen body(String latin1) {
        return new Seen("Body \"" + escape(latin1.getBytes(StandardCharsets.ISO_8859_1)) + "\"");
    }

    public static Seen bodyEnd() {
        return new Seen("BodyEnd");
    }

    public static Seen abort() {
        return new Seen("Abort");
    }

    /** {@link GatewayEvent.Write} with exactly {@code bytes}, and whether it closes and carries a refusal. */
    public static Seen write(byte[] bytes, boolean close, boolean refused) {
        return new Seen("Write" + (close ? " close" : "") + (refused ? " refused" : "") + " \"" + escape(bytes)
                + "\"");
    }

    /** The adapter called {@link GatewaySession#complete}: whether it kept the connection. */
    public static Seen completed(boolean keep) {
        return new Seen("Completed " + (keep ? "keep" : "close"));
    }

    /** What the adapter does with the session's events: a container in miniature. */
    public interface Adapter {
        /** Called on each event, after it was recorded. */
        void on(GatewayEvent event, Driver driver) throws ProtocolException;

        /** Called when {@code next} returned null and the session holds a request: complete the one in flight. */
        default void onHolding(Driver driver) {
            fail("the session holds a request that this adapter never completes");
        }
    }

    /** The adapter's side of one connection: the events seen and the bytes written. */
    public static final class Driver {
        public final GatewaySession session;
        public final List<Seen> seen = new ArrayList<>();
        public final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final Adapter adapter;
        private byte[] unread = new byte[0];
        /** Body bytes delivered for the request in flight, for the CONTENT_LENGTH check. */
        private long bodyBytes;

        public Driver(GatewaySession session, Adapter adapter) {
            this.session = session;
            this.adapter = adapter;
        }

        /** One socket read: {@code chunk} after what was left unread, decoded until null. */
        public void read(byte[] chunk) throws ProtocolException {
            ByteBuffer in = ByteBuffer.wrap(GatewaySessionAssertions.concat(unread, chunk));
            drain(in);
            unread = Arrays.copyOfRange(in.array(), in.position(), in.limit());
        }

        /** Decodes {@code in} until null, completing a held request when asked; returns on a null that is not one. */
        public void drain(ByteBuffer in) throws ProtocolException {
            while (true) {
                GatewayEvent event = session.next(in);
                if (event == null) {
                    if (session.holding() && session.current() != null) {
                        adapter.onHolding(this);
                        if (session.current() == null) {
                            // Completed: next() delivers the held request, without new bytes.
                            continue;
                        }
                        return;
                    }
                    assertEquals(0, in.remaining(), "null with input left, while not holding");
                    return;
                }
                record(event);
                adapter.on(event, this);
            }
        }

        /** The bytes left unread in front of the next read. */
        public byte[] unread() {
            return unread.clone();
        }

        private void record(GatewayEvent event) {
            if (event instanceof GatewayEvent.Body b) {
                byte[] data = bytes(b.data());
                GatewayRequest current = session.current();
                if (current == null) {
                    fail("Body with no request in flight");
                }
                bodyBytes += data.length;
                if (current.contentLength() >= 0 && bodyBytes > current.contentLength()) {
                    fail("more body bytes than CONTENT_LENGTH " + current.contentLength());
                }
                body.writeBytes(data);
                return;
            }
            flushBody();
            if (event instanceof GatewayEvent.Request r) {
                bodyBytes = 0;
                GatewayRequest q = r.request();
                seen.add(request(q.id(), q.keepConnection(), q.method(), q.rawTarget()));
            } else if (event instanceof GatewayEvent.BodyEnd) {
                seen.add(bodyEnd());
            } else if (event instanceof GatewayEvent.Abort) {
                seen.add(abort());
            } else if (event instanceof GatewayEvent.Write w) {
                byte[] bytes = bytes(w.bytes());
                seen.add(write(bytes, w.close(), w.refusal() != null));
                out.writeBytes(bytes);
            }
        }

        private void flushBody() {
            if (body.size() > 0) {
                seen.add(body(body.toString(StandardCharsets.ISO_8859_1)));
                body.reset();
            }
        }

        /** The events seen so far, body merged. */
        public List<Seen> seen() {
            List<Seen> all = new ArrayList<>(seen);
            if (body.size() > 0) {
                all.add(body(body.toString(StandardCharsets.ISO_8859_1)));
            }
            return all;
        }

        /** Writes {@code text} as the last response bytes in one buffer, as a small response is written. */
        public void respond(String text) {
            ByteBuffer content = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
            ByteBuffer buffer = ByteBuffer.allocate(session.framedLength(content.remaining(), true));
            session.frameInto(buffer, null, content, true);
            assertFalse(buffer.hasRemaining(), "framedLength said more than frameInto wrote");
            out.write(buffer.array(), 0, buffer.position());
        }

        /** Ends the response with {@link GatewaySession#end()}, writing what it returns. */
        public void end() {
            ByteBuffer end = session.end();
            if (end != null) {
                out.writeBytes(bytes(end));
            }
        }

        /** Completes the request in flight, records it, and writes what is owed. */
        public GatewaySession.Completion complete(boolean failed) {
            flushBody();
            GatewaySession.Completion c = session.complete(failed);
            seen.add(completed(c.keepConnection()));
            if (c.owed() != null) {
                out.writeBytes(bytes(c.owed()));
            }
            return c;
        }

        /** Refuses the request in flight as the container would, writing the answer. */
        public void refuse(int status, String reason) {
            GatewayEvent.Write w = session.refuse(status, reason);
            record(w);
        }
    }

    /** The session's events and output on {@code input}, fed in chunks of {@code chunk} bytes. */
    public static Driver run(Supplier<? extends GatewaySession> sessions, Adapter adapter, byte[] input, int chunk)
            throws ProtocolException {
        Driver d = new Driver(sessions.get(), adapter);
        for (int from = 0; from < input.length; from += chunk) {
            d.read(Arrays.copyOfRange(input, from, Math.min(input.length, from + chunk)));
        }
        return d;
    }

    /**
     * Asserts that {@code input} gives {@code expected} events (completions included) and {@code out} bytes written,
     * however it is split, and that bytes after the expected events are left unread.
     */
    public static void assertSession(Supplier<? extends GatewaySession> sessions, Adapter adapter, byte[] input,
            List<Seen> expected, byte[] out) throws ProtocolException {
        assertRun(run(sessions, adapter, input, Math.max(1, input.length)), expected, out, "fed whole");
        assertRun(run(sessions, adapter, input, 1), expected, out, "fed one byte at a time");
        if (input.length <= MAX_SPLIT_SCAN) {
            for (int cut = 1; cut < input.length; cut++) {
                Driver d = new Driver(sessions.get(), adapter);
                d.read(Arrays.copyOfRange(input, 0, cut));
                d.read(Arrays.copyOfRange(input, cut, input.length));
                assertRun(d, expected, out, "cut at " + cut);
            }
        }
        Driver d = new Driver(sessions.get(), adapter);
        ByteBuffer in = ByteBuffer.wrap(concat(input, TRAILING));
        while (!d.seen().equals(expected)) {
            GatewayEvent event = d.session.next(in);
            if (event == null) {
                if (d.session.holding() && d.session.current() != null) {
                    adapter.onHolding(d);
                    if (d.session.current() == null) {
                        continue;
                    }
                }
                fail("with trailing bytes, got only " + d.seen());
            }
            d.record(event);
            adapter.on(event, d);
        }
        assertTrue(in.remaining() >= TRAILING.length, "trailing bytes must be left unread");
        // What is left of the input yields nothing more; the trailing bytes are still unread.
        in.limit(input.length);
        d.drain(in);
        assertEquals(expected, d.seen(), "with trailing bytes");
        assertArrayEquals(out, d.out.toByteArray(), "with trailing bytes: bytes out");
    }

    private static void assertRun(Driver d, List<Seen> expected, byte[] out, String how) {
        assertEquals(expected, d.seen(), how);
        assertEquals(escape(out), escape(d.out.toByteArray()), how + ": bytes out");
    }

    /**
     * Asserts that {@code input}, fed whole and one byte at a time, is refused with {@code violation} after
     * {@code before} events, and that the session keeps refusing (sticky).
     */
    public static ProtocolException assertRejects(Supplier<? extends GatewaySession> sessions, Adapter adapter,
            byte[] input, List<Seen> before, Violation violation) {
        return assertRejects(sessions, adapter, input, before, before, violation);
    }

    /** As above, where fed whole and fed byte by byte see different events before the violation. */
    public static ProtocolException assertRejects(Supplier<? extends GatewaySession> sessions, Adapter adapter,
            byte[] input, List<Seen> beforeWhole, List<Seen> beforeBytewise, Violation violation) {
        ProtocolException first = null;
        for (int chunk : new int[] {Math.max(1, input.length), 1}) {
            List<Seen> before = chunk == 1 ? beforeBytewise : beforeWhole;
            Driver d = new Driver(sessions.get(), adapter);
            ProtocolException e = assertThrows(ProtocolException.class, () -> {
                for (int from = 0; from < input.length; from += chunk) {
                    d.read(Arrays.copyOfRange(input, from, Math.min(input.length, from + chunk)));
                }
            }, "fed in chunks of " + chunk);
            assertEquals(violation, e.violation(), e.getMessage());
            assertEquals(before, d.seen(), "events before the violation, chunks of " + chunk);
            ProtocolException again = assertThrows(ProtocolException.class,
                    () -> d.session.next(ByteBuffer.wrap(new byte[] {1, 5, 0, 1, 0, 0, 0, 0})), "sticky on next");
            assertEquals(violation, again.violation(), "sticky on next");
            ProtocolException atEnd = assertThrows(ProtocolException.class, d.session::endOfInput, "sticky at end");
            assertEquals(violation, atEnd.violation(), "sticky at end");
            if (first == null) {
                first = e;
            }
        }
        return first;
    }

    /** A clock for the head-read deadline, moved by hand. */
    public static final class FakeClock implements LongSupplier {
        private long nanos = 1_000_000_000L;

        @Override
        public long getAsLong() {
            return nanos;
        }

        public void advanceMillis(long millis) {
            nanos += millis * 1_000_000L;
        }

        public void advanceNanos(long n) {
            nanos += n;
        }
    }

    /** The remaining bytes of {@code b}, leaving it as it was. */
    public static byte[] bytes(ByteBuffer b) {
        ByteBuffer copy = b.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    /** All the bytes of buffers, in order, leaving them as they were. */
    public static byte[] bytes(ByteBuffer[] buffers) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (ByteBuffer b : buffers) {
            all.writeBytes(bytes(b));
        }
        return all.toByteArray();
    }

    public static byte[] concat(byte[]... parts) {
        return DecoderAssertions.concat(parts);
    }

    public static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Bytes as readable text: printable ASCII as is, every other byte as \xNN. */
    public static String escape(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            int c = b & 0xFF;
            if (c >= 0x20 && c < 0x7F && c != '\\' && c != '"') {
                s.append((char) c);
            } else {
                s.append(String.format("\\x%02X", c));
            }
        }
        return s.toString();
    }
}
