package io.cgiwire.samples.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * nginx with one FastCGI upstream of several backends: nginx's own failover is the load balancer. Its settings are
 * the ones the README recommends for rolling restarts (see {@link #UPSTREAM_SETTINGS}).
 */
final class NginxPool extends FrontServer {
    /**
     * What makes a backend's graceful stop invisible to clients: a refused connection, or one closed before the
     * response header, goes to the next server (error, timeout); so does a 503, which is what a stopping Jetty's
     * GracefulHandler answers to a request it did not take (http_503).
     */
    static final String UPSTREAM_SETTINGS = "fastcgi_keep_conn on; fastcgi_next_upstream error timeout http_503; "
            + "fastcgi_next_upstream_tries 0; fastcgi_connect_timeout 10s;";
    /**
     * Per server: never marked down (max_fails=0). A refused connect to a restarting backend fails over at once on
     * every request, while a server marked down stays skipped for fail_timeout after it is back, and if the other
     * one stops meanwhile nginx has no live upstream and answers 502.
     */
    static final String SERVER_SETTINGS = "max_fails=0";

    private final List<Endpoint> backends;
    private final int readTimeoutSeconds;

    NginxPool(Path dir, List<Endpoint> backends) {
        this(dir, backends, 30);
    }

    /** With {@code fastcgi_read_timeout} set to {@code readTimeoutSeconds}, to see how a hung backend is handled. */
    NginxPool(Path dir, List<Endpoint> backends, int readTimeoutSeconds) {
        super(dir, Protocol.FCGI, backends.get(0));
        this.backends = backends;
        this.readTimeoutSeconds = readTimeoutSeconds;
    }

    @Override
    String name() {
        return "nginx";
    }

    @Override
    List<String> prepare() throws IOException {
        Path tmp = dir.resolve("tmp");
        makeWorkerDirs(tmp);
        String servers = backends.stream()
                .map(b -> "server " + b.host() + ":" + b.port() + " " + SERVER_SETTINGS + ";")
                .collect(Collectors.joining(" "));
        String config = lines(
                ROOT ? "user " + WORKER_USER + ";" : "",
                "worker_processes 1;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + errorLogFile() + " info;",
                "events { worker_connections 4096; }",
                "http {",
                "    access_log off;",
                "    client_body_temp_path " + tmp.resolve("body") + ";",
                "    fastcgi_temp_path " + tmp.resolve("fastcgi") + ";",
                "    scgi_temp_path " + tmp.resolve("scgi") + ";",
                "    proxy_temp_path " + tmp.resolve("proxy") + ";",
                "    uwsgi_temp_path " + tmp.resolve("uwsgi") + ";",
                "    upstream pool { " + servers + " keepalive 16; }",
                "    server {",
                "        listen " + listen(Site.PLAIN) + ";",
                "        location / { include /etc/nginx/fastcgi_params; " + UPSTREAM_SETTINGS
                        + " fastcgi_request_buffering off; fastcgi_read_timeout " + readTimeoutSeconds
                        + "s; client_max_body_size 100m; fastcgi_pass pool; }",
                "    }",
                "    server { listen " + listen(Site.HTTPS_ON) + "; return 404; }",
                "    server { listen " + listen(Site.STREAMING) + "; return 404; }",
                "}");
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config);
        return List.of("nginx", "-p", dir.toString(), "-e", errorLogFile().toString(), "-c", conf.toString(),
                "-g", "daemon off;");
    }

    @Override
    Path errorLogFile() {
        return dir.resolve("error.log");
    }

    @Override
    ChunkedUpload chunkedUpload(Site site) {
        return ChunkedUpload.INTACT;
    }

    @Override
    String fcgiStderrMarker() {
        return "FastCGI sent in stderr";
    }
}
