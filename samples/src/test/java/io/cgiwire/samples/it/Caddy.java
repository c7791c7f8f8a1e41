package io.cgiwire.samples.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Caddy 2.6 with {@code reverse_proxy ... { transport fastcgi }} (as samples/configs/caddy-fcgi.Caddyfile), run
 * in the foreground with {@code admin off} and its HOME and XDG folders in its own directory, logging to stderr.
 * FastCGI over TCP or a Unix socket ({@code unix//PATH}): Caddy has no SCGI, and never keeps a FastCGI connection.
 */
final class Caddy extends FrontServer {

    Caddy(Path dir, Protocol protocol, Endpoint backend) {
        super(dir, protocol, backend);
    }

    @Override
    String name() {
        return "caddy";
    }

    @Override
    List<String> prepare() throws IOException {
        if (protocol != Protocol.FCGI) {
            throw new IllegalArgumentException("Caddy has no SCGI");
        }
        Files.createDirectories(dir.resolve("www"));
        for (String d : List.of("home", "config", "data")) {
            Files.createDirectories(dir.resolve(d));
        }
        String config = lines(
                "{",
                "    admin off",
                "}",
                site(Site.PLAIN, ""),
                site(Site.HTTPS_ON, "            env HTTPS on"),
                // Caddy streams request bodies as they come on every site
                site(Site.STREAMING, ""));
        Path conf = dir.resolve("Caddyfile");
        Files.writeString(conf, config);
        return List.of("caddy", "run", "--config", conf.toString(), "--adapter", "caddyfile");
    }

    private String site(Site site, String extra) {
        return lines(
                "http://:" + port(site) + " {",
                "    bind 127.0.0.1",
                "    reverse_proxy " + (backend.isUnix() ? "unix/" + backend.unixSocket()
                        : backend.host() + ":" + backend.port()) + " {",
                "        transport fastcgi {",
                "            root " + dir.resolve("www"),
                // a hung backend must fail the test well within its 60 s
                "            dial_timeout 10s",
                "            read_timeout 30s",
                "            write_timeout 30s",
                "            capture_stderr",
                extra,
                "        }",
                "    }",
                "}");
    }

    @Override
    Map<String, String> environment() {
        return Map.of("HOME", dir.resolve("home").toString(), "XDG_CONFIG_HOME", dir.resolve("config").toString(),
                "XDG_DATA_HOME", dir.resolve("data").toString());
    }

    @Override
    boolean closesUpstreamOnClientAbort() {
        // Caddy cancels the upstream request, closing its connection, when the client leaves
        return true;
    }

    @Override
    Path errorLogFile() {
        return dir.resolve(name() + ".stderr.log");
    }

    @Override
    ChunkedUpload chunkedUpload(Site site) {
        // sent with CONTENT_LENGTH=-1, the body running to the end of FCGI_STDIN
        return ChunkedUpload.INTACT;
    }

    @Override
    String fcgiStderrMarker() {
        // Caddy 2.6 accepts capture_stderr but logs nothing (caddyserver/caddy#5515, fixed in 2.7): FCGI_STDERR is lost
        return null;
    }
}
