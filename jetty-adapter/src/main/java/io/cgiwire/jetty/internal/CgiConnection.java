package io.cgiwire.jetty.internal;

import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.cgi.CgiRequest;
import io.cgiwire.core.cgi.CgiResponseHead;
import io.cgiwire.jetty.RequestOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.AbstractMetaDataConnection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpChannel;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Attributes;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What FastCGI and SCGI connections share: reading into a pooled buffer, feeding the protocol's decoder, one request
 * at a time handed to Jetty as an {@link HttpChannel}, its body streamed chunk by chunk with Jetty's demand, and its
 * response written through one {@link Flusher}.
 *
 * <p>Reading never stops while a request is in flight, so that FCGI_ABORT_REQUEST or the web server closing the
 * connection reach the request at once; it pauses only while a body chunk waits for the request to take it, which
 * is the back-pressure. Body chunks are views of the input buffer: the buffer is retained for each, and a buffer
 * that chunks still hold is never filled again.
 *
 * <p>All state is guarded by {@link #lock}; what must run outside it (the request handler, Jetty's callbacks) is
 * collected as tasks and run after the lock is released.
 */
public abstract class CgiConnection extends AbstractMetaDataConnection {
    private static final Logger LOG = LoggerFactory.getLogger(CgiConnection.class);
    private static final AtomicLong IDS = new AtomicLong();

    /** Guards every field below and the protocol subclass's decoder state. */
    protected final Object lock = new Object();
    /** The one queue of writes to the web server. */
    protected final Flusher flusher;
    private final String protocol;
    private final String id = Long.toString(IDS.incrementAndGet(), 36);
    private final ByteBufferPool pool;
    private final boolean directInput;
    private final HttpChannel.Factory channels = new HttpChannel.DefaultFactory();
    private final CgiConnectionMetaData metaData = new CgiConnectionMetaData(this);
    private HttpChannel channel;
    private final Attributes attributes = new Attributes.Lazy();
    private final CgiResponseHead responseHead = new CgiResponseHead();

    private RetainableByteBuffer input;
    private CgiStream stream;
    private Content.Chunk chunk;
    private boolean demanded;
    private boolean discarding;
    private boolean inputEnded;
    private boolean failed;
    private boolean draining;
    private boolean closed;
    private int requests;

    private final RequestOptions options;
    private final long headerReadTimeout;
    /** Armed when variables start to arrive and not cancelled when they are complete: see {@link #headersStarted}. */
    private Scheduler.Task headerTimer;
    private boolean headersPending;
    private long headersStartedNanos;

    protected CgiConnection(Connector connector, HttpConfiguration configuration, EndPoint endPoint,
            String protocol, RequestOptions options, long headerReadTimeout) {
        super(connector, configuration, endPoint);
        this.options = options;
        this.headerReadTimeout = headerReadTimeout;
        this.flusher = new Flusher(endPoint);
        this.protocol = protocol;
        this.pool = connector.getByteBufferPool();
        this.directInput = configuration.isUseInputDirectByteBuffers();
    }

    /**
     * Decodes events from {@code in} and acts on them, with the lock held.
     *
     * @return true when {@code in} is used up, false to stop reading because a body chunk waits for the request
     */
    protected abstract boolean decode(ByteBuffer in, List<Runnable> tasks) throws ProtocolException;

    /** The web server closed its side; with the lock held. */
    protected abstract void endOfInput() throws ProtocolException;

    /** Frames the response head (once), body bytes and, when {@code last}, the end of the response. */
    protected abstract void send(CgiStream stream, ByteBuffer head, ByteBuffer body, boolean last, Callback callback);

    /**
     * The request finished, successfully or not; with the lock held.
     *
     * @return true to keep the connection for the next request
     */
    protected abstract boolean requestEnded(CgiStream stream, Throwable failure);

    /** Whether decoding stopped with an event to act on once the request in flight completes; with the lock held. */
    protected boolean hasDeferredWork() {
        return false;
    }

    /** Whether an idle connection with no request in flight may be closed now. */
    protected abstract boolean closeWhenIdle();

    /** Answers a protocol violation found before any request was dispatched, if the protocol still allows it. */
    protected abstract void answerViolation(ProtocolException violation);

    /** Starts reading; the connection must bring a request within the header-read timeout. */
    @Override
    public void onOpen() {
        super.onOpen();
        synchronized (lock) {
            headersStarted();
        }
        fillInterested();
    }

    @Override
    public void onFillable() {
        process();
    }

    /** Decodes and reads until the protocol must wait; then runs what that decided, without the lock. */
    protected void process() {
        List<Runnable> tasks = new ArrayList<>(2);
        synchronized (lock) {
            processLocked(tasks);
        }
        run(tasks);
    }

    private void processLocked(List<Runnable> tasks) {
        try {
            while (!closed && !failed) {
                if (draining) {
                    if (input != null) {
                        input.clear();
                    }
                } else if (!decode(input != null ? input.getByteBuffer() : BufferUtil.EMPTY_BUFFER, tasks)) {
                    // Decoders may have an event due without another byte (SCGI's End after the last body byte).
                    return;
                }
                if (inputEnded || !fill(tasks)) {
                    return;
                }
            }
        } catch (ProtocolException x) {
            onViolation(x, tasks);
        } catch (Throwable x) {
            LOG.debug("{} read failed", this, x);
            failed = true;
            if (stream == null) {
                close();
            } else if (chunk == null || !chunk.isLast()) {
                failRead(x, tasks);
            }
        } finally {
            if (input != null && !input.hasRemaining()) {
                input.release();
                input = null;
            }
        }
    }

    /** Reads what the socket has: true if bytes arrived, false if none yet (read interest is set) or at its end. */
    private boolean fill(List<Runnable> tasks) throws IOException, ProtocolException {
        if (input == null) {
            input = pool.acquire(getInputBufferSize(), directInput);
        } else if (input.isRetained()) {
            // Body chunks still hold this buffer: leave it to them and read into a fresh one.
            RetainableByteBuffer fresh = pool.acquire(getInputBufferSize(), directInput);
            BufferUtil.append(fresh.getByteBuffer(), input.getByteBuffer());
            input.release();
            input = fresh;
        }
        int n = getEndPoint().fill(input.getByteBuffer());
        if (n > 0) {
            return true;
        }
        if (n == 0) {
            if (!isFillInterested()) {
                fillInterested();
            }
            return false;
        }
        inputEnded = true;
        if (draining) {
            close();
            return false;
        }
        endOfInput();
        if (stream == null) {
            close();
        } else if (chunk == null || !chunk.isLast()) {
            // The request still wanted body bytes: its read fails. Once the body is complete, a close is the client
            // going away, and the request finds out as Jetty's HTTP connector lets it: when it writes.
            failRead(new EofException("the web server closed the connection before the end of the body"), tasks);
        }
        return false;
    }

    private void onViolation(ProtocolException x, List<Runnable> tasks) {
        failed = true;
        LOG.warn("{} {}: {}", protocol, getEndPoint().getRemoteSocketAddress(), x.getMessage());
        if (stream != null) {
            // As Jetty's HTTP connector fails a request whose body breaks the protocol: with the status to answer,
            // if nothing is committed yet.
            failStream(stream, new BadMessageException(x.statusHint(), x.getMessage(), x), tasks);
        } else {
            answerViolation(x);
        }
    }

    /** Fails the request's pending and later reads: the body will not be complete. */
    private void failRead(Throwable cause, List<Runnable> tasks) {
        if (chunk != null) {
            chunk.release();
        }
        offer(Content.Chunk.from(cause, true), tasks);
    }

    /**
     * Fails the request's pending and later reads and writes, as Jetty does when a client goes away: for
     * FCGI_ABORT_REQUEST and protocol violations, where the connection stays open and nothing else would stop it. A
     * failure that comes before the request has started is handed over when it starts.
     */
    protected void failStream(CgiStream s, Throwable cause, List<Runnable> tasks) {
        if (chunk == null || !chunk.isLast()) {
            failRead(cause, tasks);
        }
        if (s.started) {
            tasks.add(() -> runNow(s.channel().onRemoteFailure(cause)));
        } else if (s.failure == null) {
            s.failure = cause;
        }
    }

    /**
     * Starts a request: a channel with the request's own view of the connection. Jetty is called only after the lock
     * is released, and the handler runs last, on this (pool) thread.
     */
    protected void startRequest(CgiRequest request, int requestId, boolean persistent, List<Runnable> tasks) {
        requests++;
        headersDone();
        MetaData.Request requestMetaData = CgiRequests.toMetaData(request, System.nanoTime());
        if (channel == null) {
            channel = channels.newHttpChannel(metaData);
        }
        metaData.update(request, persistent);
        CgiStream s = new CgiStream(this, channel, request, requestId, persistent);
        channel.setHttpStream(s);
        stream = s;
        tasks.add(new Dispatch(s, requestMetaData));
    }

    /** Runs the request's handler; kept apart so that it runs after every other task of the same pass. */
    private final class Dispatch implements Runnable {
        private final CgiStream stream;
        private final MetaData.Request metaData;

        Dispatch(CgiStream stream, MetaData.Request metaData) {
            this.stream = stream;
            this.metaData = metaData;
        }

        @Override
        public void run() {
            Runnable handle;
            try {
                handle = stream.channel().onRequest(metaData);
                onRequestStarted(stream);
                if (options.requestAttributes() != null) {
                    setRequestAttributes(stream);
                }
                if (options.trustRemoteUser() && stream.request().remoteUser() != null) {
                    TrustedUser.authenticate(stream.channel().getRequest(), stream.request().remoteUser(),
                            stream.request().authType());
                }
            } catch (Throwable x) {
                LOG.warn("{} {}: request {} could not start", protocol, getEndPoint().getRemoteSocketAddress(),
                        stream.getId(), x);
                abort(x);
                completed(stream, x);
                return;
            }
            Throwable failure;
            synchronized (lock) {
                stream.started = true;
                failure = stream.failure;
            }
            if (failure != null) {
                runNow(stream.channel().onRemoteFailure(failure));
            }
            handle.run();
        }
    }

    /** The CGI variables the allowed pattern names, as request attributes, before the handler runs. */
    private void setRequestAttributes(CgiStream s) {
        CgiEnvironment environment = s.request().environment();
        org.eclipse.jetty.server.Request request = s.channel().getRequest();
        for (int i = 0; i < environment.size(); i++) {
            String name = environment.name(i);
            if (options.requestAttributes().matcher(name).matches()) {
                request.setAttribute(name, environment.get(name));
            }
        }
    }

    /**
     * A request has begun (or a connection opened that must bring one): its variables must be complete within the
     * header-read timeout, or the connection closes. With the lock held.
     *
     * <p>One timer per connection, not one per request: a kept-alive connection begins a request every few
     * microseconds under load, and scheduling and cancelling a task for each woke the scheduler's thread every time
     * (7% of the JVM's CPU on /hello). The timer is left armed when the variables are complete; when it fires it
     * looks at the request in progress, if any, and re-arms itself for what that request has left.
     */
    protected void headersStarted() {
        if (closed) {
            return;
        }
        if (!headersPending) {
            headersPending = true;
            headersStartedNanos = System.nanoTime();
        }
        if (headerTimer == null) {
            scheduleHeaderTimer(headerReadTimeout);
        }
    }

    /** The request's variables are complete (or it was answered). With the lock held. */
    protected void headersDone() {
        headersPending = false;
    }

    private void scheduleHeaderTimer(long millis) {
        headerTimer = getConnector().getScheduler().schedule(this::headerTimerExpired, millis, TimeUnit.MILLISECONDS);
    }

    private void headerTimerExpired() {
        synchronized (lock) {
            headerTimer = null;
            if (closed || !headersPending) {
                return;
            }
            long left = headerReadTimeout - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - headersStartedNanos);
            if (left > 0) {
                scheduleHeaderTimer(left);
                return;
            }
            headersPending = false;
            failed = true;
        }
        LOG.warn("{} {}: a request's variables did not arrive within {} ms (headerReadTimeout); closing", protocol,
                getEndPoint().getRemoteSocketAddress(), headerReadTimeout);
        close();
    }

    /** Hook for a protocol's request attributes, set before the handler runs. */
    protected void onRequestStarted(CgiStream s) {
    }

    /** The request in flight, or null. */
    protected CgiStream stream() {
        return stream;
    }

    /** Requests started on this connection. */
    protected int requests() {
        return requests;
    }

    /** True while a body chunk waits for the request: decoding must pause. */
    protected boolean chunkWaiting() {
        return chunk != null && !chunk.isLast();
    }

    /** True when the request no longer wants its body: decoders drop the rest. */
    protected boolean discarding() {
        return discarding;
    }

    /** Hands body bytes that are a view of the input buffer to the request. */
    protected void offerData(ByteBuffer data, List<Runnable> tasks) {
        input.retain();
        offer(Content.Chunk.asChunk(data, false, input), tasks);
    }

    /** Hands a chunk to the request, waking it if it demanded one. */
    protected void offer(Content.Chunk c, List<Runnable> tasks) {
        chunk = c;
        if (demanded) {
            demanded = false;
            HttpChannel channel = stream.channel();
            tasks.add(() -> runNow(channel.onContentAvailable()));
        }
    }

    Content.Chunk read(CgiStream s) {
        List<Runnable> tasks = new ArrayList<>(1);
        Content.Chunk c;
        synchronized (lock) {
            if (s != stream) {
                return Content.Chunk.from(new IOException("the request has completed"), true);
            }
            if (chunk == null) {
                processLocked(tasks);
            }
            c = chunk;
            chunk = c == null ? null : Content.Chunk.next(c);
        }
        run(tasks);
        return c;
    }

    void demand(CgiStream s) {
        List<Runnable> tasks = new ArrayList<>(1);
        synchronized (lock) {
            if (s != stream) {
                return;
            }
            if (chunk == null) {
                processLocked(tasks);
            }
            if (chunk != null) {
                tasks.add(() -> runNow(s.channel().onContentAvailable()));
            } else {
                demanded = true;
            }
        }
        run(tasks);
    }

    /** The request will read no more of its body: drop what is left of it as it arrives. */
    void discardBody(CgiStream s) {
        List<Runnable> tasks = new ArrayList<>(1);
        synchronized (lock) {
            if (s != stream || chunk != null && chunk.isLast()) {
                return;
            }
            if (chunk != null) {
                chunk.release();
                chunk = null;
            }
            discarding = true;
            processLocked(tasks);
        }
        run(tasks);
    }

    ByteBuffer responseHead(MetaData.Response response) {
        synchronized (lock) {
            responseHead.reset();
            responseHead.status(response.getStatus(), response.getReason());
            for (HttpField field : response.getHttpFields()) {
                responseHead.add(field.getName(), field.getValue());
            }
            return ByteBuffer.wrap(responseHead.toBytes());
        }
    }

    /** The request completed: keep the connection for the next one, or end it. */
    void completed(CgiStream s, Throwable failure) {
        boolean keep;
        boolean resume = false;
        synchronized (lock) {
            if (s != stream) {
                return;
            }
            stream = null;
            demanded = false;
            discarding = false;
            if (chunk != null) {
                chunk.release();
                chunk = null;
            }
            if (failure == null) {
                // Ready for the next request on this connection, as Jetty's HTTP/1 connection recycles its channel.
                s.channel().recycle();
            } else if (channel == s.channel()) {
                // A failed channel may still be finishing (an error page being written): leave it to that, and give
                // the next request a new one, as HTTP/1 does by closing the connection.
                channel = null;
            }
            keep = requestEnded(s, failure) && !failed && !inputEnded && !closed && !getConnector().isShutdown();
            if (!keep && failure == null && !failed && !closed) {
                draining = true;
            }
            if (keep) {
                // Decode again only if the next request is here already; else wait for it without a dispatch.
                resume = input != null && input.hasRemaining() || hasDeferredWork();
                if (!resume && !isFillInterested()) {
                    fillInterested();
                }
            }
        }
        if (failure != null) {
            LOG.debug("{} request {} failed", this, s.getId(), failure);
        }
        if (resume) {
            // Never start the next request inside this one's completion.
            execute(this::process);
        } else if (!keep) {
            if (draining) {
                shutdownAndDrain();
            } else {
                close();
            }
        }
    }

    /** Ends the response by closing our side, then reads what the web server still sends until it closes too. */
    protected void shutdownAndDrain() {
        boolean ended;
        synchronized (lock) {
            draining = true;
            if (input != null) {
                input.clear();
            }
            ended = inputEnded;
            // Wait for the web server's close with fill interest: a dispatch here cost SCGI a thread handoff per
            // request.
            if (!ended && !closed && !isFillInterested()) {
                fillInterested();
            }
        }
        if (ended) {
            close();
        } else {
            getEndPoint().shutdownOutput();
        }
    }

    /** Runs {@code task} on the pool; if the pool refuses it (the server is stopping), closes the connection. */
    private void execute(Runnable task) {
        try {
            getExecutor().execute(task);
        } catch (java.util.concurrent.RejectedExecutionException x) {
            close();
        }
    }

    /** Queues the bytes, then ends the connection gracefully once they are written. */
    protected void writeAndClose(ByteBuffer... buffers) {
        flusher.write(Callback.from(this::shutdownAndDrain, x -> close()), buffers);
    }

    /** Fails every pending write and closes: a send was cancelled or failed. */
    void abort(Throwable cause) {
        flusher.abort(cause);
        getEndPoint().close(cause);
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        HttpChannel channel;
        synchronized (lock) {
            if (stream == null) {
                return draining || getConnector().isShutdown() || closeWhenIdle();
            }
            channel = stream.channel();
        }
        HttpChannel.IdleTimeoutTask task = channel.onIdleTimeout(timeout);
        if (task.action() != null) {
            ThreadPool.executeImmediately(getExecutor(), task.action());
        }
        return !task.handlingRequest();
    }

    @Override
    public void onClose(Throwable cause) {
        HttpChannel channel = null;
        synchronized (lock) {
            closed = true;
            headersPending = false;
            if (headerTimer != null) {
                headerTimer.cancel();
                headerTimer = null;
            }
            if (stream != null) {
                channel = stream.channel();
            }
            if (chunk != null) {
                chunk.release();
                chunk = null;
            }
            if (input != null) {
                input.release();
                input = null;
            }
        }
        if (channel != null) {
            Runnable task = channel.onClose();
            if (task != null) {
                ThreadPool.executeImmediately(getExecutor(), task);
            }
        }
        flusher.close(cause);
        super.onClose(cause);
    }

    /** Runs what a pass decided, after the lock: Jetty's callbacks first, then a new request's handler. */
    private void run(List<Runnable> tasks) {
        Runnable dispatch = null;
        for (Runnable task : tasks) {
            if (task instanceof Dispatch) {
                dispatch = task;
            } else {
                task.run();
            }
        }
        if (dispatch != null) {
            dispatch.run();
        }
    }

    /** Runs a task Jetty returned: inline if it does not block, else on the pool. */
    private void runNow(Runnable task) {
        if (task != null) {
            ThreadPool.executeImmediately(getExecutor(), task);
        }
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public HttpVersion getHttpVersion() {
        return HttpVersion.HTTP_1_1;
    }

    @Override
    public String getProtocol() {
        return protocol;
    }

    @Override
    public boolean isPersistent() {
        return false;
    }

    @Override
    public Object removeAttribute(String name) {
        return attributes.removeAttribute(name);
    }

    @Override
    public Object setAttribute(String name, Object attribute) {
        return attributes.setAttribute(name, attribute);
    }

    @Override
    public Object getAttribute(String name) {
        return attributes.getAttribute(name);
    }

    @Override
    public java.util.Set<String> getAttributeNameSet() {
        return attributes.getAttributeNameSet();
    }

    @Override
    public void clearAttributes() {
        attributes.clearAttributes();
    }
}
