package io.cgiwire.samples.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The diagnostics client as users run it: {@code java -jar cgiwire-cli.jar ARGS} in a process of its own, with a
 * small fixed environment, its exit code, stdout and stderr kept.
 */
final class Cli {
    private static final AtomicInteger RUNS = new AtomicInteger();

    /** What one run gave. */
    record Result(int exit, byte[] stdoutBytes, String stderr, List<String> args) {
        String stdout() {
            return new String(stdoutBytes, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return "cgiwire-cli " + String.join(" ", args) + " -> exit " + exit + "\n--- stdout ---\n"
                    + ChildProcess.tail(stdout()) + "--- stderr ---\n" + ChildProcess.tail(stderr);
        }
    }

    private Cli() {
    }

    /** The jar: the system property {@code cgiwire.cli.jar} (failsafe sets it), else the cli module's target. */
    static Path jar() {
        Path jar = Path.of(System.getProperty("cgiwire.cli.jar", "../cli/target/cgiwire-cli.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no cgiwire-cli jar at " + jar.toAbsolutePath()
                    + ": build it first (mvn -B verify at the root packages it before the samples' ITs)");
        }
        return jar;
    }

    static Result run(Path dir, String... args) {
        return run(dir, Map.of(), args);
    }

    /** Runs the client in {@code dir} with {@code env} added to PATH and LANG=C; fails after 60 s. */
    static Result run(Path dir, Map<String, String> env, String... args) {
        int n = RUNS.incrementAndGet();
        Path out = dir.resolve("cli-" + n + ".stdout");
        Path err = dir.resolve("cli-" + n + ".stderr");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar().toAbsolutePath().toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().clear();
        pb.environment().put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        pb.environment().put("LANG", "C");
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor();
                throw new IllegalStateException("cgiwire-cli " + String.join(" ", args) + " still running after 60 s\n"
                        + ChildProcess.read(err));
            }
            return new Result(p.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.UTF_8),
                    List.of(args));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The client's URL form of a Unix socket: the path, each '/' as %2F, as the host. */
    static String unixHost(Path socket) {
        return socket.toAbsolutePath().toString().replace("%", "%25").replace("/", "%2F");
    }
}
