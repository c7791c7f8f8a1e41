package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySession;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.locks.Lock;
import org.apache.coyote.ActionCode;
import org.apache.coyote.Constants;
import org.apache.coyote.ErrorState;
import org.apache.coyote.InputBuffer;
import org.apache.coyote.RequestGroupInfo;
import org.apache.coyote.RequestInfo;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;
import org.apache.tomcat.util.ExceptionUtils;
import org.apache.tomcat.util.buf.ByteChunk;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;
import org.apache.tomcat.util.net.ApplicationBufferHandler;
import org.apache.tomcat.util.net.DispatchType;
import org.apache.tomcat.util.net.SocketEvent;

/**
 * One request of a multiplexing FastCGI connection, as Tomcat's {@code StreamProcessor} is one HTTP/2 stream: its own
 * coyote request and response, run on the container's executor, and so are its async and non-blocking dispatches.
 * Its body arrives from the {@link Multiplexer}'s reader into a queue of copied chunks ({@link StreamInput}); a
 * blocking read waits on the queue, a {@code ReadListener} is dispatched when a chunk, the end or a failure arrives.
 * Its response is framed by the session and written, blocking, under the connection's write lock; a
 * {@code WriteListener} is always ready. A stream serves one request and is not reused; its coyote request and
 * response (and the container's, in their notes) are, recycled, as Tomcat's HTTP/2 streams' are.
 */
final class MultiplexedStream extends GatewayCoyoteProcessor implements Runnable {
    private static final Log log = LogFactory.getLog(MultiplexedStream.class);

    private final Multiplexer mux;
    private final StreamInput in = new StreamInput();
    private final String protocolRequestId;
    /** The web server aborted the request (FCGI_ABORT_REQUEST). */
    private volatile boolean aborted;
    /** Completed: later dispatches (a late read event, a timeout) find nothing to do. */
    private boolean done;

    MultiplexedStream(Multiplexer mux, GatewayRequest gateway) {
        super(mux.protocol, mux.adapter, mux.protocol.popRequest());
        this.mux = mux;
        this.gateway = gateway;
        this.protocolRequestId = mux.session.protocolRequestId(gateway);
        setSocketWrapper(mux.socket);
        request.setInputBuffer(in);
    }

    StreamInput input() {
        return in;
    }

    /** The web server aborted the request: its reads and writes fail; the connection stays. */
    void abort() {
        aborted = true;
        in.fail(new EOFException("the web server aborted the request (FCGI_ABORT_REQUEST)"));
    }

    @Override
    public void run() {
        process(SocketEvent.OPEN_READ);
    }

    /** Runs {@code event} for this request, one at a time, as StreamProcessor does. */
    private synchronized void process(SocketEvent event) {
        if (done) {
            return;
        }
        SocketState state;
        try {
            state = process(socketWrapper, event);
        } catch (Throwable t) {
            ExceptionUtils.handleThrowable(t);
            log.error(mux.prefix() + "request " + gateway.id() + " failed", t);
            setErrorState(ErrorState.CLOSE_NOW, t);
            state = SocketState.CLOSED;
        }
        if (state == SocketState.LONG) {
            mux.protocol.addWaitingProcessor(this);
        } else if (state == SocketState.CLOSED) {
            done = true;
            mux.protocol.removeWaitingProcessor(this);
            finishIfNeeded();
            // The counts go to the connector's totals, and the pair's next request counts from zero, as Tomcat's
            // HTTP/2 streams do: else each recycled pair's running totals were added again with every request.
            RequestInfo rp = request.getRequestProcessor();
            rp.setGlobalProcessor(null);
            rp.recycleStatistcs();
            mux.completed(this, cleanEnd);
            getAdapter().checkRecycled(request, response);
            super.recycle();
            request.recycle();
            response.recycle();
            // Late events find this stream done, never the pair's next request: a stream is not reused, its pair is.
            mux.protocol.pushRequest(request);
        }
    }

    @Override
    protected SocketState service(org.apache.tomcat.util.net.SocketWrapperBase<?> socket) {
        RequestInfo rp = request.getRequestProcessor();
        rp.setGlobalProcessor((RequestGroupInfo) mux.protocol.getHandler().getGlobal());
        request.markStartTime();
        if (serve()) {
            return SocketState.LONG;
        }
        rp.setStage(Constants.STAGE_ENDED);
        return SocketState.CLOSED;
    }

    @Override
    protected SocketState dispatchEndRequest() {
        finishIfNeeded();
        return SocketState.CLOSED;
    }

    @Override
    protected void processSocketEvent(SocketEvent event, boolean dispatch) {
        if (dispatch) {
            execute(event);
        } else {
            process(event);
        }
    }

    /** Each dispatch on a container thread of its own, never through the connection's socket processing. */
    @Override
    protected void executeDispatches() {
        Iterator<DispatchType> dispatches = getIteratorAndClearDispatches();
        while (dispatches != null && dispatches.hasNext()) {
            execute(dispatches.next().getSocketStatus());
        }
    }

    private void execute(SocketEvent event) {
        mux.socket.execute(() -> process(event));
    }

    @Override
    GatewaySession session() {
        return mux.session;
    }

    @Override
    Lock sessionLock() {
        return mux.lock;
    }

    @Override
    IOException connectionFailure() {
        return mux.failure();
    }

    @Override
    boolean requestAborted() {
        return aborted;
    }

    @Override
    void endInput() {
        in.end();
    }

    @Override
    String prefix() {
        return mux.prefix();
    }

    @Override
    void send(boolean flush, ByteBuffer... framed) throws IOException {
        if (flush) {
            mux.writeAndFlush(framed);
        } else {
            mux.write(framed);
        }
    }

    @Override
    void sendFramed(ByteBuffer... contents) throws IOException {
        for (ByteBuffer content : contents) {
            ByteBuffer[] framed;
            mux.lock.lock();
            try {
                framed = mux.session.frame(gateway, content);
            } finally {
                mux.lock.unlock();
            }
            mux.write(framed);
        }
    }

    @Override
    void sendEnd(ByteBuffer end) throws IOException {
        if (end != null) {
            mux.writeAndFlush(end);
        } else {
            mux.flush();
        }
    }

    @Override
    void flushSocket() throws IOException {
        mux.flush();
    }

    @Override
    protected int available(boolean doRead) {
        return in.readable();
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
        if (in.registerReadInterest()) {
            dispatchRead();
        }
    }

    /** A ReadListener's data, end or failure has arrived: onDataAvailable() or onAllDataRead() on a container thread. */
    private void dispatchRead() {
        request.action(ActionCode.DISPATCH_READ, null);
        request.action(ActionCode.DISPATCH_EXECUTE, null);
    }

    /** Writes block under the connection's write lock, which the socket's own buffer holds for: always ready. */
    @Override
    protected boolean isReadyForWrite() {
        return true;
    }

    @Override
    protected boolean flushBufferedWrite() {
        return false;
    }

    @Override
    protected Object getProtocolRequestId() {
        return protocolRequestId;
    }

    @Override
    protected Log getLog() {
        return log;
    }

    @Override
    public void pause() {
        // The protocol answers 503 to requests that start while it is paused.
    }

    /**
     * The request body: chunks the connection's reader copied, read in order. Its bound is the session's: past what
     * a request may leave unread, its body fails instead ({@link io.cgiwire.core.GatewayEvent.BodyFailed}).
     */
    final class StreamInput implements InputBuffer {
        private final ArrayDeque<ByteBuffer> chunks = new ArrayDeque<>(2);
        private boolean ended;
        private IOException failure;
        /** A ReadListener waits for something to read. */
        private boolean readInterest;
        /** The body Tomcat set (a saved POST body replayed after FORM authentication): not the session's. */
        private ByteBuffer replayed;

        /** Body bytes, the reader's own copy. */
        void offer(ByteBuffer chunk) {
            if (signal(() -> chunks.addLast(chunk))) {
                dispatchRead();
            }
        }

        /** The body is complete, or the response has ended and the request gets no more of it. */
        void end() {
            if (signal(() -> ended = true)) {
                dispatchRead();
            }
        }

        /** Reads fail with {@code cause} from now on. */
        void fail(IOException cause) {
            if (signal(() -> {
                if (failure == null) {
                    failure = cause;
                }
            })) {
                dispatchRead();
            }
        }

        /** As {@link #fail}, unless the whole body has arrived. */
        void failUnlessEnded(IOException cause) {
            if (signal(() -> {
                if (!ended && failure == null) {
                    failure = cause;
                }
            })) {
                dispatchRead();
            }
        }

        /** Applies {@code change}, then wakes a blocked read; true if a ReadListener is to be dispatched instead. */
        private synchronized boolean signal(Runnable change) {
            change.run();
            if (readInterest) {
                readInterest = false;
                return true;
            }
            notifyAll();
            return false;
        }

        /** Sets read interest; true if there is something to read already, and the read is to be dispatched now. */
        synchronized boolean registerReadInterest() {
            if (!chunks.isEmpty() || ended || failure != null) {
                return true;
            }
            readInterest = true;
            return false;
        }

        /** What a read returns at once: bytes, or 1 for a failure to report. */
        synchronized int readable() {
            ByteBuffer first = chunks.peekFirst();
            if (first != null) {
                return first.remaining();
            }
            // 1 lets the read report a failure, as AjpProcessor does.
            return ended || failure == null ? 0 : 1;
        }

        synchronized boolean fullyRead() {
            return chunks.isEmpty() && ended;
        }

        synchronized void replay(ByteChunk chunk) {
            chunks.clear();
            replayed = ByteBuffer.wrap(chunk.getBytes(), chunk.getStart(), chunk.getLength());
            chunks.addLast(replayed);
            ended = true;
            failure = null;
        }

        @Override
        public int doRead(ApplicationBufferHandler handler) throws IOException {
            ByteBuffer chunk;
            synchronized (this) {
                if (request.getReadListener() == null) {
                    await();
                }
                chunk = chunks.pollFirst();
                if (chunk == null) {
                    if (failure != null) {
                        throw failure;
                    }
                    return ended ? -1 : 0;
                }
            }
            int n = chunk.remaining();
            if (chunk != replayed) {
                mux.consumed(MultiplexedStream.this, n);
            }
            handler.setByteBuffer(chunk);
            return n;
        }

        /** Waits for a chunk, the end or a failure, no longer than the connector's connectionTimeout. */
        private void await() throws IOException {
            long timeout = mux.protocol.getConnectionTimeout();
            long deadline = System.nanoTime() + timeout * 1_000_000L;
            while (chunks.isEmpty() && !ended && failure == null) {
                long left = timeout <= 0 ? 0 : (deadline - System.nanoTime()) / 1_000_000L;
                if (timeout > 0 && left <= 0) {
                    throw new SocketTimeoutException("no request body bytes within " + timeout
                            + " ms (connectionTimeout)");
                }
                try {
                    wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for the request body");
                }
            }
        }

        @Override
        public synchronized int available() {
            ByteBuffer first = chunks.peekFirst();
            return first == null ? 0 : first.remaining();
        }
    }
}
