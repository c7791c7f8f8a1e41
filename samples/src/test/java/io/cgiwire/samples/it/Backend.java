package io.cgiwire.samples.it;

import java.net.URI;
import java.nio.file.Path;

/**
 * The process behind the front server: the cgiwire demo on Jetty or on Tomcat. One backend serves
 * FastCGI (TCP and a Unix socket), SCGI, and plain HTTP from the container's own connector, for comparison.
 */
interface Backend extends AutoCloseable {

    Endpoint endpoint(Protocol protocol, boolean unixSocket);

    /** The container's own HTTP connector, or null if this backend has none. */
    URI http();

    /** What the backend printed so far, for failure messages. */
    String output();

    @Override
    void close();

    /** Starts a backend with its files (sockets, logs) under {@code dir}. */
    @FunctionalInterface
    interface Launcher {
        Backend start(Path dir);
    }
}
