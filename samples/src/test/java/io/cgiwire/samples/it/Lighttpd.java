package io.cgiwire.samples.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * lighttpd 1.4 with mod_fastcgi or mod_scgi for the whole site ({@code "fix-root-scriptname"}: SCRIPT_NAME=""
 * and PATH_INFO=path). One connection per request: lighttpd never sets FCGI_KEEP_CONN.
 */
final class Lighttpd extends FrontServer {

    Lighttpd(Path dir, Protocol protocol, Endpoint backend) {
        super(dir, protocol, backend);
    }

    @Override
    String name() {
        return "lighttpd";
    }

    @Override
    List<String> prepare() throws IOException {
        if (backend.isUnix()) {
            throw new IllegalArgumentException("the lighttpd setup proxies to TCP only");
        }
        Path log = dir.resolve("log");
        Path upload = dir.resolve("upload");
        // lighttpd opens its error log after dropping root, and keeps large bodies in upload-dirs
        makeWorkerDirs(log, upload);
        Files.createDirectories(dir.resolve("www"));
        String module = protocol == Protocol.FCGI ? "fastcgi" : "scgi";
        String config = lines(
                "server.modules = ( \"mod_setenv\", \"mod_" + module + "\" )",
                "server.document-root = \"" + dir.resolve("www") + "\"",
                "server.bind = \"127.0.0.1\"",
                "server.port = " + port(Site.PLAIN),
                "server.errorlog = \"" + errorLogFile() + "\"",
                "server.upload-dirs = ( \"" + upload + "\" )",
                ROOT ? "server.username = \"" + WORKER_USER + "\"" : "",
                ROOT ? "server.groupname = \"" + WORKER_USER + "\"" : "",
                "server.max-request-size = 204800",
                // a hung backend must fail the test well within its 60 s
                "server.max-read-idle = 30",
                "server.max-write-idle = 30",
                "$SERVER[\"socket\"] == \"" + listen(Site.HTTPS_ON) + "\" {",
                "    setenv.add-environment = ( \"HTTPS\" => \"on\" )",
                "}",
                "$SERVER[\"socket\"] == \"" + listen(Site.STREAMING) + "\" {",
                "    server.stream-request-body = 2",
                "}",
                module + ".server = ( \"/\" => (( \"host\" => \"" + backend.host() + "\", \"port\" => "
                        + backend.port() + ", \"check-local\" => \"disable\", \"fix-root-scriptname\" => \"enable\" )) )");
        Path conf = dir.resolve("lighttpd.conf");
        Files.writeString(conf, config);
        return List.of("lighttpd", "-D", "-f", conf.toString());
    }

    @Override
    Path errorLogFile() {
        return dir.resolve("log").resolve("error.log");
    }

    @Override
    ChunkedUpload chunkedUpload(Site site) {
        // buffered by default (sent with CONTENT_LENGTH); when streaming a body of unknown length, lighttpd's
        // gateway code wants a Content-Length for CGI-style backends and answers 411 itself
        return site == Site.STREAMING ? ChunkedUpload.LENGTH_REQUIRED : ChunkedUpload.INTACT;
    }

    @Override
    String fcgiStderrMarker() {
        // mod_fastcgi logs FCGI_STDERR lines with the prefix "FastCGI-stderr:"
        return "FastCGI-stderr";
    }
}
