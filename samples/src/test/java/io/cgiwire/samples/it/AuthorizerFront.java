package io.cgiwire.samples.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A front server that asks a FastCGI Authorizer before it serves a static directory, {@code /static/}: Apache httpd's
 * mod_authnz_fcgi or lighttpd's mod_fastcgi in {@code "mode" => "authorizer"}. Each shows the variables the
 * authorizer set to the resource it protects: httpd copies {@code CGIWIRE_AUTHZ} into a response header
 * ({@value #VARIABLE_HEADER}), lighttpd passes it to a CGI script, {@code /static/env.cgi}, that prints it.
 */
abstract class AuthorizerFront extends FrontServer {
    static final String VARIABLE_HEADER = "X-Cgiwire-Authz";
    static final String OK_TXT = "a file anyone may read\n";

    AuthorizerFront(Path dir, Endpoint backend) {
        super(dir, Protocol.FCGI, backend);
    }

    /** The static directory: ok.txt, private.txt and env.cgi, readable by the front server's workers. */
    Path docroot() throws IOException {
        Path www = Files.createDirectories(dir.resolve("www"));
        Path statics = Files.createDirectories(www.resolve("static"));
        Files.writeString(statics.resolve("ok.txt"), OK_TXT);
        Files.writeString(statics.resolve("private.txt"), "a secret\n");
        Files.writeString(statics.resolve("env.cgi"), lines(
                "echo 'Content-Type: text/plain'",
                "echo",
                "echo \"authz=$CGIWIRE_AUTHZ\""));
        for (Path p : List.of(www, statics)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return www;
    }

    @Override
    ChunkedUpload chunkedUpload(Site site) {
        throw new UnsupportedOperationException("an authorizer front serves no uploads");
    }

    @Override
    String fcgiStderrMarker() {
        throw new UnsupportedOperationException("an authorizer front is not asked about FCGI_STDERR");
    }

    /** httpd 2.4's mod_authnz_fcgi as a generic FastCGI authorizer (check_user_id, authoritative). */
    static final class Httpd extends AuthorizerFront {
        Httpd(Path dir, Endpoint backend) {
            super(dir, backend);
        }

        @Override
        String name() {
            return "httpd";
        }

        @Override
        List<String> prepare() throws IOException {
            Path run = Files.createDirectories(dir.resolve("run"));
            Path www = docroot();
            StringBuilder listen = new StringBuilder();
            for (Site site : Site.values()) {
                listen.append("Listen ").append(listen(site)).append('\n');
            }
            String config = lines(
                    io.cgiwire.samples.it.Httpd.server(dir, run, errorLogFile(), "info authnz_fcgi:debug",
                            "authz_user", "authn_core", "authnz_fcgi", "headers"),
                    listen.toString(),
                    "DocumentRoot \"" + www + "\"",
                    "AuthnzFcgiDefineProvider authnz cgiwire fcgi://" + backend.host() + ":" + backend.port() + "/",
                    "<Location \"/static/\">",
                    "    AuthType cgiwire",
                    "    AuthName cgiwire",
                    "    AuthnzFcgiCheckAuthnProvider cgiwire Authoritative On RequireBasicAuth Off"
                            + " UserExpr \"%{reqenv:REMOTE_USER}\"",
                    "    Require valid-user",
                    "    Header set " + VARIABLE_HEADER + " \"%{CGIWIRE_AUTHZ}e\"",
                    "</Location>");
            Path conf = dir.resolve("httpd.conf");
            Files.writeString(conf, config);
            return List.of("apache2", "-f", conf.toString(), "-DFOREGROUND");
        }

        @Override
        Path errorLogFile() {
            return dir.resolve("error.log");
        }
    }

    /** lighttpd 1.4's mod_fastcgi in authorizer mode, then its own static files and mod_cgi. */
    static final class Lighttpd extends AuthorizerFront {
        Lighttpd(Path dir, Endpoint backend) {
            super(dir, backend);
        }

        @Override
        String name() {
            return "lighttpd";
        }

        @Override
        List<String> prepare() throws IOException {
            Path log = dir.resolve("log");
            makeWorkerDirs(log);
            Path www = docroot();
            StringBuilder sockets = new StringBuilder();
            for (Site site : Site.values()) {
                if (site != Site.PLAIN) {
                    sockets.append("$SERVER[\"socket\"] == \"").append(listen(site)).append("\" { }\n");
                }
            }
            String config = lines(
                    "server.modules = ( \"mod_fastcgi\", \"mod_cgi\" )",
                    "server.document-root = \"" + www + "\"",
                    "server.bind = \"127.0.0.1\"",
                    "server.port = " + port(Site.PLAIN),
                    "server.errorlog = \"" + errorLogFile() + "\"",
                    ROOT ? "server.username = \"" + WORKER_USER + "\"" : "",
                    ROOT ? "server.groupname = \"" + WORKER_USER + "\"" : "",
                    "server.max-read-idle = 30",
                    "server.max-write-idle = 30",
                    sockets.toString(),
                    "cgi.assign = ( \".cgi\" => \"/bin/sh\" )",
                    "fastcgi.server = ( \"/static/\" => (( \"host\" => \"" + backend.host() + "\", \"port\" => "
                            + backend.port() + ", \"mode\" => \"authorizer\", \"docroot\" => \"" + www + "\" )) )");
            Path conf = dir.resolve("lighttpd.conf");
            Files.writeString(conf, config);
            return List.of("lighttpd", "-D", "-f", conf.toString());
        }

        @Override
        Path errorLogFile() {
            return dir.resolve("log").resolve("error.log");
        }
    }
}
