package io.cgiwire.core;

/**
 * The settings every cgiwire connector has, spelled once: its {@link Gateway}'s {@link GatewayLimits} and
 * {@link GatewayTrust} as bean properties of the connector itself. A Jetty connection factory and a Tomcat protocol
 * handler implement it, so that {@code <Set name="maxParamsBytes">} in Jetty XML, {@code maxParamsBytes="..."} on a
 * {@code <Connector>} in server.xml and {@code setMaxParamsBytes(...)} in code name the same property, and the
 * default methods here are the only place that says so.
 */
public interface GatewaySettings {
    /** What the connector holds for all its connections. */
    Gateway gateway();

    /** The limits connections are created with: read when a connection opens. */
    default GatewayLimits getLimits() {
        return gateway().limits();
    }

    /** What the connector believes of its peer: read when a connection opens. */
    default GatewayTrust getTrust() {
        return gateway().trust();
    }

    /** The connector's counters, which its sessions add to; registered with JMX while the connector runs. */
    default GatewayMetrics getMetrics() {
        return gateway().metrics();
    }

    /**
     * Whether a new connection from {@code peer} is refused: the line to log, once, before closing it (and it is
     * counted); null to serve it.
     *
     * @param peer the socket's remote address as an IP literal; null for a Unix-domain socket, which is not checked
     */
    default String refusePeer(String peer) {
        if (getTrust().allowsPeer(peer)) {
            return null;
        }
        getMetrics().peerRefused();
        return peer + ": refused: not in allowedPeers [" + getAllowedPeers() + "]";
    }

    /** @see GatewayLimits#getMaxParamsBytes() */
    default int getMaxParamsBytes() {
        return getLimits().getMaxParamsBytes();
    }

    /** @see GatewayLimits#setMaxParamsBytes(int) */
    default void setMaxParamsBytes(int maxParamsBytes) {
        getLimits().setMaxParamsBytes(maxParamsBytes);
    }

    /** @see GatewayLimits#getMaxParamsCount() */
    default int getMaxParamsCount() {
        return getLimits().getMaxParamsCount();
    }

    /** @see GatewayLimits#setMaxParamsCount(int) */
    default void setMaxParamsCount(int maxParamsCount) {
        getLimits().setMaxParamsCount(maxParamsCount);
    }

    /** @see GatewayLimits#getMaxParamNameLength() */
    default int getMaxParamNameLength() {
        return getLimits().getMaxParamNameLength();
    }

    /** @see GatewayLimits#setMaxParamNameLength(int) */
    default void setMaxParamNameLength(int maxParamNameLength) {
        getLimits().setMaxParamNameLength(maxParamNameLength);
    }

    /** @see GatewayLimits#getMaxParamValueLength() */
    default int getMaxParamValueLength() {
        return getLimits().getMaxParamValueLength();
    }

    /** @see GatewayLimits#setMaxParamValueLength(int) */
    default void setMaxParamValueLength(int maxParamValueLength) {
        getLimits().setMaxParamValueLength(maxParamValueLength);
    }

    /** @see GatewayLimits#getMaxScgiHeaderBytes() */
    default int getMaxScgiHeaderBytes() {
        return getLimits().getMaxScgiHeaderBytes();
    }

    /** @see GatewayLimits#setMaxScgiHeaderBytes(int) */
    default void setMaxScgiHeaderBytes(int maxScgiHeaderBytes) {
        getLimits().setMaxScgiHeaderBytes(maxScgiHeaderBytes);
    }

    /** @see GatewayLimits#getMaxNetstringDigits() */
    default int getMaxNetstringDigits() {
        return getLimits().getMaxNetstringDigits();
    }

    /** @see GatewayLimits#setMaxNetstringDigits(int) */
    default void setMaxNetstringDigits(int maxNetstringDigits) {
        getLimits().setMaxNetstringDigits(maxNetstringDigits);
    }

    /** @see GatewayLimits#getMaxMultiplexedRequests() */
    default int getMaxMultiplexedRequests() {
        return getLimits().getMaxMultiplexedRequests();
    }

    /** @see GatewayLimits#setMaxMultiplexedRequests(int) */
    default void setMaxMultiplexedRequests(int maxMultiplexedRequests) {
        getLimits().setMaxMultiplexedRequests(maxMultiplexedRequests);
    }

    /** @see GatewayLimits#getHeaderReadTimeout() */
    default int getHeaderReadTimeout() {
        return getLimits().getHeaderReadTimeout();
    }

    /** @see GatewayLimits#setHeaderReadTimeout(int) */
    default void setHeaderReadTimeout(int headerReadTimeout) {
        getLimits().setHeaderReadTimeout(headerReadTimeout);
    }

    /** @see GatewayTrust#getAllowedPeers() */
    default String getAllowedPeers() {
        return getTrust().getAllowedPeers();
    }

    /** @see GatewayTrust#setAllowedPeers(String) */
    default void setAllowedPeers(String allowedPeers) {
        getTrust().setAllowedPeers(allowedPeers);
    }

    /** @see GatewayTrust#getAllowedRequestAttributesPattern() */
    default String getAllowedRequestAttributesPattern() {
        return getTrust().getAllowedRequestAttributesPattern();
    }

    /** @see GatewayTrust#setAllowedRequestAttributesPattern(String) */
    default void setAllowedRequestAttributesPattern(String pattern) {
        getTrust().setAllowedRequestAttributesPattern(pattern);
    }

    /** @see GatewayTrust#getAuthorizerPath() */
    default String getAuthorizerPath() {
        return getTrust().getAuthorizerPath();
    }

    /** @see GatewayTrust#setAuthorizerPath(String) */
    default void setAuthorizerPath(String authorizerPath) {
        getTrust().setAuthorizerPath(authorizerPath);
    }

    /** @see GatewayTrust#isTrustRemoteUser() */
    default boolean isTrustRemoteUser() {
        return getTrust().isTrustRemoteUser();
    }

    /** @see GatewayTrust#setTrustRemoteUser(boolean) */
    default void setTrustRemoteUser(boolean trustRemoteUser) {
        getTrust().setTrustRemoteUser(trustRemoteUser);
    }
}
