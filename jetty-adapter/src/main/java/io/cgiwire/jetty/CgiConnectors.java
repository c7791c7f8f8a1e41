package io.cgiwire.jetty;

import io.cgiwire.core.Gateway;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * Builds the connector a cgiwire factory listens on, for Jetty XML ({@code etc/cgiwire-fcgi.xml}) and for code: a
 * Unix-domain socket when a path is given, else TCP on host and port, or the socket the process inherited.
 */
public final class CgiConnectors {
    /**
     * 1024 pending connections: a front server opens one connection per concurrent request beyond its keepalive
     * pool, so bursts are normal; the platform's default backlog of 50 drops them (a thousand concurrent clients
     * through nginx made connects wait for SYN retransmits). The kernel caps it at net.core.somaxconn.
     */
    public static final int DEFAULT_ACCEPT_QUEUE_SIZE = 1024;

    /** The send buffer of each accepted Unix-domain connection: {@link Gateway#UNIX_SEND_BUFFER_SIZE}. */
    public static final int UNIX_SEND_BUFFER_SIZE = Gateway.UNIX_SEND_BUFFER_SIZE;

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
     * @param unixSocketPermissions the Unix socket file's mode once it exists, as {@code ls} shows it (for example
     *     {@code rw-rw----}: the web server's worker needs write permission to connect); empty leaves the umask's
     * @param idleTimeout milliseconds a connection may stay silent while a request is in flight
     * @param acceptQueueSize pending connections the kernel may hold; 0 or less for {@link #DEFAULT_ACCEPT_QUEUE_SIZE}
     * @param maxConnections the most connections accepted at once (Jetty's {@link NetworkConnectionLimit}: further
     *     ones wait in the accept queue); 0 or less for no limit
     */
    public static Connector newConnector(Server server, ConnectionFactory factory, int acceptors, int selectors,
            String host, int port, String unixSocketPath, String unixSocketPermissions, boolean inheritChannel,
            long idleTimeout, int acceptQueueSize, int maxConnections) {
        int backlog = acceptQueueSize > 0 ? acceptQueueSize : DEFAULT_ACCEPT_QUEUE_SIZE;
        AbstractConnector connector;
        if (unixSocketPath != null && !unixSocketPath.isBlank()) {
            connector = UnixDomain.connector(server, factory, acceptors, selectors, Path.of(unixSocketPath.trim()),
                    unixSocketPermissions, backlog);
        } else {
            ServerConnector tcp = new ServerConnector(server, acceptors, selectors, factory);
            tcp.setHost(host == null || host.isBlank() ? null : host.trim());
            tcp.setPort(port);
            tcp.setInheritChannel(inheritChannel);
            tcp.setAcceptQueueSize(backlog);
            if (factory instanceof CgiConnectionFactory gateway) {
                // As the server starts, before it opens its connectors.
                server.addEventListener(new LifeCycle.Listener() {
                    @Override
                    public void lifeCycleStarting(LifeCycle event) {
                        gateway.checkListenAddress(tcp.getHost(), tcp.getPort(), tcp.isInheritChannel());
                    }
                });
            }
            connector = tcp;
        }
        connector.setIdleTimeout(idleTimeout);
        if (maxConnections > 0) {
            connector.addBean(new NetworkConnectionLimit(maxConnections, connector));
        }
        return connector;
    }

    /**
     * Sets {@code path}'s permissions once {@code connector} has created the socket file.
     *
     * @param permissions as {@code ls} shows them, e.g. {@code rw-rw----}
     * @throws IllegalArgumentException if {@code permissions} is not of that form
     */
    public static void setPermissionsWhenStarted(Connector connector, Path path, String permissions) {
        Set<PosixFilePermission> mode = PosixFilePermissions.fromString(permissions.trim());
        connector.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStarted(LifeCycle event) {
                try {
                    Files.setPosixFilePermissions(path, mode);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot set " + permissions + " on " + path, e);
                }
            }
        });
    }

    /** Kept apart so that the Unix-domain classes load only when a socket path is configured. */
    private static final class UnixDomain {
        static AbstractConnector connector(Server server, ConnectionFactory factory, int acceptors, int selectors,
                Path path, String permissions, int acceptQueueSize) {
            UnixDomainServerConnector connector = new UnixDomainServerConnector(server, acceptors, selectors,
                    factory);
            connector.setUnixDomainPath(path);
            connector.setAcceptQueueSize(acceptQueueSize);
            connector.setAcceptedSendBufferSize(UNIX_SEND_BUFFER_SIZE);
            if (permissions != null && !permissions.isBlank()) {
                setPermissionsWhenStarted(connector, path, permissions);
            }
            return connector;
        }
    }
}
