package io.cgiwire.jetty;

import io.cgiwire.core.Gateway;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.GatewaySettings;
import io.cgiwire.jetty.internal.GatewayConnection;
import io.cgiwire.jetty.internal.RefusedConnection;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.NetworkChannel;
import java.util.Objects;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.ThreadPool;

/**
 * What the FastCGI and SCGI factories share: the {@link HttpConfiguration} requests are built with, and the
 * {@link GatewaySettings}: the limits every connection is bounded by and what is believed of the peer. Public so that
 * Jetty's XML configuration can call the getters and setters.
 *
 * <p>{@code allowedPeers}: IP addresses and CIDR ranges, for example {@code "127.0.0.1, 10.0.0.0/8"}; a connection
 * from anyone else is closed at once and logged; Unix-domain connections are not checked, the socket file's
 * permissions decide. {@code allowedRequestAttributesPattern}: the CGI variables that become request attributes
 * (named as Tomcat's AJP connector names the same setting). {@code trustRemoteUser}: REMOTE_USER and AUTH_TYPE as
 * the request's authenticated user, for a web server that authenticates users itself (needs jetty-security on the
 * class path); off by default, since nginx fills REMOTE_USER from any Basic Authorization header.
 *
 * <p>Refuses to listen on an address other than loopback without allowed peers: whoever reaches the port could
 * claim any client address, HTTPS or user (Tomcat's AJP connector learnt this with CVE-2020-1938 and refuses the same
 * way): see {@link #lifeCycleStarting}. Unix-domain sockets are governed by their file permissions, and an inherited
 * socket by whoever bound it.
 */
public abstract class CgiConnectionFactory extends AbstractConnectionFactory
        implements GatewaySettings, LifeCycle.Listener {
    private final HttpConfiguration httpConfiguration;
    private final Gateway gateway;

    /**
     * @param protocol the name the factory registers under on a connector
     * @param gateway the protocol, limits, trust and counters of the factory's connections
     * @param httpConfiguration what Jetty's HTTP connectors also take: idle timeouts, Server/Date headers, URI
     *     compliance, customizers
     */
    protected CgiConnectionFactory(String protocol, Gateway gateway, HttpConfiguration httpConfiguration) {
        super(protocol);
        this.gateway = gateway;
        this.httpConfiguration = Objects.requireNonNull(httpConfiguration, "httpConfiguration");
    }

    /** The HTTP configuration requests are built with. */
    public HttpConfiguration getHttpConfiguration() {
        return httpConfiguration;
    }

    @Override
    public Gateway gateway() {
        return gateway;
    }

    /**
     * Jetty adds this factory to its connector as a bean, and so as a listener to it: the listen address is checked
     * as the connector starts. A connector built by {@link CgiConnectors} (Jetty XML, the modules of a Jetty base) is
     * checked as its server starts, before the server binds it; one built in code is checked as it starts, which is
     * before it binds unless the Server opened it early ({@code Server.isOpenEarly()}, the default): it is then closed
     * at once.
     */
    @Override
    public void lifeCycleStarting(LifeCycle event) {
        if (event instanceof ServerConnector connector && connector.getConnectionFactories().contains(this)) {
            try {
                checkListenAddress(connector.getHost(), connector.getPort(), connector.isInheritChannel());
            } catch (IllegalStateException x) {
                connector.close();
                throw x;
            }
        }
    }

    /** Registers the counters with JMX, named after the address the connector listens on. */
    @Override
    public void lifeCycleStarted(LifeCycle event) {
        if (event instanceof Connector connector && connector.getConnectionFactories().contains(this)) {
            getMetrics().register(listenAddress(connector));
        }
    }

    @Override
    public void lifeCycleStopped(LifeCycle event) {
        if (event instanceof Connector connector && connector.getConnectionFactories().contains(this)) {
            getMetrics().unregister();
        }
    }

    /** "127.0.0.1:9000", or a Unix socket's path. */
    private static String listenAddress(Connector connector) {
        try {
            if (connector.getTransport() instanceof NetworkChannel channel
                    && channel.getLocalAddress() != null) {
                SocketAddress address = channel.getLocalAddress();
                return address instanceof InetSocketAddress inet ? inet.getHostString() + ":" + inet.getPort()
                        : address.toString();
            }
        } catch (java.io.IOException x) {
            // Closed already: fall back to the connector's name.
        }
        return String.valueOf(connector.getName());
    }

    /**
     * Refuses a TCP connector on an address other than loopback without allowed peers.
     *
     * @throws IllegalStateException saying what to set
     */
    void checkListenAddress(String host, int port, boolean inheritChannel) {
        if (!inheritChannel) {
            String property = "jetty.cgiwire." + getProtocol().substring("cgiwire-".length());
            getTrust().checkListenAddress(getProtocol(), host, port, "allowedPeers (" + property
                    + ".allowedPeers in a Jetty base)", property + ".host or ." + "unixSocketPath");
        }
    }

    /** Whether a connection serves several requests at once where the protocol lets it (FastCGI multiplexing). */
    protected boolean multiplexes() {
        return false;
    }

    @Override
    public final Connection newConnection(Connector connector, EndPoint endPoint) {
        InetSocketAddress peer = inet(endPoint.getRemoteSocketAddress());
        String refusal = refusePeer(peer == null ? null : peer.getAddress().getHostAddress());
        if (refusal != null) {
            return configure(new RefusedConnection(endPoint, connector.getExecutor(), getProtocol(), refusal),
                    connector, endPoint);
        }
        // The thread pool bounds both the connections served at once and the requests (FCGI_GET_VALUES).
        int threads = connector.getExecutor() instanceof ThreadPool.SizedThreadPool pool ? pool.getMaxThreads() : -1;
        GatewaySession session = gateway.newSession(peer, inet(endPoint.getLocalSocketAddress()), System::nanoTime,
                threads, threads, multiplexes());
        return configure(new GatewayConnection(connector, httpConfiguration, endPoint, getProtocol(), session),
                connector, endPoint);
    }

    /** An IP socket address as it is, resolved; null for a Unix-domain one or an unresolved name. */
    private static InetSocketAddress inet(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null ? inet : null;
    }
}
