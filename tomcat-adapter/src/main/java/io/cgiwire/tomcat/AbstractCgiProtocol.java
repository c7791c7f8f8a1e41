package io.cgiwire.tomcat;

import io.cgiwire.core.Gateway;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.GatewaySettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.Processor;
import org.apache.coyote.Request;
import org.apache.coyote.Response;
import org.apache.coyote.UpgradeProtocol;
import org.apache.coyote.UpgradeToken;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.collections.SynchronizedStack;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * What the FastCGI and SCGI protocol handlers share, as Tomcat's {@code AbstractAjpProtocol} does for AJP: safe
 * defaults set in the constructor, the {@link GatewaySettings} as attributes of the {@code <Connector>}, one
 * {@link GatewayProcessor} for both protocols, and no TLS, upgrade or sendfile, which belong to the web server in
 * front.
 *
 * <p>Defaults that differ from Tomcat's HTTP connector, and why:
 * <ul>
 *   <li>{@code address} is the loopback address: the web server is on the same machine, and a gateway protocol
 *       trusts what its peer says about the client (Ghostcat, CVE-2020-1938, was an AJP port open to the world).
 *       Another address needs {@code allowedPeers} (the web server's addresses), or the connector refuses to
 *       start, before it binds the port.</li>
 *   <li>{@code keepAliveTimeout} is -1: a FastCGI connection kept with FCGI_KEEP_CONN is closed by the web server,
 *       never by the backend, since nginx answers 502 when a backend closes one just as nginx reuses it.
 *       {@code connectionTimeout} (60 s) still bounds the wait for a new connection's first byte and every read
 *       and write while a request is in flight; {@code headerReadTimeout} (10 s) the whole time a request's
 *       variables take to arrive.</li>
 * </ul>
 *
 * <p>The {@link GatewaySettings} ({@code maxParamsBytes}, ..., {@code headerReadTimeout}, {@code allowedPeers},
 * {@code allowedRequestAttributesPattern}, {@code trustRemoteUser}) are attributes of the {@code <Connector>}, named as
 * on the Jetty side. {@code unixSocketPermissions} is the Jetty side's name for the endpoint's
 * {@code unixDomainSocketPathPermissions}; {@code tomcatAuthentication} (default true) is AJP's name for the opposite
 * of {@code trustRemoteUser}.
 *
 * @param <S> the endpoint's socket type
 */
public abstract class AbstractCgiProtocol<S> extends AbstractProtocol<S> implements GatewaySettings {
    /** Recycled coyote requests kept for multiplexed requests: about as many as run at once on a busy connector. */
    static final int MAX_RECYCLED_REQUESTS = 256;
    /** 60 s, Tomcat's HTTP default and nginx's fastcgi_send_timeout / fastcgi_read_timeout. */
    static final int DEFAULT_CONNECTION_TIMEOUT = 60_000;

    private final Log log = LogFactory.getLog(getClass());
    private final Gateway gateway;
    private final String protocolName;
    /**
     * The sessions of kept connections between requests, whose processor went back to the pool (see
     * {@link GatewayProcessor}); removed when the connection's next bytes come, or when it closes.
     */
    private final Map<SocketWrapperBase<?>, GatewaySession> idle = new ConcurrentHashMap<>();
    /**
     * Coyote requests of completed multiplexed requests, recycled, each with its response and, in its notes, the
     * container's request and response, whose buffers are some 50 KB to make: Tomcat's HTTP/2 keeps its streams'
     * the same way. At most {@value #MAX_RECYCLED_REQUESTS}, so that a burst does not pin them all.
     */
    private final SynchronizedStack<Request> recycledRequests = new SynchronizedStack<>(
            SynchronizedStack.DEFAULT_SIZE, MAX_RECYCLED_REQUESTS);

    /**
     * @param endpoint the endpoint for the sockets, e.g. a {@code NioEndpoint}
     * @param gateway the protocol, limits, trust and counters of the handler's connections
     * @param protocolName the name in Tomcat's thread and JMX names, as "Ajp" for AJP: "Fcgi"
     */
    protected AbstractCgiProtocol(AbstractEndpoint<S, ?> endpoint, Gateway gateway, String protocolName) {
        super(endpoint);
        this.gateway = gateway;
        this.protocolName = protocolName;
        Handler<S> handler = new Handler<>(this);
        getEndpoint().setHandler(handler);
        setHandler(handler);
        setConnectionTimeout(DEFAULT_CONNECTION_TIMEOUT);
        setKeepAliveTimeout(-1);
        getEndpoint().setUseSendfile(false);
        getEndpoint().setAddress(InetAddress.getLoopbackAddress());
    }

    @Override
    public Gateway gateway() {
        return gateway;
    }

    /** The protocol's side of a new connection; {@code peer} and {@code local} are null on a Unix socket. */
    GatewaySession newSession(InetSocketAddress peer, InetSocketAddress local) {
        // FCGI_GET_VALUES answers with the connector's limits on the connections and the requests served at once.
        return gateway.newSession(peer, local, System::nanoTime, getMaxConnections(), getMaxThreads(),
                multiplexes());
    }

    /**
     * Whether this handler serves several requests of a connection at once (FastCGI's {@code multiplexing}, each
     * request its own {@link MultiplexedStream}); the session multiplexes only if maxMultiplexedRequests is more than
     * one.
     */
    boolean multiplexes() {
        return false;
    }

    /** Keeps the session of {@code socket}, a kept connection between requests, while it has no processor. */
    void park(SocketWrapperBase<?> socket, GatewaySession session) {
        idle.put(socket, session);
    }

    /** The session of {@code socket} parked between requests, now taken by its new processor; null if none. */
    GatewaySession unpark(SocketWrapperBase<?> socket) {
        return idle.remove(socket);
    }

    /** Takes {@code socket}'s processor from it and puts it back in the pool, as for a processor that returns OPEN. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    void releaseProcessor(SocketWrapperBase<?> socket) {
        ((Handler) getHandler()).release(socket);
    }

    /** How many connections are parked between requests. */
    int parked() {
        return idle.size();
    }

    /** Tomcat's connection handler, which also forgets the parked session of a connection that closes. */
    private static final class Handler<S> extends ConnectionHandler<S> {
        private final AbstractCgiProtocol<S> protocol;

        Handler(AbstractCgiProtocol<S> protocol) {
            super(protocol);
            this.protocol = protocol;
        }

        @Override
        public void release(SocketWrapperBase<S> socket) {
            protocol.idle.remove(socket);
            super.release(socket);
        }
    }

    @Override
    protected Log getLog() {
        return log;
    }

    @Override
    protected String getProtocolName() {
        return protocolName;
    }

    /** "fcgi-nio", as "ajp-nio" for AJP. */
    @Override
    protected String getNamePrefix() {
        return protocolName.toLowerCase(Locale.ROOT) + "-nio";
    }

    /** How many bytes a processor reads at once: room for what the web server writes in one go. */
    abstract int inputBufferSize();

    @Override
    protected Processor createProcessor() {
        return new GatewayProcessor(this, getAdapter());
    }

    /** Whether connections come over a Unix socket, whose peers have no address. */
    boolean isUnixSocket() {
        return getEndpoint() instanceof NioEndpoint nio && nio.getUnixDomainSocketPath() != null;
    }

    @Override
    protected UpgradeProtocol getNegotiatedProtocol(String name) {
        return null;
    }

    @Override
    protected UpgradeProtocol getUpgradeProtocol(String name) {
        return null;
    }

    @Override
    protected Processor createUpgradeProcessor(SocketWrapperBase<?> socket, UpgradeToken upgradeToken) {
        throw new IllegalStateException(gateway.protocol() + " has no HTTP upgrade");
    }

    /** TLS is the web server's: logs a warning and ignores the configuration. */
    @Override
    public void addSslHostConfig(SSLHostConfig sslHostConfig) {
        addSslHostConfig(sslHostConfig, false);
    }

    /** TLS is the web server's: logs a warning and ignores the configuration. */
    @Override
    public void addSslHostConfig(SSLHostConfig sslHostConfig, boolean replace) {
        getLog().warn(gateway.protocol() + " connector: TLS belongs to the web server in front; ignoring the"
                + " SSLHostConfig for " + sslHostConfig.getHostName());
    }

    @Override
    public SSLHostConfig[] findSslHostConfigs() {
        return new SSLHostConfig[0];
    }

    /** HTTP upgrade is the web server's: logs a warning and ignores the protocol. */
    @Override
    public void addUpgradeProtocol(UpgradeProtocol upgradeProtocol) {
        getLog().warn(gateway.protocol() + " connector: no HTTP upgrade; ignoring " + upgradeProtocol.getClass().getName());
    }

    @Override
    public UpgradeProtocol[] findUpgradeProtocols() {
        return new UpgradeProtocol[0];
    }

    /**
     * Refuses to bind on an address other than loopback without {@code allowedPeers}, as Tomcat's AJP connector
     * refuses to start without a secret since CVE-2020-1938: whoever reaches the port could claim any client
     * address, HTTPS or user. Checked before the endpoint binds, so that a refused connector never accepts.
     */
    @Override
    public void init() throws Exception {
        checkListenAddress();
        // Tomcat's own MBeans for this handler (GlobalRequestProcessor, ThreadPool) take its name before it binds.
        String name = getName().replace("\"", "");
        super.init();
        getMetrics().register(name);
    }

    @Override
    public void destroy() throws Exception {
        getMetrics().unregister();
        super.destroy();
    }

    /** Checks again, for an endpoint that binds on start. */
    @Override
    public void start() throws Exception {
        checkListenAddress();
        super.start();
    }

    private void checkListenAddress() {
        if (isUnixSocket() || getEndpoint() instanceof NioEndpoint nio && nio.getUseInheritedChannel()) {
            return;
        }
        InetAddress address = getAddress();
        getTrust().checkListenAddress(gateway.protocol() + " connector", address == null ? null : address.getHostAddress(),
                getPort(), "allowedPeers=\"...\"", "address=\"127.0.0.1\" or unixDomainSocketPath");
    }

    /** The Unix socket file's mode, as {@code ls} shows it; null when the umask decides. */
    public String getUnixSocketPermissions() {
        return getEndpoint() instanceof NioEndpoint nio ? nio.getUnixDomainSocketPathPermissions() : null;
    }

    /**
     * Sets the mode of the socket file at {@code unixDomainSocketPath} once it is created, as {@code ls} shows it (for
     * example {@code rw-rw----}: the web server's worker needs write permission to connect); null or empty leaves the
     * umask's. The Jetty side's name (and form) for the endpoint's {@code unixDomainSocketPathPermissions}, which it
     * sets, so that the same attribute works in server.xml.
     *
     * @throws IllegalArgumentException if {@code permissions} is not of that form
     */
    public void setUnixSocketPermissions(String permissions) {
        String mode = permissions == null || permissions.isBlank() ? null : permissions.trim();
        if (mode != null) {
            // Refused here, with the attribute's name, rather than when the endpoint binds.
            try {
                PosixFilePermissions.fromString(mode);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unixSocketPermissions must be a mode as ls shows it, such as"
                        + " rw-rw----, not \"" + mode + "\"", e);
            }
        }
        if (!(getEndpoint() instanceof NioEndpoint nio)) {
            throw new IllegalStateException(gateway.protocol() + " connector: unixSocketPermissions needs a NioEndpoint");
        }
        nio.setUnixDomainSocketPathPermissions(mode);
    }

    /** Whether Tomcat authenticates (true, the default) or trusts REMOTE_USER and AUTH_TYPE from the web server. */
    public boolean getTomcatAuthentication() {
        return !getTrust().isTrustRemoteUser();
    }

    /** @param tomcatAuthentication false to take REMOTE_USER and AUTH_TYPE from the web server, as AJP's attribute */
    public void setTomcatAuthentication(boolean tomcatAuthentication) {
        getTrust().setTrustRemoteUser(!tomcatAuthentication);
    }

    /** A recycled coyote request with its response, or a new pair. */
    Request popRequest() {
        Request request = recycledRequests.pop();
        if (request == null) {
            request = new Request();
            request.setResponse(new Response());
        }
        return request;
    }

    /** Keeps {@code request}, recycled with its response, for a later multiplexed request. */
    void pushRequest(Request request) {
        recycledRequests.push(request);
    }
}
