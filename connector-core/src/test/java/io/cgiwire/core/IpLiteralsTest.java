package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpLiteralsTest {
    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "0.0.0.0", "255.255.255.255", "10.1.2.3", "::1", "[::1]", "fe80::1%1",
        "2001:db8::8a2e:370:7334", "::ffff:127.0.0.1"})
    void literals(String text) throws Exception {
        String plain = text.startsWith("[") ? text.substring(1, text.length() - 1) : text;
        assertArrayEquals(InetAddress.getByName(plain).getAddress(), IpLiterals.parse(text), text);
    }

    /**
     * Never a name lookup: what is not a literal is null (found by fuzzing: 1.2.3.999 went to DNS, and a bracketed
     * IPv4 address was accepted although brackets are for IPv6 only).
     */
    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3.999", "1..2.3", "1.2.3", "1.2.3.4.5", "010.0.0.1", "1.2.3.04", "localhost",
        "example.com", "1.2.3.4a", "unix:", "::zz", "1.2.3.-1", "1234.1.1.1", " 1.2.3.4",
        "[255.255.255.255]", "[127.0.0.1]", "[]", "[::1"})
    void notLiterals(String text) {
        assertNull(IpLiterals.parse(text), text);
    }
}
