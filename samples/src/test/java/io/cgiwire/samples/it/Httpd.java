package io.cgiwire.samples.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
                server(dir, run, errorLogFile(), "info", "env", "proxy", "proxy_fcgi", "proxy_scgi"),
                "DocumentRoot \"" + dir.resolve("www") + "\"",
                "ProxyTimeout 30",
                vhosts.toString());
        Path conf = dir.resolve("httpd.conf");
        Files.writeString(conf, config);
        return List.of("apache2", "-f", conf.toString(), "-DFOREGROUND");
    }

    /**
     * What every httpd here is: its files under {@code dir} and {@code run}, mpm_event with one child process and
     * authz_core, and {@code modules} (names as in {@code mod_NAME.so}); run as the worker user when started as root.
     */
    static String server(Path dir, Path run, Path errorLog, String logLevel, String... modules) {
        List<String> lines = new ArrayList<>(List.of(
                "ServerRoot \"" + dir + "\"",
                "DefaultRuntimeDir \"" + run + "\"",
                "PidFile \"" + run.resolve("httpd.pid") + "\"",
                "Mutex file:" + run + " default",
                "ErrorLog \"" + errorLog + "\"",
                "LogLevel " + logLevel));
        for (String module : List.of("mpm_event", "authz_core")) {
            lines.add("LoadModule " + module + "_module " + MODULES + "/mod_" + module + ".so");
        }
        for (String module : modules) {
            lines.add("LoadModule " + module + "_module " + MODULES + "/mod_" + module + ".so");
        }
        if (ROOT) {
            lines.add("User " + WORKER_USER);
            lines.add("Group " + WORKER_USER);
        }
        lines.addAll(List.of(
                "ServerName 127.0.0.1",
                // a hung backend must fail the test well within its 60 s
                "Timeout 30",
                "StartServers 1",
                "ServerLimit 1",
                "ThreadsPerChild 16",
                "MaxRequestWorkers 16",
                "MinSpareThreads 1",
                "MaxSpareThreads 16"));
        return lines(lines.toArray(String[]::new));
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
