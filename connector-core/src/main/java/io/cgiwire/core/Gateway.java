package io.cgiwire.core;

import io.cgiwire.core.fcgi.FcgiSession;
import io.cgiwire.core.scgi.ScgiSession;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * What one connector holds for all its connections, whichever container it runs in: its protocol, the limits its
 * connections are bounded by, what it believes of its peers and its counters; and the session each new connection
 * gets. A Jetty connection factory and a Tomcat protocol handler each hold one, and show it as their
 * {@link GatewaySettings}.
 */
public final class Gateway {
    /**
     * The send buffer an adapter gives each accepted Unix-domain connection. Linux gives a Unix stream socket
     * net.core.wmem_default (208 KiB) and never grows it, where loopback TCP grows its own to megabytes: a 1 MiB
     * response then took five rounds of fill, wake and write, cost the JVM and nginx a third more CPU than over TCP
     * (Jetty), and ran at 0.71x nginx to the container's HTTP connector against 0.95x over TCP (Tomcat). The kernel
     * caps it at net.core.wmem_max.
     */
    public static final int UNIX_SEND_BUFFER_SIZE = 1024 * 1024;

    private final boolean fastCgi;
    private final GatewayLimits limits;
    private final GatewayTrust trust = new GatewayTrust();
    private final GatewayMetrics metrics;

    private Gateway(boolean fastCgi, GatewayLimits limits) {
        this.fastCgi = fastCgi;
        this.limits = Objects.requireNonNull(limits, "limits");
        this.metrics = new GatewayMetrics(protocol());
    }

    /**
     * A FastCGI connector's, whose allowed peers are FCGI_WEB_SERVER_ADDRS when {@code environment} names them
     * (spec 3.2: whoever starts the application names the web servers).
     *
     * @throws IllegalArgumentException naming an entry of FCGI_WEB_SERVER_ADDRS that is not an IP literal or range
     */
    public static Gateway fastCgi(GatewayLimits limits, Map<String, String> environment) {
        Gateway gateway = new Gateway(true, limits);
        gateway.trust.allowPeersFrom(environment);
        return gateway;
    }

    /** An SCGI connector's. */
    public static Gateway scgi(GatewayLimits limits) {
        return new Gateway(false, limits);
    }

    /** "FastCGI" or "SCGI", for messages and metrics. */
    public String protocol() {
        return fastCgi ? "FastCGI" : "SCGI";
    }

    /** The limits: read when a connection opens. */
    public GatewayLimits limits() {
        return limits;
    }

    /** What the connector believes of its peers: read when a connection opens. */
    public GatewayTrust trust() {
        return trust;
    }

    /** The counters, which every session adds to. */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /**
     * The session of a new connection, refused or not: see {@link GatewaySettings#refusePeer}.
     *
     * @param peer the socket's remote address; null for a Unix-domain socket
     * @param local the socket's own address; null for a Unix-domain socket
     * @param nanoClock the adapter's clock, as {@link System#nanoTime()}
     * @param maxConnections the connections the container serves at once, for FastCGI's FCGI_MAX_CONNS; 0 or less if
     *     unknown
     * @param maxRequests the requests it serves at once, for FCGI_MAX_REQS; 0 or less if unknown
     */
    public GatewaySession newSession(InetSocketAddress peer, InetSocketAddress local, LongSupplier nanoClock,
            int maxConnections, int maxRequests) {
        return newSession(peer, local, nanoClock, maxConnections, maxRequests, false);
    }

    /**
     * As {@link #newSession(InetSocketAddress, InetSocketAddress, LongSupplier, int, int)}, for an adapter that can
     * serve several requests of a connection at once when {@code multiplexing}: a FastCGI session then multiplexes
     * (see {@link GatewaySession#multiplexing()}).
     */
    public GatewaySession newSession(InetSocketAddress peer, InetSocketAddress local, LongSupplier nanoClock,
            int maxConnections, int maxRequests, boolean multiplexing) {
        return fastCgi
                ? new FcgiSession(limits, trust, metrics, peer, local, nanoClock, maxConnections, maxRequests,
                        multiplexing)
                : new ScgiSession(limits, trust, metrics, peer, local, nanoClock);
    }
}
