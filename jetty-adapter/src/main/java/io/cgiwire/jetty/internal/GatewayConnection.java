package io.cgiwire.jetty.internal;

import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.GatewaySession.AfterResponse;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiResponseHead;
import io.cgiwire.jetty.FcgiConnectionFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.AbstractEndPoint;
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
 * A FastCGI or SCGI connection from a web server: the socket's bytes go to the connection's {@link GatewaySession},
 * which makes every protocol decision; this class does Jetty's part. Reading into a pooled buffer, each request
 * handed to Jetty as an {@link HttpChannel} of its own ({@link GatewayStream}), its body streamed chunk by chunk with
 * Jetty's demand, its response framed by the session and written through one {@link Flusher}. Requests are served
 * one at a time, or several at once when the session multiplexes (FastCGI, behind HAProxy's {@code mpxs-conns}).
 *
 * <p>Reading never stops while a request is in flight, so that an abort or the web server closing the connection
 * reach the request at once; it pauses only while the session says so ({@link GatewaySession#paused()}: a body chunk
 * waits for the request to take it, which is the back-pressure) or while the session holds the next request. Body
 * chunks are views of the input buffer: the buffer is retained for each, and a buffer that chunks still hold is
 * never filled again.
 *
 * <p>All state, the session's included, is guarded by {@link #lock}; what must run outside it (the request handler,
 * Jetty's callbacks) is collected as tasks and run after the lock is released.
 */
public final class GatewayConnection extends AbstractMetaDataConnection {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayConnection.class);
    private static final AtomicLong IDS = new AtomicLong();

    /**
     * Where a response head is built before it is copied out: one per thread, not one per connection, whose 576 bytes
     * of buffers an idle connection would keep (issue 16). Built and copied in one call, it is never shared.
     */
    private static final ThreadLocal<CgiResponseHead> RESPONSE_HEAD = ThreadLocal.withInitial(CgiResponseHead::new);

    /** Guards every field below and the session. */
    private final Object lock = new Object();
    /** The one queue of writes to the web server. */
    private final Flusher flusher;
    private final GatewaySession session;
    private final String protocol;
    private final String id = Long.toString(IDS.incrementAndGet(), 36);
    private final ByteBufferPool pool;
    private final boolean directInput;
    private final boolean directOutput;
    private final HttpChannel.Factory channels = new HttpChannel.DefaultFactory();
    /** Request views, each with its channel, free for the next request: one, and more after requests at once. */
    private final ArrayList<GatewayMetaData> views = new ArrayList<>(1);
    private final Attributes attributes = new Attributes.Lazy();

    private RetainableByteBuffer input;
    /** The requests in flight: one, or several when the session multiplexes. */
    private final ArrayList<GatewayStream> streams = new ArrayList<>(1);
    /** Reading stopped because the session paused: a request's read resumes it. */
    private boolean paused;
    private boolean inputEnded;
    private boolean failed;
    private boolean draining;
    private boolean closed;
    /** For Jetty's ConnectionStatistics: written under the lock, read by anyone. */
    private volatile long bytesIn;
    private volatile long responses;

    /** Armed while the session awaits a request's variables, and not cancelled when they are complete: see {@link #armHeaderTimer}. */
    private Scheduler.Task headerTimer;

    /** A connection whose protocol is {@code session}'s, named {@code protocol} for Jetty and the log. */
    public GatewayConnection(Connector connector, HttpConfiguration configuration, EndPoint endPoint, String protocol,
            GatewaySession session) {
        super(connector, configuration, endPoint);
        this.session = session;
        this.flusher = new Flusher(endPoint);
        this.protocol = protocol;
        this.pool = connector.getByteBufferPool();
        this.directInput = configuration.isUseInputDirectByteBuffers();
        this.directOutput = configuration.isUseOutputDirectByteBuffers();
        views.add(new GatewayMetaData(this));
    }

    /** Starts reading; the connection must bring a request within the header-read timeout. */
    @Override
    public void onOpen() {
        super.onOpen();
        synchronized (lock) {
            armHeaderTimer();
        }
        fillInterested();
    }

    @Override
    public void onFillable() {
        process();
    }

    /** Decodes and reads until the protocol must wait; then runs what that decided, without the lock. */
    private void process() {
        List<Runnable> tasks = new ArrayList<>(2);
        synchronized (lock) {
            processLocked(tasks);
        }
        run(tasks);
    }

    private void processLocked(List<Runnable> tasks) {
        paused = false;
        try {
            while (!closed && !failed) {
                if (draining) {
                    if (input != null) {
                        input.clear();
                    }
                } else if (!decode(input != null ? input.getByteBuffer() : BufferUtil.EMPTY_BUFFER, tasks)) {
                    // The session may have an event due without another byte (SCGI's End after the last body byte).
                    return;
                }
                if (inputEnded) {
                    return;
                }
                if (dispatching(tasks)) {
                    // A request starts with every byte read so far decoded. Front servers send the next request
                    // after the response, so a read now would nearly always find nothing: a system call per request
                    // for nothing. Anything that comes meanwhile (an abort, the rest of a body, another id) wakes
                    // the selector instead, as it did after that empty read. Unless nothing can come that the
                    // request needs (SCGI with its body read): then nothing is read until it completes, as over HTTP,
                    // and a connection closed at once after its response has no interest left to cancel.
                    if (!isFillInterested() && !session.idleUntilComplete()) {
                        fillInterested();
                    }
                    return;
                }
                if (!fill(tasks)) {
                    return;
                }
            }
        } catch (ProtocolException x) {
            onViolation(x, tasks);
        } catch (Throwable x) {
            LOG.debug("{} read failed", this, x);
            failed = true;
            if (streams.isEmpty()) {
                close();
            }
            for (GatewayStream s : streams) {
                if (!s.lastGiven()) {
                    failRead(s, x, tasks);
                }
            }
        } finally {
            if (input != null && !input.hasRemaining()) {
                input.release();
                input = null;
            }
        }
    }

    /**
     * Acts on the session's events for {@code in}, with the lock held.
     *
     * @return true when {@code in} is used up, false to stop reading: the session paused for a body chunk the request
     *     has not taken, or holds the next request until those in flight complete
     */
    private boolean decode(ByteBuffer in, List<Runnable> tasks) throws ProtocolException {
        while (true) {
            if (session.paused()) {
                paused = true;
                return false;
            }
            GatewayEvent event = session.next(in);
            armHeaderTimer();
            if (event == null) {
                return !session.holding();
            }
            if (event instanceof GatewayEvent.Request request) {
                startRequest(request.request(), tasks);
            } else if (event instanceof GatewayEvent.Body body) {
                GatewayStream s = stream(session.target());
                if (s != null && !s.discarding && !s.lastGiven()) {
                    if (body.copied()) {
                        offer(s, Content.Chunk.from(body.data(), false), tasks);
                    } else {
                        input.retain();
                        offer(s, Content.Chunk.asChunk(body.data(), false, input), tasks);
                    }
                } else {
                    session.consumed(session.target(), body.data().remaining());
                }
            } else if (event instanceof GatewayEvent.BodyEnd) {
                GatewayStream s = stream(session.target());
                if (s != null && !s.discarding && !s.lastGiven()) {
                    offer(s, Content.Chunk.EOF, tasks);
                }
            } else if (event instanceof GatewayEvent.BodyFailed bodyFailed) {
                GatewayStream s = stream(session.target());
                LOG.warn("{} {}: {}", protocol, getEndPoint().getRemoteSocketAddress(), bodyFailed.reason());
                if (s != null && !s.lastGiven()) {
                    failRead(s, new IOException(bodyFailed.reason()), tasks);
                }
            } else if (event instanceof GatewayEvent.Abort) {
                GatewayStream s = stream(session.target());
                if (s != null) {
                    failStream(s, new EofException("the web server aborted the request"), tasks);
                }
            } else if (event instanceof GatewayEvent.Write write) {
                if (write.refusal() != null) {
                    LOG.warn("{} {}: {}", protocol, getEndPoint().getRemoteSocketAddress(), write.refusal());
                }
                write(write);
            }
        }
    }

    private static boolean dispatching(List<Runnable> tasks) {
        for (int i = tasks.size() - 1; i >= 0; i--) {
            if (tasks.get(i) instanceof Dispatch) {
                return true;
            }
        }
        return false;
    }

    /** The stream of request {@code request}, in flight, or null. */
    private GatewayStream stream(GatewayRequest request) {
        for (int i = 0; i < streams.size(); i++) {
            GatewayStream s = streams.get(i);
            if (s.request() == request) {
                return s;
            }
        }
        return null;
    }

    private void write(GatewayEvent.Write write) {
        if (write.refusal() != null) {
            // A request answered without the container.
            responses++;
        }
        if (write.close()) {
            writeAndClose(write.bytes());
        } else {
            flusher.write(Callback.NOOP, write.bytes());
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
            bytesIn += n;
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
        session.endOfInput();
        if (streams.isEmpty()) {
            close();
        }
        for (GatewayStream s : streams) {
            if (!s.lastGiven()) {
                // The request still wanted body bytes: its read fails. Once the body is complete, a close is the
                // client going away, and the request finds out as Jetty's HTTP connector lets it: when it writes.
                failRead(s, new EofException("the web server closed the connection before the end of the body"),
                        tasks);
            }
        }
        return false;
    }

    private void onViolation(ProtocolException x, List<Runnable> tasks) {
        failed = true;
        LOG.warn("{} {}: {}", protocol, getEndPoint().getRemoteSocketAddress(), x.getMessage());
        if (!streams.isEmpty()) {
            // As Jetty's HTTP connector fails a request whose body breaks the protocol: with the status to answer,
            // if nothing is committed yet. The connection is broken for every request on it.
            for (GatewayStream s : streams) {
                failStream(s, new BadMessageException(x.statusHint(), x.getMessage(), x), tasks);
            }
        } else {
            ByteBuffer answer = session.answer(x);
            if (answer != null) {
                writeAndClose(answer);
            } else {
                close();
            }
        }
    }

    /** Fails the request's pending and later reads: the body will not be complete. */
    private void failRead(GatewayStream s, Throwable cause, List<Runnable> tasks) {
        session.consumed(s.request(), s.releaseChunks());
        offer(s, Content.Chunk.from(cause, true), tasks);
    }

    /**
     * Fails the request's pending and later reads and writes, as Jetty does when a client goes away: for
     * FCGI_ABORT_REQUEST and protocol violations, where the connection stays open and nothing else would stop it. A
     * failure that comes before the request has started fails its reads at once and the rest once the handler has
     * been called: see {@link Dispatch}.
     */
    private void failStream(GatewayStream s, Throwable cause, List<Runnable> tasks) {
        if (!s.lastGiven()) {
            failRead(s, cause, tasks);
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
    private void startRequest(GatewayRequest request, List<Runnable> tasks) {
        GatewayMetaData view = views.isEmpty() ? new GatewayMetaData(this) : views.remove(views.size() - 1);
        MetaData.Request requestMetaData;
        try {
            requestMetaData = view.toMetaData(request, System.nanoTime());
        } catch (IllegalArgumentException x) {
            views.add(view);
            GatewayEvent.Write refusal = session.refuse(request, 400, "bad request target");
            LOG.warn("{} {}: {}: {}", protocol, getEndPoint().getRemoteSocketAddress(), refusal.refusal(),
                    x.getMessage());
            write(refusal);
            return;
        }
        if (view.channel == null) {
            view.channel = channels.newHttpChannel(view);
        }
        view.update(request);
        GatewayStream s = new GatewayStream(this, view, request);
        view.channel.setHttpStream(s);
        streams.add(s);
        tasks.add(new Dispatch(s, requestMetaData));
    }

    /** Runs the request's handler; kept apart so that it runs after every other task of the same pass. */
    private final class Dispatch implements Runnable {
        private final GatewayStream stream;
        private final MetaData.Request metaData;

        Dispatch(GatewayStream stream, MetaData.Request metaData) {
            this.stream = stream;
            this.metaData = metaData;
        }

        @Override
        public void run() {
            Runnable handle;
            try {
                handle = stream.channel().onRequest(metaData);
                prepare(stream.channel().getRequest(), stream.request());
            } catch (Throwable x) {
                LOG.warn("{} {}: request {} could not start", protocol, getEndPoint().getRemoteSocketAddress(),
                        stream.getId(), x);
                abort(x);
                completed(stream, x);
                return;
            }
            synchronized (lock) {
                stream.started = true;
            }
            handle.run();
            // A failure from before the start reached the handler's reads; its writes learn of it only now. Handed to
            // Jetty before the handler ran, it failed the request's callback first, and the handler then ran on a
            // completed (recycled) request.
            Runnable failed = null;
            synchronized (lock) {
                if (!stream.done && stream.failure != null) {
                    failed = stream.channel().onRemoteFailure(stream.failure);
                }
            }
            runNow(failed);
        }
    }

    /**
     * What the request carries besides Jetty's metadata, before the handler runs: the error stream, the variables
     * the connector makes attributes, the trusted user.
     */
    private void prepare(org.eclipse.jetty.server.Request request, GatewayRequest gatewayRequest) {
        PrintStream stderr = session.errorStream(gatewayRequest, framed -> flusher.write(Callback.NOOP, framed));
        if (stderr != null) {
            request.setAttribute(FcgiConnectionFactory.STDERR_ATTRIBUTE, stderr);
        }
        for (Map.Entry<String, String> attribute : gatewayRequest.attributes().entrySet()) {
            request.setAttribute(attribute.getKey(), attribute.getValue());
        }
        if (gatewayRequest.remoteUser() != null) {
            TrustedUser.authenticate(request, gatewayRequest.remoteUser(), gatewayRequest.authType());
        }
    }

    /**
     * Keeps a timer running while the session awaits a request's variables, with the lock held.
     *
     * <p>One timer per connection, not one per request: a kept-alive connection begins a request every few
     * microseconds under load, and scheduling and cancelling a task for each woke the scheduler's thread every time
     * (7% of the JVM's CPU on /hello). The timer is left armed when the variables are complete; when it fires it
     * looks at the request in progress, if any, and re-arms itself for what that request has left.
     */
    private void armHeaderTimer() {
        if (headerTimer == null && !closed && session.headPending()) {
            scheduleHeaderTimer(session.headTimeLeftMillis());
        }
    }

    private void scheduleHeaderTimer(long millis) {
        headerTimer = getConnector().getScheduler().schedule(this::headerTimerExpired, millis, TimeUnit.MILLISECONDS);
    }

    private void headerTimerExpired() {
        synchronized (lock) {
            headerTimer = null;
            if (closed || !session.headPending()) {
                return;
            }
            long left = session.headTimeLeftMillis();
            if (left > 0) {
                scheduleHeaderTimer(left);
                return;
            }
            failed = true;
        }
        LOG.warn("{} {}: {}", protocol, getEndPoint().getRemoteSocketAddress(), session.headTimedOut());
        close();
    }

    /** Hands a chunk to the request, waking it if it demanded one. */
    private void offer(GatewayStream s, Content.Chunk c, List<Runnable> tasks) {
        s.offer(c);
        if (s.demanded) {
            s.demanded = false;
            HttpChannel channel = s.channel();
            tasks.add(() -> runNow(channel.onContentAvailable()));
        }
    }

    Content.Chunk read(GatewayStream s) {
        List<Runnable> tasks = new ArrayList<>(1);
        Content.Chunk c;
        synchronized (lock) {
            if (s.done) {
                return Content.Chunk.from(new IOException("the request has completed"), true);
            }
            if (!s.hasChunk()) {
                processLocked(tasks);
            }
            c = s.take();
            if (c != null && !c.isLast()) {
                session.consumed(s.request(), c.remaining());
            }
        }
        run(tasks, false);
        return c;
    }

    void demand(GatewayStream s) {
        List<Runnable> tasks = new ArrayList<>(1);
        synchronized (lock) {
            if (s.done) {
                return;
            }
            if (!s.hasChunk()) {
                processLocked(tasks);
            }
            if (s.hasChunk()) {
                tasks.add(() -> runNow(s.channel().onContentAvailable()));
            } else {
                s.demanded = true;
            }
        }
        run(tasks, false);
    }

    /** The request will read no more of its body: drop what is left of it as it arrives. */
    void discardBody(GatewayStream s) {
        List<Runnable> tasks = new ArrayList<>(1);
        synchronized (lock) {
            Content.Chunk next = s.peek();
            if (s.done || next != null && next.isLast()) {
                return;
            }
            session.consumed(s.request(), s.releaseChunks());
            s.discarding = true;
            processLocked(tasks);
        }
        run(tasks, false);
    }

    ByteBuffer responseHead(MetaData.Response response) {
        CgiResponseHead responseHead = RESPONSE_HEAD.get();
        responseHead.reset();
        responseHead.status(response.getStatus(), response.getReason());
        for (HttpField field : response.getHttpFields()) {
            responseHead.add(field.getName(), field.getValue());
        }
        return ByteBuffer.wrap(responseHead.toBytes());
    }

    /** Frames the response head (once), body bytes and, when {@code last}, the end of the response. */
    void send(GatewayStream s, ByteBuffer head, ByteBuffer body, boolean last, Callback callback) {
        int content = (head == null ? 0 : head.remaining()) + (body == null ? 0 : body.remaining());
        if (GatewaySession.copies(content)) {
            sendCopy(s, head, body, content, last, callback);
            return;
        }
        List<ByteBuffer> out = new ArrayList<>(8);
        synchronized (lock) {
            if (!s.done) {
                GatewayRequest r = s.request();
                if (head != null) {
                    Collections.addAll(out, session.frame(r, head));
                }
                if (body != null) {
                    Collections.addAll(out, session.frame(r, body));
                }
                ByteBuffer end = last ? session.end(r) : null;
                if (end != null) {
                    out.add(end);
                }
            }
        }
        if (out.isEmpty()) {
            callback.failed(new EofException("the request has completed"));
        } else {
            flusher.write(callback, out.toArray(ByteBuffer[]::new));
        }
    }

    /**
     * A small response, or a small part of one: head, body and, when {@code last}, the end of the response copied
     * into one pooled buffer with their framing and written at once. Framing them apart took five buffers and two
     * FastCGI records for nginx to parse; copying a few KiB costs less.
     */
    private void sendCopy(GatewayStream s, ByteBuffer head, ByteBuffer body, int content, boolean last,
            Callback callback) {
        RetainableByteBuffer buffer;
        boolean current;
        synchronized (lock) {
            current = !s.done;
            int size = !current || content == 0 && !last ? 0 : session.framedLength(s.request(), content, last);
            buffer = size == 0 ? null : pool.acquire(size, directOutput);
            if (current && buffer != null) {
                ByteBuffer out = buffer.getByteBuffer();
                int position = BufferUtil.flipToFill(out);
                session.frameInto(s.request(), out, head, body, last);
                BufferUtil.flipToFlush(out, position);
            } else if (current && last) {
                session.end(s.request());
            }
        }
        if (!current) {
            if (buffer != null) {
                buffer.release();
            }
            callback.failed(new EofException("the request has completed"));
        } else if (buffer == null) {
            callback.succeeded();
        } else {
            flusher.write(Callback.from(callback.getInvocationType(), () -> {
                buffer.release();
                callback.succeeded();
            }, x -> {
                buffer.release();
                callback.failed(x);
            }), buffer.getByteBuffer());
        }
    }

    /** The request completed: keep the connection for the next one, or end it. */
    void completed(GatewayStream s, Throwable failure) {
        boolean keep;
        boolean resume = false;
        boolean othersFirst = false;
        synchronized (lock) {
            if (s.done) {
                return;
            }
            s.done = true;
            streams.remove(s);
            responses++;
            s.releaseChunks();
            GatewayMetaData view = s.view();
            if (failure == null) {
                // Ready for the next request on this connection, as Jetty's HTTP/1 connection recycles its channel.
                s.channel().recycle();
            } else {
                // A failed channel may still be finishing (an error page being written): leave it to that, and give
                // the next request a new one, as HTTP/1 does by closing the connection.
                view.channel = null;
            }
            views.add(view);
            GatewaySession.Completion completion = session.complete(s.request(), failure != null);
            if (completion.owed() != null) {
                flusher.write(Callback.NOOP, completion.owed());
            }
            AfterResponse after = completion.after(!failed && !inputEnded && !closed, getConnector().isShutdown(),
                    input != null && input.hasRemaining());
            keep = after == AfterResponse.KEEP;
            // The others in flight finish first; the last of them ends the connection.
            othersFirst = !keep && !streams.isEmpty();
            if (after == AfterResponse.DRAIN && !othersFirst) {
                draining = true;
            }
            if (keep) {
                // Decode again only if the next request is here already, or reading paused for this one; else wait
                // for the next without a dispatch.
                resume = input != null && input.hasRemaining() || session.holding() || paused;
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
        } else if (!keep && !othersFirst) {
            if (draining) {
                shutdownAndDrain();
            } else {
                closeAfterResponse();
            }
        }
    }

    /**
     * Closes at once when the last request has completed. The fill interest set when it started is failed first, with an
     * exception that has no stack trace and that {@link #onFillInterestedFailed} ignores: left to Jetty's close, it
     * fails with a new ClosedChannelException, whose stack trace (some 90 frames) cost 7 to 9 µs of a 176 µs request
     * in a profile of SCGI and of FastCGI without keep-conn, a connection per request.
     */
    private void closeAfterResponse() {
        if (getEndPoint() instanceof AbstractEndPoint endPoint) {
            endPoint.getFillInterest().onFail(new ClosedAfterResponse());
        }
        close();
    }

    @Override
    public void onFillInterestedFailed(Throwable cause) {
        if (!(cause instanceof ClosedAfterResponse)) {
            super.onFillInterestedFailed(cause);
        }
    }

    /** The connection closes after its last response: see {@link #closeAfterResponse}. */
    private static final class ClosedAfterResponse extends ClosedChannelException {
        private static final long serialVersionUID = 1L;

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /** Ends the response by closing our side, then reads what the web server still sends until it closes too. */
    private void shutdownAndDrain() {
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
    private void writeAndClose(ByteBuffer... buffers) {
        flusher.write(Callback.from(this::shutdownAndDrain, x -> close()), buffers);
    }

    /** Fails every pending write and closes: a send was cancelled or failed. */
    void abort(Throwable cause) {
        flusher.abort(cause);
        getEndPoint().close(cause);
    }

    @Override
    public boolean onIdleExpired(TimeoutException timeout) {
        List<HttpChannel> channels = new ArrayList<>(1);
        synchronized (lock) {
            if (streams.isEmpty()) {
                return draining || getConnector().isShutdown() || session.closeWhenIdle();
            }
            for (GatewayStream s : streams) {
                channels.add(s.channel());
            }
        }
        boolean handling = false;
        for (HttpChannel channel : channels) {
            HttpChannel.IdleTimeoutTask task = channel.onIdleTimeout(timeout);
            if (task.action() != null) {
                ThreadPool.executeImmediately(getExecutor(), task.action());
            }
            handling |= task.handlingRequest();
        }
        return !handling;
    }

    @Override
    public void onClose(Throwable cause) {
        List<HttpChannel> channels = new ArrayList<>(1);
        synchronized (lock) {
            closed = true;
            if (headerTimer != null) {
                headerTimer.cancel();
                headerTimer = null;
            }
            for (GatewayStream s : streams) {
                channels.add(s.channel());
                s.releaseChunks();
            }
            if (input != null) {
                input.release();
                input = null;
            }
        }
        for (HttpChannel channel : channels) {
            Runnable task = channel.onClose();
            if (task != null) {
                ThreadPool.executeImmediately(getExecutor(), task);
            }
        }
        flusher.close(cause);
        super.onClose(cause);
    }

    /**
     * Runs what a pass of the reading thread decided, after the lock: Jetty's callbacks first, then new requests'
     * handlers, the last on this thread and any others (requests begun together on a multiplexed connection) on the
     * pool.
     */
    private void run(List<Runnable> tasks) {
        run(tasks, true);
    }

    /**
     * As {@link #run(List)}; on a request's own thread (its read, demand or discard read the socket for it), never a
     * new request's handler: those go to the pool.
     */
    private void run(List<Runnable> tasks, boolean handlerHere) {
        Runnable dispatch = null;
        for (Runnable task : tasks) {
            if (task instanceof Dispatch) {
                if (dispatch != null) {
                    execute(dispatch);
                }
                dispatch = task;
            } else {
                task.run();
            }
        }
        if (dispatch != null) {
            if (handlerHere) {
                dispatch.run();
            } else {
                execute(dispatch);
            }
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

    /** Requests begun, answered by the container or refused: Jetty's ConnectionStatistics's messages. */
    @Override
    public long getMessagesIn() {
        return session.requests();
    }

    @Override
    public long getMessagesOut() {
        return responses;
    }

    @Override
    public long getBytesIn() {
        return bytesIn;
    }

    @Override
    public long getBytesOut() {
        return flusher.written();
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
