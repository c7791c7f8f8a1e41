package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.samples.it.FrontServer.Site;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The short version of the soak (tools/soak/soak.sh runs the 30-minute one): moderate load through nginx for
 * {@code cgiwire.soak.seconds} (default 20), reporting the demo's heap after a full GC and its open file
 * descriptors at start and end. Leaks show as descriptors that stay open or a heap that keeps what it served. The demo
 * runs on Jetty here; {@link TomcatSoakIT} soaks it on Tomcat.
 */
class SoakIT {
    private static final Path JAR = Path.of(System.getProperty("cgiwire.demo.jar", "target/cgiwire-demo.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final int SECONDS = Integer.getInteger("cgiwire.soak.seconds", 20);

    /** The demo's container: nothing for its default, Jetty. */
    List<String> containerArgs() {
        return List.of();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void moderateLoadLeavesNothingBehind() throws Exception {
        try (WorkDir work = WorkDir.create(getClass().getSimpleName())) {
            int[] ports = FreePorts.take(2);
            List<String> command = new ArrayList<>(List.of(JAVA, "-Xmx256m", "-jar", JAR.toAbsolutePath().toString(),
                    "--fcgi", "127.0.0.1:" + ports[0], "--scgi", "127.0.0.1:" + ports[1]));
            command.addAll(containerArgs());
            try (ChildProcess demo = ChildProcess.start("demo", command, Files.createDirectories(work.resolve("demo")),
                    Map.of());
                    NginxPool nginx = new NginxPool(work.resolve("nginx"),
                            List.of(Endpoint.tcp("127.0.0.1", ports[0])))) {
                demo.awaitReady("ready", Duration.ofSeconds(60), c -> c.stdout().contains("cgiwire demo: ready"));
                nginx.start();
                // Warm up, so that the start figures include what a serving JVM keeps anyway.
                Wrk.run(work.resolve("wrk"), 1, 16, 3, nginx.uri(Site.PLAIN, "/hello").toString());
                Sample start = Sample.of(demo.pid());
                String hello = Wrk.run(work.resolve("wrk"), 1, 32, SECONDS, nginx.uri(Site.PLAIN, "/hello").toString());
                String bytes = Wrk.run(work.resolve("wrk"), 1, 16, Math.max(5, SECONDS / 4),
                        nginx.uri(Site.PLAIN, "/bytes?n=65536").toString());
                Thread.sleep(1500);
                Sample end = Sample.of(demo.pid());
                System.out.printf("%s: soak %d s: /hello %d requests, /bytes 64 KiB %d requests; heap after GC %d KiB"
                        + " -> %d KiB, open fds %d -> %d%n", getClass().getSimpleName(), SECONDS, requests(hello),
                        requests(bytes), start.heapKiB, end.heapKiB, start.fds, end.fds);
                for (String out : List.of(hello, bytes)) {
                    assertFalse(out.contains("Socket errors"), out);
                    assertFalse(out.contains("Non-2xx"), out);
                }
                assertTrue(requests(hello) > 1000, hello);
                // Kept-alive connections to nginx may stay open (its pool holds up to 16); nothing else may.
                assertTrue(end.fds <= start.fds + 20, () -> "open fds " + start.fds + " -> " + end.fds);
                assertTrue(end.heapKiB <= start.heapKiB + 32 * 1024,
                        () -> "heap after GC " + start.heapKiB + " KiB -> " + end.heapKiB + " KiB");
                assertEquals("", leakWarnings(demo.log()), demo.output());
            }
        }
    }

    private static long requests(String wrk) {
        Matcher m = Pattern.compile("(\\d+) requests in").matcher(wrk);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String leakWarnings(String log) {
        return log.lines().filter(l -> l.contains("LEAK") || l.contains("OutOfMemory"))
                .reduce("", (a, b) -> a + b + "\n");
    }

    /** A process's heap after a full GC (jcmd) and its open file descriptors (/proc). */
    record Sample(long heapKiB, long fds) {
        static Sample of(long pid) throws IOException, InterruptedException {
            new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "GC.run").start().waitFor(30, TimeUnit.SECONDS);
            Process info = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String text = new String(info.getInputStream().readAllBytes());
            info.waitFor(30, TimeUnit.SECONDS);
            Matcher used = Pattern.compile("used (\\d+)K").matcher(text);
            long heap = used.find() ? Long.parseLong(used.group(1)) : -1;
            long fds;
            try (var files = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                fds = files.count();
            }
            assertTrue(heap >= 0, text);
            return new Sample(heap, fds);
        }
    }
}
