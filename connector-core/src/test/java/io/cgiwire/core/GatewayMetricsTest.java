package io.cgiwire.core;

import static io.cgiwire.core.GatewaySessionAssertions.concat;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_ABORT_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_AUTHORIZER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewaySessionAssertions.Adapter;
import io.cgiwire.core.GatewaySessionAssertions.Driver;
import io.cgiwire.core.GatewaySessionAssertions.FakeClock;
import io.cgiwire.core.fcgi.FcgiSession;
import io.cgiwire.core.scgi.ScgiSession;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import org.junit.jupiter.api.Test;

/** What the sessions count, and the counters as JMX shows them. */
class GatewayMetricsTest {
    /** Serves every request at once with "hi"; completes an aborted one. */
    private static final Adapter SERVE = (event, d) -> {
        if (event instanceof GatewayEvent.BodyEnd) {
            d.respond("hi");
            d.complete(false);
        } else if (event instanceof GatewayEvent.Abort) {
            d.complete(true);
        }
    };

    private final GatewayMetrics metrics = new GatewayMetrics("FastCGI");

    private FcgiSession fcgi() {
        GatewayLimits limits = new GatewayLimits();
        // One request in flight and none waiting: a second id is refused with FCGI_CANT_MPX_CONN.
        limits.setMaxMultiplexedRequests(2);
        return new FcgiSession(limits, new GatewayTrust(), metrics, null, null, new FakeClock(), 1, 1);
    }

    @Test
    void aFastCgiConnectionCountsEachDecision() throws ProtocolException {
        Map<String, String> badHost = RawClient.get("/hello");
        badHost.put("HTTP_HOST", "bad host");
        byte[] abort = new byte[] {1, (byte) FCGI_ABORT_REQUEST, 0, 1, 0, 0, 0, 0};
        Driver d = new Driver(fcgi(), SERVE);
        d.read(concat(
                RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/a"), new byte[0]),
                RawClient.request(1, FCGI_KEEP_CONN, badHost, new byte[0]),
                RawClient.begin(1, FCGI_AUTHORIZER, FCGI_KEEP_CONN),
                RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
                RawClient.params(1, RawClient.post("/b", 10)),
                RawClient.begin(2, FCGI_RESPONDER, FCGI_KEEP_CONN),
                abort));

        assertEquals(1, metrics.getConnections());
        assertEquals(2, metrics.getRequests(), "the GET and the POST reached the container");
        assertEquals(1, metrics.getRefusedRequests(), "the bad Host was answered without it");
        assertEquals(1, metrics.getUnknownRoles());
        assertEquals(1, metrics.getMultiplexRefusals());
        assertEquals(1, metrics.getAborts());
        assertEquals(1, metrics.getViolations(Violation.CGI_BAD_HOST));
        assertEquals(Map.of("CGI_BAD_HOST", 1L), metrics.getViolationsByKind());
        assertEquals(0, metrics.getHeadTimeouts());
    }

    @Test
    void aViolationThrownAgainIsCountedOnce() {
        Driver d = new Driver(fcgi(), SERVE);
        byte[] badVersion = RawClient.begin(1, FCGI_RESPONDER, 0);
        badVersion[0] = 9;
        ProtocolException first = assertThrows(ProtocolException.class, () -> d.read(badVersion));
        assertSame(first, assertThrows(ProtocolException.class, () -> d.session.next(ByteBuffer.allocate(8))));
        assertSame(first, assertThrows(ProtocolException.class, d.session::endOfInput));
        assertEquals(1, metrics.getViolations());
        assertEquals(1, metrics.getViolations(Violation.FCGI_BAD_VERSION));
    }

    @Test
    void aCutRecordAtTheEndOfInputIsAViolation() throws ProtocolException {
        Driver d = new Driver(fcgi(), SERVE);
        d.read(new byte[] {1, 1, 0});
        assertThrows(ProtocolException.class, d.session::endOfInput);
        assertEquals(Map.of("PREMATURE_END", 1L), metrics.getViolationsByKind());
    }

    @Test
    void theHeadTimeoutIsCountedWhenTheAdapterActsOnIt() {
        FcgiSession session = fcgi();
        assertTrue(session.headPending());
        session.headTimedOut();
        assertEquals(1, metrics.getHeadTimeouts());
    }

    @Test
    void anScgiRequestRefusedByTheContainerAndABrokenNetstring() throws ProtocolException {
        GatewayMetrics scgiMetrics = new GatewayMetrics("SCGI");
        Driver d = new Driver(new ScgiSession(new GatewayLimits(), new GatewayTrust(), scgiMetrics, null, null,
                new FakeClock()), (event, driver) -> {
                    if (event instanceof GatewayEvent.Request) {
                        driver.refuse(400, "bad request target");
                    }
                });
        d.read(RawClient.scgi(RawClient.get("/x"), new byte[0]));
        assertEquals(1, scgiMetrics.getRequests());
        assertEquals(1, scgiMetrics.getRefusedRequests());

        Driver broken = new Driver(new ScgiSession(new GatewayLimits(), new GatewayTrust(), scgiMetrics, null, null,
                new FakeClock()), SERVE);
        assertThrows(ProtocolException.class, () -> broken.read("x:".getBytes()));
        assertEquals(2, scgiMetrics.getConnections());
        assertEquals(Map.of("SCGI_BAD_NETSTRING_LENGTH", 1L), scgiMetrics.getViolationsByKind());
    }

    @Test
    void aRefusedPeerIsCountedAndSaidOnce() {
        Gateway gateway = Gateway.fastCgi(new GatewayLimits(), Map.of());
        GatewaySettings settings = () -> gateway;
        assertNull(settings.refusePeer("192.0.2.1"), "no allowed peers named: everyone");
        settings.setAllowedPeers("10.0.0.0/8");
        assertNull(settings.refusePeer("10.1.2.3"));
        assertNull(settings.refusePeer(null), "a Unix-domain peer is not checked");
        assertEquals("192.0.2.1: refused: not in allowedPeers [10.0.0.0/8]", settings.refusePeer("192.0.2.1"));
        assertEquals("peer.example: refused: not in allowedPeers [10.0.0.0/8]", settings.refusePeer("peer.example"),
                "a name is never looked up");
        assertEquals(2, gateway.metrics().getRefusedPeers());
    }

    @Test
    void registeredCountersAreReadableOverJmxUntilUnregistered() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        Driver d = new Driver(fcgi(), SERVE);
        byte[] badVersion = RawClient.begin(1, FCGI_RESPONDER, 0);
        badVersion[0] = 9;
        assertThrows(ProtocolException.class, () -> d.read(badVersion));

        ObjectName name = metrics.register("127.0.0.1:19000");
        try {
            assertEquals(new ObjectName("io.cgiwire:type=GatewayMetrics,protocol=fcgi,name=\"127.0.0.1:19000\""),
                    name);
            assertEquals("FastCGI", server.getAttribute(name, "Protocol"));
            assertEquals(1L, server.getAttribute(name, "Connections"));
            assertEquals(1L, server.getAttribute(name, "Violations"));
            TabularData byKind = (TabularData) server.getAttribute(name, "ViolationsByKind");
            CompositeData row = byKind.get(new Object[] {"FCGI_BAD_VERSION"});
            assertEquals(1L, row.get("value"));

            // A connector restarted on the same address replaces the counters registered there.
            GatewayMetrics restarted = new GatewayMetrics("FastCGI");
            assertEquals(name, restarted.register("127.0.0.1:19000"));
            assertEquals(0L, server.getAttribute(name, "Connections"));
            restarted.unregister();
        } finally {
            metrics.unregister();
        }
        assertFalse(server.isRegistered(name));
    }
}
