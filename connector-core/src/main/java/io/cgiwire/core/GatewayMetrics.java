package io.cgiwire.core;

import java.lang.management.ManagementFactory;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * What one connector's sessions counted, for both containers alike: its sessions count as they decide, the adapter
 * only creates this and {@link #register registers} it with JMX. Thread-safe; counters never reset.
 *
 * <p>Each counter is an attribute of the {@link GatewayMetricsMXBean}, under
 * {@code io.cgiwire:type=GatewayMetrics,protocol=fcgi|scgi,name="<connector>"}.
 */
public final class GatewayMetrics implements GatewayMetricsMXBean {
    /** The JMX domain the counters are registered in. */
    public static final String DOMAIN = "io.cgiwire";

    private static final Violation[] VIOLATIONS = Violation.values();
    /** Whose counters are registered under each name: a connector replaced under its name never unregisters the new. */
    private static final Map<ObjectName, GatewayMetrics> REGISTERED = new ConcurrentHashMap<>();

    private final String protocol;
    private final LongAdder connections = new LongAdder();
    private final LongAdder refusedPeers = new LongAdder();
    private final LongAdder requests = new LongAdder();
    private final LongAdder refusedRequests = new LongAdder();
    private final LongAdder aborts = new LongAdder();
    private final LongAdder multiplexRefusals = new LongAdder();
    private final LongAdder unknownRoles = new LongAdder();
    private final LongAdder headTimeouts = new LongAdder();
    private final AtomicLongArray violations = new AtomicLongArray(VIOLATIONS.length);
    private ObjectName registered;

    /** @param protocol the protocol's name, as the session gives it: "FastCGI" or "SCGI" */
    public GatewayMetrics(String protocol) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
    }

    @Override
    public String getProtocol() {
        return protocol;
    }

    @Override
    public long getConnections() {
        return connections.sum();
    }

    @Override
    public long getRefusedPeers() {
        return refusedPeers.sum();
    }

    @Override
    public long getRequests() {
        return requests.sum();
    }

    @Override
    public long getRefusedRequests() {
        return refusedRequests.sum();
    }

    @Override
    public long getAborts() {
        return aborts.sum();
    }

    @Override
    public long getMultiplexRefusals() {
        return multiplexRefusals.sum();
    }

    @Override
    public long getUnknownRoles() {
        return unknownRoles.sum();
    }

    @Override
    public long getHeadTimeouts() {
        return headTimeouts.sum();
    }

    @Override
    public long getViolations() {
        long sum = 0;
        for (int i = 0; i < violations.length(); i++) {
            sum += violations.get(i);
        }
        return sum;
    }

    @Override
    public Map<String, Long> getViolationsByKind() {
        Map<String, Long> byKind = new LinkedHashMap<>();
        for (int i = 0; i < violations.length(); i++) {
            long n = violations.get(i);
            if (n > 0) {
                byKind.put(VIOLATIONS[i].name(), n);
            }
        }
        return Collections.unmodifiableMap(byKind);
    }

    /** How many times {@code violation} was found. */
    public long getViolations(Violation violation) {
        return violations.get(violation.ordinal());
    }

    void connectionOpened() {
        connections.increment();
    }

    void peerRefused() {
        refusedPeers.increment();
    }

    void requestStarted() {
        requests.increment();
    }

    /** A request answered without the container: bad variables, or a target the container refused. */
    void requestRefused() {
        refusedRequests.increment();
    }

    void aborted() {
        aborts.increment();
    }

    void multiplexRefused() {
        multiplexRefusals.increment();
    }

    void unknownRole() {
        unknownRoles.increment();
    }

    void headTimedOut() {
        headTimeouts.increment();
    }

    void violated(Violation violation) {
        violations.incrementAndGet(violation.ordinal());
    }

    /**
     * Registers these counters with the platform MBean server as
     * {@code io.cgiwire:type=GatewayMetrics,protocol=...,name="<connector>"}, replacing counters registered under that
     * name before (a connector restarted on the same address). Once: later calls do nothing until {@link #unregister}.
     *
     * @param connector the connector's name, unique in the process: its address, as "127.0.0.1:9000" or a socket path
     * @return the name registered under
     * @throws IllegalStateException if JMX refuses the registration
     */
    public synchronized ObjectName register(String connector) {
        if (registered != null) {
            return registered;
        }
        try {
            ObjectName name = objectName(protocol, connector);
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            try {
                server.registerMBean(this, name);
            } catch (InstanceAlreadyExistsException x) {
                server.unregisterMBean(name);
                server.registerMBean(this, name);
            }
            REGISTERED.put(name, this);
            registered = name;
            return name;
        } catch (JMException x) {
            throw new IllegalStateException("cannot register the " + protocol + " metrics of " + connector, x);
        }
    }

    /** Removes the registration {@link #register} made, if any. */
    public synchronized void unregister() {
        if (registered == null) {
            return;
        }
        if (REGISTERED.remove(registered, this)) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(registered);
            } catch (JMException x) {
                // Unregistered by someone else already.
            }
        }
        registered = null;
    }

    /** {@code io.cgiwire:type=GatewayMetrics,protocol=fcgi,name="127.0.0.1:9000"}. */
    public static ObjectName objectName(String protocol, String connector) {
        try {
            return new ObjectName(DOMAIN + ":type=GatewayMetrics,protocol="
                    + ("SCGI".equalsIgnoreCase(protocol) ? "scgi" : "fcgi") + ",name=" + ObjectName.quote(connector));
        } catch (javax.management.MalformedObjectNameException x) {
            throw new IllegalArgumentException(x);
        }
    }

    @Override
    public String toString() {
        return protocol + " metrics: " + getConnections() + " connections, " + getRequests() + " requests, "
                + getViolations() + " violations";
    }
}
