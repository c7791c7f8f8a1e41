package io.cgiwire.jetty;

import io.cgiwire.core.Gateway;
import io.cgiwire.core.GatewayLimits;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * Serves FastCGI (the Responder role) on a Jetty connector: put it on a {@code ServerConnector} or a
 * {@code UnixDomainServerConnector} and point nginx's {@code fastcgi_pass}, httpd's mod_proxy_fcgi or lighttpd's
 * mod_fastcgi at it. Each request reaches the server's handlers as an ordinary HTTP request built from the CGI
 * variables: the client's address from REMOTE_ADDR, the scheme from HTTPS, the Host the client used. The protocol is
 * {@link io.cgiwire.core.fcgi.FcgiSession}'s: FCGI_KEEP_CONN honoured, one request at a time. FCGI_ABORT_REQUEST and
 * the web server closing the connection fail the request's pending reads and writes.
 *
 * <p>Only the web server should reach this port: bind it to loopback or a Unix socket, or name the web servers with
 * {@link #setAllowedPeers(String)}; FCGI_WEB_SERVER_ADDRS in the environment sets it too.
 *
 * <p>The request attribute {@value #STDERR_ATTRIBUTE} holds a {@link java.io.PrintStream} whose lines go to the web
 * server as FCGI_STDERR, where they land in its error log.
 */
public class FcgiConnectionFactory extends CgiConnectionFactory {
    /** The protocol name this factory registers under on a connector. */
    public static final String PROTOCOL = "cgiwire-fcgi";
    /** Request attribute: a {@link java.io.PrintStream} to FCGI_STDERR (nginx logs it as "FastCGI sent in stderr"). */
    public static final String STDERR_ATTRIBUTE = "io.cgiwire.fcgi.stderr";

    private volatile boolean multiplexing = true;

    /** A factory with a default {@link HttpConfiguration} and default {@link GatewayLimits}. */
    public FcgiConnectionFactory() {
        this(new HttpConfiguration());
    }

    /** A factory with default {@link GatewayLimits}. */
    public FcgiConnectionFactory(HttpConfiguration httpConfiguration) {
        this(httpConfiguration, new GatewayLimits());
    }

    /**
     * @param httpConfiguration what Jetty's HTTP connectors also take: idle timeouts, Server/Date headers, URI
     *     compliance, customizers
     * @param limits the bounds on what the web server may send; read when each connection opens
     */
    public FcgiConnectionFactory(HttpConfiguration httpConfiguration, GatewayLimits limits) {
        super(PROTOCOL, Gateway.fastCgi(limits, System.getenv()), httpConfiguration);
        // Reads of up to 64 KiB, a FastCGI record's content, but no more: Jetty's default buffer pool keeps buffers
        // of up to 64 KiB, and a larger one would be allocated (and zeroed) afresh for every read. Records larger
        // than what is buffered are decoded across reads.
        setInputBufferSize(64 * 1024);
    }

    /**
     * Whether several requests of a connection are served at once when the web server multiplexes (HAProxy's
     * {@code mpxs-conns}, or its {@code get-values} reading FCGI_MPXS_CONNS=1): true by default, at no cost to a web
     * server that sends one request at a time. False answers FCGI_MPXS_CONNS=0, and a connection's requests wait
     * their turn.
     */
    public boolean isMultiplexing() {
        return multiplexing;
    }

    /** @see #isMultiplexing() */
    public void setMultiplexing(boolean multiplexing) {
        this.multiplexing = multiplexing;
    }

    @Override
    protected boolean multiplexes() {
        return multiplexing;
    }
}
