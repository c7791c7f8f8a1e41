package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Who a connector believes, for both protocols and both containers. */
class GatewayTrustTest {
    static GatewayTrust allowing(String peers) {
        GatewayTrust trust = new GatewayTrust();
        trust.setAllowedPeers(peers);
        return trust;
    }

    /** A peer given as text (null or a path for a Unix socket) and as an address, with and without a list. */
    @ParameterizedTest(name = "allowed {0}, peer {1}: {2}")
    @CsvSource(nullValues = "-", value = {
        "'',                   203.0.113.9,      true",
        "-,                    203.0.113.9,      true",
        "127.0.0.1,            127.0.0.1,        true",
        "127.0.0.1,            ::ffff:127.0.0.1, true",
        "127.0.0.1,            10.0.0.1,         false",
        "'10.0.0.0/8, ::1',    10.1.2.3,         true",
        "'10.0.0.0/8, ::1',    ::1,              true",
        "'10.0.0.0/8, ::1',    192.0.2.1,        false",
        "127.0.0.1,            -,                true",
    })
    void allowsPeer(String allowed, String peer, boolean expected) {
        GatewayTrust trust = allowing(allowed);
        assertEquals(expected, trust.allowsPeer(peer), "as text");
        assertEquals(expected, trust.allowsPeer(peer == null ? null : IpLiterals.address(peer)), "as an address");
    }

    /** A peer with no address (a Unix-domain socket's) is not checked: the socket file's permissions decide. */
    @Test
    void aPeerWithNoAddressIsNotChecked() {
        assertTrue(allowing("127.0.0.1").allowsPeer(""));
        assertTrue(allowing("127.0.0.1").allowsPeer((String) null));
    }

    /** With a list, text that is no IP literal is refused, never looked up: a name could resolve to anything. */
    @ParameterizedTest
    @CsvSource({"/run/cgiwire.sock", "unix:", "localhost", "web.example"})
    void aPeerThatIsNoIpLiteralIsRefused(String peer) {
        assertFalse(allowing("127.0.0.1").allowsPeer(peer));
        assertTrue(new GatewayTrust().allowsPeer(peer));
    }

    @Test
    void theListIsKeptAsGivenAndAMalformedOneRefused() {
        GatewayTrust trust = new GatewayTrust();
        assertFalse(trust.hasAllowedPeers());
        assertEquals("", trust.getAllowedPeers());
        trust.setAllowedPeers(" 127.0.0.1, 10.0.0.0/8 ");
        assertTrue(trust.hasAllowedPeers());
        assertEquals("127.0.0.1, 10.0.0.0/8", trust.getAllowedPeers());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trust.setAllowedPeers("127.0.0.1, web.example"));
        assertTrue(e.getMessage().contains("web.example"), e.getMessage());
        assertEquals("127.0.0.1, 10.0.0.0/8", trust.getAllowedPeers(), "a refused list changes nothing");
        trust.setAllowedPeers(null);
        assertFalse(trust.hasAllowedPeers());
    }

    /** Loopback or named peers, else refused: 0.0.0.0, every interface, an outside IP, a name other than localhost. */
    @ParameterizedTest(name = "{0}, peers named {1}: starts {2}")
    @CsvSource(nullValues = "-", value = {
        "127.0.0.1,       false, true",
        "127.8.9.10,      false, true",
        "::1,             false, true",
        "[::1],           false, true",
        "localhost,       false, true",
        "' LocalHost ',   false, true",
        "0.0.0.0,         false, false",
        "::,              false, false",
        "-,               false, false",
        "'',              false, false",
        "192.0.2.1,       false, false",
        "web.example,     false, false",
        "localhost.,      false, false",
        "0.0.0.0,         true,  true",
        "-,               true,  true",
        "192.0.2.1,       true,  true",
        "web.example,     true,  true",
    })
    void checkListenAddress(String host, boolean peersNamed, boolean starts) {
        GatewayTrust trust = peersNamed ? allowing("192.0.2.7") : new GatewayTrust();
        if (starts) {
            trust.checkListenAddress("FastCGI", host, 9000, "allowedPeers", "address");
            return;
        }
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> trust.checkListenAddress("FastCGI", host, 9000, "allowedPeers", "address"));
        String where = host == null || host.isBlank() || host.equals("0.0.0.0") || host.equals("::")
                ? "every interface" : host.trim();
        assertTrue(e.getMessage().startsWith("FastCGI would listen on " + where + ":9000 "), e.getMessage());
        assertTrue(e.getMessage().endsWith("Bind it to 127.0.0.1 or a Unix socket (address), or name the web server's"
                + " addresses in allowedPeers."), e.getMessage());
        IllegalStateException unsaid = assertThrows(IllegalStateException.class,
                () -> trust.checkListenAddress("FastCGI", host, 9000, "allowedPeers", null));
        assertTrue(unsaid.getMessage().contains("Bind it to 127.0.0.1 or a Unix socket, or name"), unsaid.getMessage());
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {"127.0.0.1, true", "::1, true", "localhost, true", "LOCALHOST, true",
        "0.0.0.0, false", "10.0.0.1, false", "web.example, false", "-, false", "' ', false", "127.0.0.256, false"})
    void isLoopbackWithoutDns(String host, boolean loopback) {
        assertEquals(loopback, GatewayTrust.isLoopback(host));
    }

    @Test
    void allowPeersFromTakesFcgiWebServerAddrsWhenSet() {
        GatewayTrust trust = new GatewayTrust();
        assertSame(trust, trust.allowPeersFrom(Map.of(GatewayTrust.FCGI_WEB_SERVER_ADDRS, "192.0.2.1,192.0.2.2")));
        assertTrue(trust.hasAllowedPeers());
        assertTrue(trust.allowsPeer("192.0.2.2"));
        assertFalse(trust.allowsPeer("192.0.2.3"));
        trust.allowPeersFrom(Map.of());
        assertEquals("192.0.2.1,192.0.2.2", trust.getAllowedPeers(), "unset: the list stays");
        trust.allowPeersFrom(Map.of(GatewayTrust.FCGI_WEB_SERVER_ADDRS, "  "));
        assertEquals("192.0.2.1,192.0.2.2", trust.getAllowedPeers(), "blank: the list stays");
        Map<String, String> bad = new HashMap<>();
        bad.put(GatewayTrust.FCGI_WEB_SERVER_ADDRS, "web.example");
        assertThrows(IllegalArgumentException.class, () -> new GatewayTrust().allowPeersFrom(bad));
    }

    @Test
    void requestAttributesByWholeNameMatch() {
        GatewayTrust trust = new GatewayTrust();
        assertNull(trust.getAllowedRequestAttributesPattern());
        assertFalse(trust.isRequestAttribute("SSL_PROTOCOL"), "none by default");
        trust.setAllowedRequestAttributesPattern("SSL_.*|REMOTE_USER");
        assertEquals("SSL_.*|REMOTE_USER", trust.getAllowedRequestAttributesPattern());
        assertTrue(trust.isRequestAttribute("SSL_PROTOCOL"));
        assertTrue(trust.isRequestAttribute("REMOTE_USER"));
        assertFalse(trust.isRequestAttribute("X_SSL_PROTOCOL"), "the whole name must match");
        assertFalse(trust.isRequestAttribute("REMOTE_USERS"));
        trust.setAllowedRequestAttributesPattern("");
        assertNull(trust.getAllowedRequestAttributesPattern());
        assertFalse(trust.isRequestAttribute("SSL_PROTOCOL"));
        assertThrows(PatternSyntaxException.class, () -> trust.setAllowedRequestAttributesPattern("SSL_("));
    }

    @Test
    void theRemoteUserIsNotTrustedByDefault() {
        GatewayTrust trust = new GatewayTrust();
        assertFalse(trust.isTrustRemoteUser());
        trust.setTrustRemoteUser(true);
        assertTrue(trust.isTrustRemoteUser());
    }
}
