package io.cgiwire.core;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which peers may open a connection: IP addresses and CIDR ranges, IPv4 and IPv6, such as
 * {@code "127.0.0.1, 10.0.0.0/8, ::1"}.
 *
 * <p>A FastCGI or SCGI connector believes what the peer tells it (the client's address, HTTPS, the user), so only the
 * web server may connect: the lesson of Tomcat's AJP connector (CVE-2020-1938). FastCGI's own convention is the
 * environment variable FCGI_WEB_SERVER_ADDRS (spec section 3.2), a comma-separated list of addresses; this class
 * accepts that form and CIDR ranges too.
 *
 * <p>Entries are IP literals only, parsed without DNS. An IPv4-mapped IPv6 address ({@code ::ffff:127.0.0.1}) matches
 * as the IPv4 address it carries, since a dual-stack socket reports IPv4 peers that way.
 */
public final class PeerAllowlist {
    private final String text;
    private final List<byte[]> networks = new ArrayList<>();
    private final List<Integer> prefixes = new ArrayList<>();

    private PeerAllowlist(String text) {
        this.text = text;
    }

    /**
     * Parses a list of addresses and CIDR ranges separated by commas and/or white space.
     *
     * @throws IllegalArgumentException naming the entry that is not an IP literal or a valid range
     */
    public static PeerAllowlist parse(String list) {
        Objects.requireNonNull(list, "list");
        PeerAllowlist allowlist = new PeerAllowlist(list.trim());
        for (String entry : list.split("[,\\s]+")) {
            if (!entry.isEmpty()) {
                allowlist.add(entry);
            }
        }
        return allowlist;
    }

    private void add(String entry) {
        int slash = entry.indexOf('/');
        String address = slash < 0 ? entry : entry.substring(0, slash);
        byte[] bytes = literal(address);
        if (bytes == null) {
            throw new IllegalArgumentException("allowed peer \"" + entry + "\" is not an IP address or CIDR range");
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(entry.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("allowed peer \"" + entry + "\" has an invalid prefix length");
            }
        }
        networks.add(bytes);
        prefixes.add(prefix);
    }

    /** True if the list has no entry (which, for a connector, means: nobody was named). */
    public boolean isEmpty() {
        return networks.isEmpty();
    }

    /** True if {@code peer} is one of the addresses or inside one of the ranges. */
    public boolean allows(InetAddress peer) {
        byte[] address = unmapped(peer.getAddress());
        for (int i = 0; i < networks.size(); i++) {
            if (inNetwork(address, networks.get(i), prefixes.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean inNetwork(byte[] address, byte[] network, int prefix) {
        if (address.length != network.length) {
            return false;
        }
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (address[whole] & mask) == (network[whole] & mask);
    }

    /** The 4 bytes of an IPv4-mapped IPv6 address, else the address as it is. */
    private static byte[] unmapped(byte[] address) {
        if (address.length != 16) {
            return address;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return address;
            }
        }
        if (address[10] != (byte) 0xFF || address[11] != (byte) 0xFF) {
            return address;
        }
        return new byte[] {address[12], address[13], address[14], address[15]};
    }

    /** The bytes of an IP literal, parsed without any name lookup; null if it is not one. */
    private static byte[] literal(String s) {
        byte[] bytes = IpLiterals.parse(s);
        return bytes == null ? null : unmapped(bytes);
    }

    /** The list as it was given. */
    @Override
    public String toString() {
        return text;
    }
}
