package io.cgiwire.core.fcgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiEnvironment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class NameValueCodecTest {
    /** Go's sizeTests, extended to the largest length: each length and its exact encoding, both ways. */
    private static final Object[][] LENGTHS = {
        {0, new byte[] {0x00}},
        {127, new byte[] {0x7f}},
        {128, new byte[] {(byte) 0x80, 0x00, 0x00, (byte) 0x80}},
        {1000, new byte[] {(byte) 0x80, 0x00, 0x03, (byte) 0xe8}},
        {0x1FFFFFF, new byte[] {(byte) 0x81, (byte) 0xff, (byte) 0xff, (byte) 0xff}},
        {0x7FFFFFFF, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}},
    };

    @Test
    void lengthsEncodeExactly() {
        for (Object[] row : LENGTHS) {
            int length = (Integer) row[0];
            byte[] expected = (byte[]) row[1];
            ByteBuffer out = ByteBuffer.allocate(4);
            NameValueCodec.putLength(out, length);
            assertArrayEquals(expected, Arrays.copyOf(out.array(), out.position()), "length " + length);
            assertEquals(expected.length, NameValueCodec.lengthSize(length));
        }
    }

    /** Decoded as a name length with limits that let every length through the check, whole and byte by byte. */
    @Test
    void lengthsDecodeExactly() throws ProtocolException {
        for (Object[] row : LENGTHS) {
            int length = (Integer) row[0];
            byte[] encoded = (byte[]) row[1];
            for (int chunk : new int[] {encoded.length, 1}) {
                NameValueCodec codec = new NameValueCodec(Integer.MAX_VALUE, Integer.MAX_VALUE, 10);
                CgiEnvironment env = new CgiEnvironment();
                if (length == 0) {
                    ProtocolException e = assertThrows(ProtocolException.class,
                            () -> codec.decode(ByteBuffer.wrap(encoded), env), "a name length of 0");
                    assertTrue(e.getMessage().contains("empty name"));
                    continue;
                }
                for (int i = 0; i < encoded.length; i += chunk) {
                    codec.decode(ByteBuffer.wrap(encoded, i, Math.min(chunk, encoded.length - i)), env);
                }
                // A value length of 0 follows; the pair then waits for exactly `length` name bytes.
                codec.decode(ByteBuffer.wrap(new byte[] {0}), env);
                assertFalse(codec.atPairBoundary(), "waiting for " + length + " name bytes");
                assertEquals(0, env.size());
            }
        }
    }

    @Test
    void encodeWritesPairsInOrder() {
        CgiEnvironment env = new CgiEnvironment();
        env.add("A", "b");
        env.add("LONG", "x".repeat(128));
        byte[] bytes = NameValueCodec.encode(env);
        assertEquals(1 + 1 + 1 + 1 + 1 + 4 + 4 + 128, bytes.length);
        assertArrayEquals(new byte[] {1, 1, 'A', 'b', 4, (byte) 0x80, 0, 0, (byte) 128, 'L', 'O', 'N', 'G'},
                Arrays.copyOf(bytes, 13));
        assertEquals(NameValueCodec.pairSize("A", "b") + NameValueCodec.pairSize("LONG", "x".repeat(128)),
                bytes.length);
    }

    @Test
    void encodeRefusesCharsOutsideLatin1() {
        CgiEnvironment env = new CgiEnvironment();
        env.add("A", "\u20ac");
        assertThrows(IllegalArgumentException.class, () -> NameValueCodec.encode(env));
    }

    @Test
    void latin1BytesSurviveTheRoundTrip() throws ProtocolException {
        CgiEnvironment env = new CgiEnvironment();
        StringBuilder all = new StringBuilder();
        for (char c = 1; c < 256; c++) {
            all.append(c);
        }
        env.add("ALL", all.toString());
        CgiEnvironment decoded = new CgiEnvironment();
        NameValueCodec codec = new NameValueCodec(1024, 1024, 10);
        codec.decode(ByteBuffer.wrap(NameValueCodec.encode(env)), decoded);
        assertEquals(env, decoded);
        assertTrue(codec.atPairBoundary());
        assertEquals(1, codec.count());
    }

    /** Direct buffers have no array: fields are copied through the scratch array instead. */
    @Test
    void decodesFromADirectBuffer() throws ProtocolException {
        byte[] bytes = FcgiFixtures.pairs("NAME", "value", "B", "");
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        CgiEnvironment env = new CgiEnvironment();
        new NameValueCodec(100, 100, 10).decode(direct, env);
        assertEquals(FcgiFixtures.env("NAME", "value", "B", ""), env);
    }
}
