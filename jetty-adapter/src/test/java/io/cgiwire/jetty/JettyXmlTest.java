package io.cgiwire.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.RawClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.xml.XmlConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped Jetty XML, applied as start.jar applies it: every Set and Arg must match a real method. */
class JettyXmlTest {
    private static final Path CONFIG = Path.of("src/main/config");

    private static Server apply(Path xml, Map<String, String> properties) throws Exception {
        Server server = new Server();
        XmlConfiguration configuration = new XmlConfiguration(ResourceFactory.root().newResource(xml));
        configuration.getIdMap().put("Server", server);
        configuration.getIdMap().put("httpConfig", new HttpConfiguration());
        configuration.getProperties().putAll(properties);
        configuration.configure(server);
        return server;
    }

    @Test
    void moduleXmlDefaultsToLoopbackWithDefaultLimits() throws Exception {
        Server server = apply(CONFIG.resolve("etc/cgiwire-fcgi.xml"), Map.of());
        ServerConnector connector = assertInstanceOf(ServerConnector.class, server.getConnectors()[0]);
        assertEquals("127.0.0.1", connector.getHost());
        assertEquals(9000, connector.getPort());
        assertEquals(60000, connector.getIdleTimeout());
        FcgiConnectionFactory factory = connector.getConnectionFactory(FcgiConnectionFactory.class);
        assertEquals(65536, factory.getLimits().getMaxParamsBytes());
        assertEquals("", factory.getAllowedPeers());
        assertEquals(null, factory.getAuthorizerPath(), "the Authorizer role is off by default");
    }

    @Test
    void moduleXmlTakesTheAuthorizerPath() throws Exception {
        Server server = apply(CONFIG.resolve("etc/cgiwire-fcgi.xml"),
                Map.of("jetty.cgiwire.fcgi.authorizerPath", "/authorize"));
        FcgiConnectionFactory factory = server.getConnectors()[0].getConnectionFactory(FcgiConnectionFactory.class);
        assertEquals("/authorize", factory.getAuthorizerPath());
    }

    @Test
    void moduleXmlTakesEveryProperty() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("jetty.cgiwire.scgi.host", "0.0.0.0");
        p.put("jetty.cgiwire.scgi.port", "4123");
        p.put("jetty.cgiwire.scgi.idleTimeout", "12345");
        p.put("jetty.cgiwire.scgi.allowedPeers", "10.0.0.0/8, 127.0.0.1");
        p.put("jetty.cgiwire.scgi.maxParamsBytes", "1000");
        p.put("jetty.cgiwire.scgi.maxParamsCount", "10");
        p.put("jetty.cgiwire.scgi.maxParamNameLength", "11");
        p.put("jetty.cgiwire.scgi.maxParamValueLength", "12");
        p.put("jetty.cgiwire.scgi.maxScgiHeaderBytes", "1300");
        p.put("jetty.cgiwire.scgi.maxNetstringDigits", "4");
        p.put("jetty.cgiwire.scgi.maxMultiplexedRequests", "2");
        p.put("jetty.cgiwire.scgi.headerReadTimeout", "1500");
        Server server = apply(CONFIG.resolve("etc/cgiwire-scgi.xml"), p);
        ServerConnector connector = assertInstanceOf(ServerConnector.class, server.getConnectors()[0]);
        assertEquals("0.0.0.0", connector.getHost());
        assertEquals(4123, connector.getPort());
        assertEquals(12345, connector.getIdleTimeout());
        ScgiConnectionFactory factory = connector.getConnectionFactory(ScgiConnectionFactory.class);
        assertEquals("10.0.0.0/8, 127.0.0.1", factory.getAllowedPeers());
        assertEquals("GatewayLimits{maxParamsBytes=1000, maxParamsCount=10, maxParamNameLength=11, "
                + "maxParamValueLength=12, maxScgiHeaderBytes=1300, maxNetstringDigits=4, maxMultiplexedRequests=2, "
                + "headerReadTimeout=1500}",
                factory.getLimits().toString());
    }

    @Test
    void moduleXmlListensOnAUnixSocketWhenGivenAPath(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("fcgi.sock");
        Server server = apply(CONFIG.resolve("etc/cgiwire-fcgi.xml"),
                Map.of("jetty.cgiwire.fcgi.unixSocketPath", socket.toString()));
        UnixDomainServerConnector connector = assertInstanceOf(UnixDomainServerConnector.class,
                server.getConnectors()[0]);
        assertEquals(socket, connector.getUnixDomainPath());
    }

    /** Like Tomcat's AJP connector since CVE-2020-1938: no open port without naming who may use it. */
    @Test
    void refusesToStartOnEveryInterfaceWithoutAllowedPeers() throws Exception {
        Server server = apply(CONFIG.resolve("etc/cgiwire-fcgi.xml"),
                Map.of("jetty.cgiwire.fcgi.host", "0.0.0.0", "jetty.cgiwire.fcgi.port", "0"));
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, server::start);
        server.stop();
        Throwable cause = e instanceof IllegalStateException ? e : e.getCause();
        assertInstanceOf(IllegalStateException.class, cause, e::toString);
        assertTrue(cause.getMessage().contains("every interface") || cause.getMessage().contains("0.0.0.0"),
                cause.getMessage());
        assertTrue(cause.getMessage().contains("jetty.cgiwire.fcgi.allowedPeers"), cause.getMessage());

        Server allowed = apply(CONFIG.resolve("etc/cgiwire-fcgi.xml"), Map.of("jetty.cgiwire.fcgi.host", "0.0.0.0",
                "jetty.cgiwire.fcgi.port", "0", "jetty.cgiwire.fcgi.allowedPeers", "127.0.0.1"));
        allowed.start();
        allowed.stop();
    }

    /**
     * The refusal comes before Jetty binds: Jetty's Server opens every connector before it starts any, and a port
     * bound then would accept connections (into its backlog) until the process exits.
     */
    @Test
    void aRefusedConnectorNeverListens() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Server server = apply(CONFIG.resolve("etc/cgiwire-fcgi.xml"),
                Map.of("jetty.cgiwire.fcgi.host", "0.0.0.0", "jetty.cgiwire.fcgi.port", Integer.toString(port)));
        java.util.List<Boolean> openWhileStarting = new java.util.ArrayList<>();
        server.addEventListener(new org.eclipse.jetty.util.component.LifeCycle.Listener() {
            @Override
            public void lifeCycleFailure(org.eclipse.jetty.util.component.LifeCycle event, Throwable cause) {
                openWhileStarting.add(((org.eclipse.jetty.server.NetworkConnector) server.getConnectors()[0])
                        .isOpen());
            }
        });
        assertThrows(Exception.class, server::start);
        try (java.net.Socket s = new java.net.Socket()) {
            assertThrows(java.net.ConnectException.class,
                    () -> s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000));
        } finally {
            server.stop();
        }
        assertEquals(java.util.List.of(false), openWhileStarting);
    }

    /** Built in code, the connector is checked as it starts: after Jetty's server opened it, so it is closed. */
    @Test
    void aConnectorBuiltInCodeIsRefusedAndClosed() throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Server server = new Server();
        org.eclipse.jetty.server.ServerConnector connector = new org.eclipse.jetty.server.ServerConnector(server,
                new FcgiConnectionFactory());
        connector.setPort(port);
        server.addConnector(connector);
        Exception e = assertThrows(Exception.class, server::start);
        try (java.net.Socket s = new java.net.Socket()) {
            assertThrows(java.net.ConnectException.class,
                    () -> s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000));
        } finally {
            server.stop();
        }
        Throwable cause = e instanceof IllegalStateException ? e : e.getCause();
        assertTrue(cause != null && cause.getMessage().contains("every interface"), e::toString);
    }

    @Test
    void unixSocketGetsItsPermissionsAndConnectionsTheirLimit(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("scgi.sock");
        Server server = apply(CONFIG.resolve("etc/cgiwire-scgi.xml"), Map.of(
                "jetty.cgiwire.scgi.unixSocketPath", socket.toString(),
                "jetty.cgiwire.scgi.unixSocketPermissions", "rw-rw----",
                "jetty.cgiwire.scgi.maxConnections", "7"));
        server.start();
        try {
            assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(socket)));
            org.eclipse.jetty.server.NetworkConnectionLimit limit = server.getConnectors()[0]
                    .getBean(org.eclipse.jetty.server.NetworkConnectionLimit.class);
            assertEquals(7, limit.getMaxNetworkConnectionCount());
        } finally {
            server.stop();
        }
    }

    @Test
    void moduleXmlInheritsTheChannelWhenAsked() throws Exception {
        Server server = apply(CONFIG.resolve("etc/cgiwire-fcgi.xml"),
                Map.of("jetty.cgiwire.fcgi.inheritChannel", "true"));
        assertTrue(assertInstanceOf(ServerConnector.class, server.getConnectors()[0]).isInheritChannel());
    }

    /** The example for hand-written Jetty XML starts and serves on both connectors. */
    @Test
    void exampleXmlStarts(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("scgi.sock");
        String xml = Files.readString(CONFIG.resolve("examples/jetty-cgiwire.xml"))
                .replace("<Set name=\"port\">9000</Set>", "<Set name=\"port\">0</Set>");
        Path copy = dir.resolve("jetty-cgiwire.xml");
        Files.writeString(copy, xml);
        Server server = apply(copy, Map.of("cgiwire.scgi.socket", socket.toString()));
        server.start();
        try {
            Connector[] connectors = server.getConnectors();
            assertEquals("127.0.0.1, ::1", connectors[0].getConnectionFactory(FcgiConnectionFactory.class)
                    .getAllowedPeers());
            assertTrue(Files.exists(socket));
            try (RawClient c = new RawClient(((ServerConnector) connectors[0]).getLocalPort())) {
                c.write(RawClient.request(1, 0, RawClient.get("/"), new byte[0]));
                assertEquals(404, c.readResponse(1).status());
            }
        } finally {
            server.stop();
        }
    }
}
