package io.cgiwire.samples.webapp;

/**
 * The body of {@code /bytes}: byte i is {@code i % 251}. 251 is prime, so the pattern never lines up with a buffer
 * or record size and a dropped, repeated or reordered chunk shows in a checksum.
 */
final class BytePattern {
    static final int PERIOD = 251;
    static final int CHUNK = 64 * 1024;

    /** One chunk, plus a period so that a chunk starting at any offset is one slice of it. */
    private static final byte[] PATTERN = new byte[CHUNK + PERIOD];

    static {
        for (int i = 0; i < PATTERN.length; i++) {
            PATTERN[i] = (byte) (i % PERIOD);
        }
    }

    private BytePattern() {
    }

    /** The shared pattern array: never written to. */
    static byte[] array() {
        return PATTERN;
    }

    /** Where in {@link #array()} the bytes from body offset {@code position} start. */
    static int offset(long position) {
        return (int) (position % PERIOD);
    }

    /** How many bytes to write next, at most {@code chunk} (which is at most {@link #CHUNK}). */
    static int length(long position, long total, int chunk) {
        return (int) Math.min(chunk, total - position);
    }
}
