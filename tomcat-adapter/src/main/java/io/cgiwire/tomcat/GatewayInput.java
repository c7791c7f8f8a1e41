package io.cgiwire.tomcat;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.coyote.InputBuffer;
import org.apache.coyote.Request;
import org.apache.tomcat.util.buf.ByteChunk;
import org.apache.tomcat.util.net.ApplicationBufferHandler;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * The input side of a {@link GatewayProcessor}: one buffer the socket fills, and the request body handed to the
 * servlet as views of that buffer, never copied. The buffer is compacted and refilled only once the servlet asks
 * again, so a view stays valid until then. Used with the processor's read lock held.
 */
final class GatewayInput implements InputBuffer {
    private final GatewayProcessor processor;
    private final Request request;
    private final byte[] bytes;
    /** Read from the socket and not yet decoded: position to limit. */
    final ByteBuffer buffer;

    private ByteBuffer body;
    private boolean bodyEnded;
    /** A body set by Tomcat (a saved POST body replayed after FORM authentication), not read from the socket. */
    private boolean replay;
    private IOException failure;
    private boolean ended;

    GatewayInput(GatewayProcessor processor, Request request, int size) {
        this.processor = processor;
        this.request = request;
        this.bytes = new byte[size];
        this.buffer = ByteBuffer.wrap(bytes).limit(0);
    }

    /**
     * Reads what the socket has into {@link #buffer}, after what is still undecoded. Only called when no body view of
     * the buffer is outstanding.
     *
     * @return the bytes read; -1, once, at the end of the input
     * @throws EOFException when called again after the end
     */
    int read(SocketWrapperBase<?> socket, boolean block) throws IOException {
        if (ended) {
            throw new EOFException("the web server closed the connection");
        }
        buffer.compact();
        int n;
        try {
            n = socket.read(block, buffer);
        } catch (EOFException e) {
            n = -1;
        } finally {
            buffer.flip();
        }
        ended = n < 0;
        return n;
    }

    /** Whether the web server's side of the connection has ended. */
    boolean ended() {
        return ended;
    }

    /** Drops what is buffered: a closing connection reads only to find the end. */
    void skip() {
        buffer.position(buffer.limit());
    }

    /**
     * Body bytes from the session: a read-only view of {@link #buffer} just before its position, or when
     * {@code copied} the session's own heap buffer.
     */
    void offer(ByteBuffer data, boolean copied) {
        if (copied) {
            body = data;
            return;
        }
        int length = data.remaining();
        // A writable view of the same bytes: Tomcat's B2CConverter needs the array behind it.
        body = ByteBuffer.wrap(bytes, buffer.position() - length, length);
    }

    /** The body is complete, or the response has ended and the request gets no more of it. */
    void end() {
        bodyEnded = true;
    }

    /** Reads of the body fail with {@code cause} from now on. */
    void fail(IOException cause) {
        if (failure == null) {
            failure = cause;
        }
    }

    /** True once a body read has something to return: bytes, the end, or a failure. */
    boolean ready() {
        return body != null || bodyEnded || failure != null;
    }

    boolean fullyRead() {
        return body == null && (bodyEnded || replay);
    }

    /** @see org.apache.coyote.AbstractProcessor#available(boolean) */
    int available(boolean doRead) {
        if (doRead && !ready() && !replay) {
            processor.readBody(true, false);
        }
        if (body != null) {
            return body.remaining();
        }
        // 1 lets the read report a failure, as AjpProcessor does.
        return bodyEnded || replay || failure == null ? 0 : 1;
    }

    void replay(ByteChunk chunk) {
        body = ByteBuffer.wrap(chunk.getBytes(), chunk.getStart(), chunk.getLength());
        replay = true;
        bodyEnded = false;
        failure = null;
    }

    @Override
    public int doRead(ApplicationBufferHandler handler) throws IOException {
        if (!ready() && !replay) {
            processor.readBody(true, request.getReadListener() == null);
        }
        if (body != null) {
            ByteBuffer chunk = body;
            body = null;
            if (replay) {
                bodyEnded = true;
            }
            handler.setByteBuffer(chunk);
            return chunk.remaining();
        }
        if (failure != null) {
            throw failure;
        }
        return bodyEnded || replay ? -1 : 0;
    }

    @Override
    public int available() {
        return body == null ? 0 : body.remaining();
    }

    /** Per request. */
    void recycle() {
        body = null;
        bodyEnded = false;
        replay = false;
        failure = null;
    }

    /** Per connection. */
    void recycleConnection() {
        recycle();
        buffer.clear().limit(0);
        ended = false;
    }
}
