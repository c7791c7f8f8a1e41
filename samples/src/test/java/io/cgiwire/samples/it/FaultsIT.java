package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.fcgi.Fcgi;
import io.cgiwire.core.fcgi.FcgiEncoder;
import io.cgiwire.core.fcgi.NameValueCodec;
import io.cgiwire.samples.it.FrontServer.Site;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * How one demo behind nginx takes what a failing network and failing clients do: each fault reaches the servlet
 * as it should, is logged at most once, and leaves the requests after it unharmed. Also the load a front server
 * puts on it: a thousand concurrent client connections. The demo runs on Jetty here; {@link TomcatFaultsIT} runs the
 * same scenarios on Tomcat.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class FaultsIT {
    private static final Path JAR = Path.of(System.getProperty("cgiwire.demo.jar", "target/cgiwire-demo.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private WorkDir work;
    private ChildProcess demo;
    private NginxPool nginx;
    private int fcgiPort;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** The demo's container: nothing for its default, Jetty. */
    List<String> containerArgs() {
        return List.of();
    }

    /** What the connector logs, once, when the web server closes a connection in the middle of a record. */
    String prematureEndMarker() {
        return "PREMATURE_END: connection closed after";
    }

    @BeforeAll
    void start() throws Exception {
        work = WorkDir.create(getClass().getSimpleName());
        int[] ports = FreePorts.take(2);
        fcgiPort = ports[0];
        List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toAbsolutePath().toString(),
                "--fcgi", "127.0.0.1:" + ports[0], "--scgi", "127.0.0.1:" + ports[1]));
        command.addAll(containerArgs());
        demo = ChildProcess.start("demo", command, Files.createDirectories(work.resolve("demo")), Map.of());
        demo.awaitReady("ready", Duration.ofSeconds(60), c -> c.stdout().contains("cgiwire demo: ready"));
        // nginx gives up on a silent backend after 8 s (roomy for a loaded CI machine), and streams request bodies
        // (request buffering off).
        nginx = new NginxPool(work.resolve("nginx"), List.of(Endpoint.tcp("127.0.0.1", fcgiPort)), 8);
        nginx.start();
    }

    @AfterAll
    void stop() {
        if (nginx != null) {
            nginx.close();
        }
        if (demo != null) {
            demo.close();
        }
        if (work != null) {
            work.close();
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return client.send(HttpRequest.newBuilder(nginx.uri(Site.PLAIN, path)).timeout(Duration.ofSeconds(20))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private void laterRequestsAreFine() throws Exception {
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = get("/hello");
            assertEquals(200, r.statusCode(), () -> nginx.diagnostics() + demo.output());
            assertEquals("Hello from cgiwire\n", r.body());
        }
    }

    private int aborted(String stats) throws Exception {
        String body = get(stats).body().trim();
        assertTrue(body.startsWith("aborted="), body);
        return Integer.parseInt(body.substring("aborted=".length()));
    }

    /** The client sends 64 KiB of a 1 MiB upload and goes away: the servlet's read fails. */
    @Test
    void clientGoingAwayMidUploadFailsTheServletsRead() throws Exception {
        int before = aborted("/digest/stats");
        try (RawHttp c = RawHttp.connect(nginx.port(Site.PLAIN))) {
            c.write(c.head("POST", "/digest", "Content-Length: 1048576",
                    "Content-Type: application/octet-stream"));
            c.write(new byte[64 * 1024]);
            Thread.sleep(500);
        }
        GatewaySuite.eventually(Duration.ofSeconds(10), () -> aborted("/digest/stats") > before,
                () -> "the servlet did not see the upload cut short\n" + demo.output());
        laterRequestsAreFine();
    }

    /** The client goes away in the middle of a download: the servlet's next write fails. */
    @Test
    void clientGoingAwayMidDownloadFailsTheServletsWrite() throws Exception {
        int before = aborted("/slow/stats");
        try (RawHttp c = RawHttp.connect(nginx.port(Site.PLAIN))) {
            c.send("GET", "/slow?ms=50&n=" + 100 * 1024);
            c.input().readNBytes(2048);
        }
        GatewaySuite.eventually(Duration.ofSeconds(10), () -> aborted("/slow/stats") > before,
                () -> "the servlet did not see the download cut short\n" + demo.output());
        laterRequestsAreFine();
    }

    /** A servlet that does not answer in time: nginx answers 504 and the connector goes on serving. */
    @Test
    void hungServletGets504AndLaterRequestsAreFine() throws Exception {
        HttpResponse<String> r = get("/async?delay=20000");
        assertEquals(504, r.statusCode(), () -> nginx.diagnostics());
        laterRequestsAreFine();
    }

    /** A peer that closes in the middle of a record: logged once, with what was cut, and nobody else notices. */
    @Test
    void webServerClosingMidRecordIsLoggedOnce() throws Exception {
        String marker = prematureEndMarker();
        long before = count(demo.log(), marker);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", fcgiPort), 5000);
            OutputStream out = s.getOutputStream();
            ByteBuffer begin = ByteBuffer.allocate(16);
            FcgiEncoder.putBeginRequest(begin, 1, Fcgi.FCGI_RESPONDER, 0);
            io.cgiwire.core.cgi.CgiEnvironment env = new io.cgiwire.core.cgi.CgiEnvironment();
            env.add("REQUEST_METHOD", "GET");
            env.add("REQUEST_URI", "/hello");
            byte[] pairs = NameValueCodec.encode(env);
            ByteBuffer params = ByteBuffer.allocate((int) FcgiEncoder.streamLength(pairs.length));
            FcgiEncoder.putStream(params, Fcgi.FCGI_PARAMS, 1, ByteBuffer.wrap(pairs));
            out.write(begin.array());
            out.write(Arrays.copyOf(params.array(), 8 + pairs.length / 2));
            out.flush();
        }
        GatewaySuite.eventually(Duration.ofSeconds(10), () -> count(demo.log(), marker) == before + 1,
                () -> "expected one \"" + marker + "\" warning\n" + demo.output());
        Thread.sleep(300);
        assertEquals(before + 1, count(demo.log(), marker), demo.output());
        laterRequestsAreFine();
    }

    /** A thousand concurrent client connections through nginx, for a few seconds: every request succeeds. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aThousandConcurrentConnections() throws Exception {
        // Its own nginx with the usual 30 s read timeout: the 8 s one above is for the hung servlet, and on a busy
        // 2-core machine a thousand queued requests can take longer than that without anything being wrong.
        String out;
        try (NginxPool patient = new NginxPool(work.resolve("nginx-load"),
                List.of(Endpoint.tcp("127.0.0.1", fcgiPort)))) {
            patient.start();
            out = Wrk.run(work.resolve("wrk"), 2, 1000, 8, patient.uri(Site.PLAIN, "/hello").toString());
        }
        Matcher summary = Pattern.compile("\\d+ requests in .*").matcher(out);
        System.out.println(getClass().getSimpleName() + ": 1000 connections through nginx: "
                + (summary.find() ? summary.group() : "no summary"));
        assertFalse(out.contains("Socket errors"), out);
        assertFalse(out.contains("Non-2xx"), out);
        Matcher requests = Pattern.compile("(\\d+) requests in").matcher(out);
        assertTrue(requests.find() && Long.parseLong(requests.group(1)) > 1000, out);
        laterRequestsAreFine();
    }

    private static long count(String text, String marker) {
        return text.lines().filter(l -> l.contains(marker)).count();
    }
}
