package io.cgiwire.samples.springboot.it;

import io.cgiwire.samples.it.FreePorts;
import io.cgiwire.samples.it.WorkDir;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.samples.springboot.it.Nginx.Site;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.json.JsonMapper;

/**
 * The sample application, as its jar runs for a user, behind real nginx: app A with FastCGI and SCGI on loopback TCP
 * next to Boot's HTTP connector, app B with FastCGI on a Unix socket and {@code server.port=-1} (FastCGI only). The
 * last test stops A gracefully under load. Subclasses pick the container's jar.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class SpringBootSampleSuite {
    private static final String HELLO = "Hello from cgiwire on Spring Boot\n";
    private static final int MIB = 1024 * 1024;
    private static final List<Site> BACKEND_SITES = List.of(Site.FCGI_TCP, Site.FCGI_UNIX, Site.SCGI);

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final JsonMapper json = JsonMapper.builder().build();
    private WorkDir work;
    private BootApp a;
    private BootApp b;
    private Nginx nginx;
    private int fcgiPort;
    private int httpPort;
    private final AtomicInteger fcgiTcpRequests = new AtomicInteger();

    /** "tomcat" or "jetty": which jar of the sample to run. */
    abstract String container();

    /** The container's own meter that shows the FastCGI connector of app A, as an Actuator metrics path. */
    abstract String containerMeterPath(int fcgiPort);

    @BeforeAll
    void start() throws IOException {
        work = WorkDir.create("boot-" + container());
        Path jar = BootApp.jar(container());
        int[] ports = FreePorts.take(3);
        fcgiPort = ports[0];
        httpPort = ports[2];
        Path socket = work.resolve("fcgi.sock");
        a = BootApp.launch("app-a", jar, Files.createDirectories(work.resolve("a")), List.of(
                "--server.port=" + httpPort, "--cgiwire.fcgi.port=" + fcgiPort, "--cgiwire.scgi.port=" + ports[1]));
        b = BootApp.launch("app-b", jar, Files.createDirectories(work.resolve("b")), List.of(
                "--server.port=-1", "--cgiwire.fcgi.unix-socket-path=" + socket,
                // nginx's workers run as www-data
                "--cgiwire.fcgi.unix-socket-permissions=rw-rw-rw-", "--cgiwire.scgi.enabled=false"));
        a.awaitStarted();
        b.awaitStarted();
        nginx = Nginx.start(work.resolve("nginx"), fcgiPort, socket, ports[1]);
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {nginx, a, b}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // stop the others all the same
            }
        }
        if (work != null) {
            work.close();
        }
    }

    @Test
    @Order(1)
    void helloThroughFastCgiOverTcpAndUnixSocketAndScgi() throws Exception {
        for (Site site : BACKEND_SITES) {
            HttpResponse<String> r = get(site, "/hello");
            assertEquals(200, r.statusCode(), () -> site + "\n" + diagnostics());
            assertEquals(HELLO, r.body(), site.toString());
        }
    }

    @Test
    @Order(2)
    void appBServesFastCgiOnlyWithServerPortMinusOne() {
        String log = b.process.stdout();
        assertTrue(log.contains("cgiwire: FastCGI on unix:"), log);
        assertTrue(log.contains("in place of the HTTP connector"), log);
        assertFalse(a.process.stdout().contains("in place of the HTTP connector"), a.output());
    }

    @Test
    @Order(3)
    void uploadOfOneMebibyte() throws Exception {
        byte[] body = new byte[MIB];
        new Random(14).nextBytes(body);
        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        for (Site site : BACKEND_SITES) {
            HttpResponse<String> r = send(site, HttpRequest.newBuilder(nginx.uri(site, "/upload"))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
            assertEquals(200, r.statusCode(), () -> site + "\n" + diagnostics());
            Map<?, ?> answer = json.readValue(r.body(), Map.class);
            assertEquals(MIB, ((Number) answer.get("length")).intValue(), site.toString());
            assertEquals(sha256, answer.get("sha256"), site.toString());
        }
    }

    @Test
    @Order(4)
    void downloadOfOneMebibyte() throws Exception {
        byte[] expected = new byte[MIB];
        for (int i = 0; i < MIB; i++) {
            expected[i] = (byte) (i % 251);
        }
        for (Site site : BACKEND_SITES) {
            countFcgiTcp(site);
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(nginx.uri(site, "/bytes?n=" + MIB))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode(), () -> site + "\n" + diagnostics());
            assertArrayEquals(expected, r.body(), site.toString());
        }
    }

    /** The client's own address and port, not nginx's: nginx connects to the backend from other ports (or a socket). */
    @Test
    @Order(5)
    void theApplicationSeesTheClientsAddressAndPort() throws Exception {
        for (Site site : BACKEND_SITES) {
            try (Socket socket = new Socket("127.0.0.1", nginx.port(site))) {
                Map<?, ?> seen = json.readValue(body(rawGet(socket, site, "/client", "127.0.0.1")), Map.class);
                assertEquals("127.0.0.1", seen.get("remoteAddr"), site.toString());
                assertEquals(socket.getLocalPort(), ((Number) seen.get("remotePort")).intValue(), site.toString());
            }
        }
    }

    @Test
    @Order(6)
    void fastcgiParamHttpsOnMakesTheRequestSecure() throws Exception {
        Map<?, ?> https = json.readValue(get(Site.FCGI_TCP_HTTPS, "/client").body(), Map.class);
        assertEquals("https", https.get("scheme"));
        assertEquals(true, https.get("secure"));
        Map<?, ?> http = json.readValue(get(Site.FCGI_TCP, "/client").body(), Map.class);
        assertEquals("http", http.get("scheme"));
        assertEquals(false, http.get("secure"));
    }

    /**
     * An absolute redirect names the host the client asked for and the port it connected to nginx on, not the
     * backend's (Debian's nginx sends the Host without its port; the port is SERVER_PORT).
     */
    @Test
    @Order(7)
    void redirectGoesToTheClientsHostAndPort() throws Exception {
        for (Site site : List.of(Site.FCGI_TCP, Site.FCGI_UNIX, Site.SCGI, Site.FCGI_TCP_HTTPS)) {
            String scheme = site == Site.FCGI_TCP_HTTPS ? "https" : "http";
            int port = nginx.port(site);
            for (String host : List.of("127.0.0.1:" + port, "app.example")) {
                try (Socket socket = new Socket("127.0.0.1", port)) {
                    String response = rawGet(socket, site, "/redirect", host);
                    String location = scheme + "://" + host.replace(":" + port, "") + ":" + port + "/hello";
                    assertTrue(response.startsWith("HTTP/1.1 302"), () -> site + ": " + response);
                    assertTrue(response.contains("\r\nLocation: " + location + "\r\n"),
                            () -> site + " with Host " + host + ", expected " + location + ": " + response);
                }
            }
        }
    }

    /** Actuator on app A's HTTP port: the cgiwire meters and the container's own for the FastCGI connector. */
    @Test
    @Order(8)
    void actuatorShowsTheCgiwireConnectors() throws Exception {
        for (int i = 0; i < 3; i++) {
            get(Site.FCGI_TCP, "/hello");
        }
        // Tomcat counts a request once it has recycled it, which may be just after the client has the response
        String requests = "cgiwire.requests?tag=protocol:fcgi&tag=listener:127.0.0.1:" + fcgiPort;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        double count = value(metric(requests));
        while (count < fcgiTcpRequests.get() && System.nanoTime() < deadline) {
            Thread.sleep(100);
            count = value(metric(requests));
        }
        double counted = count;
        assertTrue(counted >= fcgiTcpRequests.get(), () -> "cgiwire.requests " + counted + " after "
                + fcgiTcpRequests.get() + " FastCGI requests over TCP");
        metric("cgiwire.requests?tag=protocol:scgi");
        metric("cgiwire.connections.active?tag=protocol:fcgi");
        Map<?, ?> container = metric(containerMeterPath(fcgiPort));
        assertFalse(((List<?>) container.get("measurements")).isEmpty(), container::toString);
    }

    /**
     * SIGTERM to app A while nginx spreads load over A and B, and three slow downloads are in flight on A: the
     * downloads finish whole, A stops well before it would be killed, and no client request fails.
     */
    @Test
    @Order(9)
    void gracefulStopUnderLoadFailsNoRequest() throws Exception {
        AtomicBoolean stopLoad = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        Map<String, Integer> failures = new ConcurrentHashMap<>();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Thread t = new Thread(() -> {
                while (!stopLoad.get()) {
                    try {
                        HttpResponse<String> r = get(Site.POOL, "/hello");
                        if (r.statusCode() == 200 && r.body().equals(HELLO)) {
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
            // about 2 s each: 20 KiB, 1 KiB per 100 ms; stop once A has answered their headers (it admitted them)
            List<CompletableFuture<HttpResponse<InputStream>>> started = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                started.add(client.sendAsync(HttpRequest.newBuilder(nginx.uri(Site.FCGI_TCP, "/slow?n=20480&ms=100"))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream()));
            }
            List<HttpResponse<InputStream>> inFlight = new ArrayList<>();
            for (CompletableFuture<HttpResponse<InputStream>> f : started) {
                inFlight.add(f.get(30, TimeUnit.SECONDS));
            }
            long stopStart = System.nanoTime();
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(a::close);
            for (HttpResponse<InputStream> r : inFlight) {
                assertEquals(200, r.statusCode(), this::diagnostics);
                try (InputStream body = r.body()) {
                    assertEquals(20480, body.readAllBytes().length, "the whole body of an admitted request");
                }
            }
            stopped.get(30, TimeUnit.SECONDS);
            long stopMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopStart);
            assertTrue(stopMillis < 9000, () -> "app A took " + stopMillis + " ms to stop: it was killed\n"
                    + a.output());
            assertTrue(a.process.stdout().contains("Graceful shutdown complete"), a.output());
            Thread.sleep(1000);
        } finally {
            stopLoad.set(true);
            for (Thread t : load) {
                t.join(15000);
            }
        }
        int served = ok.get();
        assertEquals(Map.of(), failures, () -> served + " succeeded\n" + diagnostics());
        assertTrue(served > 100, "the load ran: " + served + " requests");
    }

    private Map<?, ?> metric(String pathAndQuery) throws Exception {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort
                + "/actuator/metrics/" + pathAndQuery)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), () -> pathAndQuery + ": " + r.body());
        return json.readValue(r.body(), Map.class);
    }

    private static double value(Map<?, ?> metric) {
        return ((Number) ((Map<?, ?>) ((List<?>) metric.get("measurements")).get(0)).get("value")).doubleValue();
    }

    private HttpResponse<String> get(Site site, String path) throws Exception {
        return send(site, HttpRequest.newBuilder(nginx.uri(site, path)));
    }

    private HttpResponse<String> send(Site site, HttpRequest.Builder request) throws Exception {
        countFcgiTcp(site);
        return client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void countFcgiTcp(Site site) {
        if (site == Site.FCGI_TCP || site == Site.FCGI_TCP_HTTPS) {
            fcgiTcpRequests.incrementAndGet();
        }
    }

    /** HTTP/1.0 by hand, to know the client's port and send any Host; the whole response, nginx closes it. */
    private String rawGet(Socket socket, Site site, String path, String host) throws IOException {
        countFcgiTcp(site);
        socket.setSoTimeout(30_000);
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        ByteArrayOutputStream response = new ByteArrayOutputStream();
        socket.getInputStream().transferTo(response);
        return response.toString(StandardCharsets.ISO_8859_1);
    }

    private static String body(String response) {
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    private String diagnostics() {
        return (nginx == null ? "" : nginx.diagnostics()) + (a == null ? "" : a.output())
                + (b == null ? "" : b.output());
    }
}
