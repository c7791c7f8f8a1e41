package io.cgiwire.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CgiResponseParserTest {

    @Test
    void statusHeaderGivesTheCode() throws CliException {
        ResponseHead head = parseWhole("Status: 404 Nope\r\nContent-Type: text/plain\r\n\r\nbody", false, "body");
        assertEquals(404, head.status());
        assertEquals("Nope", head.reason());
        assertEquals("text/plain", head.header("content-type"));
        assertEquals(1, head.headers().size());
        assertEquals("Status: 404 Nope\r\nContent-Type: text/plain\r\n\r\n",
                new String(head.format(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void cgiDefaults() throws CliException {
        ResponseHead redirect = parseWhole("Location: /elsewhere\n\n", false, "");
        assertEquals(302, redirect.status());
        assertEquals("Found", redirect.reason());
        ResponseHead plain = parseWhole("Content-Type: text/html\n\n<p>", false, "<p>");
        assertEquals(200, plain.status());
        assertEquals("OK", plain.reason());
        ResponseHead bare = parseWhole("Status: 503\r\n\r\n", false, "");
        assertEquals(503, bare.status());
        assertEquals("Service Unavailable", bare.reason());
        assertEquals(201, parseWhole("Location: /x\r\nStatus: 201 Created\r\n\r\n", false, "").status());
    }

    @Test
    void sameHeadHoweverTheBytesAreSplit() throws CliException {
        byte[] bytes = "Status: 500 Internal Server Error\r\nX-A: 1\r\n\r\nrest".getBytes(StandardCharsets.US_ASCII);
        CgiResponseParser parser = new CgiResponseParser(false);
        ResponseHead head = null;
        int i = 0;
        while (head == null) {
            ByteBuffer one = ByteBuffer.wrap(bytes, i++, 1);
            head = parser.feed(one);
            assertEquals(0, one.remaining());
        }
        assertEquals(500, head.status());
        assertEquals("rest", new String(bytes, i, bytes.length - i, StandardCharsets.US_ASCII));
    }

    @Test
    void httpStatusLineOnlyOverScgi() throws CliException {
        ResponseHead head = parseWhole("HTTP/1.1 418 Teapot\r\nX: y\r\n\r\n", true, "");
        assertEquals(418, head.status());
        assertEquals("the HTTP status line", head.statusFrom());
        assertProtocolError("HTTP/1.1 200 OK\r\n\r\n", false, "invalid header line");
    }

    @Test
    void whatNginxRefusesIsAProtocolError() {
        assertProtocolError("Status: abc\r\n\r\n", false, "invalid status");
        assertProtocolError("Status: 20\r\n\r\n", false, "invalid status");
        assertProtocolError("Status: 200OK\r\n\r\n", false, "invalid status");
        assertProtocolError("Status: 200\r\nStatus: 500\r\n\r\n", false, "second status");
        assertProtocolError("no colon here\r\n\r\n", false, "does not start with a CGI head");
        assertProtocolError("X-A: 1\r\n folded\r\n\r\n", false, "folded");
        assertProtocolError("Bad Name: 1\r\n\r\n", false, "invalid header name");
        assertProtocolError("X: a\u0001b\r\n\r\n", false, "control character");
    }

    @Test
    void headWithoutEndIsBounded() {
        CgiResponseParser parser = new CgiResponseParser(false);
        byte[] line = "X-Filler: 0123456789012345678901234567890123456789\r\n".getBytes(StandardCharsets.US_ASCII);
        CliException e = assertThrows(CliException.class, () -> {
            for (int i = 0; i < 2 * CgiResponseParser.MAX_HEAD_BYTES / line.length; i++) {
                assertNull(parser.feed(ByteBuffer.wrap(line)));
            }
        });
        assertEquals(ExitCode.PROTOCOL_ERROR, e.exitCode());
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
    }

    private static ResponseHead parseWhole(String response, boolean scgi, String expectedBody) throws CliException {
        ByteBuffer in = ByteBuffer.wrap(response.getBytes(StandardCharsets.ISO_8859_1));
        ResponseHead head = new CgiResponseParser(scgi).feed(in);
        assertNotNull(head);
        assertEquals(expectedBody, StandardCharsets.ISO_8859_1.decode(in).toString());
        return head;
    }

    private static void assertProtocolError(String response, boolean scgi, String messagePart) {
        CliException e = assertThrows(CliException.class, () -> new CgiResponseParser(scgi)
                .feed(ByteBuffer.wrap(response.getBytes(StandardCharsets.ISO_8859_1))));
        assertEquals(ExitCode.PROTOCOL_ERROR, e.exitCode());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }
}
