package io.cgiwire.jetty.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * Serialises writes on one connection: the stream's response and the records a connection answers by itself
 * (FCGI_END_REQUEST for a refused request, FCGI_GET_VALUES_RESULT, FCGI_STDERR) share one EndPoint, which takes one
 * write at a time. Each entry's callback completes when its bytes are written; after a failure every queued and
 * later entry fails with it.
 */
final class Flusher extends IteratingCallback {
    private final EndPoint endPoint;
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private Entry active;
    private Throwable failure;
    private boolean closed;
    /** Bytes written so far, for Jetty's ConnectionStatistics. */
    private volatile long written;

    Flusher(EndPoint endPoint) {
        this.endPoint = endPoint;
    }

    /** Queues {@code buffers} for writing; {@code callback} completes once they are written, or fails. */
    void write(Callback callback, ByteBuffer... buffers) {
        Throwable failed;
        synchronized (this) {
            failed = failure;
            if (failed == null && closed) {
                failed = new EofException("connection closed");
            }
            if (failed == null) {
                queue.offer(new Entry(buffers, BufferUtil.remaining(buffers), callback));
            }
        }
        if (failed != null) {
            callback.failed(failed);
            return;
        }
        iterate();
    }

    /**
     * The connection closed: what is queued fails with {@code cause} (or an {@link EofException}), and so does every
     * later write. A connection closes after every SCGI request, mostly with nothing queued: then no exception is
     * made.
     */
    void close(Throwable cause) {
        boolean idle;
        synchronized (this) {
            closed = true;
            if (failure == null) {
                failure = cause;
            }
            idle = active == null && queue.isEmpty();
        }
        if (!idle) {
            abort(cause != null ? cause : new EofException("connection closed"));
        }
    }

    @Override
    protected Action process() {
        Entry next;
        synchronized (this) {
            next = queue.poll();
            active = next;
        }
        if (next == null) {
            return Action.IDLE;
        }
        endPoint.write(this, next.buffers);
        return Action.SCHEDULED;
    }

    @Override
    protected void onSuccess() {
        Entry done;
        synchronized (this) {
            done = active;
            active = null;
        }
        if (done != null) {
            written += done.length;
            done.callback.succeeded();
        }
    }

    @Override
    protected void onCompleteFailure(Throwable cause) {
        List<Entry> failed = new ArrayList<>();
        synchronized (this) {
            failure = cause;
            if (active != null) {
                failed.add(active);
                active = null;
            }
            failed.addAll(queue);
            queue.clear();
        }
        for (Entry entry : failed) {
            entry.callback.failed(cause);
        }
    }

    /** The bytes written so far. */
    long written() {
        return written;
    }

    private record Entry(ByteBuffer[] buffers, long length, Callback callback) {
    }
}
