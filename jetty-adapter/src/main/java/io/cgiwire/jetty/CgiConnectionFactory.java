package io.cgiwire.jetty;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.PeerAllowlist;
import io.cgiwire.jetty.internal.RefusedConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Objects;
import java.util.regex.Pattern;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.ServerConnector;

/**
 * What the FastCGI and SCGI factories share: the {@link HttpConfiguration} requests are built with and the
 * {@link GatewayLimits} every connection is bounded by, and the peers allowed to connect. Public so that Jetty's XML
 * configuration can call the inherited getters and setters.
 */
public abstract class CgiConnectionFactory extends AbstractConnectionFactory implements ConnectionFactory.Configuring {
    private final HttpConfiguration httpConfiguration;
    private final GatewayLimits limits;
    private PeerAllowlist allowedPeers = PeerAllowlist.parse("");
    private Pattern allowedRequestAttributesPattern;
    private boolean trustRemoteUser;

    /**
     * @param protocol the name the factory registers under on a connector
     * @param httpConfiguration what Jetty's HTTP connectors also take: idle timeouts, Server/Date headers, URI
     *     compliance, customizers
     * @param limits the bounds on what the web server may send; read when each connection opens
     */
    protected CgiConnectionFactory(String protocol, HttpConfiguration httpConfiguration, GatewayLimits limits) {
        super(protocol);
        this.httpConfiguration = Objects.requireNonNull(httpConfiguration, "httpConfiguration");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** The HTTP configuration requests are built with. */
    public HttpConfiguration getHttpConfiguration() {
        return httpConfiguration;
    }

    /** The limits: set its properties (e.g. {@code maxParamsBytes}) before connections open. */
    public GatewayLimits getLimits() {
        return limits;
    }

    /** The peers allowed to connect, as given; empty when any peer may. */
    public String getAllowedPeers() {
        return allowedPeers.toString();
    }

    /**
     * Lets only these peers connect: IP addresses and CIDR ranges separated by commas or spaces, for example
     * {@code "127.0.0.1, 10.0.0.0/8"}. A connection from anyone else is closed at once and logged. Empty allows every
     * peer. Unix-domain connections are not checked: the socket file's permissions decide who may connect.
     *
     * @throws IllegalArgumentException naming an entry that is not an IP literal or CIDR range
     */
    public void setAllowedPeers(String allowedPeers) {
        this.allowedPeers = PeerAllowlist.parse(allowedPeers == null ? "" : allowedPeers);
    }

    /** The CGI variables that become request attributes, as a regular expression; null for none. */
    public String getAllowedRequestAttributesPattern() {
        return allowedRequestAttributesPattern == null ? null : allowedRequestAttributesPattern.pattern();
    }

    /**
     * Makes the CGI variables whose whole name matches {@code pattern} request attributes, named as the variables
     * (for example {@code "SSL_.*|REMOTE_USER"}); null or empty for none, the default. Named as Tomcat's AJP
     * connector names the same setting. The web server decides what these say: allow only what it sets itself.
     *
     * @throws java.util.regex.PatternSyntaxException if it is not a regular expression
     */
    public void setAllowedRequestAttributesPattern(String pattern) {
        this.allowedRequestAttributesPattern = pattern == null || pattern.isEmpty() ? null : Pattern.compile(pattern);
    }

    /** Whether REMOTE_USER and AUTH_TYPE are taken as the request's authenticated user. */
    public boolean isTrustRemoteUser() {
        return trustRemoteUser;
    }

    /**
     * Takes REMOTE_USER and AUTH_TYPE as the request's authenticated user (a servlet's getRemoteUser(),
     * getUserPrincipal() and getAuthType()), for a web server that authenticates users itself. Off by default:
     * nginx fills REMOTE_USER from any Basic Authorization header, checked or not. A webapp with its own login
     * configuration authenticates for itself either way. Needs jetty-security on the class path.
     */
    public void setTrustRemoteUser(boolean trustRemoteUser) {
        this.trustRemoteUser = trustRemoteUser;
    }

    /**
     * Refuses to start on an address other than loopback without {@link #setAllowedPeers allowed peers}: whoever
     * reaches the port could claim any client address, HTTPS or user (Tomcat's AJP connector learnt this with
     * CVE-2020-1938 and refuses the same way). Unix-domain sockets are governed by their file permissions, and an
     * inherited socket by whoever bound it.
     */
    @Override
    public void configure(Connector connector) {
        if (!allowedPeers.isEmpty() || !(connector instanceof ServerConnector server) || server.isInheritChannel()) {
            return;
        }
        String host = server.getHost();
        if (!isLoopback(host)) {
            throw new IllegalStateException(getProtocol() + " would listen on " + (host == null || host.isEmpty()
                    ? "every interface" : host) + ":" + server.getPort() + " for anyone who can reach it, and "
                    + "believe the client address, HTTPS and user they claim. Bind it to 127.0.0.1 (or a Unix socket), "
                    + "or name the web server's addresses in allowedPeers (jetty.cgiwire." + getProtocol()
                    .substring("cgiwire-".length()) + ".allowedPeers in a Jetty base).");
        }
    }

    private static boolean isLoopback(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return addresses.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** What the connections take from this factory besides the limits. */
    protected RequestOptions requestOptions() {
        return new RequestOptions(allowedRequestAttributesPattern, trustRemoteUser);
    }

    @Override
    public final Connection newConnection(Connector connector, EndPoint endPoint) {
        if (!allowedPeers.isEmpty() && endPoint.getRemoteSocketAddress() instanceof InetSocketAddress peer
                && (peer.getAddress() == null || !allowedPeers.allows(peer.getAddress()))) {
            return configure(new RefusedConnection(endPoint, connector.getExecutor(), getProtocol(), allowedPeers),
                    connector, endPoint);
        }
        return newCgiConnection(connector, endPoint);
    }

    /** The protocol's connection, for a peer that may connect. */
    protected abstract Connection newCgiConnection(Connector connector, EndPoint endPoint);
}
