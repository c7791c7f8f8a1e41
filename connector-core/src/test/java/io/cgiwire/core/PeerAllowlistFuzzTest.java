package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;

/**
 * {@link PeerAllowlist} on any list and any peer address. Input: the list as ISO-8859-1 text up to the first NUL;
 * after it, addresses to check, each a selector byte (even: 4 bytes of IPv4 follow, odd: 16 of IPv6). Properties:
 * parse throws nothing but {@link IllegalArgumentException}, allows throws nothing; a parsed list prints as given
 * (trimmed), is empty exactly when it has no entry, and allows each of its single addresses; an IPv4 peer and the
 * same peer IPv4-mapped into IPv6 get the same answer.
 *
 * <p>The test JVM resolves names from an empty hosts file (jdk.net.hosts.file, set in the pom): entries that look
 * like addresses but are not cause no DNS traffic however many the fuzzer tries.
 */
class PeerAllowlistFuzzTest {
    static final int TIMEOUT_SECONDS = 10;

    @Timeout(TIMEOUT_SECONDS)
    @DictionaryEntries({"127.0.0.1", "10.0.0.0/8", "::1", "::ffff:", "fe80::", "/0", "/32", "/128", "/33", ", ",
        "255.255.255.255", "0.0.0.0", "2001:db8::/32", ":::", "1.2.3.4", "::ffff:127.0.0.1"})
    @FuzzTest(maxDuration = "25s")
    void parseAndCheck(byte[] input) throws UnknownHostException {
        int nul = indexOf(input, (byte) 0);
        String list = new String(input, 0, nul, StandardCharsets.ISO_8859_1);
        PeerAllowlist allowlist;
        try {
            allowlist = PeerAllowlist.parse(list);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertEquals(list.trim(), allowlist.toString());
        String[] entries = list.trim().isEmpty() ? new String[0] : list.trim().split("[,\\s]+");
        assertEquals(Arrays.stream(entries).allMatch(String::isEmpty), allowlist.isEmpty(), "isEmpty");
        for (String entry : entries) {
            if (!entry.isEmpty() && entry.indexOf('/') < 0) {
                // parse accepted it as a literal, so this parses it again without a lookup.
                InetAddress address = InetAddress.getByName(entry);
                assertTrue(allowlist.allows(address), "does not allow its own entry " + entry);
            }
        }

        for (int at = nul + 1; at < input.length; ) {
            int length = (input[at] & 1) == 0 ? 4 : 16;
            if (at + 1 + length > input.length) {
                break;
            }
            byte[] address = Arrays.copyOfRange(input, at + 1, at + 1 + length);
            at += 1 + length;
            boolean allowed = allowlist.allows(InetAddress.getByAddress(address));
            if (length == 4) {
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xFF;
                mapped[11] = (byte) 0xFF;
                System.arraycopy(address, 0, mapped, 12, 4);
                // getByAddress turns a mapped address into an Inet4Address itself; build the Inet6Address explicitly.
                InetAddress v6 = java.net.Inet6Address.getByAddress(null, mapped, null);
                assertEquals(allowed, allowlist.allows(v6), "IPv4 and IPv4-mapped disagree on " + v6);
            }
        }
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return bytes.length;
    }
}
