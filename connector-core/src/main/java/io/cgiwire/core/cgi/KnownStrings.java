package io.cgiwire.core.cgi;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The names every front server sends with every request, and a few values that recur, kept as constants so that
 * decoding them allocates nothing: a request's params are about 25 pairs, and most names are these.
 *
 * <p>{@link #find} reads the first and last eight bytes as two words, whatever the length, hashes them with the length,
 * and compares the same two words with the one candidate in that slot (and the bytes between them, past 16): names
 * share prefixes ("HTTP_", "SERVER_") but not their ends and lengths together, so a slot rarely holds a neighbour,
 * and a hit or a miss costs a few word comparisons instead of a pass over the bytes to hash them and another to
 * compare them.
 */
public final class KnownStrings {
    /** Values longer than this are not looked up: cookies and user agents never match, so hashing them is waste. */
    public static final int MAX_VALUE_LENGTH = 16;

    private static final String[] STRINGS = {
        // CGI/1.1 (RFC 3875) and what nginx, httpd and lighttpd add (shared/captures).
        "AUTH_TYPE", "CONTENT_LENGTH", "CONTENT_TYPE", "GATEWAY_INTERFACE", "PATH_INFO", "PATH_TRANSLATED",
        "QUERY_STRING", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_PORT", "REMOTE_USER", "REQUEST_METHOD", "REQUEST_URI",
        "REQUEST_SCHEME", "SCRIPT_NAME", "SCRIPT_FILENAME", "SERVER_NAME", "SERVER_PORT", "SERVER_ADDR",
        "SERVER_PROTOCOL", "SERVER_SOFTWARE", "SERVER_ADMIN", "SERVER_SIGNATURE", "DOCUMENT_URI", "DOCUMENT_ROOT",
        "CONTEXT_PREFIX", "CONTEXT_DOCUMENT_ROOT", "REDIRECT_STATUS", "HTTPS", "SCGI", "PATH",
        // Client headers as CGI variables.
        "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_ACCEPT", "HTTP_ACCEPT_CHARSET", "HTTP_ACCEPT_ENCODING",
        "HTTP_ACCEPT_LANGUAGE", "HTTP_AUTHORIZATION", "HTTP_CACHE_CONTROL", "HTTP_CONNECTION", "HTTP_CONTENT_LENGTH",
        "HTTP_CONTENT_TYPE", "HTTP_COOKIE", "HTTP_DNT", "HTTP_EXPECT", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE",
        "HTTP_IF_NONE_MATCH", "HTTP_IF_RANGE", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_KEEP_ALIVE", "HTTP_ORIGIN",
        "HTTP_PRAGMA", "HTTP_PROXY", "HTTP_RANGE", "HTTP_REFERER", "HTTP_TE", "HTTP_TRANSFER_ENCODING",
        "HTTP_UPGRADE", "HTTP_UPGRADE_INSECURE_REQUESTS", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST",
        "HTTP_X_FORWARDED_PROTO", "HTTP_X_REAL_IP", "HTTP_X_REQUESTED_WITH", "HTTP_SEC_FETCH_DEST",
        "HTTP_SEC_FETCH_MODE", "HTTP_SEC_FETCH_SITE", "HTTP_SEC_FETCH_USER", "HTTP_PRIORITY",
        // Values that recur in every request.
        "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH", "HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "http",
        "https", "on", "off", "0", "1", "200", "CGI/1.1", "*/*", "127.0.0.1", "::1", "gzip, deflate", "keep-alive",
        "close", "no-cache", "application/x-www-form-urlencoded",
    };
    /** Bytes of each STRINGS entry, by ordinal, and their first and last eight bytes as words, as find() reads them. */
    private static final byte[][] BYTES = new byte[STRINGS.length][];
    private static final long[] FIRST = new long[STRINGS.length];
    private static final long[] LAST = new long[STRINGS.length];
    /** Open addressing, linear probing: an ordinal + 1 per slot, 0 for none. A power of two, 5× the entries. */
    private static final short[] TABLE = new short[512];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    static {
        for (int i = 0; i < STRINGS.length; i++) {
            byte[] b = STRINGS[i].getBytes(StandardCharsets.ISO_8859_1);
            BYTES[i] = b;
            FIRST[i] = first(b, 0, b.length);
            LAST[i] = last(b, 0, b.length);
            int slot = hash(FIRST[i], LAST[i], b.length);
            while (TABLE[slot] != 0) {
                slot = (slot + 1) & (TABLE.length - 1);
            }
            TABLE[slot] = (short) (i + 1);
        }
    }

    private KnownStrings() {
    }

    /** A name read off the wire as ISO-8859-1: a constant when it is a known one, else a new String. */
    public static String name(byte[] bytes, int offset, int length) {
        String constant = lookup(bytes, offset, length);
        return constant != null ? constant : new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }

    /** A value read off the wire as ISO-8859-1: a constant when it is short and a known one, else a new String. */
    public static String value(byte[] bytes, int offset, int length) {
        String constant = length <= MAX_VALUE_LENGTH ? lookup(bytes, offset, length) : null;
        return constant != null ? constant : new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }

    /**
     * The constant whose ISO-8859-1 bytes are {@code bytes[offset .. offset + length)}, or null if there is none.
     */
    public static String lookup(byte[] bytes, int offset, int length) {
        int ordinal = find(bytes, offset, length);
        return ordinal < 0 ? null : STRINGS[ordinal];
    }

    /**
     * The ordinal of the constant whose ISO-8859-1 bytes are {@code bytes[offset .. offset + length)}, from 0 to
     * {@link #count()} - 1, or -1 if there is none: a key for tables indexed by known names.
     */
    public static int find(byte[] bytes, int offset, int length) {
        long first = first(bytes, offset, length);
        long last = last(bytes, offset, length);
        for (int slot = hash(first, last, length); ; slot = (slot + 1) & (TABLE.length - 1)) {
            int ordinal = TABLE[slot] - 1;
            if (ordinal < 0) {
                return -1;
            }
            // The two words cover every byte up to 16; past that, the middle is compared too.
            if (FIRST[ordinal] == first && LAST[ordinal] == last && BYTES[ordinal].length == length
                    && (length <= 16 || Arrays.equals(BYTES[ordinal], 8, length - 8, bytes, offset + 8,
                            offset + length - 8))) {
                return ordinal;
            }
        }
    }

    /** The constant of {@code ordinal}, as {@link #find} returns it. */
    public static String get(int ordinal) {
        return STRINGS[ordinal];
    }

    /** The number of constants: ordinals run from 0 to this - 1. */
    public static int count() {
        return STRINGS.length;
    }

    /** The first eight bytes as a little-endian word; below eight, all of them, zero-extended. */
    private static long first(byte[] bytes, int offset, int length) {
        if (length >= 8) {
            return (long) LONGS.get(bytes, offset);
        }
        long word = 0;
        for (int i = length - 1; i >= 0; i--) {
            word = (word << 8) | (bytes[offset + i] & 0xFF);
        }
        return word;
    }

    /** The last eight bytes as a little-endian word (overlapping the first below 16); 0 below eight. */
    private static long last(byte[] bytes, int offset, int length) {
        return length >= 8 ? (long) LONGS.get(bytes, offset + length - 8) : 0;
    }

    /** The slot of a string of {@code length} bytes with those words. */
    private static int hash(long first, long last, int length) {
        long h = first * 0x9E3779B97F4A7C15L + Long.rotateLeft(last, 29) + length;
        h *= 0xC2B2AE3D27D4EB4FL;
        return (int) (h ^ (h >>> 32)) & (TABLE.length - 1);
    }
}
