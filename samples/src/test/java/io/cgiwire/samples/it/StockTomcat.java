package io.cgiwire.samples.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A stock Tomcat distribution (the {@code org.apache.tomcat:tomcat} tar.gz the build unpacks), installed the way the
 * README tells users to: tomcat-adapter's {@code cgiwire-tomcat.tar.gz} unpacked into it (the two jars in
 * {@code lib/}, {@code conf/cgiwire-connectors.xml}), the connectors of that file pasted into {@code conf/server.xml}
 * with only their ports changed, WARs in {@code webapps/}. Started with {@code bin/catalina.sh run} as its own
 * process, on free loopback ports, with the shutdown port off; stopped with SIGTERM.
 */
final class StockTomcat implements Backend {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    /** The ports conf/cgiwire-connectors.xml listens on, replaced by free ones. */
    private static final String FCGI_PORT = "port=\"9000\"";
    private static final String SCGI_PORT = "port=\"4000\"";

    private final ChildProcess process;
    private final Path base;
    private final Endpoint fcgi;
    private final Endpoint scgi;
    private final URI http;

    private StockTomcat(ChildProcess process, Path base, Endpoint fcgi, Endpoint scgi, URI http) {
        this.process = process;
        this.base = base;
        this.fcgi = fcgi;
        this.scgi = scgi;
        this.http = http;
    }

    /**
     * Copies the distribution named by {@code cgiwire.tomcat.home} into {@code dir}, installs cgiwire from the
     * archive {@code cgiwire.tomcat.archive} and the WARs, and starts it; ready once every webapp in
     * {@code readyPaths} answers 200 on Tomcat's own HTTP connector.
     */
    static StockTomcat start(Path dir, Map<String, Path> wars, List<String> readyPaths) {
        Path home = property("cgiwire.tomcat.home");
        Path archive = archive();
        Path base = dir.resolve("tomcat");
        int[] ports = FreePorts.take(3);
        Endpoint fcgi = Endpoint.tcp("127.0.0.1", ports[0]);
        Endpoint scgi = Endpoint.tcp("127.0.0.1", ports[1]);
        URI http = URI.create("http://127.0.0.1:" + ports[2]);
        try {
            copyTree(home, base);
            // Only what the test needs: fewer webapps start faster.
            for (String unused : List.of("docs", "manager", "host-manager")) {
                deleteTree(base.resolve("webapps").resolve(unused));
            }
            untar(archive, base);
            for (Map.Entry<String, Path> war : wars.entrySet()) {
                Files.copy(war.getValue(), base.resolve("webapps").resolve(war.getKey() + ".war"));
            }
            Path serverXml = base.resolve("conf/server.xml");
            String connectors = Files.readString(base.resolve("conf/cgiwire-connectors.xml"));
            Files.writeString(serverXml, configure(Files.readString(serverXml), connectors, fcgi, scgi, ports[2]));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install Tomcat from " + home + " into " + base, e);
        }
        String javaHome = System.getProperty("java.home");
        ChildProcess p = ChildProcess.start("tomcat", List.of(base.resolve("bin/catalina.sh").toString(), "run"),
                dir, Map.of("JAVA_HOME", javaHome, "CATALINA_HOME", base.toString(), "CATALINA_BASE", base.toString(),
                        "CATALINA_OPTS", "-Xmx256m"));
        StockTomcat tomcat = new StockTomcat(p, base, fcgi, scgi, http);
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            p.awaitReady("serving " + readyPaths + " on " + http, READY_TIMEOUT,
                    c -> readyPaths.stream().allMatch(path -> answers(client, http.resolve(path))));
        } catch (RuntimeException e) {
            String log = tomcat.output();
            tomcat.close();
            throw new IllegalStateException(e.getMessage() + "\n" + log, e);
        }
        return tomcat;
    }

    /**
     * The stock server.xml with the shutdown port off and its HTTP connector on {@code httpPort} of the loopback
     * address, followed by the archive's connectors (comments and all) as a user pastes them, on the free ports.
     */
    static String configure(String serverXml, String cgiwireConnectors, Endpoint fcgi, Endpoint scgi, int httpPort) {
        String shutdown = "<Server port=\"8005\" shutdown=\"SHUTDOWN\">";
        String connector = "<Connector port=\"8080\" protocol=\"HTTP/1.1\"";
        int at = serverXml.indexOf(connector);
        if (!serverXml.contains(shutdown) || at < 0) {
            throw new IllegalStateException("not the stock server.xml: " + shutdown + " or " + connector + " missing");
        }
        for (String expected : List.of("io.cgiwire.tomcat.FcgiNioProtocol\" address=\"127.0.0.1\" " + FCGI_PORT,
                "io.cgiwire.tomcat.ScgiNioProtocol\" address=\"127.0.0.1\" " + SCGI_PORT)) {
            if (count(cgiwireConnectors, expected) != 1) {
                throw new IllegalStateException("conf/cgiwire-connectors.xml has no single " + expected + ":\n"
                        + cgiwireConnectors);
            }
        }
        int end = serverXml.indexOf("/>", at) + 2;
        String connectors = "<Connector address=\"127.0.0.1\" port=\"" + httpPort + "\" protocol=\"HTTP/1.1\""
                + " connectionTimeout=\"20000\" />\n"
                + cgiwireConnectors.replace(FCGI_PORT, "port=\"" + fcgi.port() + "\"")
                        .replace(SCGI_PORT, "port=\"" + scgi.port() + "\"");
        return serverXml.substring(0, at).replace(shutdown, "<Server port=\"-1\" shutdown=\"SHUTDOWN\">")
                + connectors + serverXml.substring(end);
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    /** {@code cd base && tar xzf archive}, as the archive's README says. */
    private static void untar(Path archive, Path base) throws IOException {
        Process tar = new ProcessBuilder("tar", "xzf", archive.toString()).directory(base.toFile())
                .redirectErrorStream(true).start();
        String output = new String(tar.getInputStream().readAllBytes());
        try {
            if (tar.waitFor() != 0) {
                throw new IOException("tar xzf " + archive + " failed: " + output);
            }
        } catch (InterruptedException e) {
            tar.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted unpacking " + archive, e);
        }
    }

    private static Path archive() {
        String value = System.getProperty("cgiwire.tomcat.archive");
        if (value == null || !Files.isRegularFile(Path.of(value))) {
            throw new IllegalStateException("cgiwire.tomcat.archive = " + value + ": not a file; the build sets it to "
                    + "tomcat-adapter/target/cgiwire-tomcat.tar.gz (mvn -B verify at the root makes it)");
        }
        return Path.of(value).toAbsolutePath();
    }

    private static boolean answers(HttpClient client, URI uri) {
        try {
            HttpResponse<Void> r = client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static Path property(String name) {
        String value = System.getProperty(name);
        if (value == null || !Files.isDirectory(Path.of(value))) {
            throw new IllegalStateException(name + " = " + value + ": not a directory; the build sets it (mvn -B "
                    + "verify at the root unpacks Tomcat and copies cgiwire's jars before the ITs run)");
        }
        return Path.of(value);
    }

    @Override
    public Endpoint endpoint(Protocol protocol, boolean unixSocket) {
        if (unixSocket) {
            throw new IllegalArgumentException("the stock Tomcat listens on TCP only");
        }
        return protocol == Protocol.FCGI ? fcgi : scgi;
    }

    @Override
    public URI http() {
        return http;
    }

    @Override
    public String output() {
        String log = "";
        try (Stream<Path> logs = Files.list(base.resolve("logs"))) {
            for (Path file : logs.sorted().toList()) {
                log += "--- " + file.getFileName() + " ---\n" + ChildProcess.tail(ChildProcess.read(file));
            }
        } catch (IOException e) {
            log = "(no logs: " + e + ")\n";
        }
        return process.output() + log;
    }

    @Override
    public void close() {
        process.close();
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path source : all.toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
