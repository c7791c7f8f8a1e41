package io.cgiwire.samples.it;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * JMX of a child JVM, as an operator reads it with jconsole: attached by process id, through the JVM's local
 * management agent (started on demand), with nothing configured in the child.
 */
final class Jmx implements AutoCloseable {
    private final JMXConnector connector;
    private final MBeanServerConnection server;

    private Jmx(JMXConnector connector) throws IOException {
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
    }

    static Jmx attach(long pid) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
        try {
            String address = vm.startLocalManagementAgent();
            return new Jmx(JMXConnectorFactory.connect(new JMXServiceURL(address)));
        } finally {
            vm.detach();
        }
    }

    Object get(ObjectName name, String attribute) throws IOException, JMException {
        return server.getAttribute(name, attribute);
    }

    long getLong(ObjectName name, String attribute) throws IOException, JMException {
        return ((Number) get(name, attribute)).longValue();
    }

    /** A TabularData attribute of String keys and long values (an MXBean's {@code Map<String, Long>}), as "K=v" lines. */
    List<String> entries(ObjectName name, String attribute) throws IOException, JMException {
        List<String> entries = new ArrayList<>();
        for (Object row : ((TabularData) get(name, attribute)).values()) {
            CompositeData data = (CompositeData) row;
            entries.add(data.get("key") + "=" + data.get("value"));
        }
        return entries;
    }

    Set<ObjectName> names(String pattern) throws IOException, JMException {
        return server.queryNames(new ObjectName(pattern), null);
    }

    @Override
    public void close() throws IOException {
        connector.close();
    }
}
