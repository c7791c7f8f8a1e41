package io.cgiwire.core.cgi;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The names every front server sends with every request, and a few values that recur, kept as constants so that
 * decoding them allocates nothing: a request's params are about 25 pairs, and most names are these.
 *
 * <p>{@link #lookup} hashes the bytes the way {@link String#hashCode()} hashes an ISO-8859-1 string and compares
 * them with the one candidate in that slot, so a miss costs one pass over the bytes and a hit saves a String and its
 * array. The returned constants also carry their cached hash, which the mapper's switch on names then reuses.
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
    private static final String[] TABLE = new String[512];
    /** The ISO-8859-1 bytes of each TABLE entry, for an intrinsic comparison. */
    private static final byte[][] TABLE_BYTES = new byte[TABLE.length][];

    static {
        for (String s : STRINGS) {
            int slot = s.hashCode() & (TABLE.length - 1);
            while (TABLE[slot] != null) {
                slot = (slot + 1) & (TABLE.length - 1);
            }
            TABLE[slot] = s;
            TABLE_BYTES[slot] = s.getBytes(StandardCharsets.ISO_8859_1);
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
        int h = 0;
        for (int i = offset, end = offset + length; i < end; i++) {
            h = 31 * h + (bytes[i] & 0xFF);
        }
        for (int slot = h & (TABLE.length - 1); ; slot = (slot + 1) & (TABLE.length - 1)) {
            String candidate = TABLE[slot];
            if (candidate == null) {
                return null;
            }
            if (candidate.length() == length && candidate.hashCode() == h
                    && Arrays.equals(TABLE_BYTES[slot], 0, length, bytes, offset, offset + length)) {
                return candidate;
            }
        }
    }
}
