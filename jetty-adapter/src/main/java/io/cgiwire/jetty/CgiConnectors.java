package io.cgiwire.jetty;

import java.nio.file.Path;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;

/**
 * Builds the connector a cgiwire factory listens on, for Jetty XML ({@code etc/cgiwire-fcgi.xml}) and for code: a
 * Unix-domain socket when a path is given, else TCP on host and port, or the socket the process inherited.
 */
public final class CgiConnectors {
    private CgiConnectors() {
    }

    /**
     * @param host the address to bind; null or empty binds every interface (then name the web server with
     *     {@link CgiConnectionFactory#setAllowedPeers(String)})
     * @param port the TCP port; 0 picks a free one
     * @param unixSocketPath a Unix-domain socket path; when not empty, host and port are not used
     * @param inheritChannel accept on the listening socket the process inherited on file descriptor 0 (FastCGI's
     *     FCGI_LISTENSOCK_FILENO, as spawn-fcgi and systemd's {@code StandardInput=socket} pass it), through Jetty's
     *     inherited-channel support ({@link System#inheritedChannel()}); host and port are then used only if there
     *     is no such socket
     * @param idleTimeout milliseconds a connection may stay silent while a request is in flight
     */
    public static Connector newConnector(Server server, ConnectionFactory factory, int acceptors, int selectors,
            String host, int port, String unixSocketPath, boolean inheritChannel, long idleTimeout,
            int acceptQueueSize) {
        if (unixSocketPath != null && !unixSocketPath.isBlank()) {
            return UnixDomain.connector(server, factory, acceptors, selectors, Path.of(unixSocketPath.trim()),
                    idleTimeout, acceptQueueSize);
        }
        ServerConnector connector = new ServerConnector(server, acceptors, selectors, factory);
        connector.setHost(host == null || host.isBlank() ? null : host.trim());
        connector.setPort(port);
        connector.setInheritChannel(inheritChannel);
        connector.setIdleTimeout(idleTimeout);
        connector.setAcceptQueueSize(acceptQueueSize);
        return connector;
    }

    /** Kept apart so that the Unix-domain classes load only when a socket path is configured. */
    private static final class UnixDomain {
        static Connector connector(Server server, ConnectionFactory factory, int acceptors, int selectors,
                Path path, long idleTimeout, int acceptQueueSize) {
            UnixDomainServerConnector connector = new UnixDomainServerConnector(server, acceptors, selectors,
                    factory);
            connector.setUnixDomainPath(path);
            connector.setIdleTimeout(idleTimeout);
            connector.setAcceptQueueSize(acceptQueueSize);
            return connector;
        }
    }
}
