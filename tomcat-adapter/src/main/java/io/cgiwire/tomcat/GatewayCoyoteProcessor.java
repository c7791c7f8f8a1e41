package io.cgiwire.tomcat;

import io.cgiwire.core.IpLiterals;
import java.net.InetAddress;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.Adapter;
import org.apache.coyote.ContinueResponseTiming;
import org.apache.coyote.Request;

/**
 * What a FastCGI or SCGI request's processor answers Tomcat the same way whichever serves it: the connection's own
 * {@link GatewayProcessor} (a request at a time) or a {@link MultiplexedStream} (one of several at once). The
 * request came through a web server: its addresses are the CGI variables', TLS and interim responses are the web
 * server's.
 */
abstract class GatewayCoyoteProcessor extends AbstractProcessor {
    /** The application asked that no more of the response body be written (a HEAD, a 304). */
    protected boolean swallowResponse;

    GatewayCoyoteProcessor(Adapter adapter) {
        super(adapter);
    }

    /** A processor of {@code request} and its response: recycled ones, from an earlier request. */
    GatewayCoyoteProcessor(Adapter adapter, Request request) {
        super(adapter, request, request.getResponse());
    }

    /**
     * Whether the response carries no body on the wire: a 1xx, 204, 205 or 304, or the answer to a HEAD (which keeps
     * its Content-Length).
     */
    protected final boolean bodyless() {
        int status = response.getStatus();
        return status < 200 || status == 204 || status == 205 || status == 304 || "HEAD".equals(request.getMethod());
    }

    @Override
    protected final void ack(ContinueResponseTiming continueResponseTiming) {
        // The web server has answered 100-continue itself; CGI has no interim responses.
    }

    @Override
    protected final void earlyHints() {
        // A 103 through CGI would be taken for the final status.
    }

    @Override
    protected final void setSwallowResponse() {
        swallowResponse = true;
    }

    @Override
    protected final void disableSwallowRequest() {
        // The unread body is dropped anyway: the session skips it once the response ends, and a closing connection is
        // drained.
    }

    @Override
    protected final boolean getPopulateRequestAttributesFromSocket() {
        // The client's and the server's addresses come from the CGI variables; the socket's are the web server's.
        return false;
    }

    @Override
    protected final void populateRequestAttributeRemoteHost() {
        if (request.remoteHost().isNull()) {
            // With enableLookups an IP literal is looked up in reverse; anything else in REMOTE_ADDR (nginx on a Unix
            // socket sends "unix:") is the answer as it is, never a name sent to DNS.
            String remoteAddr = request.remoteAddr().toString();
            InetAddress address = IpLiterals.address(remoteAddr);
            request.remoteHost().setString(address != null ? address.getHostName() : remoteAddr);
        }
    }

    @Override
    protected final void populateSslRequestAttributes() {
        // TLS ends at the web server; HTTPS in the CGI variables makes the request secure.
    }

    @Override
    protected final boolean isTrailerFieldsReady() {
        // No trailers in CGI: ready, so that an application asking finds there are none.
        return true;
    }
}
