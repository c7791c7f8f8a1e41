package io.cgiwire.tomcat;

import org.apache.coyote.Processor;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
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
 * <p>FCGI_KEEP_CONN is honoured: clear, the connection closes after FCGI_END_REQUEST; set, it stays open until the
 * web server closes it or the connector stops. A second request id while one is in flight is answered with
 * FCGI_CANT_MPX_CONN (and FCGI_GET_VALUES says FCGI_MPXS_CONNS=0), roles other than Responder with
 * FCGI_UNKNOWN_ROLE, unknown record types with FCGI_UNKNOWN_TYPE. FCGI_ABORT_REQUEST fails the servlet's reads and
 * writes with an IOException; the web server closing the connection fails a read that still waits for body bytes,
 * and later writes.
 *
 * <p>The request attribute {@value #STDERR_ATTRIBUTE} holds a {@link java.io.PrintStream} whose lines go to the web
 * server as FCGI_STDERR, where they land in its error log. See {@link AbstractCgiProtocol} for the attributes and
 * defaults.
 */
public class FcgiNioProtocol extends AbstractCgiProtocol<NioChannel> {
    /** Request attribute: a {@link java.io.PrintStream} to FCGI_STDERR (nginx logs it as "FastCGI sent in stderr"). */
    public static final String STDERR_ATTRIBUTE = "io.cgiwire.fcgi.stderr";

    private static final Log log = LogFactory.getLog(FcgiNioProtocol.class);

    /** A FastCGI protocol handler on a new {@link NioEndpoint}, listening on the loopback address. */
    public FcgiNioProtocol() {
        super(new NioEndpoint());
        // FastCGI's own convention (spec 3.2): the web servers' addresses, when whoever starts us names them.
        String webServers = System.getenv("FCGI_WEB_SERVER_ADDRS");
        if (webServers != null && !webServers.isBlank()) {
            setAllowedPeers(webServers);
        }
    }

    @Override
    protected Log getLog() {
        return log;
    }

    @Override
    protected String getNamePrefix() {
        return "fcgi-nio";
    }

    @Override
    protected String getProtocolName() {
        return "Fcgi";
    }

    @Override
    String wireProtocol() {
        return "FastCGI";
    }

    @Override
    protected Processor createProcessor() {
        return new FcgiProcessor(this, getAdapter());
    }
}
