package io.cgiwire.samples.springboot.it;

import io.cgiwire.samples.it.ChildProcess;
import io.cgiwire.samples.it.FreePorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Real nginx in the foreground with a generated config, one loopback port per {@link Site}, each proxying "/" to
 * the sample application as a user's nginx would: Debian's own fastcgi_params and scgi_params.
 */
final class Nginx implements AutoCloseable {

    /** One server block. */
    enum Site {
        /** fastcgi_pass to FastCGI over TCP, through an upstream with a keepalive pool. */
        FCGI_TCP,
        /** The same, with {@code fastcgi_param HTTPS on}, as behind TLS. */
        FCGI_TCP_HTTPS,
        /** fastcgi_pass to FastCGI over a Unix socket. */
        FCGI_UNIX,
        /** scgi_pass over TCP. */
        SCGI,
        /** Both FastCGI backends in one upstream, with the README's settings for graceful stops. */
        POOL
    }

    /** Workers drop root, as packaged nginx does. */
    private static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private static final String WORKER_USER = "www-data";

    private final Path dir;
    private final Map<Site, Integer> ports = new EnumMap<>(Site.class);
    private ChildProcess process;

    private Nginx(Path dir) {
        this.dir = dir;
        int[] free = FreePorts.take(Site.values().length);
        for (Site site : Site.values()) {
            ports.put(site, free[site.ordinal()]);
        }
    }

    /** nginx in front of FastCGI on {@code fcgiPort} and {@code fcgiSocket}, SCGI on {@code scgiPort}. */
    static Nginx start(Path dir, int fcgiPort, Path fcgiSocket, int scgiPort) {
        Nginx nginx = new Nginx(dir);
        try {
            Files.createDirectories(dir);
            nginx.process = ChildProcess.start("nginx", nginx.prepare(fcgiPort, fcgiSocket, scgiPort), dir, Map.of());
            nginx.process.awaitReady("listening", Duration.ofSeconds(20),
                    p -> nginx.ports.values().stream().allMatch(Nginx::accepts));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            String log = nginx.errorLog();
            nginx.close();
            throw new IllegalStateException(e.getMessage() + "--- nginx error log ---\n" + log, e);
        }
        return nginx;
    }

    private List<String> prepare(int fcgiPort, Path fcgiSocket, int scgiPort) throws IOException {
        Path tmp = dir.resolve("tmp");
        Files.createDirectories(tmp);
        if (ROOT) {
            UserPrincipalLookupService users = tmp.getFileSystem().getUserPrincipalLookupService();
            GroupPrincipal group = users.lookupPrincipalByGroupName(WORKER_USER);
            Files.setOwner(tmp, users.lookupPrincipalByName(WORKER_USER));
            Files.getFileAttributeView(tmp, PosixFileAttributeView.class).setGroup(group);
        }
        String fcgi = "include /etc/nginx/fastcgi_params; fastcgi_keep_conn on;";
        String config = String.join("\n",
                ROOT ? "user " + WORKER_USER + ";" : "",
                "worker_processes 1;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + errorLogFile() + " info;",
                "events { worker_connections 1024; }",
                "http {",
                "  access_log off;",
                "  client_body_temp_path " + tmp.resolve("body") + ";",
                "  fastcgi_temp_path " + tmp.resolve("fastcgi") + ";",
                "  scgi_temp_path " + tmp.resolve("scgi") + ";",
                "  proxy_temp_path " + tmp.resolve("proxy") + ";",
                "  uwsgi_temp_path " + tmp.resolve("uwsgi") + ";",
                "  client_max_body_size 16m;",
                "  fastcgi_read_timeout 30s; scgi_read_timeout 30s;",
                "  upstream fcgi_tcp { server 127.0.0.1:" + fcgiPort + "; keepalive 8; }",
                "  upstream fcgi_unix { server unix:" + fcgiSocket + "; keepalive 8; }",
                "  upstream pool { server 127.0.0.1:" + fcgiPort + " max_fails=0; server unix:" + fcgiSocket
                        + " max_fails=0; keepalive 16; }",
                server(Site.FCGI_TCP, fcgi + " fastcgi_pass fcgi_tcp;"),
                server(Site.FCGI_TCP_HTTPS, fcgi + " fastcgi_param HTTPS on; fastcgi_pass fcgi_tcp;"),
                server(Site.FCGI_UNIX, fcgi + " fastcgi_pass fcgi_unix;"),
                server(Site.SCGI, "include /etc/nginx/scgi_params; scgi_pass 127.0.0.1:" + scgiPort + ";"),
                server(Site.POOL, fcgi + " fastcgi_next_upstream error timeout http_503;"
                        + " fastcgi_next_upstream_tries 0; fastcgi_pass pool;"),
                "}",
                "");
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config);
        return List.of("nginx", "-p", dir.toString(), "-e", errorLogFile().toString(), "-c", conf.toString(),
                "-g", "daemon off;");
    }

    private String server(Site site, String location) {
        return "  server { listen 127.0.0.1:" + port(site) + "; location / { " + location + " } }";
    }

    int port(Site site) {
        return ports.get(site);
    }

    URI uri(Site site, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port(site) + pathAndQuery);
    }

    Path errorLogFile() {
        return dir.resolve("error.log");
    }

    String errorLog() {
        return ChildProcess.read(errorLogFile());
    }

    String diagnostics() {
        return (process == null ? "" : process.output()) + "--- nginx error log ---\n"
                + ChildProcess.tail(errorLog());
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
