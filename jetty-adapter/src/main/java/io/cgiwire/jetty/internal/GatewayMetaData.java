package io.cgiwire.jetty.internal;

import io.cgiwire.core.GatewayRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Arrays;
import java.util.Objects;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.util.HostPort;

/**
 * A request's view of its connection: the client and local addresses, scheme and protocol from the
 * {@link GatewayRequest}, not the socket's ends (which are the web server and us).
 *
 * <p>Jetty takes a channel's metadata once, when the channel is made. So each of these has its {@link #channel}, and
 * {@link #update} sets them to each request before the request starts, as Jetty's HTTP/1 connection reuses its
 * channel; the socket's own addresses stay on the connection. A connection keeps one, and one more for each request
 * it serves at the same time (FastCGI multiplexing): concurrent requests may come from different clients.
 */
final class GatewayMetaData extends ConnectionMetaData.Wrapper {
    /** HttpURI's port when it has none. */
    private static final int NO_PORT = -1;

    private volatile SocketAddress remote;
    private volatile SocketAddress local;
    private volatile boolean secure;
    private volatile boolean persistent;
    private volatile HttpVersion version = HttpVersion.HTTP_1_1;
    private volatile HostPort serverAuthority;
    /** The channel made with this view; null until the first request, and after one failed. */
    HttpChannel channel;

    // What the last request of this connection had, reused when the next one has it too (a web server sends most
    // of it unchanged on a kept connection): read and written only from GatewayConnection.startRequest, under the
    // connection's lock.
    private InetSocketAddress lastRemote;
    private String lastRemoteText;
    private InetSocketAddress lastLocal;
    private String lastLocalText;
    private HttpField[] lastFields = new HttpField[0];
    private HttpURI lastUri;
    private String lastTarget;
    private String lastUriHost;
    private int lastUriPort;

    GatewayMetaData(ConnectionMetaData connection) {
        super(connection);
    }

    /** Takes the addresses and scheme of {@code request}, before it starts. */
    void update(GatewayRequest request) {
        String clientText = request.remoteAddr();
        InetSocketAddress client = address(lastRemote, lastRemoteText, clientText, request.remotePort());
        lastRemote = client;
        lastRemoteText = clientText;
        this.remote = client != null ? client : getWrapped().getRemoteSocketAddress();
        String serverText = request.localSocketHost();
        InetSocketAddress server = address(lastLocal, lastLocalText, serverText, request.localPort());
        lastLocal = server;
        lastLocalText = serverText;
        this.local = server != null ? server : getWrapped().getLocalSocketAddress();
        this.secure = request.secure();
        this.persistent = request.keepConnection();
        this.version = version(request);
        String name = request.serverName();
        HostPort authority = serverAuthority;
        if (name == null) {
            authority = null;
        } else if (authority == null || authority.getPort() != request.serverPort()
                || !name.equals(authority.getHost())) {
            authority = new HostPort(name, request.serverPort());
        }
        this.serverAuthority = authority;
    }

    /**
     * {@link GatewayRequest#socketAddress}, or {@code last} when it was made from the same text and port: the same
     * client or server again needs no parsing and no new address. The same text with another port (the next client
     * connection from the same address, as a kept connection from the web server mostly carries) reuses the parsed
     * address.
     */
    private static InetSocketAddress address(InetSocketAddress last, String lastText, String text, int port) {
        if (last != null && text != null && text.equals(lastText)) {
            if (port == last.getPort()) {
                return last;
            }
            if (!last.isUnresolved() && port >= 0 && port <= 0xFFFF) {
                return new InetSocketAddress(last.getAddress(), port);
            }
        }
        return GatewayRequest.socketAddress(text, port);
    }

    /**
     * The request line, URI and headers as Jetty's own HTTP connector would have parsed them from the client: the
     * scheme and authority the client used go into the URI (Jetty derives isSecure, getServerName/Port and absolute
     * redirects from it). Header fields and the URI equal to the last request's are the same objects again, as
     * Jetty's HTTP parser keeps a connection's fields; both are immutable.
     *
     * @throws IllegalArgumentException if Jetty refuses the target
     */
    MetaData.Request toMetaData(GatewayRequest request, long beginNanoTime) {
        int count = request.headerCount();
        HttpField[] last = lastFields;
        HttpField[] fields = new HttpField[count];
        int n = 0;
        for (int i = 0; i < count; i++) {
            String name = request.headerName(i);
            String value = request.headerValue(i);
            if (value == null) {
                // As HttpFields.Mutable.add(name, null): no field.
                continue;
            }
            HttpField field = n < last.length ? last[n] : null;
            if (field == null || !same(field.getName(), name) || !same(field.getValue(), value)) {
                field = find(last, name, value);
            }
            fields[n++] = field != null ? field : new HttpField(name, value);
        }
        if (n < count) {
            fields = Arrays.copyOf(fields, n);
        }
        lastFields = fields;
        return new MetaData.Request(beginNanoTime, request.method(), uri(request), version(request),
                HttpFields.from(fields), request.contentLength());
    }

    private static HttpField find(HttpField[] fields, String name, String value) {
        for (HttpField field : fields) {
            if (same(field.getName(), name) && same(field.getValue(), value)) {
                return field;
            }
        }
        return null;
    }

    private static boolean same(String a, String b) {
        return a == b || a.equals(b);
    }

    private HttpURI uri(GatewayRequest request) {
        String target = request.rawTarget();
        String host = request.serverName();
        int port = request.explicitPort() ? request.serverPort() : NO_PORT;
        HttpURI uri = lastUri;
        if (uri != null && target.equals(lastTarget) && request.scheme().equals(uri.getScheme())
                && Objects.equals(host, lastUriHost) && port == lastUriPort) {
            return uri;
        }
        HttpURI.Mutable built = HttpURI.build().scheme(request.scheme());
        if (host != null) {
            built.host(host);
            if (port != NO_PORT) {
                built.port(port);
            }
        }
        if (target.charAt(0) == '/') {
            built.pathQuery(target);
        } else {
            // "*" (OPTIONS) or an absolute-form target: the mapper has split it already.
            built.path(request.path());
            built.query(request.query());
        }
        uri = built.asImmutable();
        lastUri = uri;
        lastTarget = target;
        lastUriHost = host;
        lastUriPort = port;
        return uri;
    }

    private static HttpVersion version(GatewayRequest request) {
        String protocol = request.protocol();
        // Nearly always the mapper's constant: no lookup for it.
        if ("HTTP/1.1".equals(protocol)) {
            return HttpVersion.HTTP_1_1;
        }
        HttpVersion v = HttpVersion.fromString(protocol);
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
