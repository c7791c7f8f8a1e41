package io.cgiwire.samples.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The demo jar as its own process: {@code java -jar cgiwire-demo.jar --fcgi ... --scgi ... --http ...}, ready when
 * it prints {@code cgiwire demo: ready}, stopped with SIGTERM.
 */
final class Demo implements Backend {

    static final String READY_LINE = "cgiwire demo: ready";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final ChildProcess process;
    private final Endpoint fcgi;
    private final Endpoint fcgiUnix;
    private final Endpoint scgi;
    private final URI http;

    private Demo(ChildProcess process, Endpoint fcgi, Endpoint fcgiUnix, Endpoint scgi, URI http) {
        this.process = process;
        this.fcgi = fcgi;
        this.fcgiUnix = fcgiUnix;
        this.scgi = scgi;
        this.http = http;
    }

    /**
     * The Jetty demo: the jar named by the system property {@code cgiwire.demo.jar} (failsafe sets it), else
     * {@code target/cgiwire-demo.jar}; {@code --ee} from {@code cgiwire.demo.ee} when set.
     */
    static Backend.Launcher jetty() {
        return jetty(System.getProperty("cgiwire.demo.ee", ""));
    }

    /** The Jetty demo on environment {@code ee} ("ee10", "ee11"; empty for the demo's default). */
    static Backend.Launcher jetty(String ee) {
        Path jar = Path.of(System.getProperty("cgiwire.demo.jar", "target/cgiwire-demo.jar"));
        return ee.isEmpty() ? launcher(jar) : launcher(jar, "--ee", ee);
    }

    /** The demo on embedded Tomcat: the same jar as {@link #jetty()}, with {@code --container tomcat}. */
    static Backend.Launcher tomcat() {
        return launcher(Path.of(System.getProperty("cgiwire.demo.jar", "target/cgiwire-demo.jar")),
                "--container", "tomcat");
    }

    /** As {@link #tomcat()}, its FastCGI connectors multiplexing ({@code --multiplex}). */
    static Backend.Launcher tomcatMultiplexing() {
        return launcher(Path.of(System.getProperty("cgiwire.demo.jar", "target/cgiwire-demo.jar")),
                "--container", "tomcat", "--multiplex");
    }

    /** A demo jar with the demo's CLI; {@code extraArgs} go after the listeners. */
    static Backend.Launcher launcher(Path jar, String... extraArgs) {
        return dir -> start(jar, dir, List.of(extraArgs));
    }

    private static Demo start(Path jar, Path dir, List<String> extraArgs) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no demo jar at " + jar.toAbsolutePath()
                    + ": build it first (mvn -B verify at the root packages it before the ITs run)");
        }
        int[] ports = FreePorts.take(3);
        Endpoint fcgi = Endpoint.tcp("127.0.0.1", ports[0]);
        Endpoint scgi = Endpoint.tcp("127.0.0.1", ports[1]);
        Endpoint fcgiUnix = Endpoint.unix(dir.resolve("fcgi.sock"));
        URI http = URI.create("http://127.0.0.1:" + ports[2]);
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-jar", jar.toAbsolutePath().toString(),
                "--fcgi", fcgi.cliArg(),
                "--fcgi", fcgiUnix.cliArg(),
                "--scgi", scgi.cliArg(),
                "--http", "127.0.0.1:" + ports[2]));
        cmd.addAll(extraArgs);
        ChildProcess p = ChildProcess.start("demo", cmd, dir, Map.of());
        try {
            p.awaitReady("ready (\"" + READY_LINE + "\" on stdout)", READY_TIMEOUT,
                    c -> c.stdout().contains(READY_LINE));
            // the front servers' workers run as www-data: they must be able to connect to the socket
            Files.setPosixFilePermissions(fcgiUnix.unixSocket(), PosixFilePermissions.fromString("rw-rw-rw-"));
        } catch (RuntimeException | IOException e) {
            p.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("demo ready but " + fcgiUnix + " is not there\n" + p.output(), io);
            }
            throw (RuntimeException) e;
        }
        return new Demo(p, fcgi, fcgiUnix, scgi, http);
    }

    @Override
    public Endpoint endpoint(Protocol protocol, boolean unixSocket) {
        if (protocol == Protocol.SCGI) {
            if (unixSocket) {
                throw new IllegalArgumentException("the suite listens for SCGI on TCP only");
            }
            return scgi;
        }
        return unixSocket ? fcgiUnix : fcgi;
    }

    @Override
    public URI http() {
        return http;
    }

    /** The demo's process id, to attach to (JMX). */
    long pid() {
        return process.pid();
    }

    @Override
    public String output() {
        return process.output();
    }

    @Override
    public void close() {
        process.close();
    }
}
