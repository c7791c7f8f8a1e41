package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.samples.it.FrontServer.Site;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A stock Jetty as users run it: jetty-home 12.1.12 from Maven Central, a fresh jetty-base set up with exactly the
 * README's steps (unpack cgiwire-jetty-base.tar.gz, {@code start.jar --add-modules=cgiwire-fcgi,cgiwire-scgi}),
 * started with {@code start.jar} as its own process, serving three WARs: the samples WAR on ee11 and two WARs
 * nobody here wrote (Jetty's ee10 demos, one with JSPs) on ee10. nginx (fastcgi_pass and scgi_pass) and httpd
 * (mod_proxy_fcgi and mod_proxy_scgi) in front; then the same base once more on a socket inherited from spawn-fcgi.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StockJettyIT {
    /** The front servers and protocols put in front of the one stock Jetty. */
    enum Front {
        NGINX_FCGI(FrontServer.Kind.NGINX, Protocol.FCGI),
        NGINX_SCGI(FrontServer.Kind.NGINX, Protocol.SCGI),
        HTTPD_FCGI(FrontServer.Kind.HTTPD, Protocol.FCGI),
        HTTPD_SCGI(FrontServer.Kind.HTTPD, Protocol.SCGI);

        final FrontServer.Kind kind;
        final Protocol protocol;

        Front(FrontServer.Kind kind, Protocol protocol) {
            this.kind = kind;
            this.protocol = protocol;
        }
    }

    private static final Path JETTY_HOME = Path.of(System.getProperty("cgiwire.jetty.home",
            "target/stock-jetty/jetty-home-12.1.12"));
    private static final Path ARCHIVE = Path.of(System.getProperty("cgiwire.jetty.base.archive",
            "../jetty-adapter/target/cgiwire-jetty-base.tar.gz"));
    private static final Path SAMPLES_WAR = Path.of(System.getProperty("cgiwire.samples.war",
            "target/cgiwire-samples.war"));
    private static final Path STOCK_WARS = Path.of(System.getProperty("cgiwire.stock.wars", "target/stock-wars"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private WorkDir work;
    private Path base;
    private ChildProcess jetty;
    private int fcgiPort;
    private int scgiPort;
    private final List<AutoCloseable> fronts = new ArrayList<>();
    private final Map<Front, FrontServer> frontServers = new java.util.EnumMap<>(Front.class);

    @BeforeAll
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void setUpBaseAndStart() throws Exception {
        work = WorkDir.create("StockJettyIT");
        base = Files.createDirectories(work.resolve("jetty-base"));
        // The base's own web applications, as a user's base already has them: ee11 and ee10 deployers, JSP.
        run("add the webapp modules", base, JAVA, "-jar", JETTY_HOME.resolve("start.jar").toString(),
                "--add-modules=ee11-deploy,ee10-deploy,ee10-apache-jsp,ee10-jstl");
        // The README's steps.
        run("unpack cgiwire", base, "tar", "xzf", ARCHIVE.toAbsolutePath().toString());
        run("add the cgiwire modules", base, JAVA, "-jar", JETTY_HOME.resolve("start.jar").toString(),
                "--add-modules=cgiwire-fcgi,cgiwire-scgi");
        // What an operator adds to watch it: jetty-home's statistics and jmx modules.
        run("add the statistics and jmx modules", base, JAVA, "-jar", JETTY_HOME.resolve("start.jar").toString(),
                "--add-modules=statistics,jmx");
        String ini = Files.readString(base.resolve("start.d/cgiwire-fcgi.ini"));
        assertTrue(ini.contains("# jetty.cgiwire.fcgi.allowedPeers="), ini);
        assertTrue(ini.contains("# jetty.cgiwire.fcgi.maxParamsBytes=65536"), ini);

        Path webapps = base.resolve("webapps");
        Files.copy(SAMPLES_WAR, webapps.resolve("ROOT.war"));
        Files.writeString(webapps.resolve("ROOT.properties"), "environment=ee11\n");
        for (String war : List.of("simple", "jsp")) {
            Files.copy(STOCK_WARS.resolve(war + ".war"), webapps.resolve(war + ".war"));
            Files.writeString(webapps.resolve(war + ".properties"), "environment=ee10\n");
        }

        int[] ports = FreePorts.take(2);
        fcgiPort = ports[0];
        scgiPort = ports[1];
        jetty = startJetty("jetty", List.of(), "jetty.cgiwire.fcgi.port=" + fcgiPort,
                "jetty.cgiwire.scgi.port=" + scgiPort);
        for (Front f : Front.values()) {
            int port = f.protocol == Protocol.FCGI ? fcgiPort : scgiPort;
            FrontServer front = f.kind.create(work.resolve(f.name().toLowerCase()), f.protocol,
                    Endpoint.tcp("127.0.0.1", port)).start();
            fronts.add(front);
            frontServers.put(f, front);
        }
    }

    @AfterAll
    void stop() {
        for (AutoCloseable c : fronts) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the next one still has to stop
            }
        }
        if (jetty != null) {
            jetty.close();
        }
        if (work != null) {
            work.close();
        }
    }

    @Test
    void eachWarRunsInTheEnvironmentItAskedFor() {
        String log = jetty.output();
        assertAll(
                () -> assertTrue(Pattern.compile("Started oeje11w\\.WebAppContext@\\w+\\{cgiwire samples,/,")
                        .matcher(log).find(), log),
                () -> assertTrue(Pattern.compile("Started oeje10w\\.WebAppContext@\\w+\\{EE10 Demo JSP WebApp,/jsp,")
                        .matcher(log).find(), log),
                () -> assertTrue(Pattern.compile("Started oeje10w\\.WebAppContext@\\w+\\{EE10 Demo Simple WebApp,/simple,")
                        .matcher(log).find(), log),
                () -> assertTrue(log.contains("{cgiwire-fcgi, (cgiwire-fcgi)}{127.0.0.1:" + fcgiPort + "}"), log),
                () -> assertTrue(log.contains("{cgiwire-scgi, (cgiwire-scgi)}{127.0.0.1:" + scgiPort + "}"), log));
    }

    @ParameterizedTest
    @EnumSource(Front.class)
    void samplesSeeTheClientAndTheRawTarget(Front f) throws Exception {
        FrontServer front = frontServers.get(f);
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN), "127.0.0.2")) {
            RawHttp.Response r = c.send("GET", "/dump/a%20b;p=1?q=1&r=%26").read(false);
            assertEquals(200, r.status(), () -> r + diagnostics(front));
            Map<String, Object> dump = GatewaySuite.json(r.text());
            assertAll(
                    () -> assertEquals("/dump/a%20b;p=1", dump.get("requestURI")),
                    () -> assertEquals("/dump", dump.get("servletPath")),
                    () -> assertEquals("/a b", dump.get("pathInfo")),
                    () -> assertEquals("q=1&r=%26", dump.get("queryString")),
                    () -> assertEquals("127.0.0.2", dump.get("remoteAddr")),
                    () -> assertEquals(c.socket.getLocalPort(), ((Number) dump.get("remotePort")).intValue()),
                    () -> assertEquals(front.port(Site.PLAIN), ((Number) dump.get("serverPort")).intValue()));
        }
    }

    @ParameterizedTest
    @EnumSource(Front.class)
    void jspPagesRender(Front f) throws Exception {
        FrontServer front = frontServers.get(f);
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN), "127.0.0.2")) {
            RawHttp.Response r = c.send("GET", "/jsp/dump.jsp?x=1&y=a%20b").read(false);
            assertEquals(200, r.status(), () -> r + diagnostics(front));
            String page = r.text();
            assertAll(
                    () -> assertTrue(page.contains("<h1>JSP Dump</h1>"), page),
                    () -> assertTrue(page.contains("<th>Request URI:</th><td>/jsp/dump.jsp</td>"), page),
                    () -> assertTrue(page.contains("<th>ServletPath:</th><td>/dump.jsp</td>"), page),
                    () -> assertTrue(page.contains("<th>PathInfo:</th><td>null</td>"), page),
                    () -> assertTrue(page.contains("<th>getParameter(\"x\")</th>\n  <td>1</td>"), page),
                    () -> assertTrue(page.contains("<th>getParameter(\"y\")</th>\n  <td>a b</td>"), page));
        }
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
            // An EL expression evaluated by Jasper: ${param["A"] * 2}.
            RawHttp.Response r = c.send("GET", "/jsp/expr.jsp?A=21").read(false);
            assertEquals(200, r.status(), () -> r + diagnostics(front));
            assertTrue(r.text().contains("<td>42&nbsp;</td>"), r.text());
        }
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
            // A JSTL tag run by the jstl module: <c:forEach> from 1 to 10.
            RawHttp.Response r = c.send("GET", "/jsp/jstl.jsp").read(false);
            assertEquals(200, r.status(), () -> r + diagnostics(front));
            String page = r.text();
            assertTrue(page.contains("<h1>JSTL Example</h1>") && !page.contains("c:forEach")
                    && page.replaceAll("\\s+", " ").contains("1 <br /> 2 <br />")
                    && page.replaceAll("\\s+", " ").contains("10 <br />"), page);
        }
    }

    @ParameterizedTest
    @EnumSource(Front.class)
    void aServletNobodyHereWroteAnswers(Front f) throws Exception {
        FrontServer front = frontServers.get(f);
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
            RawHttp.Response r = c.send("GET", "/simple/hello").read(false);
            assertEquals(200, r.status(), () -> r + diagnostics(front));
            assertTrue(r.text().startsWith("HelloWorld from Servlet-6.0"), r.text());
        }
    }

    /**
     * jetty-home's statistics module counts our connections' bytes and messages in its ConnectionStatistics, and
     * cgiwire's counters are MBeans beside it: both read over JMX from outside the process, as jconsole would.
     */
    @Test
    void statisticsAndCountersAreReadableOverJmx() throws Exception {
        FrontServer front = frontServers.get(Front.NGINX_SCGI);
        int requests = 3;
        try (Jmx jmx = Jmx.attach(jetty.pid())) {
            ObjectName counters = GatewayMetrics.objectName("SCGI", "127.0.0.1:" + scgiPort);
            Set<ObjectName> statistics = jmx.names("org.eclipse.jetty.io:type=connectionstatistics,*");
            assertEquals(1, statistics.size(), statistics::toString);
            ObjectName connections = statistics.iterator().next();
            long requestsBefore = jmx.getLong(counters, "Requests");
            long messagesBefore = jmx.getLong(connections, "receivedMessages");
            long bytesBefore = jmx.getLong(connections, "receivedBytes");
            long sentBefore = jmx.getLong(connections, "sentBytes");
            for (int i = 0; i < requests; i++) {
                try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
                    RawHttp.Response r = c.send("GET", "/hello").read(false);
                    assertEquals(200, r.status(), () -> r + diagnostics(front));
                }
            }
            assertEquals(requestsBefore + requests, jmx.getLong(counters, "Requests"));
            // ConnectionStatistics takes a connection's figures when it closes: SCGI closes after each request.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (jmx.getLong(connections, "receivedMessages") < messagesBefore + requests
                    && System.nanoTime() < deadline) {
                ChildProcess.sleep(50);
            }
            assertEquals(messagesBefore + requests, jmx.getLong(connections, "receivedMessages"));
            assertTrue(jmx.getLong(connections, "receivedBytes") > bytesBefore, "bytes in counted");
            assertTrue(jmx.getLong(connections, "sentBytes") - sentBefore
                    >= requests * "Hello from cgiwire\n".length(), "bytes out counted");
            assertEquals("SCGI", jmx.get(counters, "Protocol"));
            assertEquals(0, jmx.getLong(counters, "Violations"));
        }
    }

    /**
     * The same base started by spawn-fcgi, which binds the socket and hands it over as file descriptor 0 (FastCGI's
     * FCGI_LISTENSOCK_FILENO): with inheritChannel=true Jetty accepts on it. The configured port is a different free
     * port, so a request that arrives proves the inherited socket was used.
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void acceptsOnASocketInheritedFromSpawnFcgi() throws Exception {
        int[] ports = FreePorts.take(3);
        int spawnPort = ports[0];
        try (ChildProcess spawned = startJetty("jetty-spawned",
                List.of("spawn-fcgi", "-n", "-a", "127.0.0.1", "-p", Integer.toString(spawnPort), "--"),
                "jetty.cgiwire.fcgi.inheritChannel=true", "jetty.cgiwire.fcgi.port=" + ports[1],
                "jetty.cgiwire.scgi.port=" + ports[2]);
                FrontServer front = FrontServer.Kind.NGINX.create(work.resolve("nginx-spawned"), Protocol.FCGI,
                        Endpoint.tcp("127.0.0.1", spawnPort)).start();
                RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
            RawHttp.Response r = c.send("GET", "/hello").read(false);
            assertEquals(200, r.status(), () -> r + front.diagnostics() + spawned.output());
            assertEquals("Hello from cgiwire\n", r.text());
            assertFalse(spawned.output().contains("127.0.0.1:" + ports[1] + "}"),
                    "the configured port must not be bound when the socket is inherited");
        }
    }

    /** Starts the base with start.jar (behind {@code prefix}, e.g. spawn-fcgi), waiting until its server started. */
    private ChildProcess startJetty(String name, List<String> prefix, String... properties) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(JAVA, "-jar", JETTY_HOME.resolve("start.jar").toString()));
        command.addAll(List.of(properties));
        ChildProcess process = ChildProcess.start(name, command, base, Map.of());
        try {
            process.awaitReady("started", Duration.ofSeconds(60),
                    p -> Pattern.compile("Started oejs\\.Server@").matcher(p.output()).find());
        } catch (RuntimeException e) {
            process.close();
            throw e;
        }
        return process;
    }

    private void run(String what, Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(what + " failed: " + String.join(" ", command) + "\n" + output);
        }
    }

    private String diagnostics(FrontServer front) {
        return "\n" + front.diagnostics() + "\n" + ChildProcess.tail(jetty.output());
    }
}
