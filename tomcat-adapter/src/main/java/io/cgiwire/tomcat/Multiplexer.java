package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.GatewaySession.AfterResponse;
import io.cgiwire.core.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.apache.coyote.Adapter;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * The connection side of a {@link GatewaySession#multiplexing() multiplexing} FastCGI session, as Tomcat's
 * {@code Http2UpgradeHandler} is HTTP/2's: one reader feeds the session whatever the socket has, each request it
 * starts runs as its own {@link MultiplexedStream} on the container's executor, and its body goes into that
 * stream's queue. The session decides what a queue may hold ({@link GatewayEvent.BodyFailed}) and when the reader
 * stops ({@link GatewaySession#paused()}, {@link GatewaySession#holding()}); a stream that changes either, by reading
 * or completing, wakes the reader.
 *
 * <p>{@link #lock} guards the session, the streams and this object's state; the write lock guards the socket's write
 * side. The lock is taken before the write lock when both are needed, never after.
 */
final class Multiplexer {
    private static final Log log = LogFactory.getLog(Multiplexer.class);

    /** What {@link #read} leaves the connection waiting for. */
    enum Wait {
        /** More bytes from the socket, for the requests in the container: register read interest. */
        INPUT,
        /** The next request, with none in the container: wait for it as one at a time does. */
        IDLE,
        /** A stream to read, complete or close: read no more until it wakes the reader. */
        STREAMS,
        /** Nothing more: close gracefully, draining what the web server still sends. */
        DRAIN,
        /** Nothing more: close at once. */
        CLOSE
    }

    final AbstractCgiProtocol<?> protocol;
    final Adapter adapter;
    final SocketWrapperBase<?> socket;
    final GatewaySession session;
    private final GatewayInput in;
    private final String prefix;
    /** Called, on a stream's thread, when the last request in the container completed and the connection is kept. */
    private final Consumer<Multiplexer> idle;
    /** Guards the session, {@link #streams} and the fields below. */
    final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock writeLock = new ReentrantLock();
    /** The requests in the container; a few, so looked up in order. */
    private final List<MultiplexedStream> streams = new ArrayList<>(2);
    /** The connection broke or the web server broke the protocol: every stream fails. */
    private volatile IOException failure;
    /** The web server closed its side. */
    private boolean inputEnded;
    /** The reader stopped for the streams: the next to change what stopped it wakes it. */
    private boolean suspended;
    /** The connection closes once no stream is left: DRAIN or CLOSE. */
    private Wait closing;

    Multiplexer(AbstractCgiProtocol<?> protocol, Adapter adapter, SocketWrapperBase<?> socket, GatewaySession session,
            GatewayInput in, String prefix, Consumer<Multiplexer> idle) {
        this.protocol = protocol;
        this.adapter = adapter;
        this.socket = socket;
        this.session = session;
        this.in = in;
        this.prefix = prefix;
        this.idle = idle;
    }

    /**
     * Whether the connection waits for its next request with nothing in the container, nothing begun and nothing to
     * close: it may go without its processor.
     */
    boolean betweenRequests() {
        lock.lock();
        try {
            return streams.isEmpty() && closing == null && failure == null && !inputEnded && !suspended
                    && !session.holding() && !session.headPending();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Decodes what is buffered and reads what the socket has, without waiting, starting streams and feeding them on
     * the way; only from the socket's own processing, one thread at a time.
     *
     * @throws ProtocolException if the web server broke the protocol while no request was in the container: the
     *     caller answers it and closes, as without multiplexing
     */
    Wait read() throws ProtocolException {
        while (true) {
            List<MultiplexedStream> started = null;
            Wait wait = null;
            lock.lock();
            try {
                if (failure != null || inputEnded) {
                    return stopped();
                }
                try {
                    GatewayEvent event;
                    while (closing == null && (event = session.next(in.buffer)) != null) {
                        started = onEvent(event, started);
                    }
                } catch (ProtocolException e) {
                    return violated(e);
                } catch (IOException e) {
                    // A write of what the session answered failed: the connection is broken.
                    fail(e);
                    return stopped();
                }
                if (closing != null) {
                    wait = streams.isEmpty() ? closing : suspend();
                } else if (session.paused() || session.holding()) {
                    wait = suspend();
                }
            } finally {
                lock.unlock();
                start(started);
            }
            if (wait != null) {
                return wait;
            }
            int n;
            try {
                n = in.read(socket, false);
            } catch (IOException e) {
                lock.lock();
                try {
                    fail(e);
                    return stopped();
                } finally {
                    lock.unlock();
                }
            }
            if (n == 0) {
                // Decided with the lock held: a stream that completes after this finds the reader gone and acts.
                lock.lock();
                try {
                    return !streams.isEmpty() ? Wait.INPUT : closing != null ? closing : Wait.IDLE;
                } finally {
                    lock.unlock();
                }
            }
            if (n < 0) {
                return inputEnded();
            }
        }
    }

    /**
     * The web server broke the protocol: with no request in the container, the caller answers it and closes (thrown
     * on); else it is logged once and fails every request in flight. With the lock held.
     */
    private Wait violated(ProtocolException e) throws ProtocolException {
        if (streams.isEmpty()) {
            throw e;
        }
        log.warn(prefix + e.getMessage());
        fail(e);
        return stopped();
    }

    private Wait inputEnded() throws ProtocolException {
        lock.lock();
        try {
            inputEnded = true;
            try {
                session.endOfInput();
            } catch (ProtocolException e) {
                return violated(e);
            }
            // A read still waiting for body bytes fails; a stream with its whole body writes on, and finds out when
            // it writes, as over HTTP.
            EOFException closed = new EOFException("the web server closed the connection before the end of the"
                    + " request body");
            for (MultiplexedStream s : streams) {
                s.input().failUnlessEnded(closed);
            }
            return stopped();
        } finally {
            lock.unlock();
        }
    }

    /** The connection carries nothing more: it closes once the streams in the container complete. */
    private Wait stopped() {
        return streams.isEmpty() ? Wait.CLOSE : suspend();
    }

    private Wait suspend() {
        suspended = true;
        return Wait.STREAMS;
    }

    private List<MultiplexedStream> onEvent(GatewayEvent event, List<MultiplexedStream> started) throws IOException {
        if (event instanceof GatewayEvent.Request r) {
            MultiplexedStream s = new MultiplexedStream(this, r.request());
            streams.add(s);
            if (started == null) {
                started = new ArrayList<>(2);
            }
            started.add(s);
        } else if (event instanceof GatewayEvent.Body body) {
            ByteBuffer data = body.data();
            if (!body.copied()) {
                // A view of the input buffer, which the next read compacts.
                data = ByteBuffer.allocate(data.remaining()).put(data).flip();
            }
            target().input().offer(data);
        } else if (event instanceof GatewayEvent.BodyEnd) {
            target().input().end();
        } else if (event instanceof GatewayEvent.BodyFailed failed) {
            log.warn(prefix + failed.reason());
            target().input().fail(new IOException(failed.reason()));
        } else if (event instanceof GatewayEvent.Abort) {
            target().abort();
        } else if (event instanceof GatewayEvent.Write write) {
            if (write.refusal() != null) {
                log.warn(prefix + write.refusal());
            }
            writeAndFlush(write.bytes());
            if (write.close()) {
                closing = Wait.DRAIN;
            }
        }
        return started;
    }

    /** The stream the session's last body, end or abort was for. */
    private MultiplexedStream target() {
        GatewayRequest r = session.target();
        for (int i = 0; i < streams.size(); i++) {
            MultiplexedStream s = streams.get(i);
            if (s.gateway == r) {
                return s;
            }
        }
        throw new IllegalStateException("no stream for request " + (r == null ? null : r.id()));
    }

    /** Runs {@code started} on the container's executor; one it refuses is answered 503 without the container. */
    private void start(List<MultiplexedStream> started) {
        if (started == null) {
            return;
        }
        for (MultiplexedStream s : started) {
            try {
                socket.execute(s);
            } catch (RejectedExecutionException e) {
                log.warn(prefix + "request " + s.gateway.id() + " refused: the executor is full");
                refuse(s);
            }
        }
    }

    private void refuse(MultiplexedStream s) {
        lock.lock();
        try {
            streams.remove(s);
            s.input().fail(new IOException("refused"));
            writeAndFlush(session.refuse(s.gateway, 503, "Service Unavailable").bytes());
        } catch (IOException e) {
            // The connection broke: failed by the write.
        } finally {
            lock.unlock();
        }
    }

    /** Every stream fails with {@code cause}: the connection is broken or the web server broke the protocol. */
    private void fail(IOException cause) {
        if (failure == null) {
            failure = cause;
        }
        for (MultiplexedStream s : streams) {
            s.input().fail(cause);
        }
    }

    /** Why the connection can carry no more, or null. */
    IOException failure() {
        return failure;
    }

    /** The container took {@code bytes} of {@code s}'s body: the reader goes on if that was what stopped it. */
    void consumed(MultiplexedStream s, int bytes) {
        boolean wake;
        lock.lock();
        try {
            session.consumed(s.gateway, bytes);
            wake = suspended && closing == null && failure == null && !inputEnded && !session.paused()
                    && !session.holding();
            if (wake) {
                suspended = false;
            }
        } finally {
            lock.unlock();
        }
        if (wake) {
            wakeReader();
        }
    }

    /**
     * The container is done with {@code s}, {@code clean} when its response went out whole: the session decides what
     * is still owed and whether the connection carries on; the reader wakes if it waited for this.
     */
    void completed(MultiplexedStream s, boolean clean) {
        ByteBuffer owed;
        boolean wake;
        boolean kept;
        lock.lock();
        try {
            // A stream cut short fails only itself (the session keeps the connection while others are in flight);
            // a failure on the connection, or its input's end, is the connection's.
            boolean sound = failure == null && !inputEnded;
            GatewaySession.Completion completion = session.complete(s.gateway, !(clean && sound));
            streams.remove(s);
            owed = completion.owed();
            AfterResponse after = completion.after(sound, protocol.isPaused(), in.buffer.hasRemaining());
            if (after != AfterResponse.KEEP) {
                closing = after == AfterResponse.DRAIN && closing != Wait.CLOSE ? Wait.DRAIN : Wait.CLOSE;
            }
            boolean last = streams.isEmpty() && (closing != null || failure != null || inputEnded);
            // A request that waited for room starts now, from what is buffered: the reader calls next() again.
            wake = suspended || last || session.holding();
            suspended = false;
            kept = streams.isEmpty() && !wake;
        } finally {
            lock.unlock();
        }
        if (owed != null && failure == null) {
            try {
                writeAndFlush(owed);
            } catch (IOException e) {
                // Failed by the write; the connection closes.
            }
        }
        if (wake) {
            wakeReader();
        } else if (kept) {
            idle.accept(this);
        }
    }

    /** The socket's processing runs again (on another thread), for {@link #read} or to close. */
    private void wakeReader() {
        socket.processSocket(SocketEvent.OPEN_READ, true);
    }

    /** The connection has closed: what is still in the container fails. */
    void closed() {
        lock.lock();
        try {
            fail(new EOFException("the connection to the web server closed"));
        } finally {
            lock.unlock();
        }
    }

    /** Writes {@code buffers} to the socket, blocking, without flushing. */
    void write(ByteBuffer... buffers) throws IOException {
        write(false, buffers);
    }

    /** Writes {@code buffers} and flushes. */
    void writeAndFlush(ByteBuffer... buffers) throws IOException {
        write(true, buffers);
    }

    /** Flushes what the streams wrote. */
    void flush() throws IOException {
        write(true);
    }

    private void write(boolean flush, ByteBuffer... buffers) throws IOException {
        IOException failed = null;
        writeLock.lock();
        try {
            for (ByteBuffer buffer : buffers) {
                socket.write(true, buffer);
            }
            if (flush) {
                socket.flush(true);
            }
        } catch (IOException e) {
            failed = e;
        } finally {
            writeLock.unlock();
        }
        if (failed != null) {
            // The connection is broken: every stream fails (the lock is taken after the write lock is let go).
            lock.lock();
            try {
                fail(failed);
            } finally {
                lock.unlock();
            }
            throw failed;
        }
    }

    /** "[fcgi-nio-127.0.0.1-9000] 127.0.0.1:40001: ", for log lines. */
    String prefix() {
        return prefix;
    }
}
