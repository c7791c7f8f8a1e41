package io.cgiwire.jetty.internal;

import io.cgiwire.core.GatewayRequest;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
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
 *
 * <p>Its body chunks wait here until the request reads them: one at a time, as the session pauses the connection
 * while one is unread, or several while requests share the connection (FastCGI multiplexing), as many as the session
 * lets a request hold. The chunk state is guarded by the connection's lock.
 */
final class GatewayStream implements HttpStream {
    private final GatewayConnection connection;
    private final GatewayMetaData view;
    private final HttpChannel channel;
    private final GatewayRequest request;
    private volatile boolean committed;
    /** Jetty has the request (onRequest returned); guarded by the connection's lock. */
    boolean started;
    /** A failure that came before the request started; guarded by the connection's lock. */
    Throwable failure;
    /** The request wants to know when a chunk is here. */
    boolean demanded;
    /** The request will read no more of its body: what comes is dropped. */
    boolean discarding;
    /** Completed: no longer the connection's. */
    boolean done;
    /** The oldest chunk not yet read, or null; a last one stays once read, as Content.Chunk.next says. */
    private Content.Chunk chunk;
    /** Chunks after {@link #chunk}; made only when a second one waits. */
    private ArrayDeque<Content.Chunk> more;

    GatewayStream(GatewayConnection connection, GatewayMetaData view, GatewayRequest request) {
        this.connection = connection;
        this.view = view;
        this.channel = view.channel;
        this.request = request;
    }

    GatewayMetaData view() {
        return view;
    }

    HttpChannel channel() {
        return channel;
    }

    /** Whether a chunk waits to be read. */
    boolean hasChunk() {
        return chunk != null;
    }

    /** Whether the body's last chunk (its end, or a failure) has been given. */
    boolean lastGiven() {
        Content.Chunk last = more != null && !more.isEmpty() ? more.peekLast() : chunk;
        return last != null && last.isLast();
    }

    void offer(Content.Chunk c) {
        if (chunk == null) {
            chunk = c;
        } else {
            if (more == null) {
                more = new ArrayDeque<>(4);
            }
            more.addLast(c);
        }
    }

    /** The next chunk to read, or null; a last chunk stays to be read again. */
    Content.Chunk take() {
        Content.Chunk c = chunk;
        if (c != null && !c.isLast()) {
            chunk = more == null ? null : more.pollFirst();
        }
        return c;
    }

    /** The next chunk to read, left in place; null when none waits. */
    Content.Chunk peek() {
        return chunk;
    }

    /**
     * Releases every body chunk waiting, for a request that will read no more of them; a last chunk stays.
     *
     * @return the body bytes they held
     */
    int releaseChunks() {
        int bytes = 0;
        Content.Chunk last = null;
        for (Content.Chunk c = chunk; c != null; c = more == null ? null : more.pollFirst()) {
            if (c.isLast()) {
                last = c;
            } else {
                bytes += c.remaining();
                c.release();
            }
        }
        chunk = last;
        return bytes;
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
