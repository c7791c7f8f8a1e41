package io.cgiwire.core;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP address literals parsed without ever asking DNS: a peer's text such as {@code 1.2.3.999} must not become a
 * name lookup (which a wildcard DNS answer would turn into an address).
 */
public final class IpLiterals {
    private IpLiterals() {
    }

    /**
     * The address bytes of {@code text}: a dotted-quad IPv4 address (four decimal numbers 0 to 255, no leading
     * zeros, so that {@code 010.0.0.1} is not read two ways) or an IPv6 literal (with or without brackets and a
     * zone; brackets only around IPv6); null if it is neither.
     */
    public static byte[] parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        boolean bracketed = text.startsWith("[") && text.endsWith("]");
        String s = bracketed ? text.substring(1, text.length() - 1) : text;
        if (s.indexOf(':') < 0) {
            // Brackets belong to IPv6 only (RFC 3986 IP-literal): [127.0.0.1] is not an address.
            return bracketed ? null : ipv4(s);
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                break;
            }
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                return null;
            }
        }
        try {
            // With a ':' the JDK parses an IPv6 literal or refuses it; it never looks such a string up.
            return InetAddress.getByName(s).getAddress();
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    /** The address of {@code text} as {@link #parse} reads it; null if it is not an IP literal. */
    public static InetAddress address(String text) {
        byte[] bytes = parse(text);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] ipv4(String s) {
        byte[] address = new byte[4];
        int part = 0;
        int start = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '.') {
                int length = i - start;
                if (part == 4 || length == 0 || length > 3 || length > 1 && s.charAt(start) == '0') {
                    return null;
                }
                int value = 0;
                for (int j = start; j < i; j++) {
                    char c = s.charAt(j);
                    if (c < '0' || c > '9') {
                        return null;
                    }
                    value = value * 10 + (c - '0');
                }
                if (value > 255) {
                    return null;
                }
                address[part++] = (byte) value;
                start = i + 1;
            }
        }
        return part == 4 ? address : null;
    }
}
