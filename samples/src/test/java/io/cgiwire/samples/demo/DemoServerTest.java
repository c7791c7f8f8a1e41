package io.cgiwire.samples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class DemoServerTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void unixSocketsAreOpenToTheWebServerAndRemovedOnStop(String container) throws Exception {
        Path fcgi = dir.resolve("fcgi.sock");
        Path scgi = dir.resolve("scgi.sock");
        DemoServer server = DemoServer.start(DemoOptions.parse("--fcgi", "unix:" + fcgi, "--scgi", "unix:" + scgi,
                "--fcgi", "127.0.0.1:0", "--container", container));
        try {
            List<String> bound = server.listeners().stream().map(DemoServer.Listener::toString).toList();
            assertEquals("FastCGI on unix:" + fcgi, bound.get(0));
            assertTrue(bound.get(1).matches("FastCGI on 127\\.0\\.0\\.1:\\d+"), bound.get(1));
            assertEquals("SCGI on unix:" + scgi, bound.get(2));
            for (Path socket : List.of(fcgi, scgi)) {
                assertEquals("rw-rw-rw-", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
                try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                    assertTrue(channel.isConnected());
                }
            }
        } finally {
            server.close();
        }
        assertFalse(Files.exists(fcgi));
        assertFalse(Files.exists(scgi));
    }

    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void aStaleSocketIsReplaced(String container) throws Exception {
        Path socket = dir.resolve("stale.sock");
        try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            crashed.bind(UnixDomainSocketAddress.of(socket));
        }
        assertTrue(Files.exists(socket), "closing a bound channel leaves its file, like a crash does");
        try (DemoServer server = DemoServer.start(DemoOptions.parse("--fcgi", "unix:" + socket,
                "--scgi", "127.0.0.1:0", "--container", container))) {
            assertEquals("FastCGI on unix:" + socket, server.listeners().get(0).toString());
        }
    }

    @Test
    void aLiveSocketIsLeftAlone() throws Exception {
        Path socket = dir.resolve("live.sock");
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(UnixDomainSocketAddress.of(socket));
            IOException e = assertThrows(IOException.class, () -> DemoServer.deleteStaleSocket(socket));
            assertEquals("another server is listening on " + socket, e.getMessage());
            assertTrue(Files.exists(socket));
        }
    }

    @Test
    void aFileThatIsNoSocketIsLeftAlone() throws Exception {
        Path file = Files.writeString(dir.resolve("precious.txt"), "data");
        IOException e = assertThrows(IOException.class, () -> DemoServer.deleteStaleSocket(file));
        assertEquals(file + " exists and is not a socket: not removing it", e.getMessage());
        assertEquals("data", Files.readString(file));
    }

    /** A port already taken: Tomcat only logs a connector that cannot bind, the demo must fail to start. */
    @Test
    void tomcatFailsWhenAListenerCannotBind() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Exception e = assertThrows(Exception.class, () -> DemoServer.start(DemoOptions.parse("--container",
                    "tomcat", "--fcgi", "127.0.0.1:" + taken.getLocalPort(), "--scgi", "127.0.0.1:0")));
            assertTrue(e.getMessage().contains("FastCGI on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
        }
    }
}
