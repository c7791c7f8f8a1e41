package io.cgiwire.core;

import java.net.InetAddress;
import java.util.regex.Pattern;

/**
 * What a connector believes of its peer, for both protocols and both containers: which peers may connect, whether it
 * may listen where anyone could reach it, which CGI variables become request attributes, and whether the web server's
 * REMOTE_USER is the request's user.
 *
 * <p>A FastCGI or SCGI peer says who the client is, whether the connection was HTTPS and who logged in, and the
 * connector believes it: only the web server may connect. Tomcat's AJP connector learnt this with CVE-2020-1938
 * (Ghostcat), and since refuses to start where anyone could reach it; so does every cgiwire connector, through
 * {@link #checkListenAddress}.
 *
 * <p>No method here looks a name up in DNS: peers are IP literals, and the only name taken as loopback is
 * "localhost" (RFC 6761 6.3).
 *
 * <p>Settings are read when a connection opens; change them before the connector starts.
 */
public final class GatewayTrust {
    /** FastCGI's own convention (spec 3.2): the web servers' addresses, named by whoever starts the application. */
    public static final String FCGI_WEB_SERVER_ADDRS = "FCGI_WEB_SERVER_ADDRS";
    /** Request attribute of an Authorizer request: the method of the request it asks about. */
    public static final String AUTHORIZER_METHOD = "io.cgiwire.fcgi.authorizer.method";
    /** Request attribute of an Authorizer request: the target (REQUEST_URI) of the request it asks about. */
    public static final String AUTHORIZER_URI = "io.cgiwire.fcgi.authorizer.uri";
    /**
     * Request attributes of an Authorizer request: this prefix and a variable's name, for REMOTE_USER, REMOTE_PASSWD
     * and FCGI_APACHE_ROLE as the web server sent them (an authenticator checks the password it was given).
     */
    public static final String AUTHORIZER_PREFIX = "io.cgiwire.fcgi.authorizer.";

    private volatile PeerAllowlist allowedPeers = PeerAllowlist.parse("");
    private volatile Pattern requestAttributes;
    private volatile boolean trustRemoteUser;
    private volatile String authorizerPath;

    /** Trusts nobody beyond the defaults: any peer on a loopback or Unix socket, no attributes, no remote user. */
    public GatewayTrust() {
    }

    /**
     * Takes {@value #FCGI_WEB_SERVER_ADDRS} from {@code environment} as the allowed peers when it is set and not
     * blank: a FastCGI connector's default, as every FastCGI library reads it.
     *
     * @throws IllegalArgumentException naming an entry that is not an IP literal or CIDR range
     */
    public GatewayTrust allowPeersFrom(java.util.Map<String, String> environment) {
        String webServers = environment.get(FCGI_WEB_SERVER_ADDRS);
        if (webServers != null && !webServers.isBlank()) {
            setAllowedPeers(webServers);
        }
        return this;
    }

    /** The peers allowed to connect, as given; empty when any peer may. */
    public String getAllowedPeers() {
        return allowedPeers.toString();
    }

    /**
     * Lets only these peers connect: IP addresses and CIDR ranges separated by commas or spaces, for example
     * {@code "127.0.0.1, 10.0.0.0/8"}; empty or null allows every peer. Unix-domain connections are not checked: the
     * socket file's permissions decide who may connect.
     *
     * @throws IllegalArgumentException naming an entry that is not an IP literal or CIDR range
     */
    public void setAllowedPeers(String allowedPeers) {
        this.allowedPeers = PeerAllowlist.parse(allowedPeers == null ? "" : allowedPeers);
    }

    /** Whether {@link #setAllowedPeers allowed peers} were named. */
    public boolean hasAllowedPeers() {
        return !allowedPeers.isEmpty();
    }

    /**
     * Whether a connection from {@code peer} may be served: true when no peers were named, and for a peer with no
     * address (a Unix-domain socket's, given as null or empty). Text that is not an IP literal is refused once peers
     * are named: it is never looked up.
     *
     * @param peer the socket's remote address as an IP literal, or null
     */
    public boolean allowsPeer(String peer) {
        if (allowedPeers.isEmpty() || peer == null || peer.isEmpty()) {
            return true;
        }
        InetAddress address = IpLiterals.address(peer);
        return address != null && allowedPeers.allows(address);
    }

    /** Whether a connection from {@code peer} may be served; null (a Unix-domain socket) may. */
    public boolean allowsPeer(InetAddress peer) {
        return allowedPeers.isEmpty() || peer == null || allowedPeers.allows(peer);
    }

    /**
     * Refuses to listen where anyone could connect: on TCP, on an address other than loopback, with no allowed
     * peers named. Call it before the socket is bound, so that a refused connector never accepts a connection.
     *
     * @param protocol the connector's name, for the message ("FastCGI")
     * @param host the address to bind as configured: an IP literal, "localhost", or null or empty (or a wildcard
     *     address) for every interface
     * @param port the port to bind
     * @param peersSetting how the user names allowed peers where they configure this connector, for the message
     * @param addressSetting how the user sets the address or a Unix socket there; null to leave it unsaid
     * @throws IllegalStateException saying what to set
     */
    public void checkListenAddress(String protocol, String host, int port, String peersSetting,
            String addressSetting) {
        if (hasAllowedPeers() || isLoopback(host)) {
            return;
        }
        InetAddress literal = host == null ? null : IpLiterals.address(host.trim());
        String where = host == null || host.isBlank() || literal != null && literal.isAnyLocalAddress()
                ? "every interface" : host.trim();
        throw new IllegalStateException(protocol + " would listen on " + where + ":" + port + " for anyone who can "
                + "reach it, and believe the client address, HTTPS and user they claim. Bind it to 127.0.0.1 or a "
                + "Unix socket" + (addressSetting == null ? "" : " (" + addressSetting + ")") + ", or name the web "
                + "server's addresses in " + peersSetting + ".");
    }

    /** Whether {@code host} is a loopback address, without DNS: a loopback IP literal or "localhost". */
    public static boolean isLoopback(String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        String h = host.trim();
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        InetAddress address = IpLiterals.address(h);
        return address != null && address.isLoopbackAddress();
    }

    /** The CGI variables that become request attributes, as a regular expression; null for none. */
    public String getAllowedRequestAttributesPattern() {
        Pattern p = requestAttributes;
        return p == null ? null : p.pattern();
    }

    /**
     * Makes the CGI variables whose whole name matches {@code pattern} request attributes, named as the variables
     * (for example {@code "SSL_.*|REMOTE_USER"}); null or empty for none, the default. Named as Tomcat's AJP
     * connector names the same setting. The web server decides what these say: allow only what it sets itself.
     *
     * @throws java.util.regex.PatternSyntaxException if it is not a regular expression
     */
    public void setAllowedRequestAttributesPattern(String pattern) {
        this.requestAttributes = pattern == null || pattern.isEmpty() ? null : Pattern.compile(pattern);
    }

    /** Whether the CGI variable {@code name} becomes a request attribute. */
    public boolean isRequestAttribute(String name) {
        Pattern p = requestAttributes;
        return p != null && p.matcher(name).matches();
    }

    /** Whether any variable can become a request attribute. */
    boolean hasRequestAttributes() {
        return requestAttributes != null;
    }

    /** The path FastCGI Authorizer requests are dispatched to; null when the role is refused (the default). */
    public String getAuthorizerPath() {
        return authorizerPath;
    }

    /**
     * Plays FastCGI's Authorizer role (spec 6.3: Apache httpd's mod_authnz_fcgi, lighttpd's {@code "mode" =>
     * "authorizer"}): such a request is dispatched, as a GET without a body, to {@code path}, whose servlet decides.
     * Its 200 grants access, and its {@code Variable-NAME} response headers become variables of the web server's
     * request; any other status denies, and the web server sends it with its body to the client. The request keeps the
     * client's headers and addresses; what it asks about is in the attributes {@value #AUTHORIZER_METHOD} and
     * {@value #AUTHORIZER_URI}, and the variables an authorizer needs (REMOTE_USER, REMOTE_PASSWD,
     * FCGI_APACHE_ROLE) are in {@value #AUTHORIZER_PREFIX}{@code *} attributes. Null or empty, the default, refuses the
     * role with FCGI_UNKNOWN_ROLE.
     *
     * @throws IllegalArgumentException if {@code path} is not an absolute path without a query
     */
    public void setAuthorizerPath(String path) {
        String p = path == null || path.isBlank() ? null : path.trim();
        if (p != null && (!p.startsWith("/") || p.indexOf('?') >= 0 || p.indexOf('#') >= 0 || p.contains(" "))) {
            throw new IllegalArgumentException("authorizerPath must be an absolute path such as /authorize, not \""
                    + path + "\"");
        }
        this.authorizerPath = p;
    }

    /** Whether REMOTE_USER and AUTH_TYPE are taken as the request's authenticated user. */
    public boolean isTrustRemoteUser() {
        return trustRemoteUser;
    }

    /**
     * Takes REMOTE_USER and AUTH_TYPE as the request's authenticated user, for a web server that authenticates users
     * itself. Off by default: nginx fills REMOTE_USER from any Basic Authorization header, checked or not.
     */
    public void setTrustRemoteUser(boolean trustRemoteUser) {
        this.trustRemoteUser = trustRemoteUser;
    }
}
