package io.cgiwire.tomcat;

import org.apache.coyote.Processor;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.NioEndpoint;

/**
 * Serves SCGI on Tomcat's NIO endpoint, as {@code AjpNioProtocol} serves AJP:
 * <pre>
 * &lt;Connector protocol="io.cgiwire.tomcat.ScgiNioProtocol" address="127.0.0.1" port="4000"/&gt;
 * </pre>
 * Point nginx's {@code scgi_pass}, httpd's mod_proxy_scgi or lighttpd's mod_scgi at it; a Unix socket works as for
 * {@link FcgiNioProtocol} ({@code unixDomainSocketPath}, {@code unixSocketPermissions}). Put this jar and
 * connector-core's in Tomcat's {@code lib/}.
 *
 * <p>SCGI carries one request per connection: the header netstring, then exactly CONTENT_LENGTH body bytes, streamed
 * to the servlet as it reads them. The response is written as the servlet produces it and ends when the connection
 * closes, after any body bytes the servlet did not read have been drained. See {@link AbstractCgiProtocol} for the
 * attributes and defaults.
 */
public class ScgiNioProtocol extends AbstractCgiProtocol<NioChannel> {
    private static final Log log = LogFactory.getLog(ScgiNioProtocol.class);

    /** An SCGI protocol handler on a new {@link NioEndpoint}, listening on the loopback address. */
    public ScgiNioProtocol() {
        super(new NioEndpoint());
    }

    @Override
    protected Log getLog() {
        return log;
    }

    @Override
    protected String getNamePrefix() {
        return "scgi-nio";
    }

    @Override
    protected String getProtocolName() {
        return "Scgi";
    }

    @Override
    String wireProtocol() {
        return "SCGI";
    }

    @Override
    protected Processor createProcessor() {
        return new ScgiProcessor(this, getAdapter());
    }
}
