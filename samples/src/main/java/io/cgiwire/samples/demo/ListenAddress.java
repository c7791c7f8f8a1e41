package io.cgiwire.samples.demo;

import java.nio.file.Path;

/** Where a listener binds: {@code HOST:PORT} ({@code [v6]:PORT} for IPv6) or {@code unix:PATH}. */
public sealed interface ListenAddress {
    /** A TCP address; port 0 picks a free port. */
    record Tcp(String host, int port) implements ListenAddress {
        @Override
        public String toString() {
            return hostPort(host, port);
        }
    }

    /** A Unix domain socket. */
    record Unix(Path path) implements ListenAddress {
        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /** Parses {@code HOST:PORT}, {@code [IPV6]:PORT} or, when {@code unixAllowed}, {@code unix:PATH}. */
    static ListenAddress parse(String text, boolean unixAllowed) {
        if (text.startsWith("unix:")) {
            if (!unixAllowed) {
                throw new IllegalArgumentException("a Unix socket is not supported here: " + text);
            }
            String path = text.substring("unix:".length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException("unix: needs a path, e.g. unix:/run/cgiwire/fcgi.sock");
            }
            return new Unix(Path.of(path));
        }
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected HOST:PORT" + (unixAllowed ? " or unix:PATH" : "") + ", got "
                    + quote(text));
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("put an IPv6 address in brackets, e.g. [::1]:9000, got " + quote(text));
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("missing host in " + quote(text) + " (e.g. 127.0.0.1:9000)");
        }
        return new Tcp(host, port(text.substring(colon + 1), text));
    }

    private static int port(String port, String text) {
        try {
            int value = Integer.parseInt(port);
            if (value >= 0 && value <= 65535) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new IllegalArgumentException("bad port in " + quote(text) + ": 0..65535 (0 picks a free port)");
    }

    private static String quote(String text) {
        return "'" + text + "'";
    }

    /** {@code host:port}, with an IPv6 host in brackets. */
    static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
