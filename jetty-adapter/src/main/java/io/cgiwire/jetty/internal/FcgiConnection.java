package io.cgiwire.jetty.internal;

import io.cgiwire.core.GatewayLimits;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;

/** Being built: closes every connection it is given. */
public final class FcgiConnection extends AbstractConnection {
    /** A connection that is not implemented yet. */
    public FcgiConnection(Connector connector, HttpConfiguration configuration, EndPoint endPoint,
            GatewayLimits limits) {
        super(endPoint, connector.getExecutor());
    }

    @Override
    public void onFillable() {
        close();
    }
}
