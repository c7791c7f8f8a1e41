package io.cgiwire.samples.demo;

import io.cgiwire.jetty.CgiConnectors;
import io.cgiwire.jetty.FcgiConnectionFactory;
import io.cgiwire.jetty.ScgiConnectionFactory;
import io.cgiwire.samples.webapp.SampleApp;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;

/**
 * The sample webapp on embedded Jetty 12 or Tomcat ({@link TomcatDemo}), behind FastCGI, SCGI and (optionally) HTTP
 * listeners. {@link DemoMain} is the command line; tests can use this class in-process.
 */
public final class DemoServer implements AutoCloseable {
    /** What the command line prints on Tomcat once a stop at shutdown (SIGTERM) has finished. */
    static final String STOPPED_LINE = "cgiwire demo: stopped";
    /** How long a stop waits for requests in flight. */
    static final long STOP_TIMEOUT_MS = 5000;
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /** A listener as bound: {@code protocol} is "FastCGI", "SCGI" or "HTTP"; {@code port} is -1 for a Unix socket. */
    public record Listener(String protocol, ListenAddress address, int port) {
        /** The bound address, e.g. {@code 127.0.0.1:9000} or {@code unix:/run/cgiwire/fcgi.sock}. */
        public String boundAddress() {
            return address instanceof ListenAddress.Tcp tcp ? ListenAddress.hostPort(tcp.host(), port)
                    : address.toString();
        }

        @Override
        public String toString() {
            return protocol + " on " + boundAddress();
        }
    }

    /** A running container: Jetty's server or {@link TomcatDemo}. */
    interface Container {
        /** Blocks until the container has stopped. */
        void join() throws InterruptedException;

        /** Stops gracefully: requests in flight get up to {@link #STOP_TIMEOUT_MS}. */
        void stop() throws Exception;
    }

    private final Container container;
    private final List<Listener> listeners;

    private DemoServer(Container container, List<Listener> listeners) {
        this.container = container;
        this.listeners = List.copyOf(listeners);
    }

    /** Starts {@code options.container()} with {@code options}' listeners (and, for Jetty, environment). */
    public static DemoServer start(DemoOptions options) throws Exception {
        return start(options, false);
    }

    static DemoServer start(DemoOptions options, boolean stopAtShutdown) throws Exception {
        if (options.container() == DemoOptions.Container.TOMCAT) {
            List<Listener> listeners = new ArrayList<>();
            DemoServer demo = new DemoServer(TomcatDemo.start(options, listeners), listeners);
            if (stopAtShutdown) {
                // Said on stdout: the JVM's own shutdown hook closes java.util.logging's handlers, so Tomcat's lines
                // about stopping are lost.
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    demo.close();
                    System.out.println(STOPPED_LINE);
                    System.out.flush();
                }, "cgiwire-demo-stop"));
            }
            return demo;
        }
        Server server = new Server();
        server.setStopTimeout(STOP_TIMEOUT_MS);
        server.setStopAtShutdown(stopAtShutdown);

        HttpConfiguration httpConfiguration = new HttpConfiguration();
        httpConfiguration.setSendServerVersion(false);

        List<Pending> pending = new ArrayList<>();
        for (ListenAddress address : options.fcgi()) {
            FcgiConnectionFactory fcgi = new FcgiConnectionFactory(httpConfiguration);
            fcgi.setAuthorizerPath(options.authorizerPath());
            pending.add(connector(server, "FastCGI", address, fcgi));
        }
        for (ListenAddress address : options.scgi()) {
            pending.add(connector(server, "SCGI", address, new ScgiConnectionFactory(httpConfiguration)));
        }
        for (ListenAddress address : options.http()) {
            pending.add(connector(server, "HTTP", address, new HttpConnectionFactory(httpConfiguration)));
        }
        for (Pending p : pending) {
            server.addConnector(p.connector());
        }
        // GracefulHandler lets a stop wait (up to the stop timeout) for the requests in flight.
        server.setHandler(new GracefulHandler(context(options.ee())));

        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        List<Listener> listeners = new ArrayList<>();
        for (Pending p : pending) {
            if (p.connector() instanceof ServerConnector tcp) {
                listeners.add(new Listener(p.protocol(), p.address(), tcp.getLocalPort()));
            } else {
                Path path = ((ListenAddress.Unix) p.address()).path();
                // The front server's worker runs as another user and must be able to connect. Issue 6 makes the
                // mode (and owner) configurable; until then, anyone on this machine may.
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
                listeners.add(new Listener(p.protocol(), p.address(), -1));
            }
        }
        return new DemoServer(new Container() {
            @Override
            public void join() throws InterruptedException {
                server.join();
            }

            @Override
            public void stop() throws Exception {
                server.stop();
            }
        }, listeners);
    }

    /** The listeners in the order they were given: FastCGI, then SCGI, then HTTP. */
    public List<Listener> listeners() {
        return listeners;
    }

    /** Blocks until the server has stopped. */
    public void join() throws InterruptedException {
        container.join();
    }

    /** Stops gracefully: requests in flight get up to 5 s. Unix socket files are removed. */
    @Override
    public void close() {
        try {
            container.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping", e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop: " + e.getMessage(), e);
        }
    }

    private record Pending(String protocol, ListenAddress address, Connector connector) {
    }

    private static Pending connector(Server server, String protocol, ListenAddress address, ConnectionFactory factory)
            throws IOException {
        if (address instanceof ListenAddress.Tcp tcp) {
            ServerConnector connector = new ServerConnector(server, factory);
            connector.setHost(tcp.host());
            connector.setPort(tcp.port());
            // nginx opens a connection per concurrent request beyond its keepalive pool: room for bursts (the
            // platform's default backlog is 50).
            connector.setAcceptQueueSize(CgiConnectors.DEFAULT_ACCEPT_QUEUE_SIZE);
            return new Pending(protocol, address, connector);
        }
        ListenAddress.Unix unix = (ListenAddress.Unix) address;
        Path path = unix.path().toAbsolutePath();
        deleteStaleSocket(path);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, factory);
        connector.setUnixDomainPath(path);
        connector.setAcceptQueueSize(CgiConnectors.DEFAULT_ACCEPT_QUEUE_SIZE);
        connector.setAcceptedSendBufferSize(CgiConnectors.UNIX_SEND_BUFFER_SIZE);
        return new Pending(protocol, new ListenAddress.Unix(path), connector);
    }

    /**
     * Jetty removes its socket file when it stops, but not one a crash left behind, and binding fails on it. Delete
     * it, but only if it is a socket and nothing listens on it.
     */
    static void deleteStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket: not removing it");
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(path));
            throw new IOException("another server is listening on " + path);
        } catch (ConnectException stale) {
            Files.delete(path);
        }
    }

    private static Handler context(DemoOptions.Ee ee) {
        return switch (ee) {
            case EE10 -> {
                var context = new org.eclipse.jetty.ee10.servlet.ServletContextHandler("/",
                        org.eclipse.jetty.ee10.servlet.ServletContextHandler.SESSIONS);
                context.addEventListener(new SampleApp());
                yield context;
            }
            case EE11 -> {
                var context = new org.eclipse.jetty.ee11.servlet.ServletContextHandler("/",
                        org.eclipse.jetty.ee11.servlet.ServletContextHandler.SESSIONS);
                context.addEventListener(new SampleApp());
                yield context;
            }
        };
    }
}
