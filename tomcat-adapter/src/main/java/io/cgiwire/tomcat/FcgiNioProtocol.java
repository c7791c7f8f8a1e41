package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.Gateway;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;

/**
 * Serves FastCGI (the Responder role) on Tomcat's NIO endpoint, as {@code AjpNioProtocol} serves AJP:
 * <pre>
 * &lt;Connector protocol="io.cgiwire.tomcat.FcgiNioProtocol" address="127.0.0.1" port="9000"/&gt;
 * &lt;Connector protocol="io.cgiwire.tomcat.FcgiNioProtocol" unixDomainSocketPath="/run/cgiwire/fcgi.sock"
 *            unixSocketPermissions="rw-rw----"/&gt;
 * </pre>
 * Point nginx's {@code fastcgi_pass}, httpd's mod_proxy_fcgi or lighttpd's mod_fastcgi at it. Each request reaches
 * the servlets as an ordinary HTTP request built from the CGI variables: the client's address from REMOTE_ADDR, the
 * scheme from HTTPS, the Host the client used. Put this jar and connector-core's in Tomcat's {@code lib/}. The socket
 * file's mode is {@code unixSocketPermissions} (the Jetty side's name; Tomcat's own
 * {@code unixDomainSocketPathPermissions} is the same setting).
 *
 * <p>The protocol is {@link io.cgiwire.core.fcgi.FcgiSession}'s: FCGI_KEEP_CONN honoured, one request of a
 * connection at a time on the connection's own thread (ids begun meanwhile wait their turn), unless
 * {@code multiplexing="true"}: then several request ids of a connection are served at once (up to
 * {@code maxMultiplexedRequests}; FCGI_GET_VALUES says so), as Tomcat serves HTTP/2 streams: each request is its own
 * {@link MultiplexedStream} on the connector's executor, while one reader per connection feeds them (see
 * {@link Multiplexer}). That is for web servers that multiplex (HAProxy's {@code fcgi-app}); it is off by default
 * because the hand-off to the executor costs every request, and nginx, httpd, lighttpd and Caddy send one at a time
 * (measured with bench/cpu.sh behind nginx: about 11 to 16 microseconds more of JVM time per request, a quarter less
 * throughput). FCGI_ABORT_REQUEST fails that request's reads and writes with an IOException; the web server closing
 * the connection fails a read that still waits for body bytes, and later writes.
 *
 * <p>The request attribute {@value #STDERR_ATTRIBUTE} holds a {@link java.io.PrintStream} whose lines go to the web
 * server as FCGI_STDERR, where they land in its error log. See {@link AbstractCgiProtocol} for the attributes and
 * defaults.
 */
public class FcgiNioProtocol extends AbstractCgiProtocol<NioChannel> {
    /** Request attribute: a {@link java.io.PrintStream} to FCGI_STDERR (nginx logs it as "FastCGI sent in stderr"). */
    public static final String STDERR_ATTRIBUTE = "io.cgiwire.fcgi.stderr";

    /** A record carries up to 64 KiB: room for a whole one where the web server writes them whole (lighttpd does). */
    private static final int INPUT_BUFFER_SIZE = 64 * 1024 + 512;

    private volatile boolean multiplexing;

    /** A FastCGI protocol handler on a new {@link NioEndpoint}, listening on the loopback address. */
    public FcgiNioProtocol() {
        super(new NioEndpoint(), Gateway.fastCgi(new GatewayLimits(), System.getenv()), "Fcgi");
    }

    /** FCGI_GET_VALUES answers with the connections and the requests served at once: the connector's limits. */
    @Override
    int inputBufferSize() {
        return INPUT_BUFFER_SIZE;
    }

    /** Whether several requests of a connection are served at once (FCGI_MPXS_CONNS=1): off by default. */
    public boolean getMultiplexing() {
        return multiplexing;
    }

    /**
     * @param multiplexing true to serve several requests of a connection at once, each on the executor, for a web
     *     server that multiplexes (HAProxy); false (the default) to serve them one at a time
     */
    public void setMultiplexing(boolean multiplexing) {
        this.multiplexing = multiplexing;
    }

    @Override
    boolean multiplexes() {
        return multiplexing;
    }
}
