package io.cgiwire.samples.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** wrk as a child process: bounded in threads, connections and seconds, loopback only. Missing wrk fails. */
final class Wrk {
    private Wrk() {
    }

    /** Runs wrk and returns its report; fails if it does not end in time or ends badly. */
    static String run(Path dir, int threads, int connections, int seconds, String url) throws IOException {
        Files.createDirectories(dir);
        try (ChildProcess wrk = ChildProcess.start("wrk-" + System.nanoTime(), List.of("wrk", "-t" + threads,
                "-c" + connections, "-d" + seconds + "s", "--timeout", "10s", "--latency", url), dir, Map.of())) {
            long deadline = System.nanoTime() + Duration.ofSeconds(seconds + 30L).toNanos();
            while (wrk.isAlive()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("wrk did not finish\n" + wrk.output());
                }
                ChildProcess.sleep(100);
            }
            return wrk.stdout();
        }
    }
}
