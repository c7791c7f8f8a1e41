package io.cgiwire.spring.boot;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.ApplicationListener;

/**
 * {@code cgiwire.connections.active} and {@code cgiwire.requests} for each cgiwire connector, tagged with
 * {@code protocol} (fcgi, scgi) and {@code listener} (its address). Bound once the application has started, as Boot
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
        }
    }
}
