package io.cgiwire.spring.boot;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.GatewayTrust;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One connector to add: its protocol and its properties, with what both containers do alike. */
record ListenerSpec(Gateway gateway, CgiwireProperties.Listener properties) {
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    /** The connectors the properties ask for: FastCGI first, then SCGI. */
    static List<ListenerSpec> of(CgiwireProperties properties) {
        List<ListenerSpec> specs = new ArrayList<>();
        if (properties.getFcgi().active()) {
            specs.add(new ListenerSpec(Gateway.FCGI, properties.getFcgi()));
        }
        if (properties.getScgi().active()) {
            specs.add(new ListenerSpec(Gateway.SCGI, properties.getScgi()));
        }
        return specs;
    }

    /**
     * The Authorizer path for the FastCGI connector, or null.
     *
     * @throws IllegalStateException if it is set for SCGI, which has no Authorizer role
     */
    String authorizerPath() {
        String path = properties.getAuthorizerPath();
        if (path == null || path.isBlank()) {
            return null;
        }
        if (gateway != Gateway.FCGI) {
            throw new IllegalStateException(gateway.property("authorizer-path") + ": only FastCGI has the Authorizer"
                    + " role; set cgiwire.fcgi.authorizer-path");
        }
        return path;
    }

    /**
     * Whether the FastCGI connector multiplexes; null for the container's default.
     *
     * @throws IllegalStateException if it is set for SCGI, which has no multiplexing
     */
    Boolean multiplexing() {
        Boolean multiplexing = properties.getMultiplexing();
        if (multiplexing != null && gateway != Gateway.FCGI) {
            throw new IllegalStateException(gateway.property("multiplexing") + ": only FastCGI multiplexes; set"
                    + " cgiwire.fcgi.multiplexing");
        }
        return multiplexing;
    }

    boolean isUnix() {
        return properties.hasUnixSocket();
    }

    Path unixSocketPath() {
        return Path.of(properties.getUnixSocketPath().trim()).toAbsolutePath();
    }

    String address() {
        String address = properties.getAddress();
        return address == null || address.isBlank() ? "0.0.0.0" : address.trim();
    }

    int port() {
        return properties.getPort() == null ? 0 : properties.getPort();
    }

    /** Where it listens, for logs and the meters' {@code listener} tag. */
    String describe() {
        return isUnix() ? "unix:" + unixSocketPath() : address() + ":" + port();
    }

    /** What the application log says about this connector. */
    String logLine(String container, boolean inPlaceOfHttp) {
        return "cgiwire: " + gateway.displayName + " on " + describe() + " (" + container
                + (inPlaceOfHttp ? ", in place of the HTTP connector: server.port is negative" : "") + ")";
    }

    String allowedPeers() {
        return String.join(",", properties.getAllowedPeers());
    }

    String unixSocketPermissions() {
        String mode = properties.getUnixSocketPermissions();
        return mode == null || mode.isBlank() ? null : mode.trim();
    }

    long idleTimeoutMillis() {
        return properties.getIdleTimeout().toMillis();
    }

    void applyLimits(GatewayLimits limits) {
        limits.setMaxParamsBytes(Math.toIntExact(properties.getMaxParamsBytes().toBytes()));
        limits.setMaxParamsCount(properties.getMaxParamsCount());
        limits.setMaxParamNameLength(properties.getMaxParamNameLength());
        limits.setMaxParamValueLength(properties.getMaxParamValueLength());
        limits.setMaxScgiHeaderBytes(Math.toIntExact(properties.getMaxScgiHeaderBytes().toBytes()));
        limits.setMaxNetstringDigits(properties.getMaxNetstringDigits());
        limits.setMaxMultiplexedRequests(properties.getMaxMultiplexedRequests());
        limits.setHeaderReadTimeout(Math.toIntExact(properties.getHeaderReadTimeout().toMillis()));
    }

    /**
     * The adapters' refusal, said before the container starts and in terms of these properties: on an address
     * other than loopback without allowed peers, whoever reaches the port could claim any client address, HTTPS or
     * user. {@code effectiveAllowedPeers} is what the adapter ended up with (FastCGI also reads FCGI_WEB_SERVER_ADDRS).
     */
    void refuseUnsafe(String effectiveAllowedPeers) {
        if (isUnix()) {
            return;
        }
        GatewayTrust trust = new GatewayTrust();
        trust.setAllowedPeers(effectiveAllowedPeers);
        try {
            trust.checkListenAddress(gateway.displayName, address(), port(), gateway.property("allowed-peers"),
                    gateway.property("address") + " or " + gateway.property("unix-socket-path"));
        } catch (IllegalStateException e) {
            throw new UnsafeListenerException(e.getMessage(), gateway);
        }
    }

    /**
     * Removes a socket file that a process which died left behind (binding fails on it), but only if it is a socket
     * and nothing listens on it: a restart after a crash then works, and two instances on one path still do not.
     */
    void deleteStaleSocket() {
        Path path = unixSocketPath();
        try {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                return;
            }
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & S_IFMT) != S_IFSOCK) {
                throw new IllegalStateException(gateway.property("unix-socket-path") + ": " + path
                        + " exists and is not a socket; not removing it");
            }
            try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                channel.connect(UnixDomainSocketAddress.of(path));
                throw new IllegalStateException(gateway.property("unix-socket-path") + ": another process is"
                        + " listening on " + path);
            } catch (ConnectException stale) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check " + path, e);
        }
    }
}
