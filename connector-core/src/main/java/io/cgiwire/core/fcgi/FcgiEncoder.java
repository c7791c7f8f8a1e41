package io.cgiwire.core.fcgi;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_ABORT_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_BEGIN_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_END_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_HEADER_LEN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MAX_CONNS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MAX_CONTENT_LENGTH;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MAX_REQS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MPXS_CONNS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_REQUEST_COMPLETE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_NULL_REQUEST_ID;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_TYPE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_VERSION_1;
import static io.cgiwire.core.fcgi.Fcgi.paddingFor;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes FastCGI records: what an application sends (FCGI_STDOUT, FCGI_STDERR, FCGI_END_REQUEST,
 * FCGI_GET_VALUES_RESULT, FCGI_UNKNOWN_TYPE) and, for tests, benchmarks and peers, what a web server sends.
 *
 * <p>Streams are cut into records of at most {@value Fcgi#FCGI_MAX_CONTENT_LENGTH} bytes, each padded to a multiple
 * of 8 as the spec recommends (section 3.3); the padding bytes are zero. Two forms: {@code put*} copies into the
 * caller's buffer, which must have room ({@link java.nio.BufferOverflowException} otherwise); {@link #frameStream}
 * frames body bytes without copying them, for a gathering write.
 *
 * <p>FCGI_END_REQUEST's body:
 * <pre>
 * typedef struct {
 *     unsigned char appStatusB3, appStatusB2, appStatusB1, appStatusB0;
 *     unsigned char protocolStatus;     // FCGI_REQUEST_COMPLETE, FCGI_CANT_MPX_CONN, FCGI_OVERLOADED, FCGI_UNKNOWN_ROLE
 *     unsigned char reserved[3];
 * } FCGI_EndRequestBody;
 * </pre>
 */
public final class FcgiEncoder {
    private static final ByteBuffer ZEROS = ByteBuffer.allocate(8).asReadOnlyBuffer();

    private FcgiEncoder() {
    }

    /** Writes a record header. */
    public static void putHeader(ByteBuffer out, int type, int requestId, int contentLength, int paddingLength) {
        if (contentLength < 0 || contentLength > FCGI_MAX_CONTENT_LENGTH) {
            throw new IllegalArgumentException("content length " + contentLength + " is not 0 to 65535");
        }
        if (requestId < 0 || requestId > 0xFFFF) {
            throw new IllegalArgumentException("request id " + requestId + " is not 0 to 65535");
        }
        out.put((byte) FCGI_VERSION_1)
                .put((byte) type)
                .putShort((short) requestId)
                .putShort((short) contentLength)
                .put((byte) paddingLength)
                .put((byte) 0);
    }

    /**
     * Bytes {@link #putStream} writes for {@code contentLength} bytes of stream content, without the empty record
     * that ends the stream.
     */
    public static long streamLength(long contentLength) {
        long full = contentLength / FCGI_MAX_CONTENT_LENGTH;
        int rest = (int) (contentLength % FCGI_MAX_CONTENT_LENGTH);
        long length = full * (FCGI_HEADER_LEN + FCGI_MAX_CONTENT_LENGTH + paddingFor(FCGI_MAX_CONTENT_LENGTH));
        if (rest > 0) {
            length += FCGI_HEADER_LEN + rest + paddingFor(rest);
        }
        return length;
    }

    /**
     * Copies all of {@code content} into {@code out} as records of {@code type}, at most 65535 bytes each, padded to
     * 8. Writes nothing for empty content: use {@link #putStreamEnd} to end the stream.
     */
    public static void putStream(ByteBuffer out, int type, int requestId, ByteBuffer content) {
        while (content.hasRemaining()) {
            int n = Math.min(content.remaining(), FCGI_MAX_CONTENT_LENGTH);
            int padding = paddingFor(n);
            putHeader(out, type, requestId, n, padding);
            out.put(content.slice(content.position(), n));
            content.position(content.position() + n);
            out.put(ZEROS.duplicate().limit(padding));
        }
    }

    /**
     * Frames all of {@code content} as records of {@code type} without copying it: returns the buffers to write in
     * order (headers, slices of {@code content}, padding), and advances {@code content} to its limit. The caller must
     * not change {@code content}'s bytes until they are written. Returns no buffer for empty content.
     */
    public static ByteBuffer[] frameStream(int type, int requestId, ByteBuffer content) {
        int records = (content.remaining() + FCGI_MAX_CONTENT_LENGTH - 1) / FCGI_MAX_CONTENT_LENGTH;
        int lastLength = content.remaining() - (records - 1) * FCGI_MAX_CONTENT_LENGTH;
        int lastPadding = records == 0 ? 0 : paddingFor(lastLength);
        ByteBuffer[] frames = new ByteBuffer[2 * records + (lastPadding > 0 ? 1 : 0)];
        int previousPadding = 0;
        for (int i = 0; i < records; i++) {
            int n = Math.min(content.remaining(), FCGI_MAX_CONTENT_LENGTH);
            // The previous record's padding rides in front of this header: one buffer instead of two.
            ByteBuffer header = ByteBuffer.allocate(previousPadding + FCGI_HEADER_LEN);
            header.position(previousPadding);
            previousPadding = paddingFor(n);
            putHeader(header, type, requestId, n, previousPadding);
            frames[2 * i] = header.flip();
            frames[2 * i + 1] = content.slice(content.position(), n);
            content.position(content.position() + n);
        }
        if (lastPadding > 0) {
            frames[frames.length - 1] = ZEROS.duplicate().limit(lastPadding);
        }
        return frames;
    }

    /** Writes the empty record that ends a stream of {@code type}: 8 bytes. */
    public static void putStreamEnd(ByteBuffer out, int type, int requestId) {
        putHeader(out, type, requestId, 0, 0);
    }

    /**
     * Writes FCGI_END_REQUEST: 16 bytes.
     *
     * @param appStatus the CGI exit status; 0 for success
     * @param protocolStatus FCGI_REQUEST_COMPLETE, FCGI_CANT_MPX_CONN, FCGI_OVERLOADED or FCGI_UNKNOWN_ROLE
     */
    public static void putEndRequest(ByteBuffer out, int requestId, int appStatus, int protocolStatus) {
        putHeader(out, FCGI_END_REQUEST, requestId, 8, 0);
        out.putInt(appStatus).put((byte) protocolStatus).put((byte) 0).put((byte) 0).put((byte) 0);
    }

    /** FCGI_END_REQUEST as {@link #putEndRequest} writes it: a new buffer, ready to write. */
    public static ByteBuffer endRequest(int requestId, int appStatus, int protocolStatus) {
        ByteBuffer out = ByteBuffer.allocate(FCGI_HEADER_LEN + 8);
        putEndRequest(out, requestId, appStatus, protocolStatus);
        return out.flip();
    }

    /** Writes FCGI_UNKNOWN_TYPE on the null request id for a record of {@code type}: 16 bytes. */
    public static void putUnknownType(ByteBuffer out, int type) {
        putHeader(out, FCGI_UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID, 8, 0);
        out.put((byte) type).put(new byte[7]);
    }

    /** FCGI_UNKNOWN_TYPE as {@link #putUnknownType} writes it: a new buffer, ready to write. */
    public static ByteBuffer unknownType(int type) {
        ByteBuffer out = ByteBuffer.allocate(FCGI_HEADER_LEN + 8);
        putUnknownType(out, type);
        return out.flip();
    }

    /**
     * A whole response of request {@code requestId} in one buffer: {@code stdout} as FCGI_STDOUT, the empty record
     * that ends the stream, and FCGI_END_REQUEST with FCGI_REQUEST_COMPLETE. For the short answers an application
     * gives without running a servlet (a refused request).
     */
    public static ByteBuffer completeResponse(int requestId, byte[] stdout) {
        ByteBuffer out = ByteBuffer.allocate((int) streamLength(stdout.length) + 2 * FCGI_HEADER_LEN + 8);
        putStream(out, FCGI_STDOUT, requestId, ByteBuffer.wrap(stdout));
        putStreamEnd(out, FCGI_STDOUT, requestId);
        putEndRequest(out, requestId, 0, FCGI_REQUEST_COMPLETE);
        return out.flip();
    }

    /** FCGI_GET_VALUES_RESULT with {@code values} as name-value pairs, padded: a new buffer, ready to write. */
    public static ByteBuffer getValuesResult(Map<String, String> values) {
        return nameValueRecord(FCGI_GET_VALUES_RESULT, values);
    }

    /**
     * The FCGI_GET_VALUES_RESULT of an application that takes one request per connection, answering {@code names}
     * truthfully (spec 4.1): FCGI_MPXS_CONNS is 0; FCGI_MAX_CONNS and FCGI_MAX_REQS are given when known (positive)
     * and left out otherwise, as are names the application does not know.
     */
    public static ByteBuffer getValuesResult(List<String> names, int maxConns, int maxReqs) {
        return getValuesResult(names, maxConns, maxReqs, false);
    }

    /**
     * As {@link #getValuesResult(List, int, int)}, for an application that serves several requests of a connection
     * at once when {@code multiplexes} (FCGI_MPXS_CONNS=1).
     */
    public static ByteBuffer getValuesResult(List<String> names, int maxConns, int maxReqs, boolean multiplexes) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : names) {
            if (name.equals(FCGI_MPXS_CONNS)) {
                values.put(name, multiplexes ? "1" : "0");
            } else if (name.equals(FCGI_MAX_CONNS) && maxConns > 0) {
                values.put(name, Integer.toString(maxConns));
            } else if (name.equals(FCGI_MAX_REQS) && maxReqs > 0) {
                values.put(name, Integer.toString(maxReqs));
            }
        }
        return getValuesResult(values);
    }

    /** FCGI_GET_VALUES asking for {@code names} (a web server's record; for tests and peers). */
    public static ByteBuffer getValues(Iterable<String> names) {
        Map<String, String> query = new java.util.LinkedHashMap<>();
        for (String name : names) {
            query.put(name, "");
        }
        return nameValueRecord(FCGI_GET_VALUES, query);
    }

    /** Writes FCGI_BEGIN_REQUEST (a web server's record; for tests and peers): 16 bytes. */
    public static void putBeginRequest(ByteBuffer out, int requestId, int role, int flags) {
        putHeader(out, FCGI_BEGIN_REQUEST, requestId, 8, 0);
        out.putShort((short) role).put((byte) flags).put(new byte[5]);
    }

    /** Writes FCGI_ABORT_REQUEST (a web server's record; for tests and peers): 8 bytes. */
    public static void putAbortRequest(ByteBuffer out, int requestId) {
        putHeader(out, FCGI_ABORT_REQUEST, requestId, 0, 0);
    }

    private static ByteBuffer nameValueRecord(int type, Map<String, String> pairs) {
        int length = 0;
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            length += NameValueCodec.pairSize(pair.getKey(), pair.getValue());
        }
        int padding = paddingFor(length);
        ByteBuffer out = ByteBuffer.allocate(FCGI_HEADER_LEN + length + padding);
        putHeader(out, type, FCGI_NULL_REQUEST_ID, length, padding);
        for (Map.Entry<String, String> pair : pairs.entrySet()) {
            NameValueCodec.putPair(out, pair.getKey(), pair.getValue());
        }
        out.position(out.limit());
        return out.flip();
    }
}
