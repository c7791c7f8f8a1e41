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
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class HaproxyMultiplexIT {
    private static final int CLIENTS = 50;
    private static final int ROUNDS = 4;

    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void everyRequestIsAnsweredWhenHaproxyMultiplexes(String container) throws Exception {
        Backend.Launcher launcher = container.equals("jetty") ? Demo.jetty() : Demo.tomcat();
        try (WorkDir work = WorkDir.create("HaproxyMultiplexIT-" + container);
                Demo demo = (Demo) launcher.start(Files.createDirectories(work.resolve("demo")));
                FrontServer haproxy = new Multiplexing(work.resolve("haproxy"), demo.endpoint(Protocol.FCGI,
                        false)).start();
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

    private static ObjectName counters(Jmx jmx, int port) throws Exception {
        Set<ObjectName> names = jmx.names("io.cgiwire:type=GatewayMetrics,protocol=fcgi,*");
        names.removeIf(n -> !n.getKeyProperty("name").contains(Integer.toString(port)));
        assertEquals(1, names.size(), names::toString);
        return names.iterator().next();
    }

    /** HAProxy 2.6 multiplexing FastCGI: mpxs-conns, max-reqs 8, get-values, keep-conn, http-reuse always. */
    static final class Multiplexing extends FrontServer {
        Multiplexing(Path dir, Endpoint backend) {
            super(dir, Protocol.FCGI, backend);
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
