package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayLimits;
import java.net.InetAddress;
import org.apache.coyote.AbstractProtocol;
import org.apache.coyote.Processor;
import org.apache.coyote.UpgradeProtocol;
import org.apache.coyote.UpgradeToken;
import org.apache.tomcat.util.net.AbstractEndpoint;
import org.apache.tomcat.util.net.NioEndpoint;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * What the FastCGI and SCGI protocol handlers share, as Tomcat's {@code AbstractAjpProtocol} does for AJP: safe
 * defaults set in the constructor, the {@link GatewayLimits} as bean properties of the {@code <Connector>}, and no
 * TLS, upgrade or sendfile, which belong to the web server in front.
 *
 * <p>Defaults that differ from Tomcat's HTTP connector, and why:
 * <ul>
 *   <li>{@code address} is the loopback address: the web server is on the same machine, and a gateway protocol
 *       trusts what its peer says about the client (Ghostcat, CVE-2020-1938, was an AJP port open to the world).
 *       Set {@code address="0.0.0.0"} only behind a firewall; a warning is logged then.</li>
 *   <li>{@code keepAliveTimeout} is -1: a FastCGI connection kept with FCGI_KEEP_CONN is closed by the web server,
 *       never by the backend, since nginx answers 502 when a backend closes one just as nginx reuses it.
 *       {@code connectionTimeout} (60 s) still bounds a new connection's first request and every read and write
 *       while a request is in flight.</li>
 * </ul>
 *
 * <p>Attributes with the same names as on the Jetty side ({@code maxParamsBytes}, {@code maxParamsCount},
 * {@code maxParamNameLength}, {@code maxParamValueLength}, {@code maxScgiHeaderBytes}, {@code maxNetstringDigits},
 * {@code maxMultiplexedRequests}) bound what the web server may make a connection buffer; they are read when a
 * processor is created. {@code tomcatAuthentication} (default true) is AJP's: set it to false to trust REMOTE_USER and
 * AUTH_TYPE from the web server.
 *
 * @param <S> the endpoint's socket type
 */
public abstract class AbstractCgiProtocol<S> extends AbstractProtocol<S> {
    /** 60 s, Tomcat's HTTP default and nginx's fastcgi_send_timeout / fastcgi_read_timeout. */
    static final int DEFAULT_CONNECTION_TIMEOUT = 60_000;

    private final GatewayLimits limits = new GatewayLimits();
    private boolean tomcatAuthentication = true;

    /**
     * @param endpoint the endpoint for the sockets, e.g. a {@code NioEndpoint}
     */
    protected AbstractCgiProtocol(AbstractEndpoint<S, ?> endpoint) {
        super(endpoint);
        setConnectionTimeout(DEFAULT_CONNECTION_TIMEOUT);
        setKeepAliveTimeout(-1);
        getEndpoint().setUseSendfile(false);
        getEndpoint().setAddress(InetAddress.getLoopbackAddress());
    }

    /** The name of the protocol on the wire, for logs and {@code ServletConnection.getProtocol()}. */
    abstract String wireProtocol();

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
        throw new IllegalStateException(wireProtocol() + " has no HTTP upgrade");
    }

    /** TLS is the web server's: logs a warning and ignores the configuration. */
    @Override
    public void addSslHostConfig(SSLHostConfig sslHostConfig) {
        addSslHostConfig(sslHostConfig, false);
    }

    /** TLS is the web server's: logs a warning and ignores the configuration. */
    @Override
    public void addSslHostConfig(SSLHostConfig sslHostConfig, boolean replace) {
        getLog().warn(wireProtocol() + " connector: TLS belongs to the web server in front; ignoring the"
                + " SSLHostConfig for " + sslHostConfig.getHostName());
    }

    @Override
    public SSLHostConfig[] findSslHostConfigs() {
        return new SSLHostConfig[0];
    }

    /** HTTP upgrade is the web server's: logs a warning and ignores the protocol. */
    @Override
    public void addUpgradeProtocol(UpgradeProtocol upgradeProtocol) {
        getLog().warn(wireProtocol() + " connector: no HTTP upgrade; ignoring " + upgradeProtocol.getClass().getName());
    }

    @Override
    public UpgradeProtocol[] findUpgradeProtocols() {
        return new UpgradeProtocol[0];
    }

    /** Warns when the connector listens beyond this machine: see the class comment. */
    @Override
    public void start() throws Exception {
        InetAddress address = getAddress();
        boolean tcp = !(getEndpoint() instanceof NioEndpoint nio)
                || nio.getUnixDomainSocketPath() == null && !nio.getUseInheritedChannel();
        if (tcp && address != null && !address.isLoopbackAddress()) {
            getLog().warn(wireProtocol() + " connector on " + address.getHostAddress() + ":" + getPort()
                    + " accepts requests from any host that can reach it, and believes what they say about the"
                    + " client: keep it behind a firewall, or set address=\"127.0.0.1\"");
        }
        super.start();
    }

    /** The limits processors are created with; its setters are also this connector's attributes. */
    public GatewayLimits getLimits() {
        return limits;
    }

    /** @see GatewayLimits#getMaxParamsBytes() */
    public int getMaxParamsBytes() {
        return limits.getMaxParamsBytes();
    }

    /** @see GatewayLimits#setMaxParamsBytes(int) */
    public void setMaxParamsBytes(int maxParamsBytes) {
        limits.setMaxParamsBytes(maxParamsBytes);
    }

    /** @see GatewayLimits#getMaxParamsCount() */
    public int getMaxParamsCount() {
        return limits.getMaxParamsCount();
    }

    /** @see GatewayLimits#setMaxParamsCount(int) */
    public void setMaxParamsCount(int maxParamsCount) {
        limits.setMaxParamsCount(maxParamsCount);
    }

    /** @see GatewayLimits#getMaxParamNameLength() */
    public int getMaxParamNameLength() {
        return limits.getMaxParamNameLength();
    }

    /** @see GatewayLimits#setMaxParamNameLength(int) */
    public void setMaxParamNameLength(int maxParamNameLength) {
        limits.setMaxParamNameLength(maxParamNameLength);
    }

    /** @see GatewayLimits#getMaxParamValueLength() */
    public int getMaxParamValueLength() {
        return limits.getMaxParamValueLength();
    }

    /** @see GatewayLimits#setMaxParamValueLength(int) */
    public void setMaxParamValueLength(int maxParamValueLength) {
        limits.setMaxParamValueLength(maxParamValueLength);
    }

    /** @see GatewayLimits#getMaxScgiHeaderBytes() */
    public int getMaxScgiHeaderBytes() {
        return limits.getMaxScgiHeaderBytes();
    }

    /** @see GatewayLimits#setMaxScgiHeaderBytes(int) */
    public void setMaxScgiHeaderBytes(int maxScgiHeaderBytes) {
        limits.setMaxScgiHeaderBytes(maxScgiHeaderBytes);
    }

    /** @see GatewayLimits#getMaxNetstringDigits() */
    public int getMaxNetstringDigits() {
        return limits.getMaxNetstringDigits();
    }

    /** @see GatewayLimits#setMaxNetstringDigits(int) */
    public void setMaxNetstringDigits(int maxNetstringDigits) {
        limits.setMaxNetstringDigits(maxNetstringDigits);
    }

    /** @see GatewayLimits#getMaxMultiplexedRequests() */
    public int getMaxMultiplexedRequests() {
        return limits.getMaxMultiplexedRequests();
    }

    /** @see GatewayLimits#setMaxMultiplexedRequests(int) */
    public void setMaxMultiplexedRequests(int maxMultiplexedRequests) {
        limits.setMaxMultiplexedRequests(maxMultiplexedRequests);
    }

    /** Whether Tomcat authenticates (true, the default) or trusts REMOTE_USER and AUTH_TYPE from the web server. */
    public boolean getTomcatAuthentication() {
        return tomcatAuthentication;
    }

    /** @param tomcatAuthentication false to take REMOTE_USER and AUTH_TYPE from the web server, as AJP's attribute */
    public void setTomcatAuthentication(boolean tomcatAuthentication) {
        this.tomcatAuthentication = tomcatAuthentication;
    }
}
