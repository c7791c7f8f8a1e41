package io.cgiwire.jetty.internal;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiRequest;
import io.cgiwire.core.cgi.CgiRequestMapper;
import io.cgiwire.core.cgi.CgiResponseHead;
import io.cgiwire.core.scgi.ScgiDecoder;
import io.cgiwire.core.scgi.ScgiEvent;
import io.cgiwire.jetty.ScgiConnectionFactory;
import io.cgiwire.jetty.RequestOptions;
import java.nio.ByteBuffer;
import java.util.List;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An SCGI connection: one request, its body of exactly CONTENT_LENGTH bytes streamed to the handler, the response
 * written raw and ended by closing the connection once the body is drained.
 */
public final class ScgiConnection extends CgiConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ScgiConnection.class);

    private final ScgiDecoder decoder;

    /** A connection bounded by {@code limits}, treating each request's variables as {@code options} say. */
    public ScgiConnection(Connector connector, HttpConfiguration configuration, EndPoint endPoint,
            GatewayLimits limits, RequestOptions options) {
        super(connector, configuration, endPoint, ScgiConnectionFactory.PROTOCOL, options,
                limits.getHeaderReadTimeout());
        this.decoder = new ScgiDecoder(limits);
    }

    @Override
    protected boolean decode(ByteBuffer in, List<Runnable> tasks) throws ProtocolException {
        while (!chunkWaiting()) {
            ScgiEvent event = decoder.decode(in);
            if (event == null) {
                return true;
            }
            if (event instanceof ScgiEvent.Headers headers) {
                onHeaders(headers, tasks);
            } else if (event instanceof ScgiEvent.Body body) {
                if (stream() != null && !discarding()) {
                    offerData(body.data(), tasks);
                }
            } else if (stream() != null && !discarding()) {
                offer(Content.Chunk.EOF, tasks);
            }
        }
        return false;
    }

    private void onHeaders(ScgiEvent.Headers headers, List<Runnable> tasks) {
        headersDone();
        CgiRequest request;
        try {
            request = CgiRequestMapper.map(headers.environment());
            startRequest(request, 1, false, tasks);
        } catch (ProtocolException x) {
            LOG.warn("{} {}: request refused: {}", getProtocol(), getEndPoint().getRemoteSocketAddress(),
                    x.getMessage());
            writeAndClose(response(x.statusHint(), x.violation().name()));
        } catch (IllegalArgumentException x) {
            LOG.warn("{} {}: request refused: {}", getProtocol(), getEndPoint().getRemoteSocketAddress(),
                    x.getMessage());
            writeAndClose(response(400, "bad request target"));
        }
    }

    @Override
    protected void endOfInput() throws ProtocolException {
        decoder.endOfInput();
    }

    @Override
    protected void send(CgiStream s, ByteBuffer head, ByteBuffer body, boolean last, Callback callback) {
        if (head != null && body != null) {
            flusher.write(callback, head, body);
        } else if (head != null || body != null) {
            flusher.write(callback, head != null ? head : body);
        } else {
            callback.succeeded();
        }
    }

    @Override
    protected boolean requestEnded(CgiStream s, Throwable failure) {
        return false;
    }

    @Override
    protected boolean closeWhenIdle() {
        return true;
    }

    @Override
    protected void answerViolation(ProtocolException violation) {
        writeAndClose(response(violation.statusHint(), violation.violation().name()));
    }

    private static ByteBuffer response(int status, String reason) {
        return ByteBuffer.wrap(CgiResponseHead.refusal(status, reason));
    }
}
