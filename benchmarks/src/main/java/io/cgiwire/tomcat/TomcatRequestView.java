package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayRequest;
import org.apache.coyote.Request;

/**
 * For the benchmarks only: what {@code GatewayProcessor} does to a {@link GatewayRequest} before Tomcat's adapter
 * runs it, on a coyote Request recycled between requests as the processor's is.
 */
public final class TomcatRequestView {
    private final Request request = new Request();

    /** The coyote request filled from {@code gateway}, after recycling it from the last one. */
    public Request view(GatewayRequest gateway) {
        request.recycle();
        GatewayCoyote.prepareRequest(request, gateway, "127.0.0.1", 100);
        return request;
    }
}
