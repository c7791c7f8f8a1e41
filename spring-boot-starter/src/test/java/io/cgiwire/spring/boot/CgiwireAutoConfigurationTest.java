package io.cgiwire.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.jetty.FcgiConnectionFactory;
import io.cgiwire.jetty.ScgiConnectionFactory;
import io.cgiwire.tomcat.AbstractCgiProtocol;
import io.cgiwire.tomcat.FcgiNioProtocol;
import io.cgiwire.tomcat.ScgiNioProtocol;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.catalina.connector.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.boot.jetty.JettyWebServer;
import org.springframework.boot.jetty.autoconfigure.servlet.JettyServletWebServerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.tomcat.ConnectorStartFailedException;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.boot.web.server.servlet.context.ServletWebServerApplicationContext;
import org.springframework.util.unit.DataSize;

class CgiwireAutoConfigurationTest {

    private final WebApplicationContextRunner tomcat = runner(TomcatServletWebServerAutoConfiguration.class);
    private final WebApplicationContextRunner jetty = runner(JettyServletWebServerAutoConfiguration.class);

    @TempDir
    Path tmp;

    private static WebApplicationContextRunner runner(Class<?> container) {
        return new WebApplicationContextRunner(AnnotationConfigServletWebServerApplicationContext::new)
                .withConfiguration(AutoConfigurations.of(container, CgiwireAutoConfiguration.class))
                .withPropertyValues("server.port=0", "server.address=127.0.0.1");
    }

    @Test
    void nothingSetAddsNoConnector() {
        tomcat.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(tomcatConnectors(context)).extracting(c -> c.getProtocolHandler().getClass().getSimpleName())
                    .containsExactly("Http11NioProtocol");
        });
        jetty.run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(jettyServer(context).getConnectors()).hasSize(1);
            assertThat(jettyServer(context).getConnectors()[0].getProtocols()).doesNotContain(
                    FcgiConnectionFactory.PROTOCOL, ScgiConnectionFactory.PROTOCOL);
        });
    }

    @Test
    void tomcatFcgiPortAloneAddsFcgiOnLoopbackNextToHttp() {
        int port = freePort();
        tomcat.withPropertyValues("cgiwire.fcgi.port=" + port).run(context -> {
            assertThat(context).hasNotFailed();
            List<Connector> connectors = tomcatConnectors(context);
            assertThat(connectors).hasSize(2);
            assertThat(connectors.get(0).getProtocolHandler().getClass().getSimpleName()).isEqualTo("Http11NioProtocol");
            Connector fcgi = connectors.get(1);
            assertThat(fcgi.getProtocolHandler()).isInstanceOf(FcgiNioProtocol.class);
            assertThat(((AbstractCgiProtocol<?>) fcgi.getProtocolHandler()).getAddress())
                    .isEqualTo(InetAddress.getByName("127.0.0.1"));
            assertThat(fcgi.getLocalPort()).isEqualTo(port);
            assertThat(accepts(port)).isTrue();
        });
    }

    @Test
    void jettyFcgiPortAloneAddsFcgiOnLoopbackNextToHttp() {
        int port = freePort();
        jetty.withPropertyValues("cgiwire.fcgi.port=" + port).run(context -> {
            assertThat(context).hasNotFailed();
            Server server = jettyServer(context);
            assertThat(server.getConnectors()).hasSize(2);
            NetworkConnector fcgi = (NetworkConnector) server.getConnectors()[1];
            assertThat(fcgi.getProtocols()).containsExactly(FcgiConnectionFactory.PROTOCOL);
            assertThat(fcgi.getHost()).isEqualTo("127.0.0.1");
            assertThat(fcgi.getLocalPort()).isEqualTo(port);
            assertThat(accepts(port)).isTrue();
        });
    }

    @Test
    void serverPortMinusOneLeavesOnlyTheCgiwireConnectorsOnTomcat() {
        int[] ports = {freePort(), freePort()};
        tomcat.withPropertyValues("server.port=-1", "cgiwire.fcgi.port=" + ports[0], "cgiwire.scgi.port=" + ports[1])
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(tomcatConnectors(context)).extracting(c -> (Object) c.getProtocolHandler().getClass())
                            .containsExactly(FcgiNioProtocol.class, ScgiNioProtocol.class);
                    assertThat(tomcatConnectors(context)).extracting(Connector::getLocalPort)
                            .containsExactly(ports[0], ports[1]);
                    assertThat(accepts(ports[0]) && accepts(ports[1])).isTrue();
                });
    }

    @Test
    void serverPortMinusOneLeavesOnlyTheCgiwireConnectorsOnJetty() {
        int[] ports = {freePort(), freePort()};
        jetty.withPropertyValues("server.port=-1", "cgiwire.fcgi.port=" + ports[0], "cgiwire.scgi.port=" + ports[1])
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(jettyServer(context).getConnectors()).extracting(c -> c.getProtocols().get(0))
                            .containsExactly(FcgiConnectionFactory.PROTOCOL, ScgiConnectionFactory.PROTOCOL);
                    assertThat(accepts(ports[0]) && accepts(ports[1])).isTrue();
                });
    }

    @Test
    void everyPropertyReachesTheTomcatProtocol() {
        Path socket = tmp.resolve("scgi.sock");
        tomcat.withPropertyValues("cgiwire.fcgi.port=" + freePort(), "cgiwire.fcgi.address=0.0.0.0",
                "cgiwire.fcgi.allowed-peers=127.0.0.1, 10.0.0.0/8", "cgiwire.fcgi.trust-remote-user=true",
                "cgiwire.fcgi.allowed-request-attributes-pattern=SSL_.*", "cgiwire.fcgi.idle-timeout=7s",
                "cgiwire.fcgi.max-params-bytes=32KB", "cgiwire.fcgi.max-params-count=100",
                "cgiwire.fcgi.max-param-name-length=200", "cgiwire.fcgi.max-param-value-length=300",
                "cgiwire.fcgi.max-multiplexed-requests=4", "cgiwire.fcgi.header-read-timeout=3s",
                "cgiwire.fcgi.authorizer-path=/authorize", "cgiwire.fcgi.multiplexing=true",
                "cgiwire.scgi.unix-socket-path=" + socket, "cgiwire.scgi.unix-socket-permissions=rw-rw----",
                "cgiwire.scgi.max-scgi-header-bytes=1000", "cgiwire.scgi.max-netstring-digits=5").run(context -> {
                    assertThat(context).hasNotFailed();
                    List<Connector> connectors = tomcatConnectors(context);
                    FcgiNioProtocol fcgi = (FcgiNioProtocol) connectors.get(1).getProtocolHandler();
                    assertThat(fcgi.getAddress().isAnyLocalAddress()).isTrue();
                    assertThat(fcgi.getAllowedPeers()).isEqualTo("127.0.0.1,10.0.0.0/8");
                    assertThat(fcgi.isTrustRemoteUser()).isTrue();
                    assertThat(fcgi.getAllowedRequestAttributesPattern()).isEqualTo("SSL_.*");
                    assertThat(fcgi.getConnectionTimeout()).isEqualTo(7000);
                    assertThat(fcgi.getMaxParamsBytes()).isEqualTo(32 * 1024);
                    assertThat(fcgi.getMaxParamsCount()).isEqualTo(100);
                    assertThat(fcgi.getMaxParamNameLength()).isEqualTo(200);
                    assertThat(fcgi.getMaxParamValueLength()).isEqualTo(300);
                    assertThat(fcgi.getMaxMultiplexedRequests()).isEqualTo(4);
                    assertThat(fcgi.getHeaderReadTimeout()).isEqualTo(3000);
                    assertThat(fcgi.getAuthorizerPath()).isEqualTo("/authorize");
                    assertThat(fcgi.getMultiplexing()).isTrue();
                    ScgiNioProtocol scgi = (ScgiNioProtocol) connectors.get(2).getProtocolHandler();
                    assertThat(scgi.getMaxScgiHeaderBytes()).isEqualTo(1000);
                    assertThat(scgi.getMaxNetstringDigits()).isEqualTo(5);
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                            .isEqualTo("rw-rw----");
                });
        assertThat(socket).doesNotExist();
    }

    @Test
    void everyPropertyReachesTheJettyFactory() {
        Path socket = tmp.resolve("fcgi.sock");
        jetty.withPropertyValues("cgiwire.fcgi.unix-socket-path=" + socket,
                "cgiwire.fcgi.unix-socket-permissions=rw-rw-rw-", "cgiwire.fcgi.idle-timeout=7s",
                "cgiwire.fcgi.max-params-bytes=1000", "cgiwire.fcgi.header-read-timeout=3s",
                "cgiwire.fcgi.authorizer-path=/authorize", "cgiwire.fcgi.multiplexing=false",
                "cgiwire.scgi.port=" + freePort(), "cgiwire.scgi.allowed-peers=192.0.2.1",
                "cgiwire.scgi.trust-remote-user=true", "cgiwire.scgi.allowed-request-attributes-pattern=X_.*",
                "cgiwire.scgi.max-scgi-header-bytes=2000").run(context -> {
                    assertThat(context).hasNotFailed();
                    Server server = jettyServer(context);
                    var fcgiConnector = server.getConnectors()[1];
                    FcgiConnectionFactory fcgi = fcgiConnector.getConnectionFactory(FcgiConnectionFactory.class);
                    assertThat(fcgiConnector.getIdleTimeout()).isEqualTo(7000);
                    assertThat(fcgi.getLimits().getMaxParamsBytes()).isEqualTo(1000);
                    assertThat(fcgi.getLimits().getHeaderReadTimeout()).isEqualTo(3000);
                    assertThat(fcgi.getAuthorizerPath()).isEqualTo("/authorize");
                    assertThat(fcgi.isMultiplexing()).isFalse();
                    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
                            .isEqualTo("rw-rw-rw-");
                    ScgiConnectionFactory scgi = server.getConnectors()[2]
                            .getConnectionFactory(ScgiConnectionFactory.class);
                    assertThat(scgi.getAllowedPeers()).isEqualTo("192.0.2.1");
                    assertThat(scgi.isTrustRemoteUser()).isTrue();
                    assertThat(scgi.getAllowedRequestAttributesPattern()).isEqualTo("X_.*");
                    assertThat(scgi.getLimits().getMaxScgiHeaderBytes()).isEqualTo(2000);
                });
    }

    @Test
    void aStaleSocketFileIsReplacedButARegularFileIsNot() throws IOException {
        Path socket = tmp.resolve("fcgi.sock");
        Files.writeString(socket, "not a socket");
        tomcat.withPropertyValues("cgiwire.fcgi.unix-socket-path=" + socket).run(context ->
                assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("is not a socket"));
        assertThat(Files.readString(socket)).isEqualTo("not a socket");
    }

    @Test
    void aStaleSocketFileLeftByACrashIsRemoved() throws IOException {
        Path socket = tmp.resolve("fcgi.sock");
        for (WebApplicationContextRunner runner : List.of(tomcat, jetty)) {
            // closing a bound Unix channel leaves its file, as a killed process does
            try (ServerSocketChannel stale = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                stale.bind(UnixDomainSocketAddress.of(socket));
            }
            assertThat(socket).exists();
            runner.withPropertyValues("cgiwire.fcgi.unix-socket-path=" + socket).run(context -> {
                assertThat(context).hasNotFailed();
                try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                    assertThat(client.isConnected()).isTrue();
                }
            });
        }
    }

    @Test
    void anAuthorizerPathOnScgiIsRefused() {
        for (WebApplicationContextRunner runner : List.of(tomcat, jetty)) {
            runner.withPropertyValues("cgiwire.scgi.port=" + freePort(), "cgiwire.scgi.authorizer-path=/authorize")
                    .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                            .hasMessage("cgiwire.scgi.authorizer-path: only FastCGI has the Authorizer role; set"
                                    + " cgiwire.fcgi.authorizer-path"));
        }
    }

    @Test
    void multiplexingOnScgiIsRefused() {
        for (WebApplicationContextRunner runner : List.of(tomcat, jetty)) {
            runner.withPropertyValues("cgiwire.scgi.port=" + freePort(), "cgiwire.scgi.multiplexing=true")
                    .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                            .hasMessage("cgiwire.scgi.multiplexing: only FastCGI multiplexes; set"
                                    + " cgiwire.fcgi.multiplexing"));
        }
    }

    @Test
    void aUnixSocketOnJettyWithoutJettyUnixdomainServerSaysWhatToAdd() {
        jetty.withClassLoader(new FilteredClassLoader("org.eclipse.jetty.unixdomain.server"))
                .withPropertyValues("cgiwire.fcgi.unix-socket-path=" + tmp.resolve("fcgi.sock"))
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessage("cgiwire.fcgi.unix-socket-path on Jetty needs"
                                + " org.eclipse.jetty:jetty-unixdomain-server on the class path"));
    }

    @Test
    void enabledAloneListensOnAFreePort() {
        tomcat.withPropertyValues("cgiwire.scgi.enabled=true").run(context -> {
            assertThat(context).hasNotFailed();
            Connector scgi = tomcatConnectors(context).get(1);
            assertThat(scgi.getProtocolHandler()).isInstanceOf(ScgiNioProtocol.class);
            assertThat(scgi.getLocalPort()).isPositive();
            assertThat(accepts(scgi.getLocalPort())).isTrue();
        });
        jetty.withPropertyValues("cgiwire.scgi.enabled=true").run(context -> {
            assertThat(context).hasNotFailed();
            NetworkConnector scgi = (NetworkConnector) jettyServer(context).getConnectors()[1];
            assertThat(scgi.getProtocols()).containsExactly(ScgiConnectionFactory.PROTOCOL);
            assertThat(accepts(scgi.getLocalPort())).isTrue();
        });
    }

    @Test
    void enabledFalseLeavesItOutWhateverElseIsSet() {
        tomcat.withPropertyValues("cgiwire.fcgi.enabled=false", "cgiwire.fcgi.port=" + freePort()).run(context ->
                assertThat(tomcatConnectors(context)).hasSize(1));
    }

    /** Boot's failure report must name the cgiwire connector's port, not the HTTP one. */
    @Test
    void aPortInUseIsReportedWithThatPort() throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            String port = String.valueOf(taken.getLocalPort());
            for (WebApplicationContextRunner runner : List.of(tomcat, jetty)) {
                runner.withPropertyValues("server.port=" + freePort(), "cgiwire.fcgi.port=" + port)
                        .run(context -> {
                            assertThat(context).hasFailed();
                            Throwable failure = context.getStartupFailure();
                            String ports = "";
                            for (Throwable t = failure; t != null; t = t.getCause()) {
                                if (t instanceof PortInUseException inUse) {
                                    ports += inUse.getPort() + " ";
                                } else if (t instanceof ConnectorStartFailedException failed) {
                                    ports += failed.getPort() + " ";
                                }
                            }
                            assertThat(ports.trim()).as(failure.toString()).isEqualTo(port);
                        });
            }
        }
    }

    @Test
    void aNonLoopbackAddressWithoutAllowedPeersStopsTheApplication() {
        for (WebApplicationContextRunner runner : List.of(tomcat, jetty)) {
            runner.withPropertyValues("cgiwire.scgi.port=" + freePort(), "cgiwire.scgi.address=0.0.0.0")
                    .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                            .isInstanceOf(UnsafeListenerException.class)
                            .hasMessageStartingWith("SCGI would listen on every interface:")
                            .hasMessageContaining("cgiwire.scgi.allowed-peers"));
        }
    }

    @Test
    void aNonLoopbackAddressWithAllowedPeersStarts() {
        for (WebApplicationContextRunner runner : List.of(tomcat, jetty)) {
            runner.withPropertyValues("cgiwire.fcgi.port=" + freePort(), "cgiwire.fcgi.address=0.0.0.0",
                    "cgiwire.fcgi.allowed-peers=127.0.0.1").run(context -> assertThat(context).hasNotFailed());
        }
    }

    @Test
    void metersForEachConnector() {
        int port = freePort();
        for (WebApplicationContextRunner runner : List.of(tomcat, jetty)) {
            runner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                    .withPropertyValues("cgiwire.fcgi.port=" + port).run(context -> {
                        assertThat(context).hasNotFailed();
                        context.publishEvent(new ApplicationStartedEvent(new org.springframework.boot
                                .SpringApplication(), new String[0], context.getSourceApplicationContext(), null));
                        MeterRegistry registry = context.getBean(MeterRegistry.class);
                        Gauge active = registry.get("cgiwire.connections.active").tag("protocol", "fcgi")
                                .tag("listener", "127.0.0.1:" + port).gauge();
                        assertThat(active.value()).isZero();
                        FunctionCounter badVersion = registry.get("cgiwire.violations").tag("protocol", "fcgi")
                                .tag("kind", "FCGI_BAD_VERSION").functionCounter();
                        assertThat(badVersion.count()).isZero();
                        try (Socket open = new Socket("127.0.0.1", port)) {
                            assertThat(open.isConnected()).isTrue();
                            await().atMost(Duration.ofSeconds(5)).until(() -> active.value() == 1);
                            assertThat(registry.get("cgiwire.requests").tag("protocol", "fcgi").functionCounter()
                                    .count()).isZero();
                            // A record of FastCGI version 9: a violation, counted by kind.
                            open.getOutputStream().write(new byte[] {9, 1, 0, 1, 0, 8, 0, 0});
                            open.getOutputStream().flush();
                            await().atMost(Duration.ofSeconds(5)).until(() -> badVersion.count() == 1);
                        }
                        await().atMost(Duration.ofSeconds(5)).until(() -> active.value() == 0);
                        assertThat(registry.get("cgiwire.refused.peers").tag("protocol", "fcgi").functionCounter()
                                .count()).isZero();
                    });
        }
    }

    @Test
    void defaultsAreTheAdaptersDefaults() {
        GatewayLimits defaults = new GatewayLimits();
        GatewayLimits fromProperties = new GatewayLimits();
        CgiwireProperties properties = new CgiwireProperties();
        // every limit set to something else first, so that a property that is not applied shows
        fromProperties.setMaxParamsBytes(1);
        new ListenerSpec(Gateway.FCGI, properties.getFcgi()).applyLimits(fromProperties);
        assertThat(fromProperties).hasToString(defaults.toString());
        assertThat(properties.getFcgi().getMaxParamsBytes()).isEqualTo(DataSize.ofBytes(defaults.getMaxParamsBytes()));
        assertThat(properties.getFcgi().getAddress()).isEqualTo("127.0.0.1");
        assertThat(properties.getFcgi().active()).isFalse();
        assertThat(properties.getScgi().active()).isFalse();
    }

    private static List<Connector> tomcatConnectors(AssertableWebApplicationContext context) {
        TomcatWebServer server = (TomcatWebServer) ((ServletWebServerApplicationContext) context
                .getSourceApplicationContext()).getWebServer();
        return Arrays.asList(server.getTomcat().getService().findConnectors());
    }

    private static Server jettyServer(AssertableWebApplicationContext context) {
        return ((JettyWebServer) ((ServletWebServerApplicationContext) context.getSourceApplicationContext())
                .getWebServer()).getServer();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
