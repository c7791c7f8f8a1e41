package io.cgiwire.samples.demo;

import io.cgiwire.samples.webapp.SampleApp;
import io.cgiwire.tomcat.FcgiNioProtocol;
import io.cgiwire.tomcat.ScgiNioProtocol;
import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.session.StandardManager;
import org.apache.catalina.startup.Tomcat;

/**
 * The sample webapp on embedded Tomcat, behind cgiwire's FcgiNioProtocol and ScgiNioProtocol and (optionally)
 * Tomcat's own HTTP/1.1 NIO connector: the same context at "/", the same listener, sessions and multipart as on Jetty.
 * A stop is graceful as Jetty's GracefulHandler makes it: new requests are refused, those in flight (async ones
 * included) get up to {@link DemoServer#STOP_TIMEOUT_MS}.
 */
final class TomcatDemo implements DemoServer.Container {
    private final Tomcat tomcat;
    private final Path baseDir;
    private final InFlight inFlight;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private TomcatDemo(Tomcat tomcat, Path baseDir, InFlight inFlight) {
        this.tomcat = tomcat;
        this.baseDir = baseDir;
        this.inFlight = inFlight;
    }

    /** Starts Tomcat with {@code options}' listeners; adds the bound ones to {@code listeners}. */
    static TomcatDemo start(DemoOptions options, List<DemoServer.Listener> listeners) throws Exception {
        Path baseDir = Files.createTempDirectory("cgiwire-demo-tomcat-");
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(baseDir.toString());

        List<Pending> pending = new ArrayList<>();
        for (ListenAddress address : options.fcgi()) {
            Pending fcgi = connector(tomcat, options, "FastCGI", address, FcgiNioProtocol.class.getName());
            if (options.authorizerPath() != null) {
                fcgi.connector().setProperty("authorizerPath", options.authorizerPath());
            }
            if (options.multiplex()) {
                fcgi.connector().setProperty("multiplexing", "true");
            }
            pending.add(fcgi);
        }
        for (ListenAddress address : options.scgi()) {
            pending.add(connector(tomcat, options, "SCGI", address, ScgiNioProtocol.class.getName()));
        }
        for (ListenAddress address : options.http()) {
            pending.add(connector(tomcat, options, "HTTP", address, "HTTP/1.1"));
        }

        Context context = tomcat.addContext("", null);
        StandardManager sessions = new StandardManager();
        // Sessions live as long as the process, as on Jetty: none are saved to or restored from disk.
        sessions.setPathname(null);
        context.setManager(sessions);
        ((StandardContext) context).setUnloadDelay(DemoServer.STOP_TIMEOUT_MS);
        // By class name, as web.xml declares it: a listener instance added programmatically may not add servlets.
        context.addApplicationListener(SampleApp.class.getName());
        InFlight inFlight = new InFlight();
        ((StandardContext) context).addApplicationEventListener(inFlight);

        TomcatDemo demo = new TomcatDemo(tomcat, baseDir, inFlight);
        try {
            tomcat.start();
            // Tomcat logs a connector that cannot bind and starts without it; the demo fails instead.
            for (Pending p : pending) {
                if (!p.connector().getState().isAvailable()) {
                    throw new IOException(p.protocol() + " on " + p.address() + " did not start (see the log)");
                }
            }
        } catch (Exception e) {
            demo.stop();
            throw e;
        }
        for (Pending p : pending) {
            listeners.add(new DemoServer.Listener(p.protocol(), p.address(),
                    p.address() instanceof ListenAddress.Tcp ? p.connector().getLocalPort() : -1));
        }
        return demo;
    }

    private record Pending(String protocol, ListenAddress address, Connector connector) {
    }

    private static Pending connector(Tomcat tomcat, DemoOptions options, String protocol, ListenAddress address,
            String handler) throws IOException {
        Connector connector = new Connector(handler);
        if (options.maxConnections() > 0) {
            connector.setProperty("maxConnections", Integer.toString(options.maxConnections()));
        }
        if (address instanceof ListenAddress.Tcp tcp) {
            connector.setProperty("address", tcp.host());
            connector.setPort(tcp.port());
        } else {
            Path path = ((ListenAddress.Unix) address).path().toAbsolutePath();
            DemoServer.deleteStaleSocket(path);
            connector.setProperty("unixDomainSocketPath", path.toString());
            // The front server's worker runs as another user and must be able to connect. Issue 6 makes the mode
            // (and owner) configurable; until then, anyone on this machine may.
            connector.setProperty("unixSocketPermissions", "rw-rw-rw-");
            address = new ListenAddress.Unix(path);
        }
        tomcat.getService().addConnector(connector);
        return new Pending(protocol, address, connector);
    }

    @Override
    public void join() throws InterruptedException {
        stopped.await();
    }

    /** Refuses new requests, waits for those in flight, then stops Tomcat and removes its files and sockets. */
    @Override
    public void stop() throws Exception {
        if (stopped.getCount() == 0) {
            return;
        }
        try {
            for (Connector connector : tomcat.getService().findConnectors()) {
                connector.pause();
            }
            inFlight.await(DemoServer.STOP_TIMEOUT_MS);
            tomcat.stop();
            tomcat.destroy();
        } catch (LifecycleException e) {
            throw new IllegalStateException("cannot stop Tomcat: " + e.getMessage(), e);
        } finally {
            deleteTree(baseDir);
            stopped.countDown();
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /**
     * Counts the requests in flight. Tomcat fires requestDestroyed when a request ends, for an async one once it
     * completes, so that a stop can wait for all of them.
     */
    private static final class InFlight implements ServletRequestListener {
        private int count;

        @Override
        public synchronized void requestInitialized(ServletRequestEvent event) {
            count++;
        }

        @Override
        public synchronized void requestDestroyed(ServletRequestEvent event) {
            if (--count == 0) {
                notifyAll();
            }
        }

        synchronized void await(long millis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            for (long left = millis; count > 0 && left > 0;
                    left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
                wait(left);
            }
        }
    }
}
