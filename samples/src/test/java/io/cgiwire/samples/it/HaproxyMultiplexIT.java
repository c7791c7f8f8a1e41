package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.samples.it.FrontServer.Site;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * HAProxy with {@code option mpxs-conns}, {@code max-reqs 8} and {@code http-reuse always}, the setup that put several
 * request ids on a new connection before cgiwire's FCGI_GET_VALUES answer arrived: cgiwire refused the extra ids with
 * FCGI_CANT_MPX_CONN, HAProxy neither retried nor failed them, and their clients waited for {@code timeout server}.
 * Now the extra ids wait their turn on the connection: 50 concurrent clients, 4 rounds, every answer a 200.
 *
 * <p>GETs only: with POST bodies, Debian's HAProxy 2.6.12 with {@code mpxs-conns} fails about one request in a
 * hundred by itself (500, termination state {@code IH}), with or without {@code get-values}. Recorded on the wire,
 * it sends FCGI_BEGIN_REQUEST and at once FCGI_ABORT_REQUEST for those, before their variables, and cgiwire ends them
 * with FCGI_END_REQUEST as it should; every request HAProxy did send was answered right.
 *
 * <p>Where the container multiplexes (issue 13), several requests are in it at once over one connection: shown with
 * the webapp's {@code /barrier}, where each request waits for the others, and the demo's connection counter, without
 * measuring time.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HaproxyMultiplexIT {
    private static final int CLIENTS = 50;
    private static final int ROUNDS = 4;
    /**
     * Clients that must all be in the container at once: more than one, and no more than the 16 ids a multiplexing
     * connection takes by default (FCGI_MAX_REQS, which overrides the fcgi-app's max-reqs), so one connection can
     * carry them all.
     */
    private static final int BARRIER_CLIENTS = 8;
    /**
     * The containers that multiplex FastCGI, per issue 13's contract: Jetty from that change on, Tomcat once its
     * processor-per-id is built (then add it here). Checked against the container's own FCGI_GET_VALUES answer.
     */
    private static final Set<String> MULTIPLEXING = Set.of("jetty");

    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void everyRequestIsAnsweredWhenHaproxyMultiplexes(String container) throws Exception {
        Backend.Launcher launcher = container.equals("jetty") ? Demo.jetty() : Demo.tomcat();
        try (WorkDir work = WorkDir.create("HaproxyMultiplexIT-" + container);
                Demo demo = (Demo) launcher.start(Files.createDirectories(work.resolve("demo")));
                FrontServer haproxy = new Multiplexing(work.resolve("haproxy"), demo.endpoint(Protocol.FCGI,
                        false), false).start();
                Jmx jmx = Jmx.attach(demo.pid())) {
            ObjectName counters = counters(jmx, demo.endpoint(Protocol.FCGI, false).port());
            long connectionsBefore = jmx.getLong(counters, "Connections");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            URI hello = haproxy.uri(Site.PLAIN, "/hello");
            List<String> failures = new ArrayList<>();
            int ok = 0;
            for (int round = 0; round < ROUNDS; round++) {
                List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    responses.add(http.sendAsync(HttpRequest.newBuilder(hello).timeout(Duration.ofSeconds(25))
                            .build(), HttpResponse.BodyHandlers.ofString()));
                }
                for (CompletableFuture<HttpResponse<String>> f : responses) {
                    try {
                        HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                        if (r.statusCode() == 200 && r.body().equals("Hello from cgiwire\n")) {
                            ok++;
                        } else {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }
            long connections = jmx.getLong(counters, "Connections") - connectionsBefore;
            System.out.printf("HaproxyMultiplexIT %s: %d of %d answered 200 over %d backend connections"
                    + " (%d clients), %d CANT_MPX_CONN refusals%n", container, ok, CLIENTS * ROUNDS, connections,
                    CLIENTS, jmx.getLong(counters, "MultiplexRefusals"));
            assertEquals(List.of(), failures, () -> failures.size() + " failed\n" + haproxy.diagnostics()
                    + "\n--- demo ---\n" + ChildProcess.tail(demo.output()));
            assertEquals(CLIENTS * ROUNDS, ok);
            assertEquals(CLIENTS * ROUNDS, jmx.getLong(counters, "Requests"));
            assertEquals(0, jmx.getLong(counters, "MultiplexRefusals"), "no id refused");
            assertTrue(connections > 0 && connections < CLIENTS, "HAProxy put several requests on a connection: "
                    + connections + " backend connections for " + CLIENTS + " clients");
        }
    }

    /**
     * A multiplexing container has {@value #BARRIER_CLIENTS} requests in it at once, all through HAProxy's
     * connections to it: each waits at {@code /barrier} until all are there, so every 200 means they were in the
     * container together, and with fewer backend connections than requests some connection carried several at once.
     * HAProxy has no setting that caps its connections to a server (a server's {@code maxconn} counts requests in
     * HTTP mode, {@code pool-max-conn} only idle connections), so it runs one thread ({@code nbthread 1}: its
     * connections with free streams are per thread) and the first request opens the connection the others may share
     * ({@code http-reuse always}); the figures are printed either way. A container that does not multiplex says
     * FCGI_MPXS_CONNS=0, so HAProxy sends it one request per connection at a time: every request answered, no more
     * is claimed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void concurrentRequestsShareAConnectionWhenTheContainerMultiplexes(String container) throws Exception {
        Backend.Launcher launcher = container.equals("jetty") ? Demo.jetty() : Demo.tomcat();
        try (WorkDir work = WorkDir.create("HaproxyMultiplexIT-barrier-" + container);
                Demo demo = (Demo) launcher.start(Files.createDirectories(work.resolve("demo")));
                FrontServer haproxy = new Multiplexing(work.resolve("haproxy"), demo.endpoint(Protocol.FCGI,
                        false), true).start();
                Jmx jmx = Jmx.attach(demo.pid())) {
            Endpoint fcgi = demo.endpoint(Protocol.FCGI, false);
            Cli.Result values = Cli.run(work.path, "--values", "fcgi://" + fcgi.host() + ":" + fcgi.port());
            assertEquals(0, values.exit(), values::toString);
            boolean multiplexes = values.stdout().lines().toList().contains("FCGI_MPXS_CONNS=1");
            assertEquals(MULTIPLEXING.contains(container), multiplexes, () -> container + " multiplexes per issue 13: "
                    + MULTIPLEXING.contains(container) + "; its FCGI_GET_VALUES answer:\n" + values);
            ObjectName counters = counters(jmx, fcgi.port());
            long connectionsBefore = jmx.getLong(counters, "Connections");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> first = http.send(HttpRequest.newBuilder(haproxy.uri(Site.PLAIN, "/hello"))
                    .timeout(Duration.ofSeconds(25)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, first.statusCode(), first::body);
            String key = UUID.randomUUID().toString();
            URI uri = haproxy.uri(Site.PLAIN, multiplexes ? "/barrier?key=" + key + "&parties=" + BARRIER_CLIENTS
                    : "/hello");
            String expected = multiplexes ? "passed " + key + "\n" : "Hello from cgiwire\n";
            List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
            for (int i = 0; i < BARRIER_CLIENTS; i++) {
                responses.add(http.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(25)).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            List<String> failures = new ArrayList<>();
            for (CompletableFuture<HttpResponse<String>> f : responses) {
                try {
                    HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                    if (r.statusCode() != 200 || !r.body().equals(expected)) {
                        failures.add(r.statusCode() + " " + r.body());
                    }
                } catch (Exception e) {
                    failures.add(e.toString());
                }
            }
            long connections = jmx.getLong(counters, "Connections") - connectionsBefore;
            System.out.printf("HaproxyMultiplexIT %s: FCGI_MPXS_CONNS=%d, %d of %d clients at %s answered 200 over %d"
                    + " backend connections (1 request before them), %d CANT_MPX_CONN refusals%n", container,
                    multiplexes ? 1 : 0, BARRIER_CLIENTS - failures.size(), BARRIER_CLIENTS, uri.getPath(),
                    connections, jmx.getLong(counters, "MultiplexRefusals"));
            assertEquals(List.of(), failures, () -> failures.size() + " failed\n" + haproxy.diagnostics()
                    + "\n--- demo ---\n" + ChildProcess.tail(demo.output()));
            assertEquals(0, jmx.getLong(counters, "MultiplexRefusals"), "no id refused");
            if (multiplexes) {
                assertTrue(connections < BARRIER_CLIENTS, () -> "all " + BARRIER_CLIENTS + " were in the container at"
                        + " once, but over " + connections + " backend connections: no proof that one carried"
                        + " several\n" + haproxy.diagnostics());
            }
        }
    }

    private static ObjectName counters(Jmx jmx, int port) throws Exception {
        Set<ObjectName> names = jmx.names("io.cgiwire:type=GatewayMetrics,protocol=fcgi,*");
        names.removeIf(n -> !n.getKeyProperty("name").contains(Integer.toString(port)));
        assertEquals(1, names.size(), names::toString);
        return names.iterator().next();
    }

    /**
     * HAProxy 2.6 multiplexing FastCGI: mpxs-conns, max-reqs 8, get-values, keep-conn, http-reuse always; on one
     * thread if {@code oneThread}.
     */
    static final class Multiplexing extends FrontServer {
        private final boolean oneThread;

        Multiplexing(Path dir, Endpoint backend, boolean oneThread) {
            super(dir, Protocol.FCGI, backend);
            this.oneThread = oneThread;
        }

        @Override
        String name() {
            return "haproxy";
        }

        @Override
        List<String> prepare() throws IOException {
            Path www = Files.createDirectories(dir.resolve("www"));
            StringBuilder frontends = new StringBuilder();
            for (Site site : Site.values()) {
                frontends.append(lines("frontend " + site.name().toLowerCase(), "    bind " + listen(site),
                        "    default_backend cgiwire"));
            }
            String config = lines(
                    "global",
                    "    log stderr format short local0 info",
                    "    maxconn 1000",
                    oneThread ? "    nbthread 1" : "",
                    "defaults",
                    "    mode http",
                    "    log global",
                    "    timeout connect 10s",
                    "    timeout client 30s",
                    "    timeout server 20s",
                    "fcgi-app cgiwire",
                    "    docroot " + www,
                    "    option keep-conn",
                    "    option get-values",
                    "    option mpxs-conns",
                    "    option max-reqs 8",
                    frontends.toString(),
                    "backend cgiwire",
                    "    use-fcgi-app cgiwire",
                    "    http-reuse always",
                    "    server cgiwire1 " + backend.host() + ":" + backend.port() + " proto fcgi");
            Path conf = dir.resolve("haproxy.cfg");
            Files.writeString(conf, config);
            return List.of("haproxy", "-db", "-f", conf.toString());
        }

        @Override
        Path errorLogFile() {
            return dir.resolve(name() + ".stderr.log");
        }

        @Override
        ChunkedUpload chunkedUpload(Site site) {
            throw new UnsupportedOperationException();
        }

        @Override
        String fcgiStderrMarker() {
            throw new UnsupportedOperationException();
        }
    }
}
