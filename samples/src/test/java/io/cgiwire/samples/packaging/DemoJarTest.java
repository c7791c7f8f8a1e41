package io.cgiwire.samples.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * target/cgiwire-demo.jar with {@code java -jar}: the CLI's exit codes, and that the shaded jar (both Jetty
 * environments and Tomcat in one jar) starts, serves and stops on SIGTERM. Runs in the package phase.
 */
class DemoJarTest {
    private static final Path JAR = Path.of("target/cgiwire-demo.jar");
    private static final Pattern HTTP_LINE = Pattern.compile("cgiwire demo: HTTP on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void help() throws Exception {
        Result result = run("--help");
        assertEquals(0, result.status());
        assertTrue(result.stdout().startsWith("Usage: java -jar cgiwire-demo.jar"), result.stdout());
    }

    @Test
    void badOption() throws Exception {
        Result result = run("--fcgi", "nowhere");
        assertEquals(2, result.status());
        assertTrue(result.stderr().contains("cgiwire demo: --fcgi: expected HOST:PORT or unix:PATH"), result.stderr());
        assertEquals("", result.stdout());
    }

    @Test
    void eeIsRefusedWithTomcat() throws Exception {
        Result result = run("--container", "tomcat", "--ee", "ee10");
        assertEquals(2, result.status());
        assertTrue(result.stderr().contains("--ee applies to Jetty only"), result.stderr());
    }

    @Test
    void servesOnEe11() throws Exception {
        String stderr = servesAndStops("--ee", "ee11");
        assertTrue(stderr.contains(":INFO :oejs.Server:main: Started"), "Jetty logs at INFO on stderr: " + stderr);
        assertTrue(stderr.contains("oeje11s.ServletContextHandler"), stderr);
    }

    @Test
    void servesOnEe10() throws Exception {
        String stderr = servesAndStops("--ee", "ee10");
        assertTrue(stderr.contains("oeje10s.ServletContextHandler"), stderr);
    }

    /** Tomcat and Jetty in one shaded jar: each finds its own classes and resources. */
    @Test
    void servesOnTomcat() throws Exception {
        String stderr = servesAndStops("--container", "tomcat");
        assertTrue(stderr.contains("Starting Servlet engine: [Apache Tomcat/11.0."), stderr);
        assertTrue(stderr.contains("Starting ProtocolHandler [\"fcgi-nio-127.0.0.1-"), stderr);
    }

    /** Starts the jar with {@code container} and every kind of listener, checks it serves, stops it; its stderr. */
    private String servesAndStops(String... container) throws Exception {
        Path fcgi = dir.resolve("fcgi.sock");
        Path scgi = dir.resolve("scgi.sock");
        List<String> args = new ArrayList<>(List.of(container));
        args.addAll(List.of("--http", "127.0.0.1:0", "--fcgi", "127.0.0.1:0", "--fcgi", "unix:" + fcgi,
                "--scgi", "unix:" + scgi));
        Process process = start(args.toArray(String[]::new));
        try {
            List<String> lines = Collections.synchronizedList(new ArrayList<>());
            Thread reader = new Thread(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("read failed: " + e);
                }
            });
            reader.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!lines.contains("cgiwire demo: ready") && process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(lines.contains("cgiwire demo: ready"), "no ready line; stdout: " + lines
                    + "\nstderr: " + Files.readString(dir.resolve("stderr.txt")));
            assertTrue(lines.get(0).matches("cgiwire demo: FastCGI on 127\\.0\\.0\\.1:\\d+"), lines.toString());
            assertEquals("cgiwire demo: FastCGI on unix:" + fcgi, lines.get(1));
            assertEquals("cgiwire demo: SCGI on unix:" + scgi, lines.get(2));
            Matcher http = HTTP_LINE.matcher(lines.get(3));
            assertTrue(http.matches(), lines.toString());
            assertEquals(5, lines.size(), lines.toString());

            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> hello = client.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + http.group(1) + "/hello")).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("Hello from cgiwire\n", hello.body());

            process.destroy();
            assertTrue(process.waitFor(15, TimeUnit.SECONDS), "did not stop on SIGTERM");
            assertFalse(Files.exists(fcgi), "socket file removed on stop");
            assertFalse(Files.exists(scgi), "socket file removed on stop");
            return Files.readString(dir.resolve("stderr.txt"));
        } finally {
            process.destroyForcibly();
        }
    }

    private record Result(int status, String stdout, String stderr) {
    }

    private Result run(String... args) throws Exception {
        Process process = start(args);
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        return new Result(process.exitValue(), stdout, Files.readString(dir.resolve("stderr.txt")));
    }

    private Process start(String... args) throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " is missing: it is built in the package phase");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
    }
}
