package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.samples.it.FrontServer.Site;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A stock Tomcat 11 distribution with cgiwire installed by hand ({@link StockTomcat}), serving the samples WAR and
 * Tomcat's own {@code examples} webapp (an existing WAR nobody wrote for cgiwire) behind nginx and httpd, over
 * FastCGI and SCGI: one Tomcat, four front servers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StockTomcatIT {

    private static final String CLIENT = "127.0.0.2";
    private static final String INFO = "/examples/servlets/servlet/RequestInfoExample";
    private static final String HEADERS = "/examples/servlets/servlet/RequestHeaderExample";

    private WorkDir work;
    private StockTomcat tomcat;
    private final List<FrontServer> fronts = new ArrayList<>();

    @RegisterExtension
    final TestExecutionExceptionHandler diagnostics = (context, error) -> {
        StringBuilder s = new StringBuilder("==== " + context.getDisplayName() + " failed\n");
        fronts.forEach(f -> s.append(f.diagnostics()));
        if (tomcat != null) {
            s.append(tomcat.output());
        }
        System.err.println(s);
        throw error;
    };

    @BeforeAll
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void startStack() throws IOException {
        work = WorkDir.create(getClass().getSimpleName());
        Path war = Path.of(System.getProperty("cgiwire.samples.war", "target/cgiwire-samples.war"));
        tomcat = StockTomcat.start(Files.createDirectories(work.resolve("backend")),
                Map.of("cgiwire-samples", war), List.of("/cgiwire-samples/hello", "/examples/"));
        for (FrontServer.Kind kind : List.of(FrontServer.Kind.NGINX, FrontServer.Kind.HTTPD)) {
            for (Protocol protocol : Protocol.values()) {
                String name = kind.name().toLowerCase() + "-" + protocol.name().toLowerCase();
                fronts.add(kind.create(work.resolve(name), protocol, tomcat.endpoint(protocol, false)).start());
            }
        }
    }

    @AfterAll
    void stopStack() {
        try {
            fronts.forEach(FrontServer::close);
        } finally {
            try {
                if (tomcat != null) {
                    tomcat.close();
                }
            } finally {
                if (work != null) {
                    work.close();
                }
            }
        }
    }

    /** The front servers, started once; JUnit must not close them after each test (they are AutoCloseable). */
    List<FrontServer> fronts() {
        return fronts;
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("fronts")
    void samplesWarSeesTheClientAndTheUri(FrontServer front) throws Exception {
        String target = "/cgiwire-samples/dump/a%20b?x=1";
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN), CLIENT)) {
            RawHttp.Response r = c.send("GET", target).read(false);
            assertEquals(200, r.status(), r::toString);
            Map<String, Object> dump = GatewaySuite.json(r.text());
            assertAll(
                    () -> assertEquals(CLIENT, dump.get("remoteAddr")),
                    () -> assertEquals(c.socket.getLocalPort(), ((Number) dump.get("remotePort")).intValue()),
                    () -> assertEquals("/cgiwire-samples/dump/a%20b", dump.get("requestURI")),
                    () -> assertEquals("/cgiwire-samples", dump.get("contextPath")),
                    () -> assertEquals("/a b", dump.get("pathInfo")),
                    () -> assertEquals("x=1", dump.get("queryString")),
                    () -> assertEquals(front.uri(Site.PLAIN, "/cgiwire-samples/dump/a%20b").toString(),
                            dump.get("requestURL")),
                    () -> assertEquals(false, dump.get("secure")));
        }
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("fronts")
    void samplesWarStreamsABodyThrough(FrontServer front) throws Exception {
        byte[] body = GatewaySuite.randomBytes(GatewaySuite.MIB + 7, 5);
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
            c.write(c.head("POST", "/cgiwire-samples/digest", "Content-Type: application/octet-stream",
                    "Content-Length: " + body.length));
            c.write(body);
            RawHttp.Response r = c.read(false);
            assertEquals(200, r.status(), r::toString);
            assertEquals(GatewaySuite.sha256(body) + " " + body.length + "\n", r.text());
        }
    }

    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("fronts")
    void httpsOnMakesTheSamplesRequestSecure(FrontServer front) throws Exception {
        try (RawHttp c = RawHttp.connect(front.port(Site.HTTPS_ON))) {
            Map<String, Object> dump = GatewaySuite.json(c.send("GET", "/cgiwire-samples/dump").read(false).text());
            assertEquals(true, dump.get("secure"), dump::toString);
            assertEquals("https://127.0.0.1:" + front.port(Site.HTTPS_ON) + "/cgiwire-samples/dump",
                    dump.get("requestURL"));
        }
    }

    /** The examples' RequestInfoExample page shows the request URI, path info and the client's address. */
    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("fronts")
    void examplesRequestInfoShowsTheClient(FrontServer front) throws Exception {
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN), CLIENT)) {
            RawHttp.Response r = c.send("GET", INFO + "/extra%20path?x=1").read(false);
            assertEquals(200, r.status(), r::toString);
            String page = r.text();
            assertAll(
                    () -> assertTrue(page.contains("<title>Request Information Example</title>"), page),
                    () -> assertTrue(page.contains("Method:\n</td><td>\nGET\n"), page),
                    () -> assertTrue(page.contains("Request URI:\n</td><td>\n" + INFO + "/extra%20path\n"), page),
                    () -> assertTrue(page.contains("Path Info:\n</td><td>\n/extra path\n"), page),
                    () -> assertTrue(page.contains("Protocol:\n</td><td>\nHTTP/1.1\n"), page),
                    () -> assertTrue(page.contains("Remote Address:\n</td><td>\n" + CLIENT + "\n"), page));
        }
    }

    /** The examples' RequestHeaderExample page shows the client's headers and the Host it used. */
    @ParameterizedTest(autoCloseArguments = false)
    @MethodSource("fronts")
    void examplesRequestHeadersShowTheClientsHeaders(FrontServer front) throws Exception {
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
            RawHttp.Response r = c.send("GET", HEADERS, "X-Cgiwire-Test: stock <tomcat>").read(false);
            assertEquals(200, r.status(), r::toString);
            String page = r.text();
            assertAll(
                    () -> assertTrue(row(page, "host", "127.0.0.1:" + front.port(Site.PLAIN)), page),
                    () -> assertTrue(row(page, "x-cgiwire-test", "stock &lt;tomcat&gt;"), page));
        }
    }

    /** A table row of the page: the header name (any case), then its value, as RequestHeaderExample prints them. */
    private static boolean row(String page, String name, String value) {
        return Pattern.compile("(?i)<td[^>]*>\\s*" + Pattern.quote(name) + "\\s*</td><td>\\s*")
                .matcher(page).results()
                .anyMatch(m -> page.startsWith(value + "\n", m.end()));
    }
}
