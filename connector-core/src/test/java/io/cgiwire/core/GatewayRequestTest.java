package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.cgi.CgiRequestMapper;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The request view a session builds: the web server's variables, completed from the socket, filtered by trust. */
class GatewayRequestTest {
    static final InetSocketAddress PEER = new InetSocketAddress(IpLiterals.address("192.0.2.10"), 50000);
    static final InetSocketAddress LOCAL = new InetSocketAddress(IpLiterals.address("127.0.0.1"), 9000);
    static final InetSocketAddress LOCAL6 = new InetSocketAddress(IpLiterals.address("::1"), 9000);

    static GatewayRequest view(InetSocketAddress peer, InetSocketAddress local, GatewayTrust trust,
            String... namesAndValues) throws ProtocolException {
        CgiEnvironment env = new CgiEnvironment();
        env.add("REQUEST_METHOD", "GET");
        env.add("REQUEST_URI", "/x");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            env.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return new GatewayRequest(3, true, CgiRequestMapper.map(env), peer, local, trust, Map.of());
    }

    static GatewayRequest view(String... namesAndValues) throws ProtocolException {
        return view(PEER, LOCAL, new GatewayTrust(), namesAndValues);
    }

    /**
     * Client address: REMOTE_ADDR and REMOTE_PORT as sent, else the socket's peer, else unknown. Empty is not sent
     * (front servers send unset variables empty): regression, an empty REMOTE_ADDR was the client's address.
     */
    @ParameterizedTest(name = "REMOTE_ADDR {0}, REMOTE_PORT {1}, socket peer {2}: {3}:{4}")
    @CsvSource(nullValues = "-", value = {
        "203.0.113.7, 40001, true,  203.0.113.7, 40001",
        "203.0.113.7, -,     true,  203.0.113.7, 0",
        "-,           -,     true,  192.0.2.10,  50000",
        "-,           40001, true,  192.0.2.10,  50000",
        "-,           -,     false, -,           0",
        "unix:,       -,     true,  unix:,       0",
        "'',          -,     true,  192.0.2.10,  50000",
        "'',          -,     false, -,           0",
    })
    void remoteAddress(String remoteAddr, String remotePort, boolean socket, String addr, int port)
            throws ProtocolException {
        List<String> env = new ArrayList<>();
        if (remoteAddr != null) {
            env.addAll(List.of("REMOTE_ADDR", remoteAddr));
        }
        if (remotePort != null) {
            env.addAll(List.of("REMOTE_PORT", remotePort));
        }
        GatewayRequest r = view(socket ? PEER : null, LOCAL, new GatewayTrust(), env.toArray(String[]::new));
        assertEquals(addr, r.remoteAddr());
        assertEquals(port, r.remotePort());
        InetSocketAddress address = r.remoteSocketAddress();
        if (addr == null) {
            assertNull(address);
        } else {
            assertEquals(addr, address.getHostString());
            assertEquals(IpLiterals.parse(addr) == null, address.isUnresolved(), "no DNS for what is no address");
        }
    }

    /**
     * Local side: SERVER_ADDR and SERVER_PORT as sent, else the socket's own address with SERVER_PORT's port when it
     * was sent (nginx's scgi_params send no SERVER_ADDR); the server name falls back to the local address, IPv6
     * bracketed, and Host follows it.
     */
    @ParameterizedTest(name = "SERVER_ADDR {0}, SERVER_PORT {1}, SERVER_NAME {2}, socket {3}")
    @CsvSource(nullValues = "-", value = {
        "10.0.0.1, 8080, web, v4,   10.0.0.1,                8080, web,                     web,                       8080, web:8080",
        "-,        8443, -,   v4,   127.0.0.1,               8443, 127.0.0.1,               127.0.0.1,                 8443, 127.0.0.1:8443",
        "-,        -,    -,   v4,   127.0.0.1,               9000, 127.0.0.1,               127.0.0.1,                 9000, 127.0.0.1:9000",
        "-,        80,   _,   v4,   127.0.0.1,               80,   _,                       127.0.0.1,                 80,   127.0.0.1",
        "-,        -,    -,   v6,   0:0:0:0:0:0:0:1,         9000, 0:0:0:0:0:0:0:1,         [0:0:0:0:0:0:0:1],         9000, [0:0:0:0:0:0:0:1]:9000",
        "::1,      8080, _,   v6,   ::1,                     8080, _,                       [::1],                     8080, [::1]:8080",
        "'',       8080, '',  v4,   127.0.0.1,               8080, 127.0.0.1,               127.0.0.1,                 8080, 127.0.0.1:8080",
        "-,        8080, -,   none, -,                       8080, -,                       -,                         8080, -",
        "-,        -,    -,   none, -,                       0,    -,                       -,                         0,    -",
    })
    void localAddressAndServerName(String serverAddr, String serverPort, String serverName, String socket,
            String localAddr, int localPort, String localName, String name, int port, String host)
            throws ProtocolException {
        List<String> env = new ArrayList<>();
        if (serverAddr != null) {
            env.addAll(List.of("SERVER_ADDR", serverAddr));
        }
        if (serverPort != null) {
            env.addAll(List.of("SERVER_PORT", serverPort));
        }
        if (serverName != null) {
            env.addAll(List.of("SERVER_NAME", serverName));
        }
        InetSocketAddress local = switch (socket) {
            case "v4" -> LOCAL;
            case "v6" -> LOCAL6;
            default -> null;
        };
        GatewayRequest r = view(PEER, local, new GatewayTrust(), env.toArray(String[]::new));
        assertEquals(localAddr, r.localAddr(), "localAddr");
        assertEquals(localPort, r.localPort(), "localPort");
        assertEquals(localName, r.localName(), "localName");
        assertEquals(name, r.serverName(), "serverName");
        assertEquals(port, r.serverPort(), "serverPort");
        assertEquals(host, r.host(), "host");
        assertEquals(host, header(r, "Host"), "the Host header is host()");
    }

    /** A Unix socket to HAProxy or Caddy: no SERVER_ADDR, no socket address, so the local side is SERVER_NAME. */
    @ParameterizedTest(name = "SERVER_NAME {0}, SERVER_PORT {1}")
    @CsvSource(nullValues = "-", value = {
        "127.0.0.1,   8080, false, 127.0.0.1,   8080",
        "example.org, 80,   true,  example.org, 80",
        "-,           8080, -,     -,           -",
    })
    void withoutALocalAddressTheSocketAddressIsTheServerName(String serverName, String serverPort, Boolean unresolved,
            String hostString, Integer port) throws ProtocolException {
        List<String> env = new ArrayList<>(List.of("SERVER_PORT", serverPort));
        if (serverName != null) {
            env.addAll(List.of("SERVER_NAME", serverName));
        }
        InetSocketAddress a = view(PEER, null, new GatewayTrust(), env.toArray(String[]::new)).localSocketAddress();
        if (hostString == null) {
            assertNull(a);
            return;
        }
        assertEquals(unresolved, a.isUnresolved(), "no DNS");
        assertEquals(hostString, a.getHostString());
        assertEquals(port, a.getPort());
    }

    @Test
    void theClientsHostWinsAndTakesServerPortWhenItHasNone() throws ProtocolException {
        GatewayRequest r = view("HTTP_HOST", "www.example.com", "SERVER_PORT", "8080", "SERVER_NAME", "web");
        assertEquals("www.example.com", r.serverName());
        assertEquals(8080, r.serverPort());
        assertEquals("www.example.com:8080", r.host());
        assertEquals("web", r.localName());
        GatewayRequest https = view("HTTP_HOST", "www.example.com", "SERVER_PORT", "443", "HTTPS", "on");
        assertEquals("www.example.com", https.host(), "the scheme's default port is not written");
        assertFalse(https.explicitPort());
        assertTrue(https.secure());
    }

    /** Host set where it stands, Content-Type and Content-Length from the variables that frame the body. */
    @Test
    void headersMergeHostContentTypeAndContentLength() throws ProtocolException {
        GatewayRequest r = view("HTTP_USER_AGENT", "curl", "HTTP_HOST", "example.com:8080", "HTTP_ACCEPT", "*/*",
                "CONTENT_TYPE", "text/plain", "CONTENT_LENGTH", "3", "HTTP_CONTENT_LENGTH", "99");
        assertEquals(lines("User-Agent", "curl", "Host", "example.com:8080", "Accept", "*/*",
                "Content-Type", "text/plain", "Content-Length", "3"), headers(r));

        GatewayRequest noHost = view("HTTP_ACCEPT", "*/*", "SERVER_ADDR", "10.0.0.1", "SERVER_PORT", "8080",
                "CONTENT_LENGTH", "");
        assertEquals(lines("Accept", "*/*", "Host", "10.0.0.1:8080"), headers(noHost), "no Content-Length when unknown");

        GatewayRequest typeFromCopy = view("HTTP_CONTENT_TYPE", "application/json", "HTTP_HOST", "h");
        assertEquals(lines("Host", "h", "Content-Type", "application/json"), headers(typeFromCopy),
                "a Host without a port, and no SERVER_PORT: the scheme's default");
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {"client.example, client.example", "'', -", "-, -"})
    void remoteHostAsSentElseNull(String sent, String expected) throws ProtocolException {
        GatewayRequest r = sent == null ? view() : view("REMOTE_HOST", sent);
        assertEquals(expected, r.remoteHost());
    }

    @Test
    void theRemoteUserOnlyWhenTrusted() throws ProtocolException {
        GatewayRequest untrusted = view("REMOTE_USER", "alice", "AUTH_TYPE", "Basic");
        assertNull(untrusted.remoteUser());
        assertNull(untrusted.authType());
        GatewayTrust trust = new GatewayTrust();
        trust.setTrustRemoteUser(true);
        GatewayRequest trusted = view(PEER, LOCAL, trust, "REMOTE_USER", "alice", "AUTH_TYPE", "Basic");
        assertEquals("alice", trusted.remoteUser());
        assertEquals("Basic", trusted.authType());
        assertNull(view(PEER, LOCAL, trust, "AUTH_TYPE", "Basic").authType(), "no user, no auth type");
    }

    @Test
    void attributesAreTheVariablesThePatternAllowsInWireOrder() throws ProtocolException {
        String[] env = {"SSL_PROTOCOL", "TLSv1.3", "HTTP_X", "1", "REMOTE_USER", "bob", "XSSL_Y", "no",
            "SSL_CIPHER", "A", "SSL_PROTOCOL", "TLSv1.2"};
        assertEquals(Map.of(), view(env).attributes(), "none by default");
        GatewayTrust trust = new GatewayTrust();
        trust.setAllowedRequestAttributesPattern("SSL_.*|REMOTE_USER");
        Map<String, String> attributes = view(PEER, LOCAL, trust, env).attributes();
        // A repeated variable keeps its first place and, as everywhere, its last value.
        assertEquals(List.of("SSL_PROTOCOL", "REMOTE_USER", "SSL_CIPHER"), List.copyOf(attributes.keySet()));
        assertEquals(lines("SSL_PROTOCOL", "TLSv1.2", "REMOTE_USER", "bob", "SSL_CIPHER", "A"),
                attributes.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).toList());
        assertNull(view(PEER, LOCAL, trust, env).remoteUser(), "an attribute, not the user");
    }

    @Test
    void theViewCarriesTheRequestAsMapped() throws ProtocolException {
        GatewayRequest r = view("QUERY_STRING", "ignored", "SERVER_PROTOCOL", "HTTP/2.0", "REQUEST_METHOD", "HEAD");
        assertEquals(3, r.id());
        assertTrue(r.keepConnection());
        assertEquals("HEAD", r.method());
        assertTrue(r.head());
        assertEquals("/x", r.rawTarget());
        assertEquals("/x", r.path());
        assertNull(r.query());
        assertEquals("HTTP/2.0", r.protocol());
        assertEquals("http", r.scheme());
        assertEquals(-1, r.contentLength());
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {
        "1.2.3.4,    80,    false, 1.2.3.4,   80",
        "[::1],      8080,  false, 0:0:0:0:0:0:0:1, 8080",
        "unix:,      0,     true,  unix:,     0",
        "1.2.3.999,  1,     true,  1.2.3.999, 1",
        "1.2.3.4,    70000, false, 1.2.3.4,   0",
        "1.2.3.4,    -1,    false, 1.2.3.4,   0",
    })
    void socketAddressWithoutDns(String host, int port, boolean unresolved, String hostString, int expectedPort) {
        InetSocketAddress a = GatewayRequest.socketAddress(host, port);
        assertEquals(unresolved, a.isUnresolved());
        assertEquals(hostString, unresolved ? a.getHostString() : a.getAddress().getHostAddress());
        assertEquals(expectedPort, a.getPort());
    }

    @Test
    void noSocketAddressForNoHost() {
        assertNull(GatewayRequest.socketAddress(null, 80));
        assertNull(GatewayRequest.socketAddress("", 80));
    }

    private static String header(GatewayRequest r, String name) {
        String value = null;
        for (int i = 0; i < r.headerCount(); i++) {
            if (r.headerName(i).equalsIgnoreCase(name)) {
                assertNull(value, "one " + name + " header");
                value = r.headerValue(i);
            }
        }
        return value;
    }

    /** The headers in order, one "Name: value" each. */
    private static List<String> headers(GatewayRequest r) {
        List<String> headers = new ArrayList<>();
        for (int i = 0; i < r.headerCount(); i++) {
            headers.add(r.headerName(i) + ": " + r.headerValue(i));
        }
        return headers;
    }

    private static List<String> lines(String... namesAndValues) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            lines.add(namesAndValues[i] + ": " + namesAndValues[i + 1]);
        }
        return lines;
    }

    private static GatewayRequest after(String lastHost, String... namesAndValues) throws ProtocolException {
        CgiEnvironment env = new CgiEnvironment();
        env.add("REQUEST_METHOD", "GET");
        env.add("REQUEST_URI", "/x");
        for (int i = 0; i < namesAndValues.length; i += 2) {
            env.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return new GatewayRequest(3, true, CgiRequestMapper.map(env), PEER, LOCAL, new GatewayTrust(), Map.of(),
                lastHost);
    }

    /** The last request's Host String is the next one's when it is the same Host, and only then. */
    @ParameterizedTest(name = "last {0}, HTTP_HOST {1}, HTTPS {2}: {3}")
    @CsvSource(nullValues = "-", value = {
        "example.org:8080,  example.org:8080, off, true",
        "example.org:8080,  example.org:8081, off, false",
        "example.org:8080,  example.org:808,  off, false",
        "example.org:8080,  example.or:8080,  off, false",
        "example.org,       example.org,      off, true",
        "example.org,       example.org:443,  on,  true",
        "example.org:443,   example.org:443,  off, true",
        "example.org,       example.org:8080, off, false",
        "example.orgx,      example.org,      off, false",
        "-,                 example.org,      off, false",
    })
    void lastHostIsReusedWhenTheSame(String lastHost, String httpHost, String https, boolean same)
            throws ProtocolException {
        String last = lastHost == null ? null : new String(lastHost);
        GatewayRequest r = after(last, "HTTP_HOST", httpHost, "HTTPS", https);
        assertEquals(view("HTTP_HOST", httpHost, "HTTPS", https).host(), r.host());
        assertEquals(same, r.host() == last);
        assertEquals(r.host(), r.headerValue(0));
        assertEquals("Host", r.headerName(0));
    }
}
