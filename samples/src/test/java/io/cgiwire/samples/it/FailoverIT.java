package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.samples.it.FrontServer.Site;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A backend stopped gracefully loses no request it admitted: requests in flight finish, kept-alive connections close
 * after their last response, and nginx, with two backends in one upstream, sends the rest to the other one. The demo
 * runs on Jetty here; {@link TomcatFailoverIT} runs the same scenarios on Tomcat.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FailoverIT {
    private static final Path JAR = Path.of(System.getProperty("cgiwire.demo.jar", "target/cgiwire-demo.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private WorkDir work;
    private final List<AutoCloseable> running = new ArrayList<>();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** The demo's container: nothing for its default, Jetty. */
    List<String> containerArgs() {
        return List.of();
    }

    /** What the demo prints once it has stopped gracefully (Jetty logs it; never printed if it was killed). */
    String stoppedMarker() {
        return "Stopped";
    }

    @BeforeEach
    void setUp() {
        work = WorkDir.create(getClass().getSimpleName());
    }

    @AfterEach
    void tearDown() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception ignored) {
                // stop the rest all the same
            }
        }
        work.close();
    }

    /** One demo on fixed ports (so it can come back where nginx expects it), started until it is ready. */
    private ChildProcess demo(String name, int fcgiPort, int scgiPort) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name + "-" + System.nanoTime()));
        List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toAbsolutePath().toString(),
                "--fcgi", "127.0.0.1:" + fcgiPort, "--scgi", "127.0.0.1:" + scgiPort));
        command.addAll(containerArgs());
        ChildProcess p = ChildProcess.start(name, command, dir, Map.of());
        p.awaitReady("ready", Duration.ofSeconds(60), c -> c.stdout().contains("cgiwire demo: ready"));
        running.add(p);
        return p;
    }

    /** SIGTERM and wait: the demo stops gracefully (in-flight requests finish) well before it would be killed. */
    private static long stopGracefully(ChildProcess p) {
        long start = System.nanoTime();
        p.close();
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(millis < 9000, () -> p.name() + " took " + millis + " ms to stop: it was killed\n" + p.output());
        return millis;
    }

    /**
     * Admitted requests finish; each connection they came on is closed after its last response (so nginx never
     * reuses one that is going away), and nginx has nothing to complain about.
     */
    @Test
    void gracefulStopFinishesTheRequestsItAdmitted() throws Exception {
        int[] ports = FreePorts.take(2);
        ChildProcess backend = demo("demo", ports[0], ports[1]);
        NginxPool nginx = new NginxPool(work.resolve("nginx"), List.of(Endpoint.tcp("127.0.0.1", ports[0])));
        running.add(nginx.start());
        // Three downloads of 10 KiB written 1 KiB per 50 ms, about half a second each, and one of 30 KiB written 1 KiB
        // per 100 ms, about three seconds. Stop once all four have their response headers: then the backend has
        // admitted them.
        List<String> paths = List.of("/slow?ms=50&n=10240", "/slow?ms=50&n=10240", "/slow?ms=50&n=10240",
                "/slow?ms=100&n=30720");
        List<CompletableFuture<HttpResponse<java.io.InputStream>>> started = new ArrayList<>();
        for (String path : paths) {
            started.add(client.sendAsync(HttpRequest.newBuilder(nginx.uri(Site.PLAIN, path))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream()));
        }
        List<HttpResponse<java.io.InputStream>> inFlight = new ArrayList<>();
        for (CompletableFuture<HttpResponse<java.io.InputStream>> f : started) {
            inFlight.add(f.get(30, TimeUnit.SECONDS));
        }
        CompletableFuture<Long> stopped = CompletableFuture.supplyAsync(() -> stopGracefully(backend));
        for (int i = 0; i < inFlight.size(); i++) {
            HttpResponse<java.io.InputStream> r = inFlight.get(i);
            assertEquals(200, r.statusCode(), () -> nginx.diagnostics() + backend.output());
            try (java.io.InputStream body = r.body()) {
                int length = i < 3 ? 10240 : 30720;
                assertEquals(length, body.readAllBytes().length, "the whole body of an admitted request");
            }
            if (i == 2) {
                // The short ones are done, the long one is not: its connection is the backend's last one open.
                GatewaySuite.eventually(Duration.ofSeconds(2), () -> established(ports[0]) == 1,
                        () -> "connections to the stopping backend: " + TcpTable.peersOf(ports[0]));
                assertFalse(stopped.isDone(), "the long download kept the backend running");
            }
        }
        stopped.get(15, TimeUnit.SECONDS);
        assertTrue(backend.log().contains(stoppedMarker()), backend.output());
        assertFalse(nginx.errorLog().contains("[error]"), nginx::diagnostics);
    }

    /** Connections to {@code port} established at one end at least. */
    private static long established(int port) {
        return TcpTable.peersOf(port).values().stream().filter(TcpTable.ESTABLISHED::equals).count();
    }

    /**
     * Load through nginx while each of two backends in turn is stopped gracefully and started again: every
     * request succeeds. The upstream settings are those the README recommends ({@link NginxPool#UPSTREAM_SETTINGS}).
     */
    @Test
    void rollingRestartUnderLoadLosesNothing() throws Exception {
        int[] ports = FreePorts.take(4);
        ChildProcess a = demo("demo-a", ports[0], ports[1]);
        ChildProcess b = demo("demo-b", ports[2], ports[3]);
        NginxPool nginx = new NginxPool(work.resolve("nginx"),
                List.of(Endpoint.tcp("127.0.0.1", ports[0]), Endpoint.tcp("127.0.0.1", ports[2])));
        running.add(nginx.start());

        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        URI hello = nginx.uri(Site.PLAIN, "/hello");
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        HttpResponse<String> r = client.send(HttpRequest.newBuilder(hello)
                                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200 && r.body().equals("Hello from cgiwire\n")) {
                            ok.incrementAndGet();
                        } else {
                            failures.merge("status " + r.statusCode(), 1, Integer::sum);
                        }
                    } catch (Exception e) {
                        failures.merge(e.toString(), 1, Integer::sum);
                    }
                }
            }, "load-" + i);
            t.start();
            load.add(t);
        }
        try {
            Thread.sleep(1000);
            stopGracefully(a);
            running.remove(a);
            a = demo("demo-a", ports[0], ports[1]);
            Thread.sleep(1500);
            stopGracefully(b);
            running.remove(b);
            b = demo("demo-b", ports[2], ports[3]);
            Thread.sleep(1500);
        } finally {
            stop.set(true);
            for (Thread t : load) {
                t.join(15000);
            }
        }
        int served = ok.get();
        assertEquals(Map.of(), failures, () -> served + " succeeded\n" + nginx.diagnostics());
        assertTrue(served > 500, "the load ran: " + served + " requests");
    }
}
