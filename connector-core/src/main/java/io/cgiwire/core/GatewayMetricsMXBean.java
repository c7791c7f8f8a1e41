package io.cgiwire.core;

import java.util.Map;

/**
 * A connector's counters as JMX attributes, the same on Jetty and Tomcat. Every counter counts since the connector
 * was created; none is reset. Read them with any JMX client (jconsole, jmxterm, a Prometheus JMX exporter).
 */
public interface GatewayMetricsMXBean {
    /** "FastCGI" or "SCGI". */
    String getProtocol();

    /** Connections accepted and served (not counting {@link #getRefusedPeers refused} ones). */
    long getConnections();

    /** Connections closed at once because the peer was not in {@code allowedPeers}. */
    long getRefusedPeers();

    /** Requests handed to the container. */
    long getRequests();

    /**
     * Requests answered without the container, with a 4xx: variables that do not describe an HTTP request, or a
     * target the container cannot parse.
     */
    long getRefusedRequests();

    /** Requests the web server gave up on (FastCGI's FCGI_ABORT_REQUEST). */
    long getAborts();

    /** Request ids refused with FCGI_CANT_MPX_CONN: more than maxMultiplexedRequests - 1 active on a connection. */
    long getMultiplexRefusals();

    /** Requests refused with FCGI_UNKNOWN_ROLE: a role this connector does not play. */
    long getUnknownRoles();

    /** Connections closed because a request's variables did not arrive within {@code headerReadTimeout}. */
    long getHeadTimeouts();

    /** Protocol violations of every kind: each ended its connection or was answered with a 4xx. */
    long getViolations();

    /** The violations by kind ({@code io.cgiwire.core.Violation} names), only those seen at least once. */
    Map<String, Long> getViolationsByKind();
}
