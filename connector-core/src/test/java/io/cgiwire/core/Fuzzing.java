package io.cgiwire.core;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the decoder fuzz tests share: small limits, so that "memory bounded by the limits" is something a few KiB of
 * input can test, and the layout of their inputs.
 *
 * <p>A decoder fuzz input is a control prefix, then the bytes a peer sends:
 * <pre>
 * byte 0        policy: how the simulated adapter reacts to events (each target says what its bits mean)
 * byte 1        k = byte &amp; 0x0F: how many chunk sizes follow
 * bytes 2..k+1  chunk sizes, used in turn until the stream is fed: 1 to 255 bytes, 0 for all the rest at once
 * the rest      the stream
 * </pre>
 * So {@code 00 00} followed by a capture feeds the capture whole to a plain adapter, and {@code 00 01 01} feeds it
 * one byte at a time. An input shorter than its prefix is an empty stream.
 */
public final class Fuzzing {
    /** Bytes of params (FastCGI) or of the header netstring (SCGI); a tenth of the defaults, more than any capture. */
    public static final int MAX_PARAMS_BYTES = 4096;
    /** Name-value pairs per request; the captures send about 25. */
    public static final int MAX_PARAMS_COUNT = 64;
    /** Bytes in a name: every CGI name and header name the captures send is far shorter. */
    public static final int MAX_NAME_LENGTH = 128;
    /** Bytes in a value: the longest in the captures is nginx_fastcgi-long-header's 300-byte X-Long. */
    public static final int MAX_VALUE_LENGTH = 1024;
    /** Digits of the SCGI netstring length: 4096 needs 4. */
    public static final int MAX_NETSTRING_DIGITS = 5;
    /** FastCGI request ids active at once. */
    public static final int MAX_MULTIPLEXED_REQUESTS = 4;

    private Fuzzing() {
    }

    /** The limits every decoder under fuzzing runs with. */
    public static GatewayLimits limits() {
        GatewayLimits limits = new GatewayLimits();
        limits.setMaxParamsBytes(MAX_PARAMS_BYTES);
        limits.setMaxParamsCount(MAX_PARAMS_COUNT);
        limits.setMaxParamNameLength(MAX_NAME_LENGTH);
        limits.setMaxParamValueLength(MAX_VALUE_LENGTH);
        limits.setMaxScgiHeaderBytes(MAX_PARAMS_BYTES);
        limits.setMaxNetstringDigits(MAX_NETSTRING_DIGITS);
        limits.setMaxMultiplexedRequests(MAX_MULTIPLEXED_REQUESTS);
        return limits;
    }

    /** A decoder fuzz input taken apart. */
    public record Input(int policy, int[] chunkSizes, byte[] stream) {
        /** Parses the layout in the class javadoc. */
        public static Input of(byte[] input) {
            int policy = input.length > 0 ? input[0] & 0xFF : 0;
            int k = input.length > 1 ? input[1] & 0x0F : 0;
            int start = Math.min(input.length, 2 + k);
            int[] sizes = new int[Math.max(0, start - 2)];
            for (int i = 0; i < sizes.length; i++) {
                sizes[i] = input[2 + i] & 0xFF;
            }
            return new Input(policy, sizes, Arrays.copyOfRange(input, start, input.length));
        }

        /** The stream cut as the chunk sizes say, each chunk in its own buffer (as a socket read would give it). */
        public List<ByteBuffer> chunks() {
            return cut(stream, chunkSizes);
        }

        /** Whether the policy has {@code bit} set. */
        public boolean has(int bit) {
            return (policy & bit) != 0;
        }
    }

    /** Builds an input: the inverse of {@link Input#of}, for seeds and regression tests. */
    public static byte[] input(int policy, int[] chunkSizes, byte[] stream) {
        if (chunkSizes.length > 15) {
            throw new IllegalArgumentException("at most 15 chunk sizes");
        }
        byte[] input = new byte[2 + chunkSizes.length + stream.length];
        input[0] = (byte) policy;
        input[1] = (byte) chunkSizes.length;
        for (int i = 0; i < chunkSizes.length; i++) {
            input[2 + i] = (byte) chunkSizes[i];
        }
        System.arraycopy(stream, 0, input, 2 + chunkSizes.length, stream.length);
        return input;
    }

    /** {@code stream} cut by {@code sizes} in turn (0: the rest); whole when there are none. */
    public static List<ByteBuffer> cut(byte[] stream, int[] sizes) {
        List<ByteBuffer> chunks = new ArrayList<>();
        int at = 0;
        for (int i = 0; at < stream.length; i++) {
            int size = sizes.length == 0 ? 0 : sizes[i % sizes.length];
            int end = size == 0 ? stream.length : Math.min(stream.length, at + size);
            chunks.add(ByteBuffer.wrap(Arrays.copyOfRange(stream, at, end)));
            at = end;
        }
        return chunks;
    }

    /** {@code stream} cut at the given offsets only (ascending, duplicates allowed), each piece in its own buffer. */
    public static List<ByteBuffer> cutAt(byte[] stream, List<Long> offsets) {
        List<ByteBuffer> chunks = new ArrayList<>();
        int at = 0;
        for (long offset : offsets) {
            if (offset > at) {
                chunks.add(ByteBuffer.wrap(Arrays.copyOfRange(stream, at, (int) offset)));
                at = (int) offset;
            }
        }
        if (at < stream.length) {
            chunks.add(ByteBuffer.wrap(Arrays.copyOfRange(stream, at, stream.length)));
        }
        return chunks;
    }

    /**
     * Whether to measure what a decoder keeps ({@link RetainedSize}) after read {@code i} of {@code n}: after the
     * first, second, fourth, eighth... and the last, since walking the decoder after every read of a stream fed one
     * byte at a time would cost more than decoding it.
     */
    public static boolean measured(int i, int n) {
        return i == n - 1 || (i & (i + 1)) == 0;
    }

    /** The bytes of a buffer's remaining content, leaving the buffer as it was. */
    public static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    /** Fails unless every char of {@code s} is one byte (ISO-8859-1), as everything a decoder reads must be. */
    public static void assertLatin1(String what, String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xFF) {
                throw new AssertionError(what + " holds a char above 0xFF at " + i);
            }
        }
    }
}
