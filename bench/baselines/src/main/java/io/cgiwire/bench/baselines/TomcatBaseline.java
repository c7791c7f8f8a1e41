package io.cgiwire.bench.baselines;

import io.cgiwire.samples.webapp.SampleApp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * Embedded Tomcat serving the sample webapp at "/" through its HTTP/1.1 NIO connector or its AJP NIO connector, both
 * bound to loopback, as the baselines of bench/run.sh's Tomcat rows.
 *
 * <p>The HTTP connector keeps a connection for any number of requests ({@code maxKeepAliveRequests=-1}; Tomcat's
 * default closes it after 100), as Jetty and nginx's upstream pools do, so that nginx's keep-alive pool is measured
 * and not Tomcat's limit. The AJP connector has no secret ({@code secretRequired=false}): it listens on 127.0.0.1
 * only, for the httpd on this machine.
 */
public final class TomcatBaseline {
    private static final String USAGE =
            "usage: java -jar tomcat-baseline.jar (--http HOST:PORT | --ajp HOST:PORT) [--work DIR]";

    private TomcatBaseline() {
    }

    public static void main(String[] args) throws Exception {
        Args options = Args.parse(args, Set.of("--http", "--ajp", "--work"), USAGE);
        if (options.has("--http") == options.has("--ajp")) {
            System.err.println(USAGE);
            System.exit(2);
        }
        boolean ajp = options.has("--ajp");
        Args.HostPort listen = options.hostPort(ajp ? "--ajp" : "--http");
        Path work = options.has("--work") ? Files.createDirectories(Path.of(options.get("--work", "")))
                : Files.createTempDirectory("cgiwire-tomcat-baseline-");

        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(work.toString());
        Connector connector = new Connector(ajp ? "org.apache.coyote.ajp.AjpNioProtocol"
                : "org.apache.coyote.http11.Http11NioProtocol");
        connector.setProperty("address", listen.host());
        connector.setPort(listen.port());
        if (ajp) {
            connector.setProperty("secretRequired", "false");
        } else {
            connector.setProperty("maxKeepAliveRequests", "-1");
        }
        tomcat.setConnector(connector);
        Path docBase = Files.createDirectories(work.resolve("webapp"));
        Context context = tomcat.addContext("", docBase.toString());
        context.addApplicationListener(SampleApp.class.getName());
        tomcat.start();

        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(tomcat, work, !options.has("--work"))));
        System.out.println("tomcat baseline: Tomcat " + org.apache.catalina.util.ServerInfo.getServerNumber() + " "
                + (ajp ? "AJP" : "HTTP") + " on " + listen.host() + ":" + connector.getLocalPort());
        System.out.println("tomcat baseline: ready");
        System.out.flush();
        tomcat.getServer().await();
    }

    private static void stop(Tomcat tomcat, Path work, boolean deleteWork) {
        try {
            tomcat.stop();
            tomcat.destroy();
        } catch (Exception e) {
            System.err.println("tomcat baseline: stop failed: " + e);
        }
        if (deleteWork) {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                System.err.println("tomcat baseline: cannot delete " + work + ": " + e);
            }
        }
    }
}
