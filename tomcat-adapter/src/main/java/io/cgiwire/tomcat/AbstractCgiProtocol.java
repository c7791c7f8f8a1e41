package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.PeerAllowlist;
import java.net.InetAddress;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.Processor;
import org.apache.coyote.UpgradeProtocol;
import org.apache.coyote.UpgradeToken;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * What the FastCGI and SCGI protocol handlers share, as Tomcat's {@code AbstractAjpProtocol} does for AJP: safe
 * defaults set in the constructor, the {@link GatewayLimits} as bean properties of the {@code <Connector>}, and no
 * TLS, upgrade or sendfile, which belong to the web server in front.
 *
 * <p>Defaults that differ from Tomcat's HTTP connector, and why:
 * <ul>
 *   <li>{@code address} is the loopback address: the web server is on the same machine, and a gateway protocol
 *       trusts what its peer says about the client (Ghostcat, CVE-2020-1938, was an AJP port open to the world).
 *       Another address needs {@code allowedPeers} (the web server's addresses), or the connector refuses to
 *       start.</li>
 *   <li>{@code keepAliveTimeout} is -1: a FastCGI connection kept with FCGI_KEEP_CONN is closed by the web server,
 *       never by the backend, since nginx answers 502 when a backend closes one just as nginx reuses it.
 *       {@code connectionTimeout} (60 s) still bounds the wait for a new connection's first byte and every read
 *       and write while a request is in flight; {@code headerReadTimeout} (10 s) the whole time a request's
 *       variables take to arrive.</li>
 * </ul>
 *
 * <p>Attributes with the same names as on the Jetty side ({@code maxParamsBytes}, {@code maxParamsCount},
 * {@code maxParamNameLength}, {@code maxParamValueLength}, {@code maxScgiHeaderBytes}, {@code maxNetstringDigits},
 * {@code maxMultiplexedRequests}) bound what the web server may make a connection buffer; they are read when a
 * processor is created. {@code headerReadTimeout} bounds the total time a request's variables take to arrive.
 * {@code unixSocketPermissions} is the Jetty side's name for the endpoint's {@code unixDomainSocketPathPermissions}.
 * {@code tomcatAuthentication} (default true) is AJP's: set it to false to trust REMOTE_USER and AUTH_TYPE from the
 * web server.
 *
 * @param <S> the endpoint's socket type
 */
public abstract class AbstractCgiProtocol<S> extends AbstractProtocol<S> {
    /** 60 s, Tomcat's HTTP default and nginx's fastcgi_send_timeout / fastcgi_read_timeout. */
    static final int DEFAULT_CONNECTION_TIMEOUT = 60_000;

    private final GatewayLimits limits = new GatewayLimits();
    private boolean tomcatAuthentication = true;
    private PeerAllowlist allowedPeers = PeerAllowlist.parse("");
    private Pattern allowedRequestAttributesPattern;

    /**
     * @param endpoint the endpoint for the sockets, e.g. a {@code NioEndpoint}
     */
    protected AbstractCgiProtocol(AbstractEndpoint<S, ?> endpoint) {
        super(endpoint);
        setConnectionTimeout(DEFAULT_CONNECTION_TIMEOUT);
        setKeepAliveTimeout(-1);
        getEndpoint().setUseSendfile(false);
        getEndpoint().setAddress(InetAddress.getLoopbackAddress());
    }

    /** The name of the protocol on the wire, for logs and {@code ServletConnection.getProtocol()}. */
    abstract String wireProtocol();

    @Override
    protected UpgradeProtocol getNegotiatedProtocol(String name) {
        return null;
    }

    @Override
    protected UpgradeProtocol getUpgradeProtocol(String name) {
        return null;
    }

    @Override
    protected Processor createUpgradeProcessor(SocketWrapperBase<?> socket, UpgradeToken upgradeToken) {
        throw new IllegalStateException(wireProtocol() + " has no HTTP upgrade");
    }

    /** TLS is the web server's: logs a warning and ignores the configuration. */
    @Override
    public void addSslHostConfig(SSLHostConfig sslHostConfig) {
        addSslHostConfig(sslHostConfig, false);
    }

    /** TLS is the web server's: logs a warning and ignores the configuration. */
    @Override
    public void addSslHostConfig(SSLHostConfig sslHostConfig, boolean replace) {
        getLog().warn(wireProtocol() + " connector: TLS belongs to the web server in front; ignoring the"
                + " SSLHostConfig for " + sslHostConfig.getHostName());
    }

    @Override
    public SSLHostConfig[] findSslHostConfigs() {
        return new SSLHostConfig[0];
    }

    /** HTTP upgrade is the web server's: logs a warning and ignores the protocol. */
    @Override
    public void addUpgradeProtocol(UpgradeProtocol upgradeProtocol) {
        getLog().warn(wireProtocol() + " connector: no HTTP upgrade; ignoring " + upgradeProtocol.getClass().getName());
    }

    @Override
    public UpgradeProtocol[] findUpgradeProtocols() {
        return new UpgradeProtocol[0];
    }

    /**
     * Refuses to start on an address other than loopback without {@code allowedPeers}, as Tomcat's AJP connector
     * refuses to start without a secret since CVE-2020-1938: whoever reaches the port could claim any client
     * address, HTTPS or user.
     */
    @Override
    public void start() throws Exception {
        InetAddress address = getAddress();
        boolean tcp = !(getEndpoint() instanceof NioEndpoint nio)
                || nio.getUnixDomainSocketPath() == null && !nio.getUseInheritedChannel();
        if (tcp && allowedPeers.isEmpty() && (address == null || !address.isLoopbackAddress())) {
            throw new IllegalArgumentException(wireProtocol() + " connector would listen on "
                    + (address == null ? "every interface" : address.getHostAddress()) + ":" + getPort()
                    + " for anyone who can reach it, and believe the client address, HTTPS and user they claim."
                    + " Set address=\"127.0.0.1\" (or unixDomainSocketPath), or name the web server's addresses"
                    + " in allowedPeers=\"...\"");
        }
        super.start();
    }

    /** The limits processors are created with; its setters are also this connector's attributes. */
    public GatewayLimits getLimits() {
        return limits;
    }

    /** @see GatewayLimits#getMaxParamsBytes() */
    public int getMaxParamsBytes() {
        return limits.getMaxParamsBytes();
    }

    /** @see GatewayLimits#setMaxParamsBytes(int) */
    public void setMaxParamsBytes(int maxParamsBytes) {
        limits.setMaxParamsBytes(maxParamsBytes);
    }

    /** @see GatewayLimits#getMaxParamsCount() */
    public int getMaxParamsCount() {
        return limits.getMaxParamsCount();
    }

    /** @see GatewayLimits#setMaxParamsCount(int) */
    public void setMaxParamsCount(int maxParamsCount) {
        limits.setMaxParamsCount(maxParamsCount);
    }

    /** @see GatewayLimits#getMaxParamNameLength() */
    public int getMaxParamNameLength() {
        return limits.getMaxParamNameLength();
    }

    /** @see GatewayLimits#setMaxParamNameLength(int) */
    public void setMaxParamNameLength(int maxParamNameLength) {
        limits.setMaxParamNameLength(maxParamNameLength);
    }

    /** @see GatewayLimits#getMaxParamValueLength() */
    public int getMaxParamValueLength() {
        return limits.getMaxParamValueLength();
    }

    /** @see GatewayLimits#setMaxParamValueLength(int) */
    public void setMaxParamValueLength(int maxParamValueLength) {
        limits.setMaxParamValueLength(maxParamValueLength);
    }

    /** @see GatewayLimits#getMaxScgiHeaderBytes() */
    public int getMaxScgiHeaderBytes() {
        return limits.getMaxScgiHeaderBytes();
    }

    /** @see GatewayLimits#setMaxScgiHeaderBytes(int) */
    public void setMaxScgiHeaderBytes(int maxScgiHeaderBytes) {
        limits.setMaxScgiHeaderBytes(maxScgiHeaderBytes);
    }

    /** @see GatewayLimits#getMaxNetstringDigits() */
    public int getMaxNetstringDigits() {
        return limits.getMaxNetstringDigits();
    }

    /** @see GatewayLimits#setMaxNetstringDigits(int) */
    public void setMaxNetstringDigits(int maxNetstringDigits) {
        limits.setMaxNetstringDigits(maxNetstringDigits);
    }

    /** @see GatewayLimits#getMaxMultiplexedRequests() */
    public int getMaxMultiplexedRequests() {
        return limits.getMaxMultiplexedRequests();
    }

    /** @see GatewayLimits#setMaxMultiplexedRequests(int) */
    public void setMaxMultiplexedRequests(int maxMultiplexedRequests) {
        limits.setMaxMultiplexedRequests(maxMultiplexedRequests);
    }

    /** @see GatewayLimits#getHeaderReadTimeout() */
    public int getHeaderReadTimeout() {
        return limits.getHeaderReadTimeout();
    }

    /**
     * Milliseconds a request's variables may take to arrive in total (the same attribute as on the Jetty side), from
     * a new connection's first byte or, on a kept FastCGI connection, the request's FCGI_BEGIN_REQUEST: however
     * slowly they trickle in, the connection is closed when the time is up, and that is logged once. The wait for a
     * new connection's first byte is {@code connectionTimeout}'s, as on Tomcat's HTTP connector.
     *
     * @see GatewayLimits#setHeaderReadTimeout(int)
     */
    public void setHeaderReadTimeout(int headerReadTimeout) {
        limits.setHeaderReadTimeout(headerReadTimeout);
    }

    /** The Unix socket file's mode, as {@code ls} shows it; null when the umask decides. */
    public String getUnixSocketPermissions() {
        return getEndpoint() instanceof NioEndpoint nio ? nio.getUnixDomainSocketPathPermissions() : null;
    }

    /**
     * Sets the mode of the socket file at {@code unixDomainSocketPath} once it is created, as {@code ls} shows it (for
     * example {@code rw-rw----}: the web server's worker needs write permission to connect); null or empty leaves the
     * umask's. The Jetty side's name (and form) for the endpoint's {@code unixDomainSocketPathPermissions}, which it
     * sets, so that the same attribute works in server.xml.
     *
     * @throws IllegalArgumentException if {@code permissions} is not of that form
     */
    public void setUnixSocketPermissions(String permissions) {
        String mode = permissions == null || permissions.isBlank() ? null : permissions.trim();
        if (mode != null) {
            // Refused here, with the attribute's name, rather than when the endpoint binds.
            try {
                PosixFilePermissions.fromString(mode);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unixSocketPermissions must be a mode as ls shows it, such as"
                        + " rw-rw----, not \"" + mode + "\"", e);
            }
        }
        if (!(getEndpoint() instanceof NioEndpoint nio)) {
            throw new IllegalStateException(wireProtocol() + " connector: unixSocketPermissions needs a NioEndpoint");
        }
        nio.setUnixDomainSocketPathPermissions(mode);
    }

    /** The peers allowed to connect, as given; empty when any peer may. */
    public String getAllowedPeers() {
        return allowedPeers.toString();
    }

    /**
     * Lets only these peers connect: IP addresses and CIDR ranges separated by commas or spaces (the same attribute
     * as on the Jetty side); a connection from anyone else is closed at once and logged. Empty allows every peer.
     * Unix-domain connections are not checked: the socket file's permissions decide.
     *
     * @throws IllegalArgumentException naming an entry that is not an IP literal or CIDR range
     */
    public void setAllowedPeers(String allowedPeers) {
        this.allowedPeers = PeerAllowlist.parse(allowedPeers == null ? "" : allowedPeers);
    }

    /** True if a connection from {@code address} may be served. */
    boolean allows(String address) {
        if (allowedPeers.isEmpty() || address == null || address.isEmpty()) {
            return true;
        }
        try {
            return allowedPeers.allows(InetAddress.getByName(address));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** The CGI variables that become request attributes, as a regular expression; null for none. */
    public String getAllowedRequestAttributesPattern() {
        return allowedRequestAttributesPattern == null ? null : allowedRequestAttributesPattern.pattern();
    }

    /**
     * Makes the CGI variables whose whole name matches {@code pattern} request attributes, under their own names;
     * null or empty for none, the default (AJP's attribute of the same name, and the Jetty side's).
     */
    public void setAllowedRequestAttributesPattern(String pattern) {
        this.allowedRequestAttributesPattern = pattern == null || pattern.isEmpty() ? null : Pattern.compile(pattern);
    }

    Pattern allowedRequestAttributes() {
        return allowedRequestAttributesPattern;
    }

    /** The Jetty side's name for the opposite of {@code tomcatAuthentication}: true trusts REMOTE_USER. */
    public boolean isTrustRemoteUser() {
        return !tomcatAuthentication;
    }

    /** @param trustRemoteUser true to take REMOTE_USER and AUTH_TYPE from the web server */
    public void setTrustRemoteUser(boolean trustRemoteUser) {
        this.tomcatAuthentication = !trustRemoteUser;
    }

    /** Whether Tomcat authenticates (true, the default) or trusts REMOTE_USER and AUTH_TYPE from the web server. */
    public boolean getTomcatAuthentication() {
        return tomcatAuthentication;
    }

    /** @param tomcatAuthentication false to take REMOTE_USER and AUTH_TYPE from the web server, as AJP's attribute */
    public void setTomcatAuthentication(boolean tomcatAuthentication) {
        this.tomcatAuthentication = tomcatAuthentication;
    }
}
