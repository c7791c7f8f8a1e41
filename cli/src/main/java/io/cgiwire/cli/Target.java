package io.cgiwire.cli;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where to send the request and what to ask for, from a URL:
 * <pre>
 * fcgi://HOST[:PORT][/PATH][?QUERY]          FastCGI over TCP, PORT 9000 if not given
 * scgi://HOST[:PORT][/PATH][?QUERY]          SCGI over TCP, PORT 4000 if not given
 * fcgi+unix://SOCKET[/PATH][?QUERY]          FastCGI over a Unix socket
 * scgi+unix://SOCKET[/PATH][?QUERY]          SCGI over a Unix socket
 * </pre>
 * HOST is a name, an IPv4 address or an IPv6 address in brackets. SOCKET is the socket file's path with every
 * {@code /} written {@code %2F} ({@code fcgi+unix://%2Frun%2Fphp%2Ffpm.sock/ping}): the convention of
 * {@code http+unix://} URLs (requests-unixsocket, docker-py). It keeps the URL a valid RFC 3986 URI and is the one
 * form where neither the socket path nor the request path can be mistaken for the other, whatever they contain.
 * The default ports are cgiwire's and php-fpm's (9000) and cgiwire's and Python scgi's (4000).
 *
 * @param rawPath the path as written, percent escapes kept (what REQUEST_URI carries); "/" when the URL has none
 * @param query what follows {@code ?}, as written; null when there is no {@code ?}
 */
record Target(boolean scgi, String host, int port, Path unixSocket, String rawPath, String query) {

    static final int DEFAULT_FCGI_PORT = 9000;
    static final int DEFAULT_SCGI_PORT = 4000;

    static Target parse(String url) throws CliException {
        int schemeEnd = url.indexOf("://");
        if (schemeEnd < 0) {
            throw CliException.usage("not a URL: " + url + " (expected fcgi://HOST:PORT/PATH, scgi://..., "
                    + "fcgi+unix://%2Fpath%2Fto.sock/PATH or scgi+unix://...)");
        }
        String scheme = url.substring(0, schemeEnd).toLowerCase(Locale.ROOT);
        boolean scgi;
        boolean unix;
        switch (scheme) {
            case "fcgi" -> { scgi = false; unix = false; }
            case "scgi" -> { scgi = true; unix = false; }
            case "fcgi+unix" -> { scgi = false; unix = true; }
            case "scgi+unix" -> { scgi = true; unix = true; }
            default -> throw CliException.usage("unknown scheme " + scheme + ": in " + url
                    + " (fcgi, scgi, fcgi+unix or scgi+unix)");
        }
        String rest = url.substring(schemeEnd + 3);
        if (rest.indexOf('#') >= 0) {
            throw CliException.usage("a fragment (#...) is never sent to the server: remove it from " + url);
        }
        int authorityEnd = 0;
        while (authorityEnd < rest.length() && rest.charAt(authorityEnd) != '/' && rest.charAt(authorityEnd) != '?') {
            authorityEnd++;
        }
        String authority = rest.substring(0, authorityEnd);
        String pathAndQuery = rest.substring(authorityEnd);
        int q = pathAndQuery.indexOf('?');
        String rawPath = q < 0 ? pathAndQuery : pathAndQuery.substring(0, q);
        String query = q < 0 ? null : pathAndQuery.substring(q + 1);
        if (rawPath.isEmpty()) {
            rawPath = "/";
        }
        for (int i = 0; i < pathAndQuery.length(); i++) {
            char c = pathAndQuery.charAt(i);
            if (c <= ' ' || c == 0x7F) {
                throw CliException.usage("a space or control character in the path or query of " + url
                        + ": percent-encode it (%20)");
            }
        }
        if (unix) {
            if (authority.isEmpty()) {
                throw CliException.usage("no socket in " + url + ": write the socket's path as the host, with each / "
                        + "as %2F, e.g. " + scheme + "://%2Frun%2Fapp.sock" + (rawPath.equals("/") ? "/" : rawPath));
            }
            String socket = percentDecode(authority, url);
            return new Target(scgi, null, 0, Path.of(socket), rawPath, query);
        }
        return tcp(scgi, authority, url, rawPath, query);
    }

    private static Target tcp(boolean scgi, String authority, String url, String rawPath, String query)
            throws CliException {
        if (authority.indexOf('@') >= 0) {
            throw CliException.usage("user information (user@) has no meaning in " + url);
        }
        String host;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw CliException.usage("unclosed [ in the host of " + url);
            }
            host = authority.substring(1, close);
            String after = authority.substring(close + 1);
            if (after.startsWith(":")) {
                portText = after.substring(1);
            } else if (!after.isEmpty()) {
                throw CliException.usage("unexpected " + after + " after the host of " + url);
            }
        } else {
            int colon = authority.lastIndexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? null : authority.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw CliException.usage("an IPv6 address goes in brackets: fcgi://[::1]:9000/ (in " + url + ")");
            }
        }
        if (host.isEmpty()) {
            throw CliException.usage("no host in " + url);
        }
        int port = scgi ? DEFAULT_SCGI_PORT : DEFAULT_FCGI_PORT;
        if (portText != null) {
            port = parsePort(portText, url);
        }
        return new Target(scgi, host, port, null, rawPath, query);
    }

    private static int parsePort(String text, String url) throws CliException {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw CliException.usage("port " + text + " is not a number from 1 to 65535 in " + url);
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw CliException.usage("port " + text + " is not a number from 1 to 65535 in " + url);
        }
        return port;
    }

    /** Decodes %XX escapes to bytes, the bytes as UTF-8 (socket paths are file names). */
    private static String percentDecode(String s, String url) throws CliException {
        return new String(percentDecodeBytes(s, url), StandardCharsets.UTF_8);
    }

    /**
     * Decodes %XX escapes of {@code s} to bytes; other chars are taken as UTF-8. For the path a front server puts in
     * DOCUMENT_URI and SCRIPT_NAME (nginx's {@code $uri} is decoded).
     */
    static byte[] percentDecodeBytes(String s, String url) throws CliException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 3 > s.length()) {
                    throw CliException.usage("incomplete percent escape at the end of " + s + " in " + url);
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw CliException.usage("bad percent escape " + s.substring(i, i + 3) + " in " + url);
                }
                out.write(hi << 4 | lo);
                i += 3;
            } else {
                int end = i + 1;
                while (end < s.length() && s.charAt(end) != '%') {
                    end++;
                }
                out.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
                i = end;
            }
        }
        return out.toByteArray();
    }

    boolean isUnix() {
        return unixSocket != null;
    }

    /** The address to connect to; a host name is looked up here. */
    SocketAddress socketAddress() {
        return isUnix() ? UnixDomainSocketAddress.of(unixSocket) : new InetSocketAddress(host, port);
    }

    /** The backend, for messages: {@code 127.0.0.1:9000} or {@code unix:/run/app.sock}. */
    String where() {
        if (isUnix()) {
            return "unix:" + unixSocket;
        }
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    String protocolName() {
        return scgi ? "SCGI" : "FastCGI";
    }
}
