package io.cgiwire.samples.springboot.it;

import io.cgiwire.samples.it.ChildProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The sample application's jar as its own process ({@code java -jar ... --cgiwire.fcgi.port=...}), ready when Boot
 * logs that it started, stopped with SIGTERM as a service manager would.
 */
final class BootApp implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    final ChildProcess process;

    private BootApp(ChildProcess process) {
        this.process = process;
    }

    /** The jar named by the system property (failsafe sets it), for {@code container} "tomcat" or "jetty". */
    static Path jar(String container) {
        String property = "cgiwire.boot." + container + ".jar";
        Path jar = Path.of(System.getProperty(property, "target/cgiwire-spring-boot-sample"
                + ("jetty".equals(container) ? "-jetty" : "") + ".jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no sample jar at " + jar.toAbsolutePath() + " (" + property
                    + "): build it first (mvn -B verify packages it before the ITs run)");
        }
        return jar;
    }

    /** Starts {@code jar} with {@code args} (Boot's --property=value) in {@code dir}; see {@link #awaitStarted()}. */
    static BootApp launch(String name, Path jar, Path dir, List<String> args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                "-jar", jar.toAbsolutePath().toString()));
        command.addAll(args);
        return new BootApp(ChildProcess.start(name, command, dir, Map.of()));
    }

    /** Waits until Boot says the application has started (its web server, with the cgiwire connectors, is up). */
    BootApp awaitStarted() {
        process.awaitReady("started", READY_TIMEOUT, c -> c.stdout().contains("Started SampleApplication"));
        return this;
    }

    String output() {
        return process.output();
    }

    @Override
    public void close() {
        process.close();
    }
}
