package io.cgiwire.jetty;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.PeerAllowlist;
import io.cgiwire.jetty.internal.RefusedConnection;
import java.net.InetSocketAddress;
import java.util.Objects;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * What the FastCGI and SCGI factories share: the {@link HttpConfiguration} requests are built with and the
 * {@link GatewayLimits} every connection is bounded by, and the peers allowed to connect. Public so that Jetty's XML
 * configuration can call the inherited getters and setters.
 */
public abstract class CgiConnectionFactory extends AbstractConnectionFactory {
    private final HttpConfiguration httpConfiguration;
    private final GatewayLimits limits;
    private PeerAllowlist allowedPeers = PeerAllowlist.parse("");

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
