package io.cgiwire.samples.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Apache httpd 2.4 (Debian's apache2 binary, mpm_event, one child process so that {@code enablereuse=on} has
 * one pool) with mod_proxy_fcgi or mod_proxy_scgi.
 */
final class Httpd extends FrontServer {

    private static final String MODULES = "/usr/lib/apache2/modules";

    Httpd(Path dir, Protocol protocol, Endpoint backend) {
        super(dir, protocol, backend);
    }

    @Override
    String name() {
        return "httpd";
    }

    @Override
    List<String> prepare() throws IOException {
        if (backend.isUnix()) {
            throw new IllegalArgumentException("the httpd setup proxies to TCP only");
        }
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Files.createDirectories(dir.resolve("www"));
        String target = protocol == Protocol.FCGI
                ? "\"fcgi://" + backend.host() + ":" + backend.port() + "/\" enablereuse=on"
                : "\"scgi://" + backend.host() + ":" + backend.port() + "/\"";
        StringBuilder vhosts = new StringBuilder();
        for (Site site : Site.values()) {
            vhosts.append(lines(
                    "Listen " + listen(site),
                    "<VirtualHost " + listen(site) + ">",
                    // let %2F through to the backend, so that the container decides, as over HTTP
                    "    AllowEncodedSlashes NoDecode",
                    site == Site.HTTPS_ON ? "    SetEnv HTTPS on" : "",
                    "    ProxyPass \"/\" " + target,
                    "</VirtualHost>"));
        }
        String config = lines(
                "ServerRoot \"" + dir + "\"",
                "DefaultRuntimeDir \"" + run + "\"",
                "PidFile \"" + run.resolve("httpd.pid") + "\"",
                "Mutex file:" + run + " default",
                "ErrorLog \"" + errorLogFile() + "\"",
                "LogLevel info",
                "LoadModule mpm_event_module " + MODULES + "/mod_mpm_event.so",
                "LoadModule authz_core_module " + MODULES + "/mod_authz_core.so",
                "LoadModule env_module " + MODULES + "/mod_env.so",
                "LoadModule proxy_module " + MODULES + "/mod_proxy.so",
                "LoadModule proxy_fcgi_module " + MODULES + "/mod_proxy_fcgi.so",
                "LoadModule proxy_scgi_module " + MODULES + "/mod_proxy_scgi.so",
                ROOT ? "User " + WORKER_USER : "",
                ROOT ? "Group " + WORKER_USER : "",
                "ServerName 127.0.0.1",
                "DocumentRoot \"" + dir.resolve("www") + "\"",
                // a hung backend must fail the test well within its 60 s
                "Timeout 30",
                "ProxyTimeout 30",
                "StartServers 1",
                "ServerLimit 1",
                "ThreadsPerChild 16",
                "MaxRequestWorkers 16",
                "MinSpareThreads 1",
                "MaxSpareThreads 16",
                vhosts.toString());
        Path conf = dir.resolve("httpd.conf");
        Files.writeString(conf, config);
        return List.of("apache2", "-f", conf.toString(), "-DFOREGROUND");
    }

    @Override
    Path errorLogFile() {
        return dir.resolve("error.log");
    }

    @Override
    ChunkedUpload chunkedUpload(Site site) {
        // mod_proxy_fcgi streams it without CONTENT_LENGTH; mod_proxy_scgi refuses it (AH01593)
        return protocol == Protocol.FCGI ? ChunkedUpload.INTACT : ChunkedUpload.LENGTH_REQUIRED;
    }

    @Override
    boolean keepsContentLengthOfHead() {
        // mod_proxy_fcgi and mod_proxy_scgi remove the backend's Content-Length and let httpd count the body
        // itself: a HEAD response has no body to count
        return false;
    }

    @Override
    String fcgiStderrMarker() {
        // mod_proxy_fcgi logs each FCGI_STDERR record as: AH01071: Got error '...'
        return "AH01071";
    }
}
