package io.cgiwire.jetty.internal;

import io.cgiwire.core.GatewayRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Attributes;

/**
 * For the benchmarks only: what {@code GatewayConnection.startRequest} does to a {@link GatewayRequest} before
 * Jetty runs it (its MetaData.Request and the channel's view of the connection), without a connection.
 */
public final class JettyRequestView {
    private final GatewayMetaData metaData = new GatewayMetaData(new Socket());

    /** The request's MetaData.Request; the connection's metadata is updated as for a real request. */
    public MetaData.Request view(GatewayRequest request) {
        MetaData.Request m = metaData.toMetaData(request, System.nanoTime());
        metaData.update(request);
        return m;
    }

    /** The connection view, for the benchmark to consume. */
    public ConnectionMetaData connection() {
        return metaData;
    }

    private static final class Socket extends Attributes.Mapped implements ConnectionMetaData {
        private final HttpConfiguration configuration = new HttpConfiguration();
        private final SocketAddress remote = new InetSocketAddress("127.0.0.1", 40000);
        private final SocketAddress local = new InetSocketAddress("127.0.0.1", 9000);

        @Override
        public String getId() {
            return "bench";
        }

        @Override
        public HttpConfiguration getHttpConfiguration() {
            return configuration;
        }

        @Override
        public HttpVersion getHttpVersion() {
            return HttpVersion.HTTP_1_1;
        }

        @Override
        public String getProtocol() {
            return "HTTP/1.1";
        }

        @Override
        public Connection getConnection() {
            return null;
        }

        @Override
        public Connector getConnector() {
            return null;
        }

        @Override
        public boolean isPersistent() {
            return true;
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            return remote;
        }

        @Override
        public SocketAddress getLocalSocketAddress() {
            return local;
        }
    }
}
