package io.cgiwire.jetty.internal;

import io.cgiwire.core.cgi.CgiRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.util.HostPort;

/**
 * The current request's view of its connection: the client is REMOTE_ADDR/REMOTE_PORT and the local side
 * SERVER_ADDR/SERVER_PORT, not the socket's ends (which are the web server and us).
 *
 * <p>Jetty takes a channel's metadata once, when the channel is made. A connection serves one request at a time, so
 * it keeps one channel and one of these, and {@link #update} sets them to each request before the request starts,
 * as Jetty's HTTP/1 connection reuses its channel; the socket's own addresses stay on the connection.
 */
final class CgiConnectionMetaData extends ConnectionMetaData.Wrapper {
    private volatile SocketAddress remote;
    private volatile SocketAddress local;
    private volatile boolean secure;
    private volatile boolean persistent;
    private volatile HttpVersion version = HttpVersion.HTTP_1_1;
    private volatile HostPort serverAuthority;

    CgiConnectionMetaData(ConnectionMetaData connection) {
        super(connection);
    }

    /** Takes the addresses and scheme of {@code request}, before it starts. */
    void update(CgiRequest request, boolean persistent) {
        ConnectionMetaData connection = getWrapped();
        InetSocketAddress client = CgiRequests.address(request.remoteAddr(), request.remotePort());
        this.remote = client != null ? client : connection.getRemoteSocketAddress();
        InetSocketAddress server = CgiRequests.address(request.localAddr(), request.localPort());
        if (server == null && connection.getLocalSocketAddress() instanceof InetSocketAddress socket) {
            // nginx's scgi_params have no SERVER_ADDR: our own address, with the port the client came in on.
            server = new InetSocketAddress(socket.getAddress(), request.localPort() >= 0
                    ? request.localPort() : socket.getPort());
        }
        this.local = server != null ? server : connection.getLocalSocketAddress();
        this.secure = request.secure();
        this.persistent = persistent;
        HttpVersion v = HttpVersion.fromString(request.protocol());
        this.version = v != null ? v : HttpVersion.HTTP_1_1;
        this.serverAuthority = request.serverName() != null
                ? new HostPort(request.serverName(), request.serverPort()) : null;
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
