package io.cgiwire.samples.it;

import java.nio.file.Path;

/** Where a backend listens: a TCP port of 127.0.0.1, or a Unix socket. */
record Endpoint(String host, int port, Path unixSocket) {

    static Endpoint tcp(String host, int port) {
        return new Endpoint(host, port, null);
    }

    static Endpoint unix(Path socket) {
        return new Endpoint(null, 0, socket);
    }

    boolean isUnix() {
        return unixSocket != null;
    }

    /** The demo's CLI form: {@code HOST:PORT} or {@code unix:PATH}. */
    String cliArg() {
        return isUnix() ? "unix:" + unixSocket : host + ":" + port;
    }

    @Override
    public String toString() {
        return cliArg();
    }
}
