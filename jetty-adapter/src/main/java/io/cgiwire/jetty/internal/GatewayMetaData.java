package io.cgiwire.jetty.internal;

import io.cgiwire.core.GatewayRequest;
import java.net.SocketAddress;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.util.HostPort;

/**
 * The current request's view of its connection: the client and local addresses, scheme and protocol from the
 * {@link GatewayRequest}, not the socket's ends (which are the web server and us).
 *
 * <p>Jetty takes a channel's metadata once, when the channel is made. A connection serves one request at a time, so
 * it keeps one channel and one of these, and {@link #update} sets them to each request before the request starts,
 * as Jetty's HTTP/1 connection reuses its channel; the socket's own addresses stay on the connection.
 */
final class GatewayMetaData extends ConnectionMetaData.Wrapper {
    private volatile SocketAddress remote;
    private volatile SocketAddress local;
    private volatile boolean secure;
    private volatile boolean persistent;
    private volatile HttpVersion version = HttpVersion.HTTP_1_1;
    private volatile HostPort serverAuthority;

    GatewayMetaData(ConnectionMetaData connection) {
        super(connection);
    }

    /** Takes the addresses and scheme of {@code request}, before it starts. */
    void update(GatewayRequest request) {
        SocketAddress client = request.remoteSocketAddress();
        this.remote = client != null ? client : getWrapped().getRemoteSocketAddress();
        SocketAddress server = request.localSocketAddress();
        this.local = server != null ? server : getWrapped().getLocalSocketAddress();
        this.secure = request.secure();
        this.persistent = request.keepConnection();
        this.version = version(request);
        this.serverAuthority = request.serverName() != null
                ? new HostPort(request.serverName(), request.serverPort()) : null;
    }

    /**
     * The request line, URI and headers as Jetty's own HTTP connector would have parsed them from the client: the
     * scheme and authority the client used go into the URI (Jetty derives isSecure, getServerName/Port and absolute
     * redirects from it).
     *
     * @throws IllegalArgumentException if Jetty refuses the target
     */
    static MetaData.Request toMetaData(GatewayRequest request, long beginNanoTime) {
        HttpFields.Mutable fields = HttpFields.build(request.headerCount());
        for (int i = 0; i < request.headerCount(); i++) {
            fields.add(request.headerName(i), request.headerValue(i));
        }
        HttpURI.Mutable uri = HttpURI.build().scheme(request.scheme());
        if (request.serverName() != null) {
            uri.host(request.serverName());
            if (request.explicitPort()) {
                uri.port(request.serverPort());
            }
        }
        if (request.rawTarget().charAt(0) == '/') {
            uri.pathQuery(request.rawTarget());
        } else {
            // "*" (OPTIONS) or an absolute-form target: the mapper has split it already.
            uri.path(request.path());
            uri.query(request.query());
        }
        return new MetaData.Request(beginNanoTime, request.method(), uri.asImmutable(), version(request),
                fields.asImmutable(), request.contentLength());
    }

    private static HttpVersion version(GatewayRequest request) {
        HttpVersion v = HttpVersion.fromString(request.protocol());
        return v != null ? v : HttpVersion.HTTP_1_1;
    }

    @Override
    public SocketAddress getRemoteSocketAddress() {
        return remote;
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return local;
    }

    @Override
    public boolean isSecure() {
        return secure;
    }

    @Override
    public boolean isPersistent() {
        return persistent;
    }

    @Override
    public HttpVersion getHttpVersion() {
        return version;
    }

    /** The client's protocol, e.g. "HTTP/1.1": what a servlet's getProtocol() returns. */
    @Override
    public String getProtocol() {
        return version.asString();
    }

    @Override
    public HostPort getServerAuthority() {
        return serverAuthority != null ? serverAuthority : super.getServerAuthority();
    }
}
