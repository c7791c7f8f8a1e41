package io.cgiwire.samples.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A process the tests started, with its stdout and stderr in files. Stopped by pid: SIGTERM, then SIGKILL (the
 * process and every descendant it had) after a timeout. A JVM shutdown hook stops whatever a test left running,
 * so a killed or crashed test run leaves no nginx, httpd, lighttpd or demo behind.
 */
public final class ChildProcess implements AutoCloseable {

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Set<ChildProcess> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> List.copyOf(RUNNING).forEach(ChildProcess::close)));
    }

    private final String name;
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ChildProcess(String name, Process process, Path stdout, Path stderr) {
        this.name = name;
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code command} in {@code dir} with a small fixed environment (PATH, LANG=C) plus {@code env}. */
    public static ChildProcess start(String name, List<String> command, Path dir, Map<String, String> env) {
        Path out = dir.resolve(name + ".stdout.log");
        Path err = dir.resolve(name + ".stderr.log");
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().put("LANG", "C");
        pb.environment().putAll(env);
        try {
            ChildProcess child = new ChildProcess(name, pb.start(), out, err);
            RUNNING.add(child);
            return child;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name + " (" + String.join(" ", command)
                    + "): is it installed? CI must install it", e);
        }
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public String stdout() {
        return read(stdout);
    }

    /** All of stdout, then all of stderr: to count log lines, which {@link #output()}'s tails may cut. */
    public String log() {
        return read(stdout) + read(stderr);
    }

    /** stdout and stderr, for failure messages. */
    public String output() {
        return "--- " + name + " stdout ---\n" + tail(read(stdout)) + "--- " + name + " stderr ---\n" + tail(read(stderr));
    }

    /** Waits until {@code ready} holds, failing with the output if the process dies or time runs out. */
    public void awaitReady(String what, Duration timeout, Predicate<ChildProcess> ready) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.test(this)) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before " + what
                        + "\n" + output());
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " not " + what + " after " + timeout.toSeconds() + " s\n"
                        + output());
            }
            sleep(50);
        }
    }

    @Override
    public void close() {
        List<ProcessHandle> family = new ArrayList<>(process.descendants().toList());
        process.destroy(); // SIGTERM
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // nginx workers and httpd children normally go with their parent; after a SIGKILL they would not
        for (ProcessHandle p : family) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        RUNNING.remove(this);
    }

    public static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String tail(String text) {
        int max = 8_000;
        String t = text.length() > max ? "[...]" + text.substring(text.length() - max) : text;
        return t.isEmpty() || t.endsWith("\n") ? t : t + "\n";
    }

    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
