package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.Gateway;
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
 * <p>The protocol is {@link io.cgiwire.core.scgi.ScgiSession}'s: one request per connection, its body streamed to
 * the servlet as it reads it, the response ended by closing the connection. See {@link AbstractCgiProtocol} for the
 * attributes and defaults.
 */
public class ScgiNioProtocol extends AbstractCgiProtocol<NioChannel> {

    /** An SCGI protocol handler on a new {@link NioEndpoint}, listening on the loopback address. */
    public ScgiNioProtocol() {
        super(new NioEndpoint(), Gateway.scgi(new GatewayLimits()), "Scgi");
    }

    @Override
    int inputBufferSize() {
        return 32 * 1024;
    }
}
