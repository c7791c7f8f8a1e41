package io.cgiwire.spring.boot;

import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.Violation;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import java.util.function.ToLongFunction;
import org.springframework.context.ApplicationListener;

/**
 * {@code cgiwire.connections.active} and {@code cgiwire.requests} for each cgiwire connector, and what its sessions
 * counted ({@code cgiwire.violations} by {@code kind}, {@code cgiwire.refused.peers}, {@code cgiwire.aborts}, ...),
 * tagged with {@code protocol} (fcgi, scgi) and {@code listener} (its address). Bound once the application has started, as Boot
 * binds its Tomcat and Jetty meters: the connectors exist only once the web server does.
 */
final class CgiwireMetrics implements ApplicationListener<ApplicationStartedEvent> {
    private final CgiwireConnectors connectors;
    private final ObjectProvider<MeterRegistry> registry;

    /** @param registry Actuator's registry; without one (Micrometer on the class path, no Actuator) nothing is bound */
    CgiwireMetrics(CgiwireConnectors connectors, ObjectProvider<MeterRegistry> registry) {
        this.connectors = connectors;
        this.registry = registry;
    }

    @Override
    public void onApplicationEvent(ApplicationStartedEvent event) {
        registry.ifAvailable(this::bind);
    }

    private void bind(MeterRegistry registry) {
        for (CgiwireConnectors.Entry entry : connectors.entries()) {
            Tags tags = Tags.of("protocol", entry.protocol(), "listener", entry.listener());
            Gauge.builder("cgiwire.connections.active", entry.activeConnections(), s -> s.getAsLong())
                    .description("Connections from the web server open now").baseUnit("connections").tags(tags)
                    .register(registry);
            FunctionCounter.builder("cgiwire.requests", entry.requests(), s -> s.getAsLong())
                    .description("Requests received from the web server").baseUnit("requests").tags(tags)
                    .register(registry);
            GatewayMetrics metrics = entry.metrics();
            counter(registry, "cgiwire.refused.peers", "Connections refused: the peer is not in allowed-peers", tags,
                    metrics, GatewayMetrics::getRefusedPeers);
            counter(registry, "cgiwire.refused.requests", "Requests answered 4xx without the application", tags,
                    metrics, GatewayMetrics::getRefusedRequests);
            counter(registry, "cgiwire.aborts", "Requests the web server gave up on (FCGI_ABORT_REQUEST)", tags,
                    metrics, GatewayMetrics::getAborts);
            counter(registry, "cgiwire.multiplex.refusals", "Request ids refused with FCGI_CANT_MPX_CONN", tags,
                    metrics, GatewayMetrics::getMultiplexRefusals);
            counter(registry, "cgiwire.unknown.roles", "Requests refused with FCGI_UNKNOWN_ROLE", tags, metrics,
                    GatewayMetrics::getUnknownRoles);
            counter(registry, "cgiwire.head.timeouts", "Connections closed: variables later than header-read-timeout",
                    tags, metrics, GatewayMetrics::getHeadTimeouts);
            for (Violation violation : Violation.values()) {
                counter(registry, "cgiwire.violations", "Protocol violations, by kind", tags.and("kind",
                        violation.name()), metrics, m -> m.getViolations(violation));
            }
        }
    }

    private static void counter(MeterRegistry registry, String name, String description, Tags tags,
            GatewayMetrics metrics, ToLongFunction<GatewayMetrics> count) {
        FunctionCounter.builder(name, metrics, m -> count.applyAsLong(m)).description(description).tags(tags)
                .register(registry);
    }
}
