package io.cgiwire.spring.boot;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.jetty.CgiConnectionFactory;
import io.cgiwire.jetty.CgiConnectors;
import io.cgiwire.jetty.FcgiConnectionFactory;
import io.cgiwire.jetty.ScgiConnectionFactory;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.springframework.boot.jetty.JettyWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/**
 * Adds a Jetty connector with cgiwire's {@link FcgiConnectionFactory} or {@link ScgiConnectionFactory} for each active
 * listener, next to Boot's HTTP connector, through a Jetty server customizer. With {@code server.port} negative, Boot
 * would start no connector at all; the HTTP connector is then left out and only the cgiwire ones start.
 */
final class JettyCgiwireCustomizer implements WebServerFactoryCustomizer<JettyWebServerFactory>, Ordered {
    private static final Log log = LogFactory.getLog(JettyCgiwireCustomizer.class);
    private static final String UNIX_CONNECTOR = "org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector";

    private final CgiwireProperties properties;
    private final CgiwireConnectors connectors;
    private final ClassLoader classLoader;

    /** @param classLoader the application's, where jetty-unixdomain-server would be */
    JettyCgiwireCustomizer(CgiwireProperties properties, CgiwireConnectors connectors, ClassLoader classLoader) {
        this.properties = properties;
        this.connectors = connectors;
        this.classLoader = classLoader;
    }

    /** After Boot's own customizers, which set the port from server.port. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public void customize(JettyWebServerFactory factory) {
        List<ListenerSpec> specs = ListenerSpec.of(properties);
        if (specs.isEmpty()) {
            return;
        }
        // refused now, before Jetty is built, with the properties' names
        for (ListenerSpec spec : specs) {
            spec.refuseUnsafe(newFactory(spec).getAllowedPeers());
            if (spec.isUnix() && !ClassUtils.isPresent(UNIX_CONNECTOR, classLoader)) {
                throw new IllegalStateException(spec.gateway().property("unix-socket-path") + " on Jetty needs"
                        + " org.eclipse.jetty:jetty-unixdomain-server on the class path");
            }
        }
        // Boot starts its connectors only for a port of 0 or more: the HTTP one it then builds is removed below.
        boolean withoutHttp = factory.getPort() < 0;
        if (withoutHttp) {
            factory.setPort(0);
        }
        for (int i = 0; i < specs.size(); i++) {
            log.info(specs.get(i).logLine("Jetty", withoutHttp && i == 0));
        }
        factory.addServerCustomizers(server -> {
            if (withoutHttp) {
                for (Connector http : server.getConnectors()) {
                    server.removeConnector(http);
                }
            }
            Map<Connector, LongAdder> requests = new IdentityHashMap<>();
            for (ListenerSpec spec : specs) {
                Connector connector = connector(server, spec);
                server.addConnector(connector);
                LongAdder count = new LongAdder();
                requests.put(connector, count);
                connectors.add(new CgiwireConnectors.Entry(spec.gateway().key, spec.describe(),
                        () -> connector.getConnectedEndPoints().size(), count::sum,
                        connector.getConnectionFactory(CgiConnectionFactory.class).getMetrics()));
            }
            server.setHandler(new RequestCounter(server.getHandler(), Map.copyOf(requests)));
        });
    }

    private static CgiConnectionFactory newFactory(ListenerSpec spec) {
        HttpConfiguration http = new HttpConfiguration();
        // as on Boot's HTTP connector: no Server header
        http.setSendServerVersion(false);
        GatewayLimits limits = new GatewayLimits();
        spec.applyLimits(limits);
        CgiConnectionFactory factory = spec.gateway() == Gateway.FCGI ? new FcgiConnectionFactory(http, limits)
                : new ScgiConnectionFactory(http, limits);
        factory.setAllowedPeers(spec.allowedPeers());
        factory.setTrustRemoteUser(spec.properties().isTrustRemoteUser());
        factory.setAllowedRequestAttributesPattern(spec.properties().getAllowedRequestAttributesPattern());
        factory.setAuthorizerPath(spec.authorizerPath());
        Boolean multiplexing = spec.multiplexing();
        if (multiplexing != null) {
            ((FcgiConnectionFactory) factory).setMultiplexing(multiplexing);
        }
        return factory;
    }

    private static Connector connector(Server server, ListenerSpec spec) {
        if (spec.isUnix()) {
            spec.deleteStaleSocket();
        }
        Connector connector = CgiConnectors.newConnector(server, newFactory(spec), -1, -1,
                spec.isUnix() ? null : spec.address(), spec.port(),
                spec.isUnix() ? spec.unixSocketPath().toString() : null, spec.unixSocketPermissions(), false,
                spec.idleTimeoutMillis(), 0, 0);
        // the name Boot's jetty.connections.* meters are tagged with (connector.name)
        ((AbstractConnector) connector).setName("cgiwire-" + spec.gateway().key);
        return connector;
    }

    /** Counts the requests that came through each cgiwire connector, then hands them on. */
    private static final class RequestCounter extends Handler.Wrapper {
        private final Map<Connector, LongAdder> counts;

        RequestCounter(Handler handler, Map<Connector, LongAdder> counts) {
            super(handler);
            this.counts = counts;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            LongAdder count = counts.get(request.getConnectionMetaData().getConnector());
            if (count != null) {
                count.increment();
            }
            return super.handle(request, response, callback);
        }
    }
}
