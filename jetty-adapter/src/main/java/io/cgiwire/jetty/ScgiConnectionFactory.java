package io.cgiwire.jetty;

import io.cgiwire.core.Gateway;
import io.cgiwire.core.GatewayLimits;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * Serves SCGI on a Jetty connector: put it on a {@code ServerConnector} or a {@code UnixDomainServerConnector} and
 * point nginx's {@code scgi_pass}, httpd's mod_proxy_scgi or lighttpd's mod_scgi at it. The protocol is
 * {@link io.cgiwire.core.scgi.ScgiSession}'s: one request per connection, its body streamed to the handler as it
 * reads it, the response ended by closing the connection.
 */
public class ScgiConnectionFactory extends CgiConnectionFactory {
    /** The protocol name this factory registers under on a connector. */
    public static final String PROTOCOL = "cgiwire-scgi";

    /** A factory with a default {@link HttpConfiguration} and default {@link GatewayLimits}. */
    public ScgiConnectionFactory() {
        this(new HttpConfiguration());
    }

    /** A factory with default {@link GatewayLimits}. */
    public ScgiConnectionFactory(HttpConfiguration httpConfiguration) {
        this(httpConfiguration, new GatewayLimits());
    }

    /**
     * @param httpConfiguration what Jetty's HTTP connectors also take: idle timeouts, Server/Date headers, URI
     *     compliance, customizers
     * @param limits the bounds on what the web server may send; read when each connection opens
     */
    public ScgiConnectionFactory(HttpConfiguration httpConfiguration, GatewayLimits limits) {
        super(PROTOCOL, Gateway.scgi(limits), httpConfiguration);
        setInputBufferSize(32 * 1024);
    }
}
