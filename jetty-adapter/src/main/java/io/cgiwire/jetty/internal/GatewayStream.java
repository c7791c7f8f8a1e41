package io.cgiwire.jetty.internal;

import io.cgiwire.core.GatewayRequest;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.util.Callback;

/**
 * One request on a FastCGI or SCGI connection, as Jetty's channel sees it: body chunks come from the connection's
 * session, the response goes out through the session's framing.
 */
final class GatewayStream implements HttpStream {
    private final GatewayConnection connection;
    private final HttpChannel channel;
    private final GatewayRequest request;
    private volatile boolean committed;
    /** Jetty has the request (onRequest returned); guarded by the connection's lock. */
    boolean started;
    /** A failure that came before the request started; guarded by the connection's lock. */
    Throwable failure;

    GatewayStream(GatewayConnection connection, HttpChannel channel, GatewayRequest request) {
        this.connection = connection;
        this.channel = channel;
        this.request = request;
    }

    HttpChannel channel() {
        return channel;
    }

    GatewayRequest request() {
        return request;
    }

    @Override
    public String getId() {
        return Integer.toString(request.id());
    }

    @Override
    public Content.Chunk read() {
        return connection.read(this);
    }

    @Override
    public void demand() {
        connection.demand(this);
    }

    @Override
    public void prepareResponse(HttpFields.Mutable headers) {
    }

    @Override
    public void send(MetaData.Request request, MetaData.Response response, boolean last, ByteBuffer content,
            Callback callback) {
        ByteBuffer responseHead = null;
        if (response != null) {
            // CGI has no interim responses: the web server answered 100-continue itself, and a 103 would be taken
            // for the final status.
            if (HttpStatus.isInterim(response.getStatus())) {
                callback.succeeded();
                return;
            }
            try {
                responseHead = connection.responseHead(response);
            } catch (IllegalArgumentException x) {
                callback.failed(x);
                return;
            }
            committed = true;
        }
        ByteBuffer body = null;
        if (content != null && content.hasRemaining()) {
            if (this.request.head()) {
                // HEAD: the body is dropped, and counts as written.
                content.position(content.limit());
            } else {
                // Written as is and consumed, as Jetty's connectors consume it: HttpOutput writes again whatever a
                // stream leaves in its buffer.
                body = content;
            }
        }
        connection.send(this, responseHead, body, last, callback);
    }

    @Override
    public Runnable cancelSend(Throwable cause, Callback appCallback) {
        return () -> {
            connection.abort(cause);
            appCallback.failed(cause);
        };
    }

    @Override
    public long getIdleTimeout() {
        return connection.getEndPoint().getIdleTimeout();
    }

    @Override
    public void setIdleTimeout(long idleTimeoutMs) {
        connection.getEndPoint().setIdleTimeout(idleTimeoutMs);
    }

    @Override
    public boolean isCommitted() {
        return committed;
    }

    @Override
    public Throwable consumeAvailable() {
        connection.discardBody(this);
        return null;
    }

    @Override
    public void succeeded() {
        connection.completed(this, null);
    }

    @Override
    public void failed(Throwable x) {
        connection.completed(this, x);
    }
}
