package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * h11's test helper for our decoders: the same bytes must give the same events however they are split.
 *
 * <p>{@link #assertDecodes} feeds the input whole, one byte at a time, cut in two at every point (for inputs up to
 * {@value #MAX_SPLIT_SCAN} bytes), and followed by trailing bytes that must be left unconsumed. Events that carry data
 * are compared after {@code normalize} has merged adjacent ones, since how body bytes are sliced depends on the split.
 */
public final class DecoderAssertions {
    static final int MAX_SPLIT_SCAN = 4096;
    private static final byte[] TRAILING = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    private DecoderAssertions() {
    }

    /** Asserts that {@code input} decodes to {@code expected}, however it is split. */
    public static <E> void assertDecodes(Supplier<? extends Decoder<E>> decoders, byte[] input, List<E> expected,
            UnaryOperator<List<E>> normalize) throws ProtocolException {
        assertEquals(expected, normalize.apply(feedWhole(decoders.get(), input)), "fed whole");
        assertEquals(expected, normalize.apply(feedChunks(decoders.get(), input, 1)), "fed one byte at a time");
        if (input.length <= MAX_SPLIT_SCAN) {
            for (int cut = 1; cut < input.length; cut++) {
                Decoder<E> decoder = decoders.get();
                List<E> events = new ArrayList<>();
                drain(decoder, ByteBuffer.wrap(Arrays.copyOfRange(input, 0, cut)), events);
                drain(decoder, ByteBuffer.wrap(Arrays.copyOfRange(input, cut, input.length)), events);
                assertEquals(expected, normalize.apply(events), "cut at " + cut);
            }
        }
        assertTrailingLeftAlone(decoders.get(), input, expected, normalize);
    }

    /** Asserts that {@code input}, fed whole and one byte at a time, is refused with {@code violation}, stickily. */
    public static <E> ProtocolException assertRejects(Supplier<? extends Decoder<E>> decoders, byte[] input,
            Violation violation) {
        ProtocolException whole = assertRejectsIn(decoders.get(), input, input.length, violation);
        assertRejectsIn(decoders.get(), input, 1, violation);
        return whole;
    }

    /** Asserts that {@code input} decodes without error but that end of input after it is {@code violation}. */
    public static <E> ProtocolException assertRejectsAtEnd(Supplier<? extends Decoder<E>> decoders, byte[] input,
            Violation violation) throws ProtocolException {
        for (int chunk : new int[] {Math.max(input.length, 1), 1}) {
            Decoder<E> decoder = decoders.get();
            feedChunks(decoder, input, chunk);
            ProtocolException e = assertThrows(ProtocolException.class, decoder::endOfInput);
            assertEquals(violation, e.violation(), e.getMessage());
            assertSame(e, assertThrows(ProtocolException.class, decoder::endOfInput), "sticky");
            if (chunk == 1) {
                return e;
            }
        }
        throw new AssertionError("unreachable");
    }

    private static <E> ProtocolException assertRejectsIn(Decoder<E> decoder, byte[] input, int chunk,
            Violation violation) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> feedChunks(decoder, input, chunk),
                "fed in chunks of " + chunk);
        assertEquals(violation, e.violation(), e.getMessage());
        assertSame(e, assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(new byte[1]))),
                "sticky on decode");
        assertSame(e, assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.allocate(0))),
                "sticky on empty input");
        assertSame(e, assertThrows(ProtocolException.class, decoder::endOfInput), "sticky on end of input");
        return e;
    }

    /** Feeds {@code input} in one buffer and returns the events. */
    public static <E> List<E> feedWhole(Decoder<E> decoder, byte[] input) throws ProtocolException {
        return feedChunks(decoder, input, Math.max(input.length, 1));
    }

    /** Feeds {@code input} in buffers of {@code chunk} bytes and returns the events. */
    public static <E> List<E> feedChunks(Decoder<E> decoder, byte[] input, int chunk) throws ProtocolException {
        List<E> events = new ArrayList<>();
        for (int from = 0; from < input.length; from += chunk) {
            drain(decoder, ByteBuffer.wrap(Arrays.copyOfRange(input, from, Math.min(input.length, from + chunk))),
                    events);
        }
        return events;
    }

    private static <E> void drain(Decoder<E> decoder, ByteBuffer in, List<E> events) throws ProtocolException {
        for (E event; (event = decoder.decode(in)) != null; ) {
            events.add(event);
        }
        assertEquals(0, in.remaining(), "a decoder that returns null must have consumed all its input");
    }

    private static <E> void assertTrailingLeftAlone(Decoder<E> decoder, byte[] input, List<E> expected,
            UnaryOperator<List<E>> normalize) throws ProtocolException {
        byte[] withTrailing = Arrays.copyOf(input, input.length + TRAILING.length);
        System.arraycopy(TRAILING, 0, withTrailing, input.length, TRAILING.length);
        ByteBuffer in = ByteBuffer.wrap(withTrailing);
        List<E> events = new ArrayList<>();
        while (!normalize.apply(events).equals(expected)) {
            E event = decoder.decode(in);
            if (event == null) {
                fail("with trailing bytes, got only " + normalize.apply(events));
            }
            events.add(event);
        }
        assertEquals(TRAILING.length, in.remaining(), "trailing bytes must be left unconsumed");
    }

    /** Bytes from a string whose chars are all below 256, one byte each ("\0" for NUL). */
    public static byte[] bytes(String latin1) {
        return latin1.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Concatenates byte arrays. */
    public static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }
}
