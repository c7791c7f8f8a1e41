package io.cgiwire.core;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.cgi.CgiRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request as a container should see it, built once by a {@link GatewaySession} for both containers: the
 * {@link CgiRequest} the web server described, completed with what only the connection knows and what the
 * connector's {@link GatewayTrust} allows.
 *
 * <ul>
 *   <li>Addresses: the client is REMOTE_ADDR/REMOTE_PORT, else the socket's peer; the local side
 *       SERVER_ADDR/SERVER_PORT, else the socket's own address (nginx's scgi_params send no SERVER_ADDR), with
 *       SERVER_PORT's port when it was sent; the server name the client asked for, else the local address.</li>
 *   <li>Headers: the client's, with Host set to {@link #host()} (a container refuses or misreports a Host that
 *       disagrees with its server name and port), and Content-Type and Content-Length taken from CONTENT_TYPE and
 *       CONTENT_LENGTH only, the variables that frame the body.</li>
 *   <li>Trust: {@link #remoteUser()} only when the connector trusts REMOTE_USER; {@link #attributes()} only the
 *       variables its pattern allows.</li>
 * </ul>
 *
 * <p>Nothing here asks DNS: addresses are IP literals or are kept as text.
 */
public final class GatewayRequest {
    private final int id;
    private final boolean keepConnection;
    private final CgiRequest cgi;
    private final String remoteAddr;
    private final int remotePort;
    private final String remoteHost;
    private final String localAddr;
    private final int localPort;
    private final String localName;
    private final String serverName;
    private final int serverPort;
    private final String host;
    private final String[] headerNames;
    private final String[] headerValues;
    private final int headerCount;
    private final String remoteUser;
    private final String authType;
    private final Map<String, String> attributes;
    /** The request's lent error stream and where it writes: see {@link GatewaySession#errorStream}; guarded by this. */
    ErrorStream errorStream;
    volatile GatewaySession.StderrSink stderrSink;

    GatewayRequest(int id, boolean keepConnection, CgiRequest cgi, InetSocketAddress peer, InetSocketAddress local,
            GatewayTrust trust, Map<String, String> roleAttributes) {
        this(id, keepConnection, cgi, peer, local, trust, roleAttributes, null);
    }

    /**
     * As the other constructor, given the {@link #host()} of the connection's last request: the same String when it
     * is the same Host, which on a kept connection it nearly always is.
     */
    GatewayRequest(int id, boolean keepConnection, CgiRequest cgi, InetSocketAddress peer, InetSocketAddress local,
            GatewayTrust trust, Map<String, String> roleAttributes, String lastHost) {
        this.id = id;
        this.keepConnection = keepConnection;
        this.cgi = cgi;
        // Empty is not sent: front servers send unset variables empty, and "" is no address.
        String sentRemote = emptyToNull(cgi.remoteAddr());
        if (sentRemote != null || peer == null) {
            remoteAddr = sentRemote;
            remotePort = Math.max(cgi.remotePort(), 0);
        } else {
            remoteAddr = text(peer);
            remotePort = peer.getPort();
        }
        remoteHost = cgi.remoteHost();
        String sentLocal = emptyToNull(cgi.localAddr());
        if (sentLocal != null || local == null) {
            localAddr = sentLocal;
        } else {
            localAddr = text(local);
        }
        localPort = cgi.localPort() >= 0 ? cgi.localPort() : local != null ? local.getPort() : 0;
        String sentName = emptyToNull(cgi.localName());
        localName = sentName != null ? sentName : localAddr;
        if (cgi.serverName() != null) {
            serverName = cgi.serverName();
            serverPort = cgi.serverPort();
        } else {
            serverName = bracketed(localAddr);
            serverPort = localPort;
        }
        host = isAuthority(lastHost, serverName, serverPort, cgi.secure()) ? lastHost
                : CgiRequest.authority(serverName, serverPort, cgi.secure());

        int n = cgi.headerCount();
        headerNames = new String[n + 3];
        headerValues = new String[n + 3];
        for (int i = 0; i < n; i++) {
            headerNames[i] = cgi.headerName(i);
            headerValues[i] = cgi.headerValue(i);
        }
        int count = n;
        count = put(count, "Host", host);
        count = put(count, "Content-Type", cgi.contentType());
        count = put(count, "Content-Length", cgi.contentLength() >= 0 ? Long.toString(cgi.contentLength()) : null);
        headerCount = count;

        if (trust.isTrustRemoteUser() && cgi.remoteUser() != null) {
            remoteUser = cgi.remoteUser();
            authType = cgi.authType();
        } else {
            remoteUser = null;
            authType = null;
        }
        Map<String, String> allowed = trust.hasRequestAttributes() ? attributes(cgi.environment(), trust)
                : Collections.emptyMap();
        if (roleAttributes.isEmpty()) {
            attributes = allowed;
        } else {
            Map<String, String> all = new LinkedHashMap<>(allowed);
            all.putAll(roleAttributes);
            attributes = Collections.unmodifiableMap(all);
        }
    }

    /** Sets header {@code name} to {@code value} where it stands, or adds it; null removes every one of that name. */
    private int put(int count, String name, String value) {
        int at = -1;
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if (headerNames[i].equalsIgnoreCase(name)) {
                if (at >= 0 || value == null) {
                    continue;
                }
                at = kept;
            }
            headerNames[kept] = headerNames[i];
            headerValues[kept] = headerValues[i];
            kept++;
        }
        if (value == null) {
            return kept;
        }
        if (at < 0) {
            at = kept++;
        }
        headerNames[at] = name;
        headerValues[at] = value;
        return kept;
    }

    /** Whether {@code text} is what {@link CgiRequest#authority} makes of the rest, found without making it. */
    private static boolean isAuthority(String text, String name, int port, boolean secure) {
        if (text == null || name == null || !text.startsWith(name)) {
            return false;
        }
        int n = name.length();
        if (!CgiRequest.isExplicitPort(port, secure)) {
            return text.length() == n;
        }
        if (text.length() <= n + 1 || text.charAt(n) != ':' || text.charAt(n + 1) == '0') {
            return false;
        }
        int value = 0;
        for (int i = n + 1; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9' || value > 0xFFFF) {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return value == port;
    }

    private static Map<String, String> attributes(CgiEnvironment environment, GatewayTrust trust) {
        Map<String, String> matched = new LinkedHashMap<>();
        for (int i = 0; i < environment.size(); i++) {
            String name = environment.name(i);
            if (trust.isRequestAttribute(name)) {
                matched.putIfAbsent(name, environment.get(name));
            }
        }
        return Collections.unmodifiableMap(matched);
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    private static String text(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return ip != null ? ip.getHostAddress() : address.getHostString();
    }

    private static String bracketed(String address) {
        return address != null && address.indexOf(':') >= 0 && !address.startsWith("[") ? "[" + address + "]"
                : address;
    }

    /**
     * An address without a DNS lookup: resolved when {@code host} is an IP literal, else unresolved with the text as
     * its host (nginx listening on a Unix socket sends REMOTE_ADDR "unix:"); null when {@code host} is null or empty.
     */
    public static InetSocketAddress socketAddress(String host, int port) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        int p = port >= 0 && port <= 0xFFFF ? port : 0;
        InetAddress literal = IpLiterals.address(host);
        return literal != null ? new InetSocketAddress(literal, p) : InetSocketAddress.createUnresolved(host, p);
    }

    /** The FastCGI request id; 1 for SCGI's one request. */
    public int id() {
        return id;
    }

    /** Whether the connection may carry another request after this one: FastCGI's FCGI_KEEP_CONN; never for SCGI. */
    public boolean keepConnection() {
        return keepConnection;
    }

    /** The request as the web server's variables described it. */
    public CgiRequest cgi() {
        return cgi;
    }

    /** @see CgiRequest#method() */
    public String method() {
        return cgi.method();
    }

    /** @see CgiRequest#rawTarget() */
    public String rawTarget() {
        return cgi.rawTarget();
    }

    /** @see CgiRequest#path() */
    public String path() {
        return cgi.path();
    }

    /** @see CgiRequest#query() */
    public String query() {
        return cgi.query();
    }

    /** @see CgiRequest#protocol() */
    public String protocol() {
        return cgi.protocol();
    }

    /** @see CgiRequest#scheme() */
    public String scheme() {
        return cgi.scheme();
    }

    /** @see CgiRequest#secure() */
    public boolean secure() {
        return cgi.secure();
    }

    /** Whether this is a HEAD request, whose response has no body. */
    public boolean head() {
        return "HEAD".equals(cgi.method());
    }

    /** The host the client asked for (see {@link CgiRequest#serverName()}), else the local address; null if none. */
    public String serverName() {
        return serverName;
    }

    /** The port the client asked for (see {@link CgiRequest#serverPort()}), else the local port. */
    public int serverPort() {
        return serverPort;
    }

    /** Whether {@link #serverPort()} must be written in an authority: known and not the scheme's default. */
    public boolean explicitPort() {
        return CgiRequest.isExplicitPort(serverPort, secure());
    }

    /** The Host header the container sees: {@link #serverName()}, with the port when it is explicit; null if none. */
    public String host() {
        return host;
    }

    /** The client's address: REMOTE_ADDR as sent, else the socket peer's IP; null if neither is known. */
    public String remoteAddr() {
        return remoteAddr;
    }

    /** The client's port: REMOTE_PORT, else the socket peer's; 0 if unknown. */
    public int remotePort() {
        return remotePort;
    }

    /** REMOTE_HOST as sent, a name the web server looked up; null if absent or empty. */
    public String remoteHost() {
        return remoteHost;
    }

    /** The address the client reached: SERVER_ADDR as sent, else the socket's own IP; null if neither is known. */
    public String localAddr() {
        return localAddr;
    }

    /** The port the client reached: SERVER_PORT, else the socket's own port; 0 if unknown. */
    public int localPort() {
        return localPort;
    }

    /** SERVER_NAME as sent, else {@link #localAddr()}. */
    public String localName() {
        return localName;
    }

    /** The client's address as a socket address, without DNS; null if unknown. */
    public InetSocketAddress remoteSocketAddress() {
        return socketAddress(remoteAddr, remotePort);
    }

    /**
     * The local address as a socket address, without DNS; null if unknown. Without an address (no SERVER_ADDR, and
     * a Unix socket to the web server: HAProxy and Caddy) it is {@link #localName()} with the local port, so that a
     * container that keeps only a socket address still knows the name and port the client used.
     */
    public InetSocketAddress localSocketAddress() {
        return socketAddress(localSocketHost(), localPort);
    }

    /** The host of {@link #localSocketAddress()}, as text: {@link #localAddr()}, else {@link #localName()}. */
    public String localSocketHost() {
        return localAddr != null ? localAddr : localName;
    }

    /** The number of headers. */
    public int headerCount() {
        return headerCount;
    }

    /** The name of header {@code index}, in HTTP spelling. */
    public String headerName(int index) {
        return headerNames[java.util.Objects.checkIndex(index, headerCount)];
    }

    /** The value of header {@code index}. */
    public String headerValue(int index) {
        return headerValues[java.util.Objects.checkIndex(index, headerCount)];
    }

    /** @see CgiRequest#contentType() */
    public String contentType() {
        return cgi.contentType();
    }

    /** @see CgiRequest#contentLength() */
    public long contentLength() {
        return cgi.contentLength();
    }

    /** The authenticated user from REMOTE_USER when the connector trusts it; else null. */
    public String remoteUser() {
        return remoteUser;
    }

    /** AUTH_TYPE with a trusted {@link #remoteUser()}; null when absent or not trusted. */
    public String authType() {
        return authType;
    }

    /** The variables the connector's pattern makes request attributes, in wire order; empty for none. */
    public Map<String, String> attributes() {
        return attributes;
    }

    /** @see CgiRequest#environment() */
    public CgiEnvironment environment() {
        return cgi.environment();
    }

    @Override
    public String toString() {
        return "GatewayRequest{id=" + id + ", keepConnection=" + keepConnection + ", " + cgi + "}";
    }
}
