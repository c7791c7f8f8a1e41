package io.cgiwire.jetty;

import io.cgiwire.core.GatewayLimits;
import java.util.Objects;
import org.eclipse.jetty.server.AbstractConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;

/**
 * What the FastCGI and SCGI factories share: the {@link HttpConfiguration} requests are built with and the
 * {@link GatewayLimits} every connection is bounded by. Public so that Jetty's XML configuration can call the
 * inherited getters and setters.
 */
public abstract class CgiConnectionFactory extends AbstractConnectionFactory {
    private final HttpConfiguration httpConfiguration;
    private final GatewayLimits limits;

    /**
     * @param protocol the name the factory registers under on a connector
     * @param httpConfiguration what Jetty's HTTP connectors also take: idle timeouts, Server/Date headers, URI
     *     compliance, customizers
     * @param limits the bounds on what the web server may send; read when each connection opens
     */
    protected CgiConnectionFactory(String protocol, HttpConfiguration httpConfiguration, GatewayLimits limits) {
        super(protocol);
        this.httpConfiguration = Objects.requireNonNull(httpConfiguration, "httpConfiguration");
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** The HTTP configuration requests are built with. */
    public HttpConfiguration getHttpConfiguration() {
        return httpConfiguration;
    }

    /** The limits: set its properties (e.g. {@code maxParamsBytes}) before connections open. */
    public GatewayLimits getLimits() {
        return limits;
    }
}
