package io.cgiwire.core.cgi;

import static io.cgiwire.core.DecoderAssertions.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CgiResponseHeadTest {

    private static void assertHead(String expected, CgiResponseHead head) {
        byte[] want = bytes(expected);
        assertArrayEquals(want, head.toBytes(), "toBytes");
        assertEquals(want.length, head.length(), "length");
        ByteBuffer out = ByteBuffer.allocate(want.length + 3);
        out.put((byte) 'x');
        head.writeTo(out);
        assertEquals(1 + want.length, out.position(), "writeTo advances by length()");
        assertArrayEquals(want, Arrays.copyOfRange(out.array(), 1, 1 + want.length), "writeTo");
    }

    /** What the adapters answer a refused request with, whichever the container and protocol. */
    @Test
    void refusal() {
        assertEquals("Status: 431 Request Header Fields Too Large\r\nContent-Type: text/plain\r\nContent-Length: 21\r\n"
                + "\r\n431 PARAMS_TOO_LARGE\n",
                new String(CgiResponseHead.refusal(431, "PARAMS_TOO_LARGE"), StandardCharsets.ISO_8859_1));
        assertEquals("Status: 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: 23\r\n"
                + "\r\n400 bad request target\n",
                new String(CgiResponseHead.refusal(400, "bad request target"), StandardCharsets.ISO_8859_1));
    }

    @Test
    void typicalHead() {
        CgiResponseHead head = new CgiResponseHead()
                .status(200, null)
                .add("Content-Type", "text/html;charset=utf-8")
                .add("Content-Length", "12")
                .add("Set-Cookie", "a=1; Path=/")
                .add("Set-Cookie", "b=2");
        assertHead("Status: 200 OK\r\n"
                + "Content-Type: text/html;charset=utf-8\r\n"
                + "Content-Length: 12\r\n"
                + "Set-Cookie: a=1; Path=/\r\n"
                + "Set-Cookie: b=2\r\n"
                + "\r\n", head);
    }

    @Test
    void newHeadIs200WithNoHeaders() {
        assertHead("Status: 200 OK\r\n\r\n", new CgiResponseHead());
    }

    @Test
    void statusIsExplicitForRedirects() {
        // Without the Status line nginx would make this a 302 and httpd a 200.
        assertHead("Status: 301 Moved Permanently\r\nLocation: /new\r\n\r\n",
                new CgiResponseHead().add("Location", "/new").status(301, null));
    }

    static Stream<Arguments> statuses() {
        return Stream.of(
                arguments(100, null, "Status: 100 Continue\r\n\r\n"),
                arguments(204, "", "Status: 204 No Content\r\n\r\n"),
                arguments(404, null, "Status: 404 Not Found\r\n\r\n"),
                arguments(418, null, "Status: 418 Unknown\r\n\r\n"),
                arguments(599, null, "Status: 599 Unknown\r\n\r\n"),
                arguments(999, "Custom", "Status: 999 Custom\r\n\r\n"),
                arguments(200, "Fine\tThanks", "Status: 200 Fine\tThanks\r\n\r\n"),
                arguments(500, "Caf\u00e9 \u20ac", "Status: 500 Caf\u00e9 ?\r\n\r\n"),
                arguments(503, "x".repeat(300), "Status: 503 " + "x".repeat(300) + "\r\n\r\n"));
    }

    @ParameterizedTest
    @MethodSource("statuses")
    void status(int code, String reason, String expected) {
        assertHead(expected, new CgiResponseHead().status(code, reason));
    }

    @ParameterizedTest
    @ValueSource(ints = {Integer.MIN_VALUE, -200, 0, 99, 1000, 2000, Integer.MAX_VALUE})
    void rejectsCodesOutsideThreeDigits(int code) {
        CgiResponseHead head = new CgiResponseHead();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> head.status(code, "X"));
        assertTrue(e.getMessage().contains(String.valueOf(code)), e.getMessage());
        assertHead("Status: 200 OK\r\n\r\n", head);
    }

    static Stream<Arguments> badReasons() {
        return Stream.of(arguments("OK\r\nX-Injected: 1"), arguments("OK\n"), arguments("O\rK"),
                arguments("\u0000"), arguments("\u001b[31m"), arguments("\u007f"));
    }

    @ParameterizedTest
    @MethodSource("badReasons")
    void rejectsControlCharsInReason(String reason) {
        CgiResponseHead head = new CgiResponseHead().status(201, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> head.status(500, reason));
        assertTrue(e.getMessage().contains("status reason"), e.getMessage());
        assertHead("Status: 201 Created\r\n\r\n", head);
    }

    static Stream<Arguments> badHeaders() {
        return Stream.of(
                arguments("X-A", "1\r\nX-Injected: 1", "header X-A"),
                arguments("X-A", "1\n", "header X-A"),
                arguments("X-A", "1\r", "header X-A"),
                arguments("X-A", "\u0000", "header X-A"),
                arguments("X-A", "\u0008", "header X-A"),
                arguments("X-A", "\u007f", "header X-A"),
                arguments("X-A\r\nX-Injected", "1", "\"X-A\\x0D\\x0AX-Injected\""),
                arguments("X-A\n", "1", "\"X-A\\x0A\""),
                arguments("", "1", "\"\""),
                arguments("X A", "1", "\"X A\""),
                arguments("X-A:", "1", "\"X-A:\""),
                arguments("(X)", "1", "\"(X)\""),
                arguments("X/A", "1", "\"X/A\""),
                arguments("Caf\u00e9", "1", "\"Caf\\xE9\""),
                arguments("X-\u20ac", "1", "\"X-\\u20AC\""),
                // Dropped headers are checked too: a control char is a bug wherever it is.
                arguments("Connection", "close\r\n", "header Connection"),
                arguments("Status", "200\nX: y", "header Status"));
    }

    @ParameterizedTest
    @MethodSource("badHeaders")
    void rejectsInvalidHeadersAndLeavesTheHeadUnchanged(String name, String value, String messagePart) {
        CgiResponseHead head = new CgiResponseHead().add("X-Before", "1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> head.add(name, value));
        assertTrue(e.getMessage().contains(messagePart), () -> e.getMessage() + " does not say " + messagePart);
        assertHead("Status: 200 OK\r\nX-Before: 1\r\n\r\n", head);
    }

    @Test
    void rejectsNulls() {
        assertThrows(NullPointerException.class, () -> new CgiResponseHead().add(null, "1"));
        assertThrows(NullPointerException.class, () -> new CgiResponseHead().add("X-A", null));
    }

    @Test
    void writesCharsAboveLatin1AsQuestionMarks() {
        assertHead("Status: 200 OK\r\nX-Name: caf\u00e9 ? ?? \u00ff\t!\r\n\r\n",
                new CgiResponseHead().add("X-Name", "caf\u00e9 \u20ac \ud83d\ude00 \u00ff\t!"));
    }

    @Test
    void dropsHopByHopHeadersAndStatus() {
        assertHead("Status: 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\n",
                new CgiResponseHead()
                        .status(404, null)
                        .add("Transfer-Encoding", "chunked")
                        .add("Content-Type", "text/plain")
                        .add("connection", "close")
                        .add("KEEP-ALIVE", "timeout=5")
                        .add("Status", "200 OK")
                        .add("status", "302")
                        .add("Content-Length", "3"));
    }

    @Test
    void reusesAfterReset() {
        CgiResponseHead head = new CgiResponseHead().status(302, "Moved").add("Location", "/a");
        for (int i = 0; i < 200; i++) {
            head.add("X-Filler-" + i, "v".repeat(i));
        }
        head.reset();
        assertHead("Status: 200 OK\r\n\r\n", head);
        head.status(201, null).add("Location", "/b");
        assertHead("Status: 201 Created\r\nLocation: /b\r\n\r\n", head);
        head.reset();
        head.add("X-C", "3");
        assertHead("Status: 200 OK\r\nX-C: 3\r\n\r\n", head);
    }

    @Test
    void growsForLargeHeads() {
        CgiResponseHead head = new CgiResponseHead();
        StringBuilder expected = new StringBuilder("Status: 200 OK\r\n");
        String big = "b".repeat(5000);
        for (int i = 0; i < 20; i++) {
            head.add("X-" + i, big);
            expected.append("X-").append(i).append(": ").append(big).append("\r\n");
        }
        assertHead(expected.append("\r\n").toString(), head);
    }

    @Test
    void writeToRefusesAShortBufferWithoutWriting() {
        CgiResponseHead head = new CgiResponseHead().add("X-A", "1");
        ByteBuffer out = ByteBuffer.allocate(head.length() - 1);
        assertThrows(BufferOverflowException.class, () -> head.writeTo(out));
        assertEquals(0, out.position());
    }

    @Test
    void toStringIsTheHead() {
        assertEquals("Status: 200 OK\r\nX-A: 1\r\n\r\n", new CgiResponseHead().add("X-A", "1").toString());
    }
}
