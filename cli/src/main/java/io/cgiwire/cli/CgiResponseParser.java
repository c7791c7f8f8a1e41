package io.cgiwire.cli;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a CGI response head (RFC 3875 6.2) off the start of the response bytes, fed as they arrive, with nginx's
 * rules, so that what it refuses is what would make nginx answer 502: lines end in LF or CRLF and the head ends at
 * an empty line; every line is {@code Name: value} with a token name; {@code Status:} is three digits and an optional
 * reason. Over SCGI an {@code HTTP/1.x NNN reason} first line is accepted too, as nginx's SCGI module does. A head
 * longer than {@link #MAX_HEAD_BYTES} is refused (nginx refuses one that does not fit its 4 or 8 KiB buffer).
 *
 * <p>Not thread-safe; one parser per response.
 */
final class CgiResponseParser {
    static final int MAX_HEAD_BYTES = 64 * 1024;

    private final boolean allowStatusLine;
    private final byte[] head = new byte[MAX_HEAD_BYTES];
    private int filled;
    private int lineStart;
    private final List<String[]> headers = new ArrayList<>();
    private int status = -1;
    private String reason;
    private String statusFrom;
    private ResponseHead done;

    /** @param allowStatusLine true for SCGI: an {@code HTTP/1.x} status line may open the head */
    CgiResponseParser(boolean allowStatusLine) {
        this.allowStatusLine = allowStatusLine;
    }

    /**
     * Consumes head bytes from {@code in}; returns the head once its empty line is read, leaving the body's first
     * bytes in {@code in}, else null (all of {@code in} consumed).
     */
    ResponseHead feed(ByteBuffer in) throws CliException {
        if (done != null) {
            return done;
        }
        while (in.hasRemaining()) {
            if (filled == MAX_HEAD_BYTES) {
                throw CliException.protocol("response head longer than " + MAX_HEAD_BYTES + " bytes without an empty "
                        + "line ending it");
            }
            byte b = in.get();
            head[filled++] = b;
            if (b == '\n') {
                int end = filled - 1;
                if (end > lineStart && head[end - 1] == '\r') {
                    end--;
                }
                String line = new String(head, lineStart, end - lineStart, StandardCharsets.ISO_8859_1);
                boolean first = lineStart == 0;
                lineStart = filled;
                if (line.isEmpty()) {
                    done = finish();
                    return done;
                }
                line(line, first);
            }
        }
        return null;
    }

    /** Bytes of the head read so far. */
    int bytesRead() {
        return filled;
    }

    private void line(String line, boolean first) throws CliException {
        if (first && allowStatusLine && line.startsWith("HTTP/")) {
            // "HTTP/1.1 200 OK"
            int sp = line.indexOf(' ');
            if (sp < 0 || !line.substring(0, sp).matches("HTTP/\\d\\.\\d")) {
                throw CliException.protocol("invalid status line " + quote(line));
            }
            status(line.substring(sp + 1), line);
            statusFrom = "the HTTP status line";
            return;
        }
        if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
            throw CliException.protocol("folded header line " + quote(line) + " (obsolete line folding is refused)");
        }
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw CliException.protocol("invalid header line " + quote(line) + (first
                    ? ": the response does not start with a CGI head (Status:, Content-Type:, ...)" : ""));
        }
        String name = line.substring(0, colon);
        if (!name.chars().allMatch(c -> c > ' ' && c < 0x7F && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0)) {
            throw CliException.protocol("invalid header name " + quote(name));
        }
        String value = line.substring(colon + 1).strip();
        if (value.chars().anyMatch(c -> c < ' ' && c != '\t' || c == 0x7F)) {
            throw CliException.protocol("control character in header " + name);
        }
        if (name.equalsIgnoreCase("Status")) {
            if (statusFrom != null) {
                throw CliException.protocol("a second status: " + quote(line));
            }
            status(value, line);
            statusFrom = "the Status header";
            return;
        }
        headers.add(new String[] {name, value});
    }

    private void status(String value, String line) throws CliException {
        if (value.length() < 3 || !value.substring(0, 3).chars().allMatch(c -> c >= '0' && c <= '9')
                || value.length() > 3 && value.charAt(3) != ' ' || value.charAt(0) == '0') {
            throw CliException.protocol("invalid status " + quote(line) + " (nginx answers 502 to it)");
        }
        status = Integer.parseInt(value.substring(0, 3));
        reason = value.length() > 3 ? value.substring(4).strip() : "";
    }

    private ResponseHead finish() {
        if (status < 0) {
            boolean location = headers.stream().anyMatch(h -> h[0].equalsIgnoreCase("Location"));
            status = location ? 302 : 200;
            statusFrom = location ? "a Location without Status (CGI: 302)" : "no Status header (CGI: 200)";
            reason = "";
        }
        if (reason.isEmpty()) {
            reason = ResponseHead.standardReason(status);
        }
        return new ResponseHead(status, reason, List.copyOf(headers), statusFrom);
    }

    private static String quote(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        StringBuilder b = new StringBuilder("\"");
        for (char c : cut.toCharArray()) {
            if (c < ' ' || c >= 0x7F) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
