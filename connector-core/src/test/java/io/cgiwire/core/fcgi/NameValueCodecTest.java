package io.cgiwire.core.fcgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
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

    private static ByteBuffer pairs(String... namesAndValues) {
        ByteBuffer out = ByteBuffer.allocate(4096);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            byte[] name = namesAndValues[i].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            byte[] value = namesAndValues[i + 1].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            NameValueCodec.putLength(out, name.length);
            NameValueCodec.putLength(out, value.length);
            out.put(name).put(value);
        }
        return out.flip();
    }

    private static CgiEnvironment decode(NameValueCodec codec, ByteBuffer in, int chunk) throws ProtocolException {
        codec.reset();
        CgiEnvironment env = new CgiEnvironment();
        while (in.hasRemaining()) {
            int n = Math.min(chunk, in.remaining());
            codec.decode(in.slice(in.position(), n), env);
            in.position(in.position() + n);
        }
        assertTrue(codec.atPairBoundary());
        return env;
    }

    /** The second request of a connection gets the first one's Strings for the values it repeats, however split. */
    @Test
    void aKnownNamesRepeatedValueIsTheLastValueAgain() throws ProtocolException {
        String longValue = "x".repeat(NameValueCodec.MAX_RECENT_LENGTH + 1);
        String[] first = {"DOCUMENT_ROOT", "/srv/www", "REMOTE_PORT", "40000", "HTTP_X_CUSTOM", "same",
            "HTTP_COOKIE", longValue, "SERVER_NAME", "example.org"};
        String[] second = {"DOCUMENT_ROOT", "/srv/www", "REMOTE_PORT", "40001", "HTTP_X_CUSTOM", "same",
            "HTTP_COOKIE", longValue, "SERVER_NAME", "example.org"};
        for (int chunk : new int[] {4096, 1, 3}) {
            NameValueCodec codec = new NameValueCodec(1000, 1000, 100);
            CgiEnvironment a = decode(codec, pairs(first), chunk);
            CgiEnvironment b = decode(codec, pairs(second), chunk);
            assertEquals(decode(new NameValueCodec(1000, 1000, 100), pairs(second), 4096), b);
            assertSame(a.value(0), b.value(0), "DOCUMENT_ROOT, chunk " + chunk);
            assertEquals("40001", b.value(1));
            assertNotSame(a.value(2), b.value(2), "an unknown name's value is not remembered");
            assertNotSame(a.value(3), b.value(3), "a long value is not remembered");
            assertSame(a.value(4), b.value(4), "SERVER_NAME, chunk " + chunk);
        }
    }

    /** A value remembered under one name is not handed out under another, nor once it has changed. */
    @Test
    void aRememberedValueIsOnlyForItsNameAndItsBytes() throws ProtocolException {
        NameValueCodec codec = new NameValueCodec(1000, 1000, 100);
        CgiEnvironment a = decode(codec, pairs("SERVER_ADDR", "10.0.0.1", "REMOTE_ADDR", "10.0.0.2"), 4096);
        CgiEnvironment b = decode(codec, pairs("SERVER_ADDR", "10.0.0.2", "REMOTE_ADDR", "10.0.0.1"), 4096);
        assertEquals("10.0.0.2", b.value(0));
        assertEquals("10.0.0.1", b.value(1));
        CgiEnvironment c = decode(codec, pairs("SERVER_ADDR", "10.0.0.3", "REMOTE_ADDR", "10.0.0.1"), 4096);
        assertEquals("10.0.0.3", c.value(0));
        assertSame(b.value(1), c.value(1));
        CgiEnvironment d = decode(codec, pairs("SERVER_ADDR", "10.0.0.30", "REMOTE_ADDR", ""), 4096);
        assertEquals("10.0.0.30", d.value(0));
        assertEquals("", d.value(1));
        assertNotSame(a, d);
    }
}
