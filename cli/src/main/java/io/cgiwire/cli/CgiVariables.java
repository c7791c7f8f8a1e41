package io.cgiwire.cli;

import io.cgiwire.core.cgi.CgiEnvironment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The CGI variables of the request: what nginx sends with Debian's {@code fastcgi_params} (or, over SCGI, what its
 * SCGI module and {@code scgi_params} send), never the process environment.
 *
 * <p>The request is the one a browser would make to {@code http://localhost/PATH?QUERY} through a front server on
 * this machine: REMOTE_ADDR and SERVER_ADDR are this side's address of the connection (127.0.0.1 over a Unix
 * socket), REMOTE_PORT its port (empty over a Unix socket, as nginx leaves it for a client on one). {@code -H Host:}
 * changes HTTP_HOST, SERVER_NAME and SERVER_PORT; {@code --root DIR} sets DOCUMENT_ROOT and SCRIPT_FILENAME as
 * nginx's {@code fastcgi.conf} does ({@code $document_root$fastcgi_script_name}), which php-fpm needs to find the
 * script; {@code --param} then replaces, adds or (without {@code =}) removes any variable.
 *
 * <p>Values go on the wire as bytes: a char of the command line becomes its UTF-8 bytes, held here one char per
 * byte (ISO-8859-1) as {@link CgiEnvironment} and the encoders expect.
 */
final class CgiVariables {
    /** nginx's scgi_params; CONTENT_LENGTH and SCGI come first, as the SCGI spec requires. */
    private static final Set<String> SCGI_PARAMS = Set.of("REQUEST_METHOD", "REQUEST_URI", "QUERY_STRING",
            "CONTENT_TYPE", "DOCUMENT_URI", "DOCUMENT_ROOT", "SERVER_PROTOCOL", "REQUEST_SCHEME", "REMOTE_ADDR",
            "REMOTE_PORT", "SERVER_PORT", "SERVER_NAME", "HTTP_HOST");

    static final String SERVER_SOFTWARE = "cgiwire-cli/" + version();

    private CgiVariables() {
    }

    /**
     * @param contentLength the body's length, or -1 when there is none
     * @param localAddress this side's IP address of the connection
     * @param localPort this side's port, or -1 over a Unix socket
     */
    static CgiEnvironment build(CliOptions o, long contentLength, String localAddress, int localPort)
            throws CliException {
        Target t = o.target;
        byte[] decodedPath = Target.percentDecodeBytes(t.rawPath(), t.rawPath());
        String path = latin1(decodedPath);
        String requestUri = wire(t.rawPath() + (t.query() != null ? "?" + t.query() : ""));
        String host = "localhost";
        String contentType = "";
        List<String[]> http = new ArrayList<>();
        for (CliOptions.Header h : o.headers) {
            String name = "HTTP_" + h.name().toUpperCase(Locale.ROOT).replace('-', '_');
            if (name.equals("HTTP_HOST")) {
                host = wire(h.value());
                continue;
            }
            if (name.equals("HTTP_CONTENT_TYPE")) {
                contentType = wire(h.value());
            }
            // A repeated header becomes one variable, its values joined as nginx joins them (Cookie with "; ").
            String[] existing = http.stream().filter(p -> p[0].equals(name)).findFirst().orElse(null);
            if (existing != null) {
                existing[1] = existing[1] + (name.equals("HTTP_COOKIE") ? "; " : ", ") + wire(h.value());
            } else {
                http.add(new String[] {name, wire(h.value())});
            }
        }
        String serverName = host;
        String serverPort = "80";
        int colon = host.lastIndexOf(':');
        if (colon > 0 && colon > host.lastIndexOf(']')) {
            serverName = host.substring(0, colon);
            serverPort = host.substring(colon + 1);
        }
        String documentRoot = o.root != null ? wire(o.root) : "";

        List<String[]> vars = new ArrayList<>();
        if (t.scgi()) {
            vars.add(new String[] {"CONTENT_LENGTH", Long.toString(Math.max(contentLength, 0))});
            vars.add(new String[] {"SCGI", "1"});
        }
        add(vars, "QUERY_STRING", t.query() != null ? wire(t.query()) : "");
        add(vars, "REQUEST_METHOD", o.method);
        add(vars, "CONTENT_TYPE", contentType);
        if (!t.scgi()) {
            add(vars, "CONTENT_LENGTH", contentLength < 0 ? "" : Long.toString(contentLength));
        }
        add(vars, "SCRIPT_NAME", path);
        add(vars, "REQUEST_URI", requestUri);
        add(vars, "DOCUMENT_URI", path);
        add(vars, "DOCUMENT_ROOT", documentRoot);
        add(vars, "SERVER_PROTOCOL", "HTTP/1.1");
        add(vars, "REQUEST_SCHEME", "http");
        add(vars, "GATEWAY_INTERFACE", "CGI/1.1");
        add(vars, "SERVER_SOFTWARE", SERVER_SOFTWARE);
        add(vars, "REMOTE_ADDR", localAddress);
        add(vars, "REMOTE_PORT", localPort < 0 ? "" : Integer.toString(localPort));
        add(vars, "SERVER_ADDR", localAddress);
        add(vars, "SERVER_PORT", serverPort);
        add(vars, "SERVER_NAME", serverName);
        add(vars, "REDIRECT_STATUS", "200");
        add(vars, "HTTP_HOST", host);
        if (o.root != null) {
            String root = documentRoot.endsWith("/") ? documentRoot.substring(0, documentRoot.length() - 1)
                    : documentRoot;
            add(vars, "SCRIPT_FILENAME", root + path);
        }
        if (t.scgi()) {
            vars.removeIf(v -> !v[0].equals("CONTENT_LENGTH") && !v[0].equals("SCGI") && !SCGI_PARAMS.contains(v[0]));
        }
        vars.addAll(http);
        for (CliOptions.Param p : o.params) {
            String name = wire(p.name());
            String[] existing = vars.stream().filter(v -> v[0].equals(name)).findFirst().orElse(null);
            if (p.value() == null) {
                vars.removeIf(v -> v[0].equals(name));
            } else if (existing != null) {
                existing[1] = wire(p.value());
            } else {
                vars.add(new String[] {name, wire(p.value())});
            }
        }
        CgiEnvironment env = new CgiEnvironment(vars.size());
        for (String[] v : vars) {
            env.add(v[0], v[1]);
        }
        return env;
    }

    /** Adds a variable whose value is already in wire form. */
    private static void add(List<String[]> vars, String name, String value) {
        vars.add(new String[] {name, value});
    }

    /** The UTF-8 bytes of {@code s}, one char per byte, unless it is already bytes (no char above 0x7F). */
    static String wire(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7F) {
                return latin1(s.getBytes(StandardCharsets.UTF_8));
            }
        }
        return s;
    }

    private static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String version() {
        String v = CgiVariables.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
