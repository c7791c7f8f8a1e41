package io.cgiwire.jetty.internal;

import java.util.concurrent.Executor;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A connection from a peer that is not allowed: logged once and closed before a byte is read. */
public final class RefusedConnection extends AbstractConnection {
    private static final Logger LOG = LoggerFactory.getLogger(RefusedConnection.class);

    private final String protocol;
    private final String allowedPeers;

    /** A connection to close as soon as it opens. */
    public RefusedConnection(EndPoint endPoint, Executor executor, String protocol, String allowedPeers) {
        super(endPoint, executor);
        this.protocol = protocol;
        this.allowedPeers = allowedPeers;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        LOG.warn("{}: refused a connection from {}: not in allowedPeers [{}]", protocol,
                getEndPoint().getRemoteSocketAddress(), allowedPeers);
        close();
    }

    @Override
    public void onFillable() {
        close();
    }
}
