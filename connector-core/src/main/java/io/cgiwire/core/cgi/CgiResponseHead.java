package io.cgiwire.core.cgi;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * The CGI response head an application sends back to the web server, as FastCGI STDOUT or raw over SCGI
 * (RFC 3875 6.2):
 * <pre>
 * Status: 200 OK\r\n
 * Content-Type: text/plain\r\n
 * \r\n
 * </pre>
 *
 * <p>The {@code Status} line is always there and always first. Without one, nginx and lighttpd turn a response with
 * a {@code Location} into a 302 while httpd's mod_proxy_fcgi answers 200, so only an explicit status means the same
 * thing behind every front server. A {@code Status} header passed to {@link #add} is dropped in favour of
 * {@link #status}.
 *
 * <p>Application data never reaches the wire unchecked (as Tomcat's {@code AjpMessage} and sioscgi's header checks):
 * names must be tokens (RFC 9110 5.6.2), and values and the reason phrase must hold no CR, LF, NUL or other control
 * char except HTAB (RFC 9110 5.5), else {@link IllegalArgumentException} naming the header, with the head unchanged.
 * Chars are written as ISO-8859-1 bytes, and a char above 0xFF, which has no byte, as '?' (as Jetty does).
 *
 * <p>{@code Transfer-Encoding}, {@code Connection} and {@code Keep-Alive} are dropped: they are hop-by-hop (RFC 9110
 * 7.6.1), the body on the FastCGI or SCGI wire is never chunked, and the web server manages its own connection with
 * the client.
 *
 * <p>One instance is reused for every response on a connection: {@link #reset()} empties it without freeing its
 * buffer. Not thread-safe.
 */
public final class CgiResponseHead {
    private static final byte[] STATUS = {'S', 't', 'a', 't', 'u', 's', ':', ' '};
    private static final byte[] CRLF = {'\r', '\n'};

    private byte[] status = new byte[64];
    private int statusLength;
    private byte[] headers = new byte[512];
    private int headersLength;

    /** An empty head with status 200 OK. */
    public CgiResponseHead() {
        reset();
    }

    /**
     * Sets the status, replacing any earlier one.
     *
     * @param code 100 to 999: three digits, as the Status line needs; RFC 9110 15 notes that 600 to 999 are used
     *     internally, and the web server decides what to make of them
     * @param reason the reason phrase; null or empty for the standard one ("Unknown" for a code without one)
     * @return this
     * @throws IllegalArgumentException if {@code code} is out of range or {@code reason} holds a control char
     */
    public CgiResponseHead status(int code, String reason) {
        if (code < 100 || code > 999) {
            throw new IllegalArgumentException("status code " + code + " is not from 100 to 999");
        }
        // RFC 3875 6.3.3: Status = "Status:" status-code SP reason-phrase; a reason is always written.
        String phrase = reason == null || reason.isEmpty() ? reasonPhrase(code) : reason;
        checkValue(null, phrase);
        int length = STATUS.length + 4 + phrase.length() + CRLF.length;
        if (status.length < length) {
            status = new byte[length];
        }
        int at = put(status, 0, STATUS);
        status[at++] = (byte) ('0' + code / 100);
        status[at++] = (byte) ('0' + code / 10 % 10);
        status[at++] = (byte) ('0' + code % 10);
        status[at++] = ' ';
        at = putLatin1(status, at, phrase);
        statusLength = put(status, at, CRLF);
        return this;
    }

    /**
     * Adds a header line after the ones already added; repeated names are written as repeated lines.
     *
     * @param name a token (RFC 9110 5.6.2); Status, Transfer-Encoding, Connection and Keep-Alive (any case) are
     *     checked and then dropped
     * @param value the field value, without CR, LF or other control chars except HTAB
     * @return this
     * @throws IllegalArgumentException naming the header if either is invalid; the head is then unchanged
     */
    public CgiResponseHead add(String name, String value) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (!CgiRequestMapper.isToken(name)) {
            throw new IllegalArgumentException("header name " + CgiRequestMapper.quote(name)
                    + " is not an HTTP token");
        }
        checkValue(name, value);
        if (isDropped(name)) {
            return this;
        }
        int length = name.length() + 2 + value.length() + CRLF.length;
        if (headers.length - headersLength < length) {
            headers = Arrays.copyOf(headers, Math.max(headers.length * 2, headersLength + length));
        }
        int at = putLatin1(headers, headersLength, name);
        headers[at++] = ':';
        headers[at++] = ' ';
        at = putLatin1(headers, at, value);
        headersLength = put(headers, at, CRLF);
        return this;
    }

    /** The number of bytes {@link #writeTo} writes: the status line, the header lines and the empty line. */
    public int length() {
        return statusLength + headersLength + CRLF.length;
    }

    /**
     * Writes the whole head at {@code out}'s position and advances it.
     *
     * @throws BufferOverflowException if fewer than {@link #length()} bytes remain; nothing is written then
     */
    public void writeTo(ByteBuffer out) {
        if (out.remaining() < length()) {
            throw new BufferOverflowException();
        }
        out.put(status, 0, statusLength).put(headers, 0, headersLength).put(CRLF);
    }

    /** The whole head as a new array. */
    public byte[] toBytes() {
        byte[] bytes = new byte[length()];
        System.arraycopy(status, 0, bytes, 0, statusLength);
        System.arraycopy(headers, 0, bytes, statusLength, headersLength);
        put(bytes, statusLength + headersLength, CRLF);
        return bytes;
    }

    /** Empties the head for the next response: status 200 OK and no headers. Keeps the buffers. */
    public void reset() {
        headersLength = 0;
        status(200, null);
    }

    /**
     * The whole CGI response (head and body) refusing a request no servlet saw, as the adapters answer a
     * {@link io.cgiwire.core.ProtocolException} where the protocol still allows an answer: {@code Status} with the
     * standard reason phrase, and a text/plain body naming what was wrong ({@code detail}, plain ASCII).
     */
    public static byte[] refusal(int code, String detail) {
        String body = code + " " + detail + "\n";
        String text = "Status: " + code + " " + reasonPhrase(code) + "\r\nContent-Type: text/plain\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The standard reason phrase for {@code code} (RFC 9110 15 and the codes registered since), else "Unknown". */
    static String reasonPhrase(int code) {
        return switch (code) {
            case 100 -> "Continue";
            case 101 -> "Switching Protocols";
            case 102 -> "Processing";
            case 103 -> "Early Hints";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 203 -> "Non-Authoritative Information";
            case 204 -> "No Content";
            case 205 -> "Reset Content";
            case 206 -> "Partial Content";
            case 207 -> "Multi-Status";
            case 208 -> "Already Reported";
            case 226 -> "IM Used";
            case 300 -> "Multiple Choices";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 305 -> "Use Proxy";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 402 -> "Payment Required";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 407 -> "Proxy Authentication Required";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 411 -> "Length Required";
            case 412 -> "Precondition Failed";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 416 -> "Range Not Satisfiable";
            case 417 -> "Expectation Failed";
            case 421 -> "Misdirected Request";
            case 422 -> "Unprocessable Content";
            case 423 -> "Locked";
            case 424 -> "Failed Dependency";
            case 425 -> "Too Early";
            case 426 -> "Upgrade Required";
            case 428 -> "Precondition Required";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 451 -> "Unavailable For Legal Reasons";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            case 505 -> "HTTP Version Not Supported";
            case 506 -> "Variant Also Negotiates";
            case 507 -> "Insufficient Storage";
            case 508 -> "Loop Detected";
            case 511 -> "Network Authentication Required";
            default -> "Unknown";
        };
    }

    private static boolean isDropped(String name) {
        return name.equalsIgnoreCase("Status") || name.equalsIgnoreCase("Transfer-Encoding")
                || name.equalsIgnoreCase("Connection") || name.equalsIgnoreCase("Keep-Alive");
    }

    /**
     * Refuses CR, LF, NUL and every other control char but HTAB, which would split or end the head; {@code header}
     * is the header's name, or null for the status reason. The message is built only on failure: this runs for
     * every header of every response.
     */
    private static void checkValue(String header, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7F) {
                throw new IllegalArgumentException((header == null ? "status reason" : "header " + header) + " holds control char " + String.format("0x%02X", (int) c)
                        + " at index " + i + ": it must not reach the web server");
            }
        }
    }

    private static int put(byte[] to, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, to, at, bytes.length);
        return at + bytes.length;
    }

    private static int putLatin1(byte[] to, int at, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            to[at++] = c > 0xFF ? (byte) '?' : (byte) c;
        }
        return at;
    }

    /** The head as text, for debugging: CR and LF shown as they are. */
    @Override
    public String toString() {
        return new String(toBytes(), StandardCharsets.ISO_8859_1);
    }
}
