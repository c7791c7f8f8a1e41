package io.cgiwire.samples.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * HAProxy 2.6 with an {@code fcgi-app} (keep-conn, get-values, no mpxs-conns: as samples/configs/haproxy-fcgi.cfg)
 * and {@code server ... proto fcgi}, in the foreground ({@code -db}), logging to its stderr. FastCGI over TCP or a
 * Unix socket ({@code unix@PATH}): HAProxy has no SCGI.
 */
final class Haproxy extends FrontServer {

    Haproxy(Path dir, Protocol protocol, Endpoint backend) {
        super(dir, protocol, backend);
    }

    @Override
    String name() {
        return "haproxy";
    }

    @Override
    List<String> prepare() throws IOException {
        if (protocol != Protocol.FCGI) {
            throw new IllegalArgumentException("HAProxy has no SCGI");
        }
        Path www = Files.createDirectories(dir.resolve("www"));
        String address = backend.isUnix() ? "unix@" + backend.unixSocket() : backend.host() + ":" + backend.port();
        String server = "    server cgiwire1 " + address + " proto fcgi";
        String config = lines(
                "global",
                "    log stderr format short local0 info",
                "defaults",
                "    mode http",
                "    log global",
                "    option httplog",
                // a hung backend must fail the test well within its 60 s
                "    timeout connect 10s",
                "    timeout client 30s",
                "    timeout server 30s",
                fcgiApp("cgiwire", www, ""),
                fcgiApp("cgiwire_https", www, "    set-param HTTPS on"),
                "frontend plain",
                "    bind " + listen(Site.PLAIN),
                "    default_backend cgiwire",
                "frontend https_on",
                "    bind " + listen(Site.HTTPS_ON),
                "    default_backend cgiwire_https",
                // HAProxy streams a body with a Content-Length by default; this makes it wait for the body first
                "frontend streaming",
                "    bind " + listen(Site.STREAMING),
                "    option http-buffer-request",
                "    default_backend cgiwire",
                "backend cgiwire",
                "    use-fcgi-app cgiwire",
                server,
                "backend cgiwire_https",
                "    use-fcgi-app cgiwire_https",
                server);
        Path conf = dir.resolve("haproxy.cfg");
        Files.writeString(conf, config);
        return List.of("haproxy", "-db", "-f", conf.toString());
    }

    private static String fcgiApp(String name, Path docroot, String extra) {
        return lines(
                "fcgi-app " + name,
                "    docroot " + docroot,
                "    option keep-conn",
                "    option get-values",
                "    log-stderr global",
                extra);
    }

    @Override
    boolean closesUpstreamOnClientAbort() {
        // HAProxy sends FCGI_ABORT_REQUEST when the client leaves
        return true;
    }

    @Override
    Path errorLogFile() {
        return dir.resolve(name() + ".stderr.log");
    }

    @Override
    ChunkedUpload chunkedUpload(Site site) {
        // HAProxy counts a chunked body in its buffer (tune.bufsize, 16 KiB) to send a CONTENT_LENGTH, and answers
        // 400 itself when the body does not fit, with or without option http-buffer-request
        return ChunkedUpload.BAD_REQUEST;
    }

    @Override
    String fcgiStderrMarker() {
        // log-stderr writes each FCGI_STDERR line as it is, at level err: "<3>" in the short log format
        return "<3>";
    }
}
