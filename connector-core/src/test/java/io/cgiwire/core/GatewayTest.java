package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.fcgi.FcgiSession;
import io.cgiwire.core.scgi.ScgiSession;
import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a connector holds once, and the sessions it starts. */
class GatewayTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 40000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 9000);

    @Test
    void fastCgiTakesTheWebServersFromTheEnvironment() {
        Gateway gateway = Gateway.fastCgi(new GatewayLimits(), Map.of("FCGI_WEB_SERVER_ADDRS", "10.0.0.1,10.0.0.2"));
        assertEquals("FastCGI", gateway.protocol());
        assertEquals("FastCGI", gateway.metrics().getProtocol());
        assertTrue(gateway.trust().allowsPeer("10.0.0.2"));
        assertFalse(gateway.trust().allowsPeer("10.0.0.3"));
        assertTrue(Gateway.fastCgi(new GatewayLimits(), Map.of()).trust().allowsPeer("10.0.0.3"));
        assertThrows(IllegalArgumentException.class,
                () -> Gateway.fastCgi(new GatewayLimits(), Map.of("FCGI_WEB_SERVER_ADDRS", "web.example")));
    }

    @Test
    void scgiIgnoresFastCgisEnvironment() {
        Gateway gateway = Gateway.scgi(new GatewayLimits());
        assertEquals("SCGI", gateway.protocol());
        assertEquals("SCGI", gateway.metrics().getProtocol());
        assertEquals("", gateway.trust().getAllowedPeers());
    }

    @Test
    void sessionsAreTheProtocolsAndCountedInTheGatewaysMetrics() {
        GatewayLimits limits = new GatewayLimits();
        Gateway fcgi = Gateway.fastCgi(limits, Map.of());
        assertSame(limits, fcgi.limits());
        GatewaySession session = fcgi.newSession(PEER, LOCAL, () -> 0L, 10, 10);
        assertInstanceOf(FcgiSession.class, session);
        assertEquals("FastCGI", session.protocol());
        assertEquals(1, fcgi.metrics().getConnections());
        assertInstanceOf(ScgiSession.class, Gateway.scgi(limits).newSession(null, null, () -> 0L, 0, 0));
    }

    @Test
    void settingsAreTheGatewaysAsBeanProperties() {
        Gateway gateway = Gateway.scgi(new GatewayLimits());
        GatewaySettings settings = () -> gateway;
        settings.setMaxParamsBytes(1234);
        settings.setAllowedPeers("10.0.0.0/8");
        assertEquals(1234, gateway.limits().getMaxParamsBytes());
        assertEquals("10.0.0.0/8", gateway.trust().getAllowedPeers());
        assertSame(gateway.metrics(), settings.getMetrics());
    }
}
