package io.cgiwire.core.cgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KnownStringsTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void everyConstantIsFoundByItsBytesAtAnyOffset() {
        Set<String> seen = new HashSet<>();
        for (int ordinal = 0; ordinal < KnownStrings.count(); ordinal++) {
            String constant = KnownStrings.get(ordinal);
            assertEquals(ordinal, KnownStrings.find(bytes(constant), 0, constant.length()), constant);
            byte[] framed = bytes("\u0001\u0002\u0003" + constant + "\u0004");
            assertSame(constant, KnownStrings.lookup(framed, 3, constant.length()), constant);
            assertTrue(seen.add(constant), "listed twice: " + constant);
        }
    }

    @Test
    void aNearMissIsNotFound() {
        // Same length, first and last eight bytes as known names, different in between: a slot's one candidate.
        for (String s : new String[] {"HTTP_ACCEPT_XXXXXXXX", "HTTP_ACCEPT_ENCODINX", "HTTP_ACCEPX_ENCODING",
                "HTTP_HOS", "HTTP_HOSTS", "SERVER_PORTS", "SERVER_POR", "http_host", "GE", "GETS", "", "1 ",
                "0\u0000"}) {
            assertNull(KnownStrings.lookup(bytes(s), 0, s.length()), s);
            assertEquals(-1, KnownStrings.find(bytes(s), 0, s.length()), s);
        }
        // A middle byte changed in every constant of 17 bytes or more, where the hash does not see it.
        for (int ordinal = 0; ordinal < KnownStrings.count(); ordinal++) {
            byte[] b = bytes(KnownStrings.get(ordinal));
            if (b.length >= 17) {
                b[8] ^= 0x20;
                assertNull(KnownStrings.lookup(b, 0, b.length), new String(b, StandardCharsets.ISO_8859_1));
            }
        }
    }

    /** Every byte counts, whichever word or middle part of the comparison it falls in. */
    @Test
    void anyOneByteChangedIsAnotherStringOrNone() {
        for (int ordinal = 0; ordinal < KnownStrings.count(); ordinal++) {
            byte[] b = bytes(KnownStrings.get(ordinal));
            for (int i = 0; i < b.length; i++) {
                b[i] ^= 0x01;
                String changed = new String(b, StandardCharsets.ISO_8859_1);
                int found = KnownStrings.find(b, 0, b.length);
                if (found >= 0) {
                    assertEquals(changed, KnownStrings.get(found));
                }
                b[i] ^= 0x01;
            }
        }
    }

    @Test
    void namesAndValuesAreConstantsOnlyWhenKnown() {
        byte[] host = bytes("xHTTP_HOSTx");
        assertSame("HTTP_HOST", KnownStrings.name(host, 1, 9));
        String custom = KnownStrings.name(bytes("HTTP_X_CUSTOM"), 0, 13);
        assertEquals("HTTP_X_CUSTOM", custom);
        assertSame("GET", KnownStrings.value(bytes("GET"), 0, 3));
        String form = "application/x-www-form-urlencoded";
        // Longer than MAX_VALUE_LENGTH: not looked up, though it is a constant.
        assertNotSame(form, KnownStrings.value(bytes(form), 0, form.length()));
        assertEquals(form, KnownStrings.value(bytes(form), 0, form.length()));
        assertEquals("", KnownStrings.value(new byte[0], 0, 0));
    }
}
