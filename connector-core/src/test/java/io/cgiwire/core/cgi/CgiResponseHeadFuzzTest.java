package io.cgiwire.core.cgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Timeout;

/**
 * {@link CgiResponseHead} with whatever status, reason, header names and values an application might hand it
 * (any chars, control chars and chars above 0xFF included). Each call either throws {@link IllegalArgumentException}
 * and leaves the head as it was, or is taken; and whatever was taken, the head's bytes are a status line, one line
 * per header, and an empty line, with no CR, LF or other control byte (HTAB aside) except the CRLFs that end those
 * lines: nothing an application sets can split the head or end it early (STYLE.md, "Do like" 12).
 */
class CgiResponseHeadFuzzTest {
    static final int TIMEOUT_SECONDS = 10;

    @Timeout(TIMEOUT_SECONDS)
    @FuzzTest(maxDuration = "25s")
    void build(FuzzedDataProvider data) {
        CgiResponseHead head = new CgiResponseHead();
        int lines = 2;
        while (data.remainingBytes() > 0) {
            byte[] before = head.toBytes();
            int op = data.consumeInt(0, 3);
            try {
                if (op == 0) {
                    head.status(data.consumeInt(0, 1100), data.consumeBoolean() ? null : data.consumeString(64));
                } else if (op == 3) {
                    head.reset();
                    lines = 2;
                } else {
                    String name = op == 1 ? data.consumeAsciiString(32) : data.consumeString(32);
                    head.add(name, data.consumeString(256));
                    if (head.toBytes().length != before.length) {
                        lines++;
                    }
                }
            } catch (IllegalArgumentException e) {
                assertArrayEquals(before, head.toBytes(), "a refused call changed the head");
            }
            assertHead(head, lines);
        }
    }

    private static void assertHead(CgiResponseHead head, int lines) {
        byte[] bytes = head.toBytes();
        assertEquals(head.length(), bytes.length);
        assertTrue(new String(bytes, 0, Math.min(8, bytes.length), java.nio.charset.StandardCharsets.ISO_8859_1)
                .equals("Status: "), "a head starts with its Status line");
        int crlf = 0;
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xFF;
            if (b == '\r') {
                assertTrue(i + 1 < bytes.length && bytes[i + 1] == '\n', "a CR not followed by LF at " + i);
                crlf++;
                i++;
            } else {
                assertTrue(b >= 0x20 && b != 0x7F || b == '\t', "control byte " + b + " at " + i);
            }
        }
        assertEquals(lines, crlf, "lines in the head");
        assertTrue(bytes.length >= 4 && bytes[bytes.length - 4] == '\r' && bytes[bytes.length - 3] == '\n',
                "the head ends with an empty line");

        ByteBuffer exact = ByteBuffer.allocate(bytes.length);
        head.writeTo(exact);
        assertArrayEquals(bytes, exact.array());
        ByteBuffer small = ByteBuffer.allocate(bytes.length - 1);
        assertThrows(BufferOverflowException.class, () -> head.writeTo(small));
        assertEquals(0, small.position(), "a refused writeTo wrote something");
    }
}
