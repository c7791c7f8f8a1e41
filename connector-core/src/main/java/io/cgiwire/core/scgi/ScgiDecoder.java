package io.cgiwire.core.scgi;

import io.cgiwire.core.Decoder;
import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.Violation;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.cgi.KnownStrings;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Decodes the one request an SCGI connection carries: a header netstring, then exactly CONTENT_LENGTH body bytes.
 *
 * <p>Wire layout (SCGI spec, Neil Schemenauer; netstrings, D. J. Bernstein), as the web server sends it:
 * <pre>
 * request  = length ":" headers "," body
 * length   = "0" | [1-9] [0-9]*            ; bytes in headers, decimal, no leading zero (netstrings)
 * headers  = (name NUL value NUL)*         ; first name CONTENT_LENGTH, a name SCGI with value "1"
 * body     = CONTENT_LENGTH bytes          ; then the web server waits: one request per connection
 *
 * "70:" "CONTENT_LENGTH\0" "27\0" "SCGI\0" "1\0" "REQUEST_METHOD\0" "POST\0" "REQUEST_URI\0" "/deepthought\0"
 * ","   "What is the answer to life?"
 * </pre>
 *
 * <p>Events: one {@link ScgiEvent.Headers} once the comma is read, {@link ScgiEvent.Body} slices of the caller's
 * buffer (never copied, never past CONTENT_LENGTH), then {@link ScgiEvent.End}. Names and values are the wire bytes
 * read as ISO-8859-1. The spec says "Duplicate names are not allowed in the headers", but nginx before 1.23 sends
 * a client header given twice as two pairs and a user's {@code scgi_param} may repeat a default one: repeated names
 * are kept in wire order for the mapper to merge. Only a CONTENT_LENGTH repeated with another value is refused,
 * since it would make the body's framing ambiguous.
 *
 * <p>Memory is bounded by {@link GatewayLimits}, never by a length read off the wire: the length is refused digit
 * by digit as soon as it exceeds {@link GatewayLimits#getMaxScgiHeaderBytes()}, and a header block split across
 * calls is buffered in a scratch array that grows with the bytes that actually arrive. A block that is whole in a
 * heap buffer is parsed in place.
 *
 * <p>Not thread-safe; one decoder per connection.
 */
public final class ScgiDecoder implements Decoder<ScgiEvent> {
    private static final String CONTENT_LENGTH = "CONTENT_LENGTH";
    private static final String SCGI = "SCGI";
    private static final byte[] NO_BYTES = {};
    /** Eight bytes of the header block at a time, for the scans for NUL. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long LOW_SEVEN_BITS = 0x7F7F7F7F7F7F7F7FL;
    /** First scratch size: nginx's and httpd's header blocks for a plain GET are 350 to 800 bytes. */
    private static final int INITIAL_SCRATCH_BYTES = 1024;
    /** Peer strings quoted in messages are cut here, so a 32 KiB value does not make a 32 KiB log line. */
    private static final int MAX_QUOTED_CHARS = 40;

    private enum State { LENGTH, HEADERS, COMMA, BODY, DONE }

    private final int maxHeaderBytes;
    private final int maxNetstringDigits;
    private final int maxParamsCount;
    private final int maxParamNameLength;
    private final int maxParamValueLength;

    private State state = State.LENGTH;
    private int lengthDigits;
    private int headerLength;
    private byte[] scratch = NO_BYTES;
    private int scratchFill;
    private ScgiEvent.Headers headers;
    private long bodyRemaining;
    private ProtocolException failure;

    /**
     * @param limits the bounds to apply; copied, so later changes to {@code limits} do not affect this decoder
     */
    public ScgiDecoder(GatewayLimits limits) {
        Objects.requireNonNull(limits, "limits");
        this.maxHeaderBytes = limits.getMaxScgiHeaderBytes();
        this.maxNetstringDigits = limits.getMaxNetstringDigits();
        this.maxParamsCount = limits.getMaxParamsCount();
        this.maxParamNameLength = limits.getMaxParamNameLength();
        this.maxParamValueLength = limits.getMaxParamValueLength();
    }

    /**
     * Decodes the next event: {@link ScgiEvent.Headers} once the header netstring and its comma are in, then
     * {@link ScgiEvent.Body} slices of {@code in}, then {@link ScgiEvent.End} (on the call after the last body byte,
     * or right after the headers when CONTENT_LENGTH is 0).
     *
     * @param in bytes from the web server; its position advances past what was consumed
     * @return the next event, or null if {@code in} was consumed whole without completing one
     * @throws ProtocolException if the netstring or its headers break SCGI, or a byte follows the body
     */
    @Override
    public ScgiEvent decode(ByteBuffer in) throws ProtocolException {
        if (failure != null) {
            throw failure;
        }
        if (state == State.LENGTH && !readLength(in)) {
            return null;
        }
        if (state == State.HEADERS && !readHeaderBlock(in)) {
            return null;
        }
        if (state == State.COMMA) {
            return readComma(in);
        }
        if (state == State.BODY) {
            return readBody(in);
        }
        if (in.hasRemaining()) {
            throw fail(Violation.SCGI_DATA_AFTER_END, "data after the " + headers.contentLength()
                    + "-byte body, starting with " + describe(in.get(in.position()))
                    + ": SCGI carries one request per connection");
        }
        return null;
    }

    /** Whether the request is complete: its End was decoded, and nothing may follow it. */
    public boolean complete() {
        return state == State.DONE;
    }

    /**
     * Accepts the end of input once the body is complete, or before the first byte: httpd's mod_proxy_scgi opens a
     * connection and then closes it unused when it refuses a chunked request with 411, so an empty connection is a
     * normal close, not a broken request (captures/raw/apache_scgi-chunked.bin).
     *
     * @throws ProtocolException with {@link Violation#PREMATURE_END} saying where the request was cut short
     */
    @Override
    public void endOfInput() throws ProtocolException {
        if (failure != null) {
            throw failure;
        }
        String where = switch (state) {
            case LENGTH -> lengthDigits == 0
                    ? null
                    : "in the netstring length after " + lengthDigits + " digits";
            case HEADERS -> "in the header block after " + scratchFill + " of " + headerLength + " bytes";
            case COMMA -> "after the " + headerLength + "-byte header block, before its ','";
            case BODY -> bodyRemaining == 0
                    ? null
                    : "in the body after " + (headers.contentLength() - bodyRemaining) + " of "
                            + headers.contentLength() + " bytes";
            case DONE -> null;
        };
        if (where != null) {
            throw fail(Violation.PREMATURE_END, "connection closed " + where);
        }
    }

    /** Reads length digits up to the colon; true once it is consumed. */
    private boolean readLength(ByteBuffer in) throws ProtocolException {
        while (in.hasRemaining()) {
            byte b = in.get();
            if (b == ':') {
                if (lengthDigits == 0) {
                    throw fail(Violation.SCGI_BAD_NETSTRING_LENGTH, "netstring length is empty");
                }
                state = State.HEADERS;
                return true;
            }
            if (b < '0' || b > '9') {
                throw fail(Violation.SCGI_BAD_NETSTRING_LENGTH, "non-digit " + describe(b) + " in netstring length");
            }
            // DJB's netstrings: "leading zeros are prohibited", so each length has one spelling.
            if (lengthDigits == 1 && headerLength == 0) {
                throw fail(Violation.SCGI_BAD_NETSTRING_LENGTH, "netstring length has a leading zero");
            }
            if (++lengthDigits > maxNetstringDigits) {
                throw fail(Violation.SCGI_BAD_NETSTRING_LENGTH, "netstring length has " + lengthDigits
                        + " digits or more, at most " + maxNetstringDigits + " allowed");
            }
            headerLength = headerLength * 10 + (b - '0');
            // Refuse now rather than after the colon: a peer must not hold the connection with an endless length.
            if (headerLength > maxHeaderBytes) {
                throw fail(Violation.SCGI_HEADERS_TOO_LARGE, "netstring length is at least " + headerLength
                        + ", more than the " + maxHeaderBytes + " header bytes allowed");
            }
        }
        return false;
    }

    /** Reads the header block's bytes; true once all of them are in and valid. */
    private boolean readHeaderBlock(ByteBuffer in) throws ProtocolException {
        if (scratchFill == 0 && in.hasArray() && in.remaining() >= headerLength) {
            int at = in.position();
            headers = parseHeaders(in.array(), in.arrayOffset() + at);
            in.position(at + headerLength);
        } else {
            int n = Math.min(headerLength - scratchFill, in.remaining());
            if (scratchFill + n > scratch.length) {
                // Grow with what arrived, doubling, up to the announced length: a peer that announces 60000 bytes
                // and sends 10 costs 1 KiB, not 60000 bytes.
                int capacity = Math.max(scratchFill + n, Math.max(2 * scratch.length, INITIAL_SCRATCH_BYTES));
                scratch = Arrays.copyOf(scratch, Math.min(capacity, headerLength));
            }
            in.get(scratch, scratchFill, n);
            scratchFill += n;
            if (scratchFill < headerLength) {
                return false;
            }
            headers = parseHeaders(scratch, 0);
            scratch = NO_BYTES;
        }
        state = State.COMMA;
        return true;
    }

    /**
     * Splits the {@code headerLength} bytes at {@code from} into pairs and checks them. Counting the NULs first
     * refuses an odd count or too many pairs before any String exists, and sizes the environment exactly.
     */
    private ScgiEvent.Headers parseHeaders(byte[] block, int from) throws ProtocolException {
        int end = from + headerLength;
        if (headerLength > 0 && block[end - 1] != 0) {
            throw fail(Violation.SCGI_HEADERS_NOT_NUL_TERMINATED, "the " + headerLength
                    + "-byte header block ends with " + describe(block[end - 1]) + ", not NUL");
        }
        int strings = countNuls(block, from, end);
        if (strings % 2 != 0) {
            throw fail(Violation.SCGI_ODD_STRING_COUNT,
                    "the header block holds " + strings + " NUL-terminated strings: the last name has no value");
        }
        if (strings / 2 > maxParamsCount) {
            throw fail(Violation.TOO_MANY_PARAMS,
                    strings / 2 + " headers, at most " + maxParamsCount + " allowed");
        }
        CgiEnvironment environment = new CgiEnvironment(strings / 2);
        // The block ends with NUL and holds an even number of them, so both scans below stop before end.
        for (int at = from; at < end; ) {
            int nameEnd = indexOfNul(block, at, end);
            int valueEnd = indexOfNul(block, nameEnd + 1, end);
            int nameLength = nameEnd - at;
            int valueLength = valueEnd - nameEnd - 1;
            if (nameLength == 0) {
                throw fail(Violation.PARAM_NAME_EMPTY, "header " + (environment.size() + 1) + " at byte "
                        + (at - from) + " of the header block has an empty name");
            }
            String name = KnownStrings.name(block, at, nameLength);
            if (nameLength > maxParamNameLength) {
                throw fail(Violation.PARAM_NAME_TOO_LONG, "header " + (environment.size() + 1) + " has a "
                        + nameLength + "-byte name, at most " + maxParamNameLength + " allowed: " + quote(name));
            }
            if (valueLength > maxParamValueLength) {
                throw fail(Violation.PARAM_VALUE_TOO_LONG, "header " + quote(name) + " has a " + valueLength
                        + "-byte value, at most " + maxParamValueLength + " allowed");
            }
            environment.add(name, KnownStrings.value(block, nameEnd + 1, valueLength));
            at = valueEnd + 1;
        }
        return new ScgiEvent.Headers(environment, contentLength(environment));
    }

    /** Checks the two headers the SCGI spec requires and returns the body length that CONTENT_LENGTH frames. */
    private long contentLength(CgiEnvironment environment) throws ProtocolException {
        // SCGI spec: "The first header must have the name "CONTENT_LENGTH"": framing needs no search.
        if (environment.size() == 0 || !environment.name(0).equals(CONTENT_LENGTH)) {
            int index = indexOfName(environment, CONTENT_LENGTH);
            throw fail(Violation.SCGI_MISSING_CONTENT_LENGTH, index < 0
                    ? "CONTENT_LENGTH is absent; the SCGI spec requires it as the first header"
                    : "CONTENT_LENGTH is header " + (index + 1) + ", not the first as the SCGI spec requires");
        }
        String value = environment.value(0);
        long contentLength = parseDecimal(value);
        if (contentLength < 0) {
            throw fail(Violation.CGI_BAD_CONTENT_LENGTH, "CONTENT_LENGTH " + quote(value)
                    + " is not a decimal number of bytes");
        }
        boolean scgiSeen = false;
        for (int i = 1; i < environment.size(); i++) {
            String name = environment.name(i);
            if (name.equals(CONTENT_LENGTH) && !environment.value(i).equals(value)) {
                throw fail(Violation.CGI_BAD_CONTENT_LENGTH, "CONTENT_LENGTH is first " + quote(value)
                        + ", then " + quote(environment.value(i)) + " in header " + (i + 1));
            }
            if (name.equals(SCGI)) {
                // SCGI spec: "There must also always be a header with the name "SCGI" and a value of "1"". Every
                // copy is checked, since CgiEnvironment.get returns the last one.
                if (!environment.value(i).equals("1")) {
                    throw fail(Violation.SCGI_BAD_SCGI_VERSION, "SCGI is " + quote(environment.value(i))
                            + " in header " + (i + 1) + ", only \"1\" is defined");
                }
                scgiSeen = true;
            }
        }
        if (!scgiSeen) {
            throw fail(Violation.SCGI_MISSING_SCGI, "no SCGI header; the SCGI spec requires SCGI=1");
        }
        return contentLength;
    }

    /** Reads the comma that closes the netstring, then hands out the headers. */
    private ScgiEvent readComma(ByteBuffer in) throws ProtocolException {
        if (!in.hasRemaining()) {
            return null;
        }
        byte b = in.get();
        if (b != ',') {
            throw fail(Violation.SCGI_MISSING_COMMA, "expected ',' after the " + headerLength
                    + "-byte header block, found " + describe(b));
        }
        bodyRemaining = headers.contentLength();
        state = State.BODY;
        return headers;
    }

    /** Hands out the next body slice without copying, or the end once CONTENT_LENGTH bytes went out. */
    private ScgiEvent readBody(ByteBuffer in) {
        if (bodyRemaining == 0) {
            state = State.DONE;
            return new ScgiEvent.End();
        }
        int n = (int) Math.min(in.remaining(), bodyRemaining);
        if (n == 0) {
            return null;
        }
        int at = in.position();
        ByteBuffer slice = in.slice(at, n).asReadOnlyBuffer();
        in.position(at + n);
        bodyRemaining -= n;
        return new ScgiEvent.Body(slice);
    }

    private ProtocolException fail(Violation violation, String message) {
        failure = new ProtocolException(violation, message);
        return failure;
    }

    /**
     * The high bit of each byte of {@code word} that is zero, and no other bit: a byte's low seven bits plus 0x7F
     * carry into its high bit unless they are all zero, and never out of the byte.
     */
    private static long nulBytes(long word) {
        return ~((word & LOW_SEVEN_BITS) + LOW_SEVEN_BITS | word | LOW_SEVEN_BITS);
    }

    /** How many bytes of {@code block[from .. end)} are NUL, eight at a time: a header block is hundreds of bytes. */
    private static int countNuls(byte[] block, int from, int end) {
        int count = 0;
        int i = from;
        for (; i + 8 <= end; i += 8) {
            count += Long.bitCount(nulBytes((long) LONGS.get(block, i)));
        }
        for (; i < end; i++) {
            if (block[i] == 0) {
                count++;
            }
        }
        return count;
    }

    /** The first NUL at or after {@code from}, eight bytes at a time; the caller knows there is one before end. */
    private static int indexOfNul(byte[] block, int from, int end) {
        int i = from;
        for (; i + 8 <= end; i += 8) {
            long nuls = nulBytes((long) LONGS.get(block, i));
            if (nuls != 0) {
                // Little-endian: the lowest flagged byte is the first.
                return i + (Long.numberOfTrailingZeros(nuls) >>> 3);
            }
        }
        while (block[i] != 0) {
            i++;
        }
        return i;
    }

    private static int indexOfName(CgiEnvironment environment, String name) {
        for (int i = 0; i < environment.size(); i++) {
            if (environment.name(i).equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** One or more ASCII digits that fit a long, or -1: no sign, no blank, not empty. */
    private static long parseDecimal(String value) {
        if (value.isEmpty()) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            int digit = value.charAt(i) - '0';
            if (digit < 0 || digit > 9 || n > (Long.MAX_VALUE - digit) / 10) {
                return -1;
            }
            n = n * 10 + digit;
        }
        return n;
    }

    /** A byte for a message: the character too when it is printable ASCII. */
    private static String describe(byte b) {
        String hex = String.format("0x%02X", b & 0xFF);
        return b >= 0x20 && b < 0x7F ? "'" + (char) b + "' (" + hex + ")" : hex;
    }

    /** A peer's string for a message: cut short, non-printable chars as \xNN, so a log entry stays one line. */
    private static String quote(String s) {
        StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < Math.min(s.length(), MAX_QUOTED_CHARS); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                quoted.append(c);
            } else {
                quoted.append(String.format("\\x%02X", (int) c));
            }
        }
        return quoted.append(s.length() > MAX_QUOTED_CHARS ? "\"..." : "\"").toString();
    }
}
