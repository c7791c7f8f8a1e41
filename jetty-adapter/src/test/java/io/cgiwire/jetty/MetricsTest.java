package io.cgiwire.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.RawClient;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ConnectionStatistics;
import org.eclipse.jetty.server.ConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Jetty's ConnectionStatistics sees our bytes and messages; cgiwire's counters are in JMX while the connector runs. */
@Timeout(30)
class MetricsTest extends ConnectionTestBase {
    private final FcgiConnectionFactory factory = new FcgiConnectionFactory();

    @Override
    protected ConnectionFactory factory() {
        return factory;
    }

    @Test
    void connectionStatisticsCountsBytesAndMessages() throws Exception {
        ConnectionStatistics statistics = new ConnectionStatistics();
        connector.addBean(statistics);
        statistics.start();
        // Jetty calls a connection's listeners in the order they were added, on the closing thread: once this one has
        // run, the statistics have taken the connection's counts. (Its connection count drops before they do.)
        CountDownLatch recorded = new CountDownLatch(1);
        connector.addBean(new Connection.Listener() {
            @Override
            public void onClosed(Connection connection) {
                recorded.countDown();
            }
        });
        byte[] request = RawClient.request(1, 1, RawClient.post("/echo", 5), "hello".getBytes());
        byte[] second = RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]);
        try (RawClient c = client()) {
            c.write(request);
            assertEquals("hello", c.readResponse(1).text());
            c.write(second);
            assertEquals("Hello\n", c.readResponse(1).text());
            assertTrue(c.closedByServer());
        }
        // The statistics are taken as the connection closes, on Jetty's side.
        assertTrue(recorded.await(5, TimeUnit.SECONDS), "the connection closed");
        assertEquals(1, statistics.getConnectionsTotal());
        assertEquals(request.length + second.length, statistics.getReceivedBytes());
        assertEquals(2, statistics.getReceivedMessages());
        assertEquals(2, statistics.getSentMessages());
        assertTrue(statistics.getSentBytes() > "helloHello\n".length(), "sent " + statistics.getSentBytes());
    }

    @Test
    void theCountersAreRegisteredUnderTheConnectorsAddressWhileItRuns() throws Exception {
        MBeanServer jmx = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = GatewayMetrics.objectName("FastCGI", "127.0.0.1:" + connector.getLocalPort());
        assertTrue(jmx.isRegistered(name), name + " registered");
        byte[] badVersion = RawClient.begin(1, 1, 0);
        badVersion[0] = 9;
        try (RawClient c = client()) {
            c.write(RawClient.request(1, 1, RawClient.get("/hello"), new byte[0]));
            assertEquals(200, c.readResponse(1).status());
        }
        try (RawClient c = client()) {
            c.write(badVersion);
            assertTrue(c.closedByServer());
        }
        factory.setAllowedPeers("192.0.2.1");
        try (RawClient c = client()) {
            assertTrue(c.closedByServer());
        }
        assertEquals(2L, jmx.getAttribute(name, "Connections"));
        assertEquals(1L, jmx.getAttribute(name, "Requests"));
        assertEquals(1L, jmx.getAttribute(name, "RefusedPeers"));
        assertEquals(Map.of("FCGI_BAD_VERSION", 1L), factory.getMetrics().getViolationsByKind());
        server.stop();
        assertFalse(jmx.isRegistered(name), name + " unregistered with its connector");
    }
}
