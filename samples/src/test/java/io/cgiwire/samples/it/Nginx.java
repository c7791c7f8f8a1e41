package io.cgiwire.samples.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * nginx with Debian's own fastcgi_params / scgi_params. FastCGI goes through an upstream with a keepalive pool
 * and {@code fastcgi_keep_conn on}; SCGI has no connection reuse.
 */
final class Nginx extends FrontServer {

    Nginx(Path dir, Protocol protocol, Endpoint backend) {
        super(dir, protocol, backend);
    }

    @Override
    String name() {
        return "nginx";
    }

    @Override
    List<String> prepare() throws IOException {
        Path tmp = dir.resolve("tmp");
        makeWorkerDirs(tmp);
        Files.createDirectories(dir.resolve("www"));
        String upstream = backend.isUnix() ? "unix:" + backend.unixSocket() : backend.host() + ":" + backend.port();
        String http = protocol == Protocol.FCGI
                ? lines("    upstream cgiwire { server " + upstream + "; keepalive 8; }",
                        server(Site.PLAIN, ""),
                        server(Site.HTTPS_ON, "fastcgi_param HTTPS on;"),
                        server(Site.STREAMING, "fastcgi_request_buffering off;"))
                : lines(server(Site.PLAIN, ""),
                        server(Site.HTTPS_ON, "scgi_param HTTPS on;"),
                        server(Site.STREAMING, "scgi_request_buffering off;"));
        String config = lines(
                ROOT ? "user " + WORKER_USER + ";" : "",
                "worker_processes 1;",
                "pid " + dir.resolve("nginx.pid") + ";",
                "error_log " + errorLogFile() + " info;",
                "events { worker_connections 512; }",
                "http {",
                "    access_log off;",
                "    client_body_temp_path " + tmp.resolve("body") + ";",
                "    fastcgi_temp_path " + tmp.resolve("fastcgi") + ";",
                "    scgi_temp_path " + tmp.resolve("scgi") + ";",
                "    proxy_temp_path " + tmp.resolve("proxy") + ";",
                "    uwsgi_temp_path " + tmp.resolve("uwsgi") + ";",
                "    root " + dir.resolve("www") + ";",
                "    client_max_body_size 200m;",
                // a hung backend must fail the test well within its 60 s
                "    fastcgi_connect_timeout 10s; fastcgi_send_timeout 30s; fastcgi_read_timeout 30s;",
                "    scgi_connect_timeout 10s; scgi_send_timeout 30s; scgi_read_timeout 30s;",
                http,
                "}");
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config);
        return List.of("nginx", "-p", dir.toString(), "-e", errorLogFile().toString(), "-c", conf.toString(),
                "-g", "daemon off;");
    }

    private String server(Site site, String extra) {
        String pass = protocol == Protocol.FCGI
                ? "include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass cgiwire;"
                : "include /etc/nginx/scgi_params; scgi_pass "
                        + (backend.isUnix() ? "unix:" + backend.unixSocket() : backend.host() + ":" + backend.port())
                        + ";";
        return lines(
                "    server {",
                "        listen " + listen(site) + ";",
                "        server_name it-" + site.name().toLowerCase() + ".invalid;",
                "        location / { " + pass + " " + extra + " }",
                "    }");
    }

    @Override
    Path errorLogFile() {
        return dir.resolve("error.log");
    }

    @Override
    ChunkedUpload chunkedUpload(Site site) {
        // FastCGI with request buffering off streams it (CONTENT_LENGTH empty); otherwise nginx buffers it and
        // sends a length; SCGI always needs one, so nginx buffers it whatever scgi_request_buffering says
        return ChunkedUpload.INTACT;
    }

    @Override
    String fcgiStderrMarker() {
        return "FastCGI sent in stderr";
    }

    @Override
    boolean closesUpstreamOnClientAbort() {
        return true;
    }
}
