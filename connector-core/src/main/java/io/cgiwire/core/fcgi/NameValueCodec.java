package io.cgiwire.core.fcgi;

import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.Violation;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.cgi.KnownStrings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * FastCGI name-value pairs (spec section 3.4): the content of FCGI_PARAMS, FCGI_GET_VALUES and
 * FCGI_GET_VALUES_RESULT.
 *
 * <p>Each length takes one byte when it is below 128, else four with the high bit set:
 * <pre>
 * typedef struct {
 *     unsigned char nameLengthB0;       // nameLengthB0  &gt;&gt; 7 == 0
 *     unsigned char valueLengthB3;      // valueLengthB3 &gt;&gt; 7 == 1
 *     unsigned char valueLengthB2, valueLengthB1, valueLengthB0;
 *     unsigned char nameData[nameLength];
 *     unsigned char valueData[valueLength];   // ((B3 &amp; 0x7f) &lt;&lt; 24) + (B2 &lt;&lt; 16) + (B1 &lt;&lt; 8) + B0
 * } FCGI_NameValuePair14;                     // and _11, _41, _44 for the other combinations
 * </pre>
 * A sender may use the four-byte form for a short length too; both forms are accepted.
 *
 * <p>An instance decodes one stream of pairs incrementally: pairs may straddle records and reads, and every call
 * consumes all the bytes it is given. Lengths are checked against the limits before any byte is buffered, and only a
 * field split across calls is copied (into a scratch array that grows to at most the limit); a field that is whole in
 * the input becomes a String straight from it. Names and values are read as ISO-8859-1, one char per byte; names and
 * short values that every request repeats come from {@link KnownStrings} without allocating.
 *
 * <p>A codec also remembers, under each known name, the last value it decoded (up to {@value #MAX_RECENT_LENGTH}
 * bytes): a web server sends most variables of a kept connection's requests unchanged (DOCUMENT_ROOT,
 * SERVER_SOFTWARE, SERVER_NAME and SERVER_ADDR, HTTP_HOST, HTTP_USER_AGENT, ...), and a value equal to the last one
 * is that String again, compared but not copied, as Jetty's HTTP parser keeps a connection's header fields. It keeps
 * at most one value of each known name, {@value #MAX_RECENT_BYTES} bytes in all, for as long as the codec. Where no
 * other request will follow ({@link #rememberValues}), it keeps none.
 */
public final class NameValueCodec {
    private static final int NAME_LENGTH = 0;
    private static final int VALUE_LENGTH = 1;
    private static final int NAME = 2;
    private static final int VALUE = 3;

    /** Values longer than this are not remembered: request-specific (long targets, cookies), and costly to keep. */
    static final int MAX_RECENT_LENGTH = 128;
    /**
     * What the remembered values may hold, each charged its bytes twice (the String's and the copy compared with)
     * and {@link #RECENT_ENTRY_COST} for the two objects: nginx's stock fastcgi_params come to under 2 KiB.
     */
    static final int MAX_RECENT_BYTES = 4096;
    /** Two object headers and a reference or two. */
    static final int RECENT_ENTRY_COST = 48;
    /** At most what the remembered values and their two tables hold, as {@code RetainedSize} counts it. */
    static final int MAX_RECENT_RETAINED = MAX_RECENT_BYTES + 2 * (16 + 8 * KnownStrings.count());

    private final int maxNameLength;
    private final int maxValueLength;
    private final int maxCount;

    private int state = NAME_LENGTH;
    private int lengthBytesSeen;
    private int length;
    private int nameLength;
    private int valueLength;
    private String name;
    /** KnownStrings' ordinal of {@link #name}, or -1. */
    private int nameOrdinal = -1;
    /** By KnownStrings ordinal: the last value decoded under that name and a copy of its bytes; made at first use. */
    private String[] recentValues;
    private byte[][] recentBytes;
    private int recentCharged;
    private boolean remember = true;
    private byte[] scratch = new byte[0];
    private int scratchFilled;
    /** Where the field {@link #readField} last completed is: the input's array or the scratch array. */
    private byte[] fieldBytes;
    private int fieldOffset;
    private int count;

    /**
     * @param maxNameLength longest name accepted, else {@link Violation#PARAM_NAME_TOO_LONG}
     * @param maxValueLength longest value accepted, else {@link Violation#PARAM_VALUE_TOO_LONG}
     * @param maxCount most pairs accepted, else {@link Violation#TOO_MANY_PARAMS}
     */
    public NameValueCodec(int maxNameLength, int maxValueLength, int maxCount) {
        this.maxNameLength = maxNameLength;
        this.maxValueLength = maxValueLength;
        this.maxCount = maxCount;
    }

    /**
     * Decodes all of {@code content}, adding each completed pair to {@code into}; a pair cut off at the end is kept
     * and completed by the next call.
     *
     * @throws ProtocolException if a length exceeds its limit, a name is empty or there are too many pairs
     */
    public void decode(ByteBuffer content, CgiEnvironment into) throws ProtocolException {
        while (content.hasRemaining()) {
            switch (state) {
                case NAME_LENGTH:
                    if (lengthBytesSeen == 0) {
                        decodeWhole(content, into);
                        if (!content.hasRemaining()) {
                            break;
                        }
                    }
                    if (lengthBytesSeen == 0 && count == maxCount) {
                        throw new ProtocolException(Violation.TOO_MANY_PARAMS,
                                "more than " + maxCount + " name-value pairs");
                    }
                    if (readLength(content)) {
                        if (length == 0) {
                            throw new ProtocolException(Violation.PARAM_NAME_EMPTY,
                                    "name-value pair " + (count + 1) + " has an empty name");
                        }
                        if (length > maxNameLength) {
                            throw new ProtocolException(Violation.PARAM_NAME_TOO_LONG, "name of " + length
                                    + " bytes in pair " + (count + 1) + ", at most " + maxNameLength + " allowed");
                        }
                        nameLength = length;
                        state = VALUE_LENGTH;
                    }
                    break;
                case VALUE_LENGTH:
                    if (readLength(content)) {
                        if (length > maxValueLength) {
                            throw new ProtocolException(Violation.PARAM_VALUE_TOO_LONG, "value of " + length
                                    + " bytes in pair " + (count + 1) + ", at most " + maxValueLength + " allowed");
                        }
                        valueLength = length;
                        state = NAME;
                    }
                    break;
                case NAME:
                    name = readName(content, nameLength);
                    if (name != null) {
                        state = VALUE;
                    }
                    break;
                case VALUE:
                    String value = valueLength == 0 ? "" : readValue(content, valueLength);
                    if (value != null) {
                        into.add(name, value);
                        name = null;
                        count++;
                        state = NAME_LENGTH;
                    }
                    break;
                default:
                    throw new IllegalStateException("state " + state);
            }
        }
        // A pair whose value is empty completes without another byte; finish it now so that the stream may end here.
        if (state == VALUE && valueLength == 0) {
            into.add(name, "");
            name = null;
            count++;
            state = NAME_LENGTH;
        }
    }

    /** True when no pair is partly decoded: the stream may end here. */
    public boolean atPairBoundary() {
        return state == NAME_LENGTH && lengthBytesSeen == 0;
    }

    /** Pairs decoded since the last {@link #reset()}. */
    public int count() {
        return count;
    }

    /**
     * Whether to remember values for the streams after this one: false where none follows (a FastCGI request without
     * FCGI_KEEP_CONN, the connection's last), so that its values are not copied for nothing. True by default.
     */
    public void rememberValues(boolean remember) {
        this.remember = remember;
    }

    /** Forgets any partial pair and the count, keeping the scratch array and the last values, for the next stream. */
    public void reset() {
        state = NAME_LENGTH;
        lengthBytesSeen = 0;
        name = null;
        nameOrdinal = -1;
        scratchFilled = 0;
        fieldBytes = null;
        count = 0;
    }

    private boolean readLength(ByteBuffer in) {
        if (lengthBytesSeen == 0) {
            int b0 = in.get(in.position()) & 0xFF;
            if (b0 < 0x80) {
                in.position(in.position() + 1);
                length = b0;
                return true;
            }
            if (in.remaining() >= 4) {
                length = in.getInt() & 0x7FFFFFFF;
                return true;
            }
        }
        // The four-byte form is split across calls: collect it a byte at a time.
        while (in.hasRemaining()) {
            int b = in.get() & 0xFF;
            length = lengthBytesSeen == 0 ? b & 0x7F : (length << 8) | b;
            if (++lengthBytesSeen == 4) {
                lengthBytesSeen = 0;
                return true;
            }
        }
        return false;
    }

    /**
     * Decodes, by index, the pairs that are whole in {@code in} from its position: the usual case, a PARAMS record's
     * pairs all in one read. Stops before the first pair that is cut off or breaks a limit, which the state machine
     * then reads from its first byte, so that every violation is found and reported in one place.
     */
    private void decodeWhole(ByteBuffer in, CgiEnvironment into) {
        int end = in.limit();
        int p = in.position();
        while (p < end && count < maxCount) {
            int at = p;
            int width = lengthWidth(in, at, end);
            if (width == 0) {
                break;
            }
            int nameLen = lengthAt(in, at, width);
            at += width;
            width = lengthWidth(in, at, end);
            if (width == 0) {
                break;
            }
            int valueLen = lengthAt(in, at, width);
            at += width;
            if (nameLen == 0 || nameLen > maxNameLength || valueLen > maxValueLength
                    || end - at < (long) nameLen + valueLen) {
                break;
            }
            String n = name(fieldAt(in, at, nameLen), fieldOffset, nameLen);
            at += nameLen;
            String v = valueLen == 0 ? "" : value(fieldAt(in, at, valueLen), fieldOffset, valueLen);
            at += valueLen;
            into.add(n, v);
            count++;
            p = at;
        }
        in.position(p);
    }

    /** The width of the length at {@code at}: 1 byte below 128, else 4; 0 if it does not end before {@code end}. */
    private static int lengthWidth(ByteBuffer in, int at, int end) {
        if (at >= end) {
            return 0;
        }
        int width = (in.get(at) & 0x80) == 0 ? 1 : 4;
        return end - at >= width ? width : 0;
    }

    private static int lengthAt(ByteBuffer in, int at, int width) {
        return width == 1 ? in.get(at) & 0xFF : in.getInt(at) & 0x7FFFFFFF;
    }

    /**
     * The array holding {@code in}'s bytes {@code [at, at + length)}, from {@link #fieldOffset}: {@code in}'s own, or
     * the scratch array they are copied into when {@code in} has none.
     */
    private byte[] fieldAt(ByteBuffer in, int at, int length) {
        if (in.hasArray()) {
            fieldOffset = in.arrayOffset() + at;
            return in.array();
        }
        ensureScratch(length);
        in.get(at, scratch, 0, length);
        fieldOffset = 0;
        return scratch;
    }

    private String readName(ByteBuffer in, int fieldLength) {
        if (!readField(in, fieldLength)) {
            return null;
        }
        byte[] bytes = fieldBytes;
        fieldBytes = null;
        return name(bytes, fieldOffset, fieldLength);
    }

    private String readValue(ByteBuffer in, int fieldLength) {
        if (!readField(in, fieldLength)) {
            return null;
        }
        byte[] bytes = fieldBytes;
        // Not kept past the field: it may be the caller's (pooled) buffer.
        fieldBytes = null;
        return value(bytes, fieldOffset, fieldLength);
    }

    /** The name in {@code field}: a known one's constant, else a new String; sets {@link #nameOrdinal}. */
    private String name(byte[] field, int offset, int length) {
        nameOrdinal = KnownStrings.find(field, offset, length);
        return nameOrdinal >= 0 ? KnownStrings.get(nameOrdinal)
                : new String(field, offset, length, StandardCharsets.ISO_8859_1);
    }

    /** The value in {@code field} of the name just read: the last one under that name again if equal. */
    private String value(byte[] field, int offset, int fieldLength) {
        if (nameOrdinal < 0 || fieldLength > MAX_RECENT_LENGTH || !remember) {
            return KnownStrings.value(field, offset, fieldLength);
        }
        if (recentValues == null) {
            recentValues = new String[KnownStrings.count()];
            recentBytes = new byte[KnownStrings.count()][];
        }
        String recent = recentValues[nameOrdinal];
        byte[] copy = recentBytes[nameOrdinal];
        if (recent != null && recent.length() == fieldLength
                && Arrays.equals(copy, 0, fieldLength, field, offset, offset + fieldLength)) {
            return recent;
        }
        String value = KnownStrings.value(field, offset, fieldLength);
        if (copy == null || copy.length < fieldLength) {
            int freed = copy == null ? 0 : 2 * copy.length + RECENT_ENTRY_COST;
            int charged = recentCharged - freed + 2 * fieldLength + RECENT_ENTRY_COST;
            if (charged > MAX_RECENT_BYTES) {
                return value;
            }
            copy = new byte[fieldLength];
            recentBytes[nameOrdinal] = copy;
            recentCharged = charged;
        }
        System.arraycopy(field, offset, copy, 0, fieldLength);
        recentValues[nameOrdinal] = value;
        return value;
    }

    /**
     * Reads a field of {@code fieldLength} bytes: true when it is whole, in {@code fieldBytes} from
     * {@code fieldOffset}, straight from {@code in}'s array when it is all there, else from the scratch array.
     */
    private boolean readField(ByteBuffer in, int fieldLength) {
        if (scratchFilled == 0 && in.remaining() >= fieldLength) {
            if (in.hasArray()) {
                fieldBytes = in.array();
                fieldOffset = in.arrayOffset() + in.position();
                in.position(in.position() + fieldLength);
            } else {
                ensureScratch(fieldLength);
                in.get(scratch, 0, fieldLength);
                fieldBytes = scratch;
                fieldOffset = 0;
            }
            return true;
        }
        ensureScratch(fieldLength);
        int n = Math.min(in.remaining(), fieldLength - scratchFilled);
        in.get(scratch, scratchFilled, n);
        scratchFilled += n;
        if (scratchFilled < fieldLength) {
            return false;
        }
        scratchFilled = 0;
        fieldBytes = scratch;
        fieldOffset = 0;
        return true;
    }

    private void ensureScratch(int fieldLength) {
        // fieldLength was checked against the limits before any byte of the field was read.
        if (scratch.length < fieldLength) {
            byte[] grown = new byte[Math.max(fieldLength, Math.min(2 * scratch.length, maxFieldLength()))];
            System.arraycopy(scratch, 0, grown, 0, scratchFilled);
            scratch = grown;
        }
    }

    private int maxFieldLength() {
        return Math.max(maxNameLength, maxValueLength);
    }

    /** Bytes {@link #putLength} writes for {@code length}: 1 below 128, else 4. */
    public static int lengthSize(int length) {
        return length < 0x80 ? 1 : 4;
    }

    /**
     * Writes a length in the one-byte form below 128, else the four-byte form.
     *
     * @param length 0 to 0x7FFFFFFF
     */
    public static void putLength(ByteBuffer out, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("negative length " + length);
        }
        if (length < 0x80) {
            out.put((byte) length);
        } else {
            out.putInt(length | 0x80000000);
        }
    }

    /** Bytes one pair takes on the wire; chars are counted as ISO-8859-1 bytes. */
    public static int pairSize(String name, String value) {
        return lengthSize(name.length()) + lengthSize(value.length()) + name.length() + value.length();
    }

    /**
     * Writes one pair, each char as one ISO-8859-1 byte.
     *
     * @throws IllegalArgumentException if a char is above 0xFF
     */
    public static void putPair(ByteBuffer out, String name, String value) {
        putLength(out, name.length());
        putLength(out, value.length());
        putLatin1(out, name);
        putLatin1(out, value);
    }

    /** Encodes every pair of {@code env} in order: the content of a PARAMS stream, before it is cut into records. */
    public static byte[] encode(CgiEnvironment env) {
        int size = 0;
        for (int i = 0; i < env.size(); i++) {
            size += pairSize(env.name(i), env.value(i));
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        for (int i = 0; i < env.size(); i++) {
            putPair(out, env.name(i), env.value(i));
        }
        return out.array();
    }

    private static void putLatin1(ByteBuffer out, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xFF) {
                throw new IllegalArgumentException("char U+" + Integer.toHexString(c) + " is not ISO-8859-1 in " + s);
            }
            out.put((byte) c);
        }
    }
}
