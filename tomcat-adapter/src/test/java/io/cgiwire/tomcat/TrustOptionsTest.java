package io.cgiwire.tomcat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.RawClient;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same trust attributes as on the Jetty side: allowedPeers, allowedRequestAttributesPattern, trustRemoteUser,
 * unixSocketPermissions.
 */
@Timeout(30)
class TrustOptionsTest {
    @Nested
    class NotAllowed extends ProtocolTestBase {
        @Override
        Class<FcgiNioProtocol> protocol() {
            return FcgiNioProtocol.class;
        }

        @Override
        void configure(Connector c) {
            c.setProperty("allowedPeers", "192.0.2.1, 10.0.0.0/8");
        }

        @Test
        void aPeerNotInTheListIsClosed() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
                assertTrue(c.closedByServer());
            }
        }
    }

    @Nested
    class NotAllowedScgi extends ProtocolTestBase {
        @Override
        Class<ScgiNioProtocol> protocol() {
            return ScgiNioProtocol.class;
        }

        @Override
        void configure(Connector c) {
            c.setProperty("allowedPeers", "192.0.2.1, 10.0.0.0/8");
        }

        @Test
        void aPeerNotInTheListIsClosedUnanswered() throws Exception {
            try (RawClient c = client()) {
                c.write(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
                assertTrue(c.closedByServer());
            }
        }
    }

    @Nested
    class Trusted extends ProtocolTestBase {
        @Override
        Class<FcgiNioProtocol> protocol() {
            return FcgiNioProtocol.class;
        }

        @Override
        void configure(Connector c) {
            c.setProperty("allowedPeers", "127.0.0.0/8");
            c.setProperty("allowedRequestAttributesPattern", "SSL_.*");
            c.setProperty("trustRemoteUser", "true");
        }

        @Test
        void onlyThePatternsVariablesBecomeAttributes() throws Exception {
            try (RawClient c = client()) {
                Map<String, String> params = RawClient.get("/attributes");
                params.put("SSL_CIPHER", "TLS_AES_128_GCM_SHA256");
                params.put("SECRET", "not for the app");
                c.write(RawClient.request(1, 0, params, new byte[0]));
                assertEquals("SSL_CIPHER=TLS_AES_128_GCM_SHA256\nSECRET=null\n", c.readResponse(1).text());
            }
        }

        @Test
        void trustedRemoteUserIsTheUser() throws Exception {
            try (RawClient c = client()) {
                Map<String, String> params = RawClient.get("/info");
                params.put("REMOTE_USER", "alice");
                c.write(RawClient.request(1, 0, params, new byte[0]));
                assertTrue(c.readResponse(1).text().contains("remoteUser=alice\n"));
            }
        }
    }

    /** With enableLookups, REMOTE_ADDR is looked up only if it is an IP literal: a name is never sent to DNS. */
    @Nested
    class Lookups extends ProtocolTestBase {
        @Override
        Class<FcgiNioProtocol> protocol() {
            return FcgiNioProtocol.class;
        }

        @Override
        void configure(Connector c) {
            c.setEnableLookups(true);
        }

        @Test
        void aRemoteAddrThatIsNotAnAddressIsNotLookedUp() throws Exception {
            for (String remoteAddr : new String[] {"cgiwire-test.invalid", "unix:", "1.2.3.999"}) {
                try (RawClient c = client()) {
                    Map<String, String> params = RawClient.get("/remote-host");
                    params.put("REMOTE_ADDR", remoteAddr);
                    c.write(RawClient.request(1, 0, params, new byte[0]));
                    assertEquals("remoteHost=" + remoteAddr + "\n", c.readResponse(1).text());
                }
            }
        }
    }

    /** The Jetty side's name for the socket file's mode, set as server.xml sets it. */
    @Nested
    class UnixSocketMode extends ProtocolTestBase {
        @Override
        Class<ScgiNioProtocol> protocol() {
            return ScgiNioProtocol.class;
        }

        @Override
        void configure(Connector c) {
            assertTrue(c.setProperty("unixSocketPermissions", "rw-rw----"));
        }

        @Test
        void theSocketFileHasTheMode() throws Exception {
            assertEquals(PosixFilePermissions.fromString("rw-rw----"), Files.getPosixFilePermissions(unixSocket));
            ScgiNioProtocol protocol = (ScgiNioProtocol) unixConnector.getProtocolHandler();
            assertEquals("rw-rw----", protocol.getUnixSocketPermissions());
            try (RawClient c = new RawClient(unixSocket)) {
                c.write(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
                assertEquals("Hello\n", c.readToEnd().text());
            }
        }
    }

    @Test
    void unixSocketPermissionsNotAModeIsRefused() {
        FcgiNioProtocol protocol = new FcgiNioProtocol();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> protocol.setUnixSocketPermissions("660"));
        assertTrue(e.getMessage().contains("660"), e.getMessage());
        protocol.setUnixSocketPermissions(" ");
        assertNull(protocol.getUnixSocketPermissions(), "empty leaves the umask's, as on Jetty");
    }

    /** As Tomcat's AJP connector refuses to start without a secret: no open port without naming who may use it. */
    @Test
    void refusesToStartOnEveryInterfaceWithoutAllowedPeers(@TempDir java.nio.file.Path dir) throws Exception {
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(dir.toString());
        Connector open = new Connector(FcgiNioProtocol.class.getName());
        open.setProperty("address", "0.0.0.0");
        open.setPort(0);
        tomcat.getService().addConnector(open);
        try {
            try {
                tomcat.start();
            } catch (Exception expected) {
                // Tomcat may report the failed connector either way.
            }
            assertNotEquals(LifecycleState.STARTED, open.getState(), "started open to the world");
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }
    }

    /** Refused before the endpoint binds: the port never accepts a connection, whether init or start refuses. */
    @Test
    void aRefusedConnectorNeverListens(@TempDir java.nio.file.Path dir) throws Exception {
        int port = freePort();
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(dir.toString());
        Connector open = new Connector(ScgiNioProtocol.class.getName());
        open.setProperty("address", "0.0.0.0");
        open.setPort(port);
        tomcat.getService().addConnector(open);
        try {
            try {
                tomcat.start();
            } catch (Exception expected) {
                // Tomcat may report the failed connector either way.
            }
            assertRefused(port);
        } finally {
            tomcat.stop();
            tomcat.destroy();
        }

        FcgiNioProtocol protocol = new FcgiNioProtocol();
        protocol.setAddress(InetAddress.getByName("0.0.0.0"));
        protocol.setPort(port);
        for (Executable step : new Executable[] {protocol::init, protocol::start}) {
            IllegalStateException e = assertThrows(IllegalStateException.class, step);
            String message = e.getMessage();
            assertTrue(message.contains("allowedPeers=\"...\"") && message.contains("address=\"127.0.0.1\""), message);
            assertRefused(port);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    private static void assertRefused(int port) {
        assertThrows(ConnectException.class, () -> new Socket(InetAddress.getLoopbackAddress(), port).close(),
                "port " + port + " accepts connections");
    }
}
