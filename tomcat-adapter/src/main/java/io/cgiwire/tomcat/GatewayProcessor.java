package io.cgiwire.tomcat;

import io.cgiwire.core.Gateway;
import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.ProtocolException;
import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.coyote.Adapter;
import org.apache.coyote.Constants;
import org.apache.coyote.RequestInfo;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.buf.ByteChunk;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * One FastCGI or SCGI connection, in the shape of Tomcat's {@code AjpProcessor}: a {@link GatewaySession} makes every
 * protocol decision, and this processor moves bytes between it and the socket. {@link #service} reads a request and
 * serves it as {@link GatewayCoyoteProcessor} serves every request (the coyote request filled, the servlet run, the
 * response framed by the session); the methods here read its body from the socket and write to the socket.
 *
 * <p>Input ({@link GatewayInput}): the session is fed only when something is wanted: the next request, body bytes for
 * a servlet's read, or (FastCGI) a look for FCGI_ABORT_REQUEST while the servlet writes. Non-blocking reads
 * ({@code ReadListener}) use the same path without waiting.
 *
 * <p>Output: nothing is flushed until the servlet flushes, the socket's buffer fills, or the response ends; writes
 * do not block while a {@code WriteListener} is set. What the session answers by itself (FastCGI management records,
 * refused requests, STDERR) shares one lock with the response.
 *
 * <p>The end of a connection: kept for the next request (FastCGI with FCGI_KEEP_CONN), closed at once when broken, or
 * else closed gracefully: our side is shut down and what the web server still sends (an unread body) is read and
 * dropped until it closes too, so that the web server never gets a reset that could cost it the response.
 *
 * <p>A request's variables must be complete within {@code headerReadTimeout} of its start, however slowly they
 * trickle in: each wait for more of them has what the session says is left of that time as its read timeout, and the
 * connection is closed, and logged once, when it is up. Between requests a kept connection has no timeout
 * ({@code keepAliveTimeout}); the wait for a new connection's first byte is Tomcat's {@code connectionTimeout}.
 *
 * <p>A processor stays with its connection while a request is read or served. Between requests, with nothing
 * buffered, the connection's session is parked with the protocol and the processor goes back to the pool: an idle
 * kept connection holds no input buffer and no container request.
 *
 * <p>A {@link GatewaySession#multiplexing() multiplexing} session (FastCGI) is served otherwise, as Tomcat serves
 * HTTP/2: this processor is the connection's reader (a {@link Multiplexer}), and each request runs as its own
 * {@link MultiplexedStream} on the executor; the connection, its timeouts, its parking and its graceful close stay
 * here.
 */
final class GatewayProcessor extends GatewayCoyoteProcessor {
    private static final Log log = LogFactory.getLog(GatewayProcessor.class);
    private static final MethodHandle GET_LOCK = socketLock();
    /**
     * How long a closing connection waits for the web server to close its side: Jetty's default idle timeout, which
     * bounds the same wait on the Jetty side.
     */
    static final int DRAIN_TIMEOUT_MS = 30_000;
    /** During a response the input is looked at once every this many bytes written, or this often: see pollDue. */
    private static final long POLL_BYTES = 64 * 1024;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** What the decoding loop stops for. */
    private enum Want {
        /** A request is complete and can be dispatched. */
        HEAD,
        /** Body bytes, the end of the body, or a failure to report to the servlet's read. */
        BODY,
        /** Nothing in particular: decode what has arrived, for what must be answered during a request. */
        POLL
    }

    private final GatewayInput in;
    /** Guards the socket's write side: the response, and what the session answers by itself. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /**
     * Guards the input and the session: a servlet's read and the look for aborts on a write may come from two threads.
     * Taken before the write lock when both are needed, never after.
     */
    private final ReentrantLock readLock = new ReentrantLock();
    private GatewaySession session;
    /** The connection's reader and its requests when the session multiplexes; null otherwise. */
    private Multiplexer mux;
    /** A request the session has begun, not yet dispatched. */
    private GatewayRequest begun;
    private volatile IOException failure;
    private boolean draining;

    /** bytesWritten and System.nanoTime() when the input was last looked at during the response. */
    private long polledBytes;
    private long polledNanos;

    GatewayProcessor(AbstractCgiProtocol<?> protocol, Adapter adapter) {
        super(protocol, adapter);
        this.in = new GatewayInput(this, request, protocol.inputBufferSize());
        request.setInputBuffer(in);
    }

    @Override
    public SocketState service(SocketWrapperBase<?> socket) throws IOException {
        if (session == null) {
            session = protocol.unpark(socket);
            if (session == null && !open(socket)) {
                return SocketState.CLOSED;
            }
        }
        setSocketWrapper(socket);
        if (session.multiplexing()) {
            return serviceMultiplexed();
        }
        RequestInfo rp = request.getRequestProcessor();
        while (true) {
            if (draining) {
                return drain();
            }
            if (failure != null || in.ended()) {
                return SocketState.CLOSED;
            }
            rp.setStage(Constants.STAGE_PARSE);
            if (session.headTimeLeftMillis() == 0) {
                return headTimedOut();
            }
            readLock.lock();
            try {
                pump(Want.HEAD, false);
                gateway = begun;
                begun = null;
            } catch (ProtocolException e) {
                return violationBeforeRequest(e);
            } catch (IOException e) {
                // The web server closed the connection between requests, or it broke.
                return SocketState.CLOSED;
            } finally {
                readLock.unlock();
            }
            if (gateway == null) {
                return draining ? drain() : failure != null || in.ended() ? SocketState.CLOSED : awaitHead();
            }
            request.markStartTime();
            socketWrapper.setReadTimeout(protocol.getConnectionTimeout());
            if (serve()) {
                return SocketState.LONG;
            }
            rp.setStage(Constants.STAGE_KEEPALIVE);
            SocketState next = afterResponse();
            if (next != SocketState.OPEN) {
                return next;
            }
        }
    }

    /**
     * A multiplexing connection: the {@link Multiplexer} reads and starts the requests on their own threads, and this
     * processor stays with the connection while any is in the container. With none, the connection waits for its
     * next request as it does one at a time (parked when kept and idle).
     */
    private SocketState serviceMultiplexed() {
        if (draining) {
            return drain();
        }
        if (mux == null) {
            mux = new Multiplexer(protocol, getAdapter(), socketWrapper, session, in, prefix(), this::parkIdle);
        }
        Multiplexer.Wait wait;
        try {
            wait = mux.read();
        } catch (ProtocolException e) {
            return violationBeforeRequest(e);
        }
        return switch (wait) {
            case IDLE -> {
                SocketState state = awaitHead();
                if (state == SocketState.OPEN) {
                    // Parked: the next processor makes its own reader.
                    mux = null;
                }
                yield state;
            }
            case INPUT -> {
                // The requests in the container have their own timeouts; the connection waits for the web server.
                long left = session.headTimeLeftMillis();
                socketWrapper.setReadTimeout(left == Long.MAX_VALUE ? -1 : Math.max(left, 1));
                yield SocketState.LONG;
            }
            case STREAMS -> SocketState.SUSPENDED;
            case DRAIN -> startDrain();
            case CLOSE -> SocketState.CLOSED;
        };
    }

    /**
     * The last request in the container completed (on its own thread) and the connection is kept: parked at once, as
     * {@link #awaitHead} parks it, once the socket's processing (which holds the socket's lock only while it reads
     * and decodes) is out of the way.
     */
    private void parkIdle(Multiplexer caller) {
        SocketWrapperBase<?> socket = caller.socket;
        Lock lock = lockOf(socket);
        lock.lock();
        try {
            GatewaySession s = session;
            Multiplexer m = mux;
            // This processor may have moved on to another connection meanwhile: then it is not the caller's.
            if (m != caller || s == null || draining || socket.isClosed() || socket.getCurrentProcessor() != this
                    || in.buffer.hasRemaining() || !m.betweenRequests()) {
                return;
            }
            socket.setReadTimeout(protocol.getKeepAliveTimeout());
            // What Tomcat does with a processor that returns OPEN: it goes back to the pool.
            protocol.releaseProcessor(socket);
            protocol.park(socket, s);
        } finally {
            lock.unlock();
        }
    }

    /** The lock the endpoint holds while it processes {@code socket}'s events. */
    private static Lock lockOf(SocketWrapperBase<?> socket) {
        try {
            return (Lock) GET_LOCK.invoke(socket);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * {@code SocketWrapperBase.getLock()}, which returns a ReentrantLock in Tomcat 11 and a Lock in 10.1: the jar
     * compiled against 11 runs on both, so the call is looked up rather than linked.
     */
    private static MethodHandle socketLock() {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        for (Class<?> type : List.of(ReentrantLock.class, Lock.class)) {
            try {
                return lookup.findVirtual(SocketWrapperBase.class, "getLock", MethodType.methodType(type));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                // The other Tomcat line.
            }
        }
        throw new IllegalStateException("SocketWrapperBase.getLock() not found");
    }

    /**
     * A new connection: refused unless its peer is allowed, else it gets its session. Addresses are the socket
     * wrapper's, never looked up; a Unix socket's peer has none (Tomcat gives it 127.0.0.1).
     */
    private boolean open(SocketWrapperBase<?> socket) {
        boolean unix = protocol.isUnixSocket();
        String refusal = unix ? null : protocol.refusePeer(socket.getRemoteAddr());
        if (refusal != null) {
            log.warn("[" + protocol.getName().replace("\"", "") + "] " + refusal);
            return false;
        }
        if (unix) {
            widenSendBuffer(socket);
        }
        session = protocol.newSession(
                unix ? null : GatewayRequest.socketAddress(socket.getRemoteAddr(), socket.getRemotePort()),
                unix ? null : GatewayRequest.socketAddress(socket.getLocalAddr(), socket.getLocalPort()));
        return true;
    }

    /** Gives a Unix-domain connection {@link Gateway#UNIX_SEND_BUFFER_SIZE}; one that refuses keeps its own. */
    private static void widenSendBuffer(SocketWrapperBase<?> socket) {
        if (socket.getSocket() instanceof NioChannel channel) {
            try {
                channel.getIOChannel().setOption(StandardSocketOptions.SO_SNDBUF, Gateway.UNIX_SEND_BUFFER_SIZE);
            } catch (IOException | UnsupportedOperationException e) {
                log.debug("the send buffer of " + socket + " stays as it is", e);
            }
        }
    }

    /**
     * The endpoint reports a read timeout as an ERROR event; while a request's variables are read, that is
     * headerReadTimeout running out (the read timeout is what was left of it), and it is logged as such.
     */
    @Override
    public SocketState process(SocketWrapperBase<?> socket, SocketEvent status) throws IOException {
        if (status == SocketEvent.ERROR && session != null && session.headPending() && !draining && failure == null
                && !isAsync() && socket.getError() instanceof SocketTimeoutException) {
            return headTimedOut();
        }
        return super.process(socket, status);
    }

    /**
     * Waits for more bytes: for a request's variables no longer than what is left of headerReadTimeout (the endpoint
     * closes the connection after that much silence and says so with an ERROR event), between requests without a
     * timeout of ours. A kept connection between requests with nothing buffered waits without its processor, as
     * Tomcat's HTTP connector does (OPEN): its session is parked with the protocol, and the processor, with its input
     * buffer and the container's request and response, goes back to the pool.
     */
    private SocketState awaitHead() {
        long left = session.headTimeLeftMillis();
        if (left == 0) {
            return headTimedOut();
        }
        if (left == Long.MAX_VALUE && session.current() == null && !session.holding() && !in.buffer.hasRemaining()) {
            socketWrapper.setReadTimeout(protocol.getKeepAliveTimeout());
            protocol.park(socketWrapper, session);
            return SocketState.OPEN;
        }
        socketWrapper.setReadTimeout(left == Long.MAX_VALUE ? protocol.getKeepAliveTimeout() : left);
        return SocketState.LONG;
    }

    /** Logs, once, that the request's variables came too slowly, and closes the connection (as the Jetty side). */
    private SocketState headTimedOut() {
        log.warn(prefix() + session.headTimedOut());
        return SocketState.CLOSED;
    }

    @Override
    protected SocketState dispatchEndRequest() throws IOException {
        finishIfNeeded();
        // OPEN makes Tomcat call service() at once, for a next request that is already buffered.
        return afterResponse();
    }

    /** Keeps the connection for the next request (OPEN), closes it gracefully, or at once when it is broken. */
    private SocketState afterResponse() {
        boolean clean = cleanEnd && failure == null && !in.ended();
        GatewaySession.Completion completion;
        readLock.lock();
        try {
            // Nothing is owed after a clean end: finishResponse wrote it. A connection that is not clean closes.
            completion = session.complete(!clean);
        } finally {
            readLock.unlock();
        }
        GatewaySession.AfterResponse after = completion.after(clean, protocol.isPaused(), in.buffer.hasRemaining());
        recycleRequest();
        return switch (after) {
            case KEEP -> {
                socketWrapper.setReadTimeout(protocol.getKeepAliveTimeout());
                yield SocketState.OPEN;
            }
            case DRAIN -> startDrain();
            case CLOSE -> SocketState.CLOSED;
        };
    }

    private SocketState violationBeforeRequest(ProtocolException violation) {
        logViolation(violation);
        failure = violation;
        ByteBuffer answer = session.answer(violation);
        if (answer == null) {
            return SocketState.CLOSED;
        }
        try {
            send(true, answer);
        } catch (IOException e) {
            return SocketState.CLOSED;
        }
        return startDrain();
    }

    private void logViolation(ProtocolException violation) {
        log.warn(prefix() + violation.getMessage());
    }

    /** "[fcgi-nio-127.0.0.1-9000] 127.0.0.1:40001: ", for log lines. */
    @Override
    String prefix() {
        SocketWrapperBase<?> s = socketWrapper;
        String peer = s == null ? "" : s.getRemoteAddr() + ":" + s.getRemotePort();
        return "[" + protocol.getName().replace("\"", "") + "] " + peer + ": ";
    }

    /**
     * Closes the connection gracefully once what was written goes out: flushes, shuts our side down, and from then on
     * reads and drops what the web server still sends until it closes too.
     */
    private SocketState startDrain() {
        closeAfterAnswer();
        return draining ? drain() : SocketState.CLOSED;
    }

    private void closeAfterAnswer() {
        draining = true;
        try {
            locked(() -> {
                socketWrapper.flush(true);
                if (socketWrapper.getSocket() instanceof NioChannel channel) {
                    channel.getIOChannel().shutdownOutput();
                }
            });
        } catch (IOException e) {
            draining = false;
            return;
        }
        socketWrapper.setReadTimeout(DRAIN_TIMEOUT_MS);
        in.skip();
    }

    private SocketState drain() {
        try {
            while (in.read(socketWrapper, false) > 0) {
                in.skip();
            }
            return in.ended() ? SocketState.CLOSED : SocketState.LONG;
        } catch (IOException e) {
            return SocketState.CLOSED;
        }
    }

    /**
     * Reads what the socket has, after what is still undecoded.
     *
     * @return false if nothing was there (non-blocking)
     * @throws EOFException at the end of the input, once the session has accepted it
     * @throws ProtocolException if the end of the input cut a request short
     */
    private boolean fill(boolean block) throws IOException {
        int n = in.read(socketWrapper, block);
        if (n < 0) {
            session.endOfInput();
            throw new EOFException("the web server closed the connection");
        }
        return n > 0;
    }

    /**
     * Decodes until {@code want} is satisfied, reading from the socket as needed, but not while the session holds a
     * next request or the connection is closing; with {@link #readLock} held.
     */
    private boolean pump(Want want, boolean block) throws IOException {
        while (!decodeBuffered(want)) {
            if (draining || session.holding() || !fill(block)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Acts on the session's events from what is buffered until {@code want} is satisfied or the input is used up,
     * writing what the session answers by itself on the way; with {@link #readLock} held.
     *
     * @return true once {@code want} is satisfied
     */
    private boolean decodeBuffered(Want want) throws IOException {
        while (!satisfied(want)) {
            GatewayEvent event = draining ? null : session.next(in.buffer);
            if (event == null) {
                return false;
            } else if (event instanceof GatewayEvent.Request r) {
                begun = r.request();
            } else if (event instanceof GatewayEvent.Body body) {
                in.offer(body.data(), body.copied());
            } else if (event instanceof GatewayEvent.BodyEnd) {
                in.end();
            } else if (event instanceof GatewayEvent.Abort) {
                in.fail(new EOFException("the web server aborted the request (FCGI_ABORT_REQUEST)"));
            } else if (event instanceof GatewayEvent.Write write) {
                if (write.refusal() != null) {
                    log.warn(prefix() + write.refusal());
                }
                send(true, write.bytes());
                if (write.close()) {
                    closeAfterAnswer();
                }
            }
        }
        return true;
    }

    private boolean satisfied(Want want) {
        return switch (want) {
            case HEAD -> begun != null;
            case BODY -> in.ready();
            case POLL -> session.aborted();
        };
    }

    /**
     * Decodes until the body has something for a read, from what is buffered and, when {@code read}, from the socket,
     * waiting for it only when {@code block}.
     */
    void readBody(boolean read, boolean block) {
        readLock.lock();
        try {
            if (read) {
                pump(Want.BODY, block);
            } else {
                decodeBuffered(Want.BODY);
            }
        } catch (IOException e) {
            failed(e, true);
        } finally {
            readLock.unlock();
        }
    }

    /**
     * Once the body is complete, the only things the web server may send for the request in flight are an abort and
     * management records (FastCGI): decode what has arrived, without waiting, before a write. Skipped while another
     * thread reads.
     */
    private void pollInput() {
        if (!session.readsDuringResponse() || !in.fullyRead() || session.ended() || session.aborted() || failure != null
                || in.ended() || !readLock.tryLock()) {
            return;
        }
        try {
            pump(Want.POLL, false);
        } catch (IOException e) {
            failed(e, false);
        } finally {
            readLock.unlock();
        }
    }

    /**
     * A violation breaks the connection, and is logged once. The end of the input fails only a read still waiting
     * for body bytes: once the body is complete, the servlet finds out that the web server went away when it
     * writes, as over HTTP. Any other failure breaks the connection.
     */
    private void failed(IOException e, boolean reading) {
        if (e instanceof ProtocolException violation) {
            if (failure == null) {
                logViolation(violation);
                failure = violation;
            }
            in.fail(violation);
        } else if (e instanceof EOFException) {
            if (reading) {
                in.fail(new EOFException("the web server closed the connection before the end of the request body"));
            }
        } else {
            writeFailed(e);
            in.fail(e);
        }
    }

    @Override
    GatewaySession session() {
        return session;
    }

    @Override
    Lock sessionLock() {
        return readLock;
    }

    @Override
    IOException connectionFailure() {
        return failure;
    }

    @Override
    boolean requestAborted() {
        return session.aborted();
    }

    @Override
    void endInput() {
        in.end();
    }

    /** A request's first body event is often in the buffer with its head (the empty STDIN of a GET). */
    @Override
    void requestPrepared() {
        readBody(false, false);
    }

    @Override
    void beforeWrite() throws IOException {
        if (failure != null) {
            throw failure;
        }
        if (bytesWritten > 0 && pollDue()) {
            // Not before the first write: a response written at once ends right after it, and a look at the input
            // would cost a read per request for nothing.
            pollInput();
        }
    }

    /** Non-blocking writes ({@code WriteListener}) are flushed as far as the socket takes them at once. */
    @Override
    void send(boolean flush, ByteBuffer... framed) throws IOException {
        boolean blocking = isBlocking();
        locked(() -> {
            for (ByteBuffer buffer : framed) {
                socketWrapper.write(blocking, buffer);
            }
            if (flush || !blocking) {
                socketWrapper.flush(blocking);
            }
        });
    }

    @Override
    void sendFramed(ByteBuffer... contents) throws IOException {
        boolean blocking = isBlocking();
        // The lock without a lambda: this is the per-chunk path.
        writeLock.lock();
        try {
            for (ByteBuffer content : contents) {
                for (ByteBuffer buffer : session.frame(gateway, content)) {
                    socketWrapper.write(blocking, buffer);
                }
            }
            if (!blocking) {
                socketWrapper.flush(false);
            }
        } catch (IOException e) {
            writeFailed(e);
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    void sendEnd(ByteBuffer end) throws IOException {
        locked(() -> {
            if (end != null) {
                socketWrapper.write(isBlocking(), end);
            }
            socketWrapper.flush(true);
        });
    }

    @Override
    void flushSocket() throws IOException {
        locked(() -> socketWrapper.flush(isBlocking()));
    }

    /** A write to the socket. */
    private interface SocketWrite {
        void run() throws IOException;
    }

    /** Runs {@code write} under the write lock; a failure breaks the connection. */
    private void locked(SocketWrite write) throws IOException {
        writeLock.lock();
        try {
            write.run();
        } catch (IOException e) {
            writeFailed(e);
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    private void writeFailed(IOException e) {
        if (failure == null) {
            failure = e;
        }
    }

    /**
     * Whether to look at the input (for FCGI_ABORT_REQUEST) before this write: once every 64 KiB written or every
     * 10 ms. Each look is a read; before every 8 KiB chunk of a large response it cost Tomcat a fifth more CPU per
     * 1 MiB response than its HTTP connector.
     */
    private boolean pollDue() {
        long now = System.nanoTime();
        if (bytesWritten - polledBytes < POLL_BYTES && now - polledNanos < POLL_NANOS) {
            return false;
        }
        polledBytes = bytesWritten;
        polledNanos = now;
        return true;
    }

    /** Whether writes block: not while a {@code WriteListener} is set. */
    private boolean isBlocking() {
        return response.getWriteListener() == null;
    }

    @Override
    protected int available(boolean doRead) {
        return in.available(doRead);
    }

    @Override
    protected void setRequestBody(ByteChunk chunk) {
        in.replay(chunk);
        request.setContentLength(chunk.getLength());
    }

    @Override
    protected boolean isRequestBodyFullyRead() {
        return in.fullyRead();
    }

    @Override
    protected void registerReadInterest() {
        socketWrapper.registerReadInterest();
    }

    @Override
    protected void dispatchNonBlockingRead() {
        // As AjpProcessor: a read event that brought no body bytes (a partial record, a management record) is not
        // passed on; one that completed the body is, so that onAllDataRead() follows.
        if (available(true) > 0 || isRequestBodyFullyRead()) {
            super.dispatchNonBlockingRead();
        }
    }

    @Override
    protected boolean isReadyForWrite() {
        writeLock.lock();
        try {
            if (socketWrapper.hasDataToWrite()) {
                socketWrapper.registerWriteInterest();
                return false;
            }
            return true;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    protected boolean flushBufferedWrite() throws IOException {
        writeLock.lock();
        try {
            if (socketWrapper.hasDataToWrite()) {
                socketWrapper.flush(false);
                if (socketWrapper.hasDataToWrite()) {
                    response.checkRegisterForWrite();
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            writeFailed(e);
            throw e;
        } finally {
            writeLock.unlock();
        }
    }


    @Override
    protected Object getProtocolRequestId() {
        return session == null ? null : session.protocolRequestId();
    }

    @Override
    protected Log getLog() {
        return log;
    }

    @Override
    public void pause() {
        // Between requests the connection closes when the protocol is paused; nothing to do here.
    }

    /** Per request: the coyote request and response and the body state. */
    private void recycleRequest() {
        getAdapter().checkRecycled(request, response);
        super.recycle();
        request.recycle();
        response.recycle();
        in.recycle();
        recycleResponse();
        polledBytes = 0;
        polledNanos = System.nanoTime() - POLL_NANOS;
    }

    /** The connection has ended and the processor goes back to the pool. */
    @Override
    public void recycle() {
        recycleRequest();
        in.recycleConnection();
        if (mux != null) {
            // Closed under requests still in the container (the socket broke): they fail.
            mux.closed();
            mux = null;
        }
        session = null;
        begun = null;
        failure = null;
        draining = false;
    }
}
