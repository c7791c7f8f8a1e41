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
    private final String refusal;

    /** A connection to close as soon as it opens, logging {@code refusal}. */
    public RefusedConnection(EndPoint endPoint, Executor executor, String protocol, String refusal) {
        super(endPoint, executor);
        this.protocol = protocol;
        this.refusal = refusal;
    }

    @Override
    public void onOpen() {
        super.onOpen();
        LOG.warn("{} {}", protocol, refusal);
        close();
    }

    @Override
    public void onFillable() {
        close();
    }
}
