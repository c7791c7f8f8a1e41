package io.cgiwire.spring.boot;

import io.cgiwire.core.GatewayMetrics;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * The cgiwire connectors the container was given, as the customizers add them: what the meters read, and what a
 * test or an application may look at.
 */
public final class CgiwireConnectors {

    /**
     * One connector.
     *
     * @param protocol "fcgi" or "scgi"
     * @param listener where it listens, e.g. {@code 127.0.0.1:9000} or {@code unix:/run/app/fcgi.sock}
     * @param activeConnections the connections open now
     * @param requests the requests served so far
     * @param metrics what the connector's sessions counted (violations, refused peers, aborts, ...)
     */
    public record Entry(String protocol, String listener, LongSupplier activeConnections, LongSupplier requests,
            GatewayMetrics metrics) {
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    void add(Entry entry) {
        entries.add(entry);
    }

    /** The connectors added so far, FastCGI first. */
    public List<Entry> entries() {
        return List.copyOf(entries);
    }
}
