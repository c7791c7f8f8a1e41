package io.cgiwire.spring.boot;

import io.cgiwire.tomcat.AbstractCgiProtocol;
import io.cgiwire.tomcat.FcgiNioProtocol;
import io.cgiwire.tomcat.ScgiNioProtocol;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import org.apache.catalina.connector.Connector;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.coyote.RequestGroupInfo;
import org.springframework.boot.tomcat.TomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;

/**
 * Adds a Tomcat connector with {@link FcgiNioProtocol} or {@link ScgiNioProtocol} for each active listener, next to
 * Boot's HTTP connector. With {@code server.port} negative, Boot starts no connector at all; the first cgiwire
 * listener then takes the HTTP connector's place, so that "only FastCGI" works.
 */
final class TomcatCgiwireCustomizer implements WebServerFactoryCustomizer<TomcatWebServerFactory>, Ordered {
    private static final Log log = LogFactory.getLog(TomcatCgiwireCustomizer.class);

    private final CgiwireProperties properties;
    private final CgiwireConnectors connectors;

    TomcatCgiwireCustomizer(CgiwireProperties properties, CgiwireConnectors connectors) {
        this.properties = properties;
        this.connectors = connectors;
    }

    /** After Boot's own customizers, which set the port from server.port. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void customize(TomcatWebServerFactory factory) {
        List<ListenerSpec> specs = ListenerSpec.of(properties);
        for (int i = 0; i < specs.size(); i++) {
            ListenerSpec spec = specs.get(i);
            boolean inPlaceOfHttp = i == 0 && factory.getPort() < 0;
            log.info(spec.logLine("Tomcat", inPlaceOfHttp));
            if (inPlaceOfHttp) {
                factory.setProtocol(protocolClass(spec.gateway()).getName());
                factory.setPort(spec.isUnix() ? 0 : spec.port());
                factory.addConnectorCustomizers(connector -> {
                    if (connector.getProtocolHandler() instanceof AbstractCgiProtocol<?>) {
                        configure(connector, spec);
                    }
                });
                // refused now rather than when Tomcat starts, where Boot reports a failed connector without the reason
                check(spec, new Connector(protocolClass(spec.gateway()).getName()));
            } else {
                Connector connector = new Connector(protocolClass(spec.gateway()).getName());
                configure(connector, spec);
                factory.addAdditionalConnectors(connector);
            }
        }
    }

    private void check(ListenerSpec spec, Connector scratch) {
        configureProtocol(scratch, spec);
        spec.refuseUnsafe(((AbstractCgiProtocol<?>) scratch.getProtocolHandler()).getAllowedPeers());
    }

    private void configure(Connector connector, ListenerSpec spec) {
        AbstractCgiProtocol<?> protocol = configureProtocol(connector, spec);
        spec.refuseUnsafe(protocol.getAllowedPeers());
        // Not setThrowOnFailure(true): Boot reports a thrown bind failure with its HTTP connector's port. A connector
        // left FAILED fails the start all the same (Boot checks every connector), reported with this one's port.
        if (spec.isUnix()) {
            spec.deleteStaleSocket();
            connector.setProperty("unixDomainSocketPath", spec.unixSocketPath().toString());
        } else {
            connector.setPort(spec.port());
        }
        connectors.add(new CgiwireConnectors.Entry(spec.gateway().key, spec.describe(),
                () -> openConnections(protocol), () -> requestCount(protocol), protocol.getMetrics()));
    }

    private static AbstractCgiProtocol<?> configureProtocol(Connector connector, ListenerSpec spec) {
        AbstractCgiProtocol<?> protocol = (AbstractCgiProtocol<?>) connector.getProtocolHandler();
        if (!spec.isUnix()) {
            try {
                protocol.setAddress(InetAddress.getByName(spec.address()));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(spec.gateway().property("address") + ": unknown host "
                        + spec.address(), e);
            }
        }
        protocol.setUnixSocketPermissions(spec.unixSocketPermissions());
        protocol.setAllowedPeers(spec.allowedPeers());
        protocol.setTrustRemoteUser(spec.properties().isTrustRemoteUser());
        protocol.setAllowedRequestAttributesPattern(spec.properties().getAllowedRequestAttributesPattern());
        protocol.setAuthorizerPath(spec.authorizerPath());
        Boolean multiplexing = spec.multiplexing();
        if (multiplexing != null) {
            ((FcgiNioProtocol) protocol).setMultiplexing(multiplexing);
        }
        protocol.setConnectionTimeout(Math.toIntExact(spec.idleTimeoutMillis()));
        spec.applyLimits(protocol.getLimits());
        return protocol;
    }

    /**
     * Tomcat's connection count includes the one its acceptor takes before it waits in accept(), unless the connector
     * is paused (then the acceptor waits before taking it); stopped, there is no count (-1).
     */
    private static long openConnections(AbstractCgiProtocol<?> protocol) {
        return Math.max(0, protocol.getConnectionCount() - (protocol.isPaused() ? 0 : 1));
    }

    private static long requestCount(AbstractCgiProtocol<?> protocol) {
        return protocol.getHandler() != null && protocol.getHandler().getGlobal() instanceof RequestGroupInfo global
                ? global.getRequestCount() : 0;
    }

    private static Class<?> protocolClass(Gateway gateway) {
        return gateway == Gateway.FCGI ? FcgiNioProtocol.class : ScgiNioProtocol.class;
    }
}
