package io.cgiwire.core.cgi;

import java.util.Objects;

/**
 * One HTTP request as the web server described it in CGI variables, built by {@link CgiRequestMapper#map}.
 *
 * <p>Every field is validated and never re-decoded: the target and path keep their percent-encoding, header values
 * and addresses are the wire chars (ISO-8859-1, one char per byte). An adapter copies the fields into its container's
 * request as they are, like Tomcat's {@code AjpProcessor.prepareRequest} does with an AJP message.
 *
 * <p>Headers are two parallel arrays behind {@link #headerCount()}, {@link #headerName(int)} and
 * {@link #headerValue(int)}, in the order of their first {@code HTTP_*} variable, repeated ones already merged; common
 * names are shared constants, so mapping a typical request allocates no header name.
 *
 * <p>Immutable, except that {@link #environment()} is the caller's object: it must not be changed after mapping.
 */
public final class CgiRequest {
    private final String method;
    private final String rawTarget;
    // Split from rawTarget when first asked for, if queryStart >= 0; Strings, so a racing second split is harmless.
    private String path;
    private String query;
    private final int queryStart;
    private final String protocol;
    private final String scheme;
    private final String serverName;
    private final int serverPort;
    private final String remoteAddr;
    private final int remotePort;
    private final String localAddr;
    private final int localPort;
    private final String localName;
    private final String remoteHost;
    private final String[] headerNames;
    private final String[] headerValues;
    private final int headerCount;
    private final String contentType;
    private final long contentLength;
    private final String remoteUser;
    private final String authType;
    private final CgiEnvironment environment;

    // Package-private: only CgiRequestMapper builds requests, so every instance has passed its checks. The header
    // arrays are handed over, not copied or trimmed (the mapper keeps no reference): the first headerCount are used.
    // queryStart >= 0: the index of the '?' of an origin-form rawTarget, whose path and query are left to split.
    CgiRequest(String method, String rawTarget, String path, String query, int queryStart, String protocol,
            String scheme, String serverName, int serverPort, String remoteAddr, int remotePort, String localAddr,
            int localPort, String localName, String remoteHost, String[] headerNames, String[] headerValues,
            int headerCount, String contentType, long contentLength, String remoteUser, String authType,
            CgiEnvironment environment) {
        this.method = method;
        this.rawTarget = rawTarget;
        this.path = path;
        this.query = query;
        this.queryStart = queryStart;
        this.protocol = protocol;
        this.scheme = scheme;
        this.serverName = serverName;
        this.serverPort = serverPort;
        this.remoteAddr = remoteAddr;
        this.remotePort = remotePort;
        this.localAddr = localAddr;
        this.localPort = localPort;
        this.localName = localName;
        this.remoteHost = remoteHost;
        this.headerNames = headerNames;
        this.headerValues = headerValues;
        this.headerCount = headerCount;
        this.contentType = contentType;
        this.contentLength = contentLength;
        this.remoteUser = remoteUser;
        this.authType = authType;
        this.environment = environment;
    }

    /** The method from REQUEST_METHOD, an HTTP token as sent ("GET"; methods are case-sensitive, RFC 9110 9.1). */
    public String method() {
        return method;
    }

    /**
     * The request target as the client sent it, still percent-encoded, with its query: REQUEST_URI, or one rebuilt
     * from SCRIPT_NAME + PATH_INFO or DOCUMENT_URI (re-encoded) and QUERY_STRING. It may be "*" (OPTIONS only) or the
     * absolute form ("http://host/path?query", RFC 9112 3.2.2).
     */
    public String rawTarget() {
        return rawTarget;
    }

    /** The path of the target, still percent-encoded, without the query: never empty; "*" for {@code OPTIONS *}. */
    public String path() {
        String p = path;
        if (p == null) {
            p = rawTarget.substring(0, queryStart);
            path = p;
        }
        return p;
    }

    /** The query of the target, still percent-encoded, without its '?'; null if the target has no '?'. */
    public String query() {
        String q = query;
        if (q == null && queryStart >= 0) {
            q = rawTarget.substring(queryStart + 1);
            query = q;
        }
        return q;
    }

    /** The protocol from SERVER_PROTOCOL ("HTTP/1.1", "HTTP/2.0"); "HTTP/1.1" when the web server sent none. */
    public String protocol() {
        return protocol;
    }

    /** "https" when the web server said the client's connection was secure (HTTPS, REQUEST_SCHEME), else "http". */
    public String scheme() {
        return scheme;
    }

    /** Whether {@link #scheme()} is "https". */
    public boolean secure() {
        return "https".equals(scheme);
    }

    /**
     * The host the client asked for: from an absolute-form target, else the Host header, else SERVER_NAME (or
     * SERVER_ADDR when SERVER_NAME is missing or nginx's catch-all "_"). An IPv6 literal keeps its brackets
     * ("[::1]"), as Tomcat and Jetty return it. Null only when the web server sent none of these.
     */
    public String serverName() {
        return serverName;
    }

    /**
     * The port the client asked for: from the same source as {@link #serverName()}. When HTTP_HOST has no port, the
     * port the web server accepted the client on (SERVER_PORT), as the Servlet spec defines getServerPort; the
     * scheme's default (80 or 443) when that is unknown too, or when the port-less authority came from an
     * absolute-form target.
     */
    public int serverPort() {
        return serverPort;
    }

    /**
     * Whether {@link #serverPort()} must be written in an authority: it is known and not the scheme's default (80
     * for http, 443 for https).
     */
    public boolean explicitPort() {
        return isExplicitPort(serverPort, secure());
    }

    /**
     * The Host header the container should see: {@link #serverName()}, with ":" and {@link #serverPort()} when the
     * port is {@linkplain #explicitPort() explicit}; null when serverName is. Debian's nginx sends HTTP_HOST without
     * the port, and containers refuse or misreport a Host that disagrees with getServerName() and getServerPort().
     */
    public String host() {
        return authority(serverName, serverPort, secure());
    }

    /** Whether {@code port} must be written in an authority: known (above 0) and not the scheme's default. */
    public static boolean isExplicitPort(int port, boolean secure) {
        return port > 0 && port != (secure ? 443 : 80);
    }

    /** {@code name}, with ":" and {@code port} when it is {@linkplain #isExplicitPort explicit}; null for null. */
    public static String authority(String name, int port, boolean secure) {
        if (name == null) {
            return null;
        }
        return isExplicitPort(port, secure) ? name + ":" + port : name;
    }

    /** The client's address from REMOTE_ADDR, as sent; null if absent. */
    public String remoteAddr() {
        return remoteAddr;
    }

    /** The client's port from REMOTE_PORT; -1 if absent or empty. */
    public int remotePort() {
        return remotePort;
    }

    /** The address the web server accepted the client on, from SERVER_ADDR, as sent; null if absent. */
    public String localAddr() {
        return localAddr;
    }

    /** The port the web server accepted the client on, from SERVER_PORT; -1 if absent or empty. */
    public int localPort() {
        return localPort;
    }

    /** SERVER_NAME as sent: the web server's configured name (nginx may send "_"); null if absent. */
    public String localName() {
        return localName;
    }

    /** REMOTE_HOST as sent (the last, if repeated), a name the web server looked up; null if absent or empty. */
    public String remoteHost() {
        return remoteHost;
    }

    /** The number of headers. */
    public int headerCount() {
        return headerCount;
    }

    /**
     * The name of header {@code index} in HTTP spelling ("User-Agent"), converted from its {@code HTTP_*} variable.
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= index < headerCount()}
     */
    public String headerName(int index) {
        return headerNames[Objects.checkIndex(index, headerCount)];
    }

    /**
     * The value of header {@code index}, as sent; values of repeated variables joined with ", " ("; " for Cookie).
     *
     * @throws IndexOutOfBoundsException unless {@code 0 <= index < headerCount()}
     */
    public String headerValue(int index) {
        return headerValues[Objects.checkIndex(index, headerCount)];
    }

    /** The value of the header called {@code name} (case-insensitive), or null if there is none. */
    public String header(String name) {
        for (int i = 0; i < headerCount; i++) {
            if (headerNames[i].equalsIgnoreCase(name)) {
                return headerValues[i];
            }
        }
        return null;
    }

    /** The body's media type from CONTENT_TYPE, else HTTP_CONTENT_TYPE; null if both are absent or empty. */
    public String contentType() {
        return contentType;
    }

    /** The body's length in bytes from CONTENT_LENGTH; -1 if unknown: read the body to its end. */
    public long contentLength() {
        return contentLength;
    }

    /**
     * REMOTE_USER as sent, null if absent or empty: the user the web server authenticated. Whether to trust it is
     * the adapter's decision (Tomcat's AJP {@code tomcatAuthentication}).
     */
    public String remoteUser() {
        return remoteUser;
    }

    /** AUTH_TYPE as sent ("Basic"), null if absent or empty; trusted or not with {@link #remoteUser()}. */
    public String authType() {
        return authType;
    }

    /** The variables this request was mapped from, for anything the fields above do not carry (SSL_*, custom ones). */
    public CgiEnvironment environment() {
        return environment;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("CgiRequest{")
                .append(method).append(' ').append(rawTarget).append(' ').append(protocol)
                .append(", scheme=").append(scheme)
                .append(", server=").append(serverName).append(':').append(serverPort)
                .append(", remote=").append(remoteAddr).append(':').append(remotePort)
                .append(", local=").append(localName).append('/').append(localAddr).append(':').append(localPort)
                .append(", contentType=").append(contentType)
                .append(", contentLength=").append(contentLength);
        if (remoteUser != null || authType != null) {
            s.append(", remoteUser=").append(remoteUser).append(", authType=").append(authType);
        }
        // Header names only: values hold credentials (Authorization, Cookie) that must not reach a log.
        s.append(", headers=[");
        for (int i = 0; i < headerCount; i++) {
            s.append(i == 0 ? "" : ", ").append(headerNames[i]);
        }
        return s.append("]}").toString();
    }
}
