package io.cgiwire.tomcat;

import io.cgiwire.core.IpLiterals;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiRequest;
import io.cgiwire.core.cgi.CgiResponseHead;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import jakarta.servlet.ServletConnection;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.ActionCode;
import org.apache.coyote.Adapter;
import org.apache.coyote.CloseNowException;
import org.apache.coyote.Constants;
import org.apache.coyote.ContinueResponseTiming;
import org.apache.coyote.ErrorState;
import org.apache.coyote.InputBuffer;
import org.apache.coyote.OutputBuffer;
import org.apache.coyote.RequestInfo;
import org.apache.tomcat.util.ExceptionUtils;
import org.apache.tomcat.util.buf.ByteChunk;
import org.apache.tomcat.util.http.MimeHeaders;
import org.apache.tomcat.util.net.AbstractEndpoint.Handler.SocketState;
import org.apache.tomcat.util.net.ApplicationBufferHandler;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SocketEvent;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * What the FastCGI and SCGI processors share, in the shape of Tomcat's {@code AjpProcessor}: {@link #service} reads
 * a request, {@link #prepareRequest} fills the coyote request from the core's {@link CgiRequest}, the adapter runs
 * the servlet, and the ActionHook methods below stream the body in and the response out.
 *
 * <p>Input: bytes are read into one buffer and fed to the protocol's decoder only when something is wanted: the next
 * request, body bytes for a servlet's read, or (FastCGI) a look for FCGI_ABORT_REQUEST when the servlet writes. Body
 * bytes are handed to the servlet as views of that buffer, never copied; the buffer is compacted and refilled only
 * once the servlet asks again. Non-blocking reads ({@code ReadListener}) use the same path without waiting.
 *
 * <p>Output: the response head from {@link CgiResponseHead} (always an explicit Status line, no interim responses),
 * then the body as the servlet writes it, framed by the protocol; nothing is flushed until the servlet flushes, the
 * socket's buffer fills, or the response ends. Writes from the reading side (FastCGI management records, STDERR)
 * share one lock with the response.
 *
 * <p>The end of a connection: kept for the next request (FastCGI with FCGI_KEEP_CONN), closed at once when broken, or
 * else closed gracefully: our side is shut down and what the web server still sends (an unread body) is read and
 * dropped until it closes too, so that the web server never gets a reset that could cost it the response.
 *
 * <p>A request's variables must be complete within {@code headerReadTimeout} of its start (a new connection's first
 * bytes, or FastCGI's FCGI_BEGIN_REQUEST on a kept connection), however slowly they trickle in: each wait for more of
 * them has what is left of that time as its read timeout, and the connection is closed, and logged once, when it is
 * up. Between requests a kept connection has no timeout ({@code keepAliveTimeout}); the wait for a new connection's
 * first byte is Tomcat's {@code connectionTimeout}.
 *
 * <p>A processor stays with its connection while the connection lives: the decoder's state is the connection's.
 */
abstract class CgiProcessor extends AbstractProcessor {
    /** The socket whose peer was checked against allowedPeers: once per connection. */
    private SocketWrapperBase<?> checkedPeer;
    /**
     * How long a closing connection waits for the web server to close its side: Jetty's default idle timeout, which
     * bounds the same wait on the Jetty side.
     */
    static final int DRAIN_TIMEOUT_MS = 30_000;
    /** During a response the input is looked at once every this many bytes written, or this often: see pollDue. */
    private static final long POLL_BYTES = 64 * 1024;
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** What the decoding loop stops for. */
    enum Want {
        /** A request is complete and can be dispatched. */
        HEAD,
        /** Body bytes, the end of the body, or a failure to report to the servlet's read. */
        BODY,
        /** Nothing in particular: decode what has arrived, for records that must be answered during a request. */
        POLL
    }

    protected final AbstractCgiProtocol<?> protocol;
    private final byte[] inputBytes;
    /** Read from the socket and not yet decoded: position to limit. */
    protected final ByteBuffer input;
    private final CgiResponseHead head = new CgiResponseHead();
    /** Guards the socket's write side: the response, and records the reading side answers by itself. */
    private final ReentrantLock writeLock = new ReentrantLock();
    /**
     * Guards the input and the decoder: a servlet's read and the look for aborts on a write may come from two threads.
     * Taken before the write lock when both are needed, never after.
     */
    protected final ReentrantLock readLock = new ReentrantLock();

    private ByteBuffer body;
    private boolean bodyEnded;
    private boolean replay;
    private IOException readFailure;
    private boolean swallowResponse;
    private boolean responseFinished;
    private boolean cleanEnd;
    private long bytesWritten;
    /** bytesWritten and System.nanoTime() when the input was last looked at during the response. */
    private long polledBytes;
    private long polledNanos;

    private boolean inputEnded;
    private volatile IOException failure;
    private boolean draining;
    /** A request's variables are being read: they must be complete by {@link #headDeadline} (System.nanoTime()). */
    private boolean readingHead;
    private long headDeadline;

    CgiProcessor(AbstractCgiProtocol<?> protocol, Adapter adapter, int inputBufferSize) {
        super(adapter);
        this.protocol = protocol;
        this.inputBytes = new byte[inputBufferSize];
        this.input = ByteBuffer.wrap(inputBytes).limit(0);
        request.setInputBuffer(new SocketInputBuffer());
        response.setOutputBuffer(new SocketOutputBuffer());
    }

    /**
     * Decodes events from {@link #input} and acts on them until {@code want} is satisfied or the input is used up;
     * with {@link #readLock} held. Answers what the protocol answers by itself (FastCGI management records, refused
     * request ids) on the way.
     *
     * @return true once {@code want} is satisfied
     */
    protected abstract boolean decodeBuffered(Want want) throws IOException;

    /** The web server closed its side; the decoder decides whether that cut something short. */
    protected abstract void endOfInput() throws ProtocolException;

    /**
     * The next request, once its head is complete: reads what the socket has without waiting. Answers requests it
     * refuses (a 4xx for bad CGI variables) by itself, and may then start closing the connection.
     *
     * @return the request, or null if more bytes are needed or the connection is closing
     */
    protected abstract CgiRequest readRequest() throws IOException;

    /** Sets the protocol's own request attributes; the coyote request is filled. */
    protected abstract void prepareProtocolRequest();

    /** Writes response bytes framed by the protocol, without flushing; with the write lock held. */
    protected abstract void writeStdout(ByteBuffer bytes, boolean blocking) throws IOException;

    /**
     * Writes what ends a complete response (FastCGI: the end of STDOUT and FCGI_END_REQUEST), without flushing; with
     * the write lock held.
     *
     * @param aborted the web server aborted the request: end it without the rest of the response
     */
    protected abstract void writeEnd(boolean aborted, boolean blocking) throws IOException;

    /** The response is about to end: FastCGI makes the request id inactive as its FCGI_END_REQUEST is queued. */
    protected void endingRequest() {
    }

    /** Whether the connection may carry another request once this one has ended cleanly. */
    protected abstract boolean keepConnection();

    /** FastCGI: the web server sent FCGI_ABORT_REQUEST for the request in flight. */
    protected boolean aborted() {
        return false;
    }

    /** Looks at what the web server sent while the servlet writes: FastCGI answers records that cannot wait. */
    protected void pollInput() throws IOException {
    }

    /** The protocol's name for {@code ServletConnection.getProtocol()}: "fastcgi" or "scgi". */
    protected abstract String wireProtocol();

    /** Answers a violation found before any request was dispatched, where the protocol still allows it. */
    protected abstract void answerViolation(ProtocolException violation) throws IOException;

    @Override
    public SocketState service(SocketWrapperBase<?> socket) throws IOException {
        if (socket != checkedPeer) {
            checkedPeer = socket;
            if (!protocol.allows(socket.getRemoteAddr())) {
                getLog().warn("[" + protocol.getName().replace("\"", "") + "] " + socket.getRemoteAddr() + ": refused: not in"
                        + " allowedPeers [" + protocol.getAllowedPeers() + "]");
                return SocketState.CLOSED;
            }
            // A new connection: as on the Jetty side, it must bring a request's variables in time.
            headStarted();
        }
        setSocketWrapper(socket);
        RequestInfo rp = request.getRequestProcessor();
        while (true) {
            if (draining) {
                return drain();
            }
            if (failure != null || inputEnded) {
                return SocketState.CLOSED;
            }
            rp.setStage(Constants.STAGE_PARSE);
            if (readingHead && System.nanoTime() - headDeadline >= 0) {
                return headTimedOut();
            }
            CgiRequest cgi;
            try {
                readLock.lock();
                try {
                    cgi = readRequest();
                } finally {
                    readLock.unlock();
                }
            } catch (ProtocolException e) {
                return violationBeforeRequest(e);
            } catch (IOException e) {
                // The web server closed the connection between requests, or it broke.
                return SocketState.CLOSED;
            }
            if (cgi == null) {
                return draining ? drain() : failure != null || inputEnded ? SocketState.CLOSED : awaitHead();
            }
            request.markStartTime();
            socketWrapper.setReadTimeout(protocol.getConnectionTimeout());

            rp.setStage(Constants.STAGE_PREPARE);
            try {
                prepareRequest(cgi);
            } catch (IllegalStateException e) {
                // More headers than maxHeaderCount.
                getLog().debug(prefix() + "request refused: " + e.getMessage());
                response.setStatus(400);
                setErrorState(ErrorState.CLOSE_CLEAN, e);
            }
            decodeAhead();
            if (!getErrorState().isError() && protocol.isPaused()) {
                response.setStatus(503);
                setErrorState(ErrorState.CLOSE_CLEAN, null);
            }

            if (!getErrorState().isError()) {
                try {
                    rp.setStage(Constants.STAGE_SERVICE);
                    getAdapter().service(request, response);
                } catch (InterruptedIOException e) {
                    setErrorState(ErrorState.CLOSE_CONNECTION_NOW, e);
                } catch (Throwable t) {
                    ExceptionUtils.handleThrowable(t);
                    getLog().error(prefix() + "request failed", t);
                    response.setStatus(500);
                    setErrorState(ErrorState.CLOSE_CLEAN, t);
                    getAdapter().log(request, response, 0);
                }
            } else {
                getAdapter().log(request, response, 0);
            }

            if (isAsync() && !getErrorState().isError()) {
                return SocketState.LONG;
            }
            finishIfNeeded();
            request.updateCounters();
            rp.setStage(Constants.STAGE_KEEPALIVE);
            SocketState next = afterResponse();
            if (next != SocketState.OPEN) {
                return next;
            }
        }
    }

    /**
     * The endpoint reports a read timeout as an ERROR event; while a request's variables are read, that is
     * headerReadTimeout running out (the read timeout is what was left of it), and it is logged as such.
     */
    @Override
    public SocketState process(SocketWrapperBase<?> socket, SocketEvent status) throws IOException {
        if (status == SocketEvent.ERROR && readingHead && !draining && failure == null && !isAsync()
                && socket.getError() instanceof SocketTimeoutException) {
            return headTimedOut();
        }
        return super.process(socket, status);
    }

    /**
     * A request has begun: its variables must be complete within headerReadTimeout from now. Called for a new
     * connection, and by FastCGI for FCGI_BEGIN_REQUEST; a deadline already running is kept.
     */
    protected final void headStarted() {
        if (!readingHead) {
            readingHead = true;
            headDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(protocol.getHeaderReadTimeout());
        }
    }

    /** The request's variables are complete, or no request is coming yet: no deadline runs. */
    protected final void headDone() {
        readingHead = false;
    }

    /**
     * Waits for more bytes: for a request's variables no longer than what is left of headerReadTimeout (the endpoint
     * closes the connection after that much silence and says so with an ERROR event), between requests without a
     * timeout of ours.
     */
    private SocketState awaitHead() {
        if (!readingHead) {
            socketWrapper.setReadTimeout(protocol.getKeepAliveTimeout());
            return SocketState.LONG;
        }
        long left = headDeadline - System.nanoTime();
        if (left <= 0) {
            return headTimedOut();
        }
        socketWrapper.setReadTimeout(TimeUnit.NANOSECONDS.toMillis(left) + 1);
        return SocketState.LONG;
    }

    /** Logs, once, that the request's variables came too slowly, and closes the connection (as the Jetty side). */
    private SocketState headTimedOut() {
        readingHead = false;
        getLog().warn(prefix() + "a request's variables did not arrive within " + protocol.getHeaderReadTimeout()
                + " ms (headerReadTimeout); closing");
        return SocketState.CLOSED;
    }

    @Override
    protected SocketState dispatchEndRequest() throws IOException {
        finishIfNeeded();
        // OPEN makes Tomcat call service() at once, for a next request that is already buffered.
        return afterResponse();
    }

    private void finishIfNeeded() {
        if (responseFinished) {
            return;
        }
        try {
            finishResponse();
        } catch (IOException e) {
            setErrorState(ErrorState.CLOSE_CONNECTION_NOW, e);
        } catch (Throwable t) {
            ExceptionUtils.handleThrowable(t);
            setErrorState(ErrorState.CLOSE_NOW, t);
        }
    }

    /** Keeps the connection for the next request (OPEN), closes it gracefully, or at once when it is broken. */
    private SocketState afterResponse() {
        boolean keep = cleanEnd && failure == null && !inputEnded && keepConnection() && !protocol.isPaused();
        boolean drain = cleanEnd && failure == null && !inputEnded;
        recycleRequest();
        if (keep) {
            socketWrapper.setReadTimeout(protocol.getKeepAliveTimeout());
            return SocketState.OPEN;
        }
        return drain ? startDrain() : SocketState.CLOSED;
    }

    private SocketState violationBeforeRequest(ProtocolException violation) {
        logViolation(violation);
        failure = violation;
        try {
            answerViolation(violation);
        } catch (IOException e) {
            return SocketState.CLOSED;
        }
        return draining ? drain() : SocketState.CLOSED;
    }

    /** Logs a violation once, with its specific message. */
    protected final void logViolation(ProtocolException violation) {
        getLog().warn(prefix() + violation.getMessage());
    }

    /** "[fcgi-nio-127.0.0.1-9000] 127.0.0.1:40001: ", for log lines. */
    protected final String prefix() {
        SocketWrapperBase<?> s = socketWrapper;
        String peer = s == null ? "" : s.getRemoteAddr() + ":" + s.getRemotePort();
        return "[" + protocol.getName().replace("\"", "") + "] " + peer + ": ";
    }

    /**
     * Starts closing gracefully: flushes, shuts our side down, then reads and drops what the web server still sends
     * until it closes.
     */
    private SocketState startDrain() {
        closeAfterAnswer();
        return draining ? drain() : SocketState.CLOSED;
    }

    private SocketState drain() {
        try {
            while (fill(false)) {
                input.position(input.limit());
            }
            return SocketState.LONG;
        } catch (IOException e) {
            return SocketState.CLOSED;
        }
    }

    /**
     * Closes the connection gracefully once what was written goes out: flushes, shuts our side down, and from then on
     * reads and drops what the web server still sends until it closes too.
     */
    protected final void closeAfterAnswer() {
        draining = true;
        readingHead = false;
        writeLock.lock();
        try {
            socketWrapper.flush(true);
            if (socketWrapper.getSocket() instanceof NioChannel channel) {
                channel.getIOChannel().shutdownOutput();
            }
        } catch (IOException e) {
            writeFailed(e);
            draining = false;
            return;
        } finally {
            writeLock.unlock();
        }
        socketWrapper.setReadTimeout(DRAIN_TIMEOUT_MS);
        input.position(input.limit());
    }

    /**
     * Reads what the socket has into {@link #input}, after what is still undecoded. Only called when no body view of
     * the buffer is outstanding.
     *
     * @return false if nothing was there (non-blocking)
     * @throws EOFException at the end of the input, once the decoder has accepted it
     * @throws ProtocolException if the end of the input cut a record short
     */
    protected final boolean fill(boolean block) throws IOException {
        if (inputEnded) {
            throw new EOFException("the web server closed the connection");
        }
        input.compact();
        int n;
        try {
            n = socketWrapper.read(block, input);
        } catch (EOFException e) {
            n = -1;
        } finally {
            input.flip();
        }
        if (n < 0) {
            inputEnded = true;
            if (!draining) {
                endOfInput();
            }
            throw new EOFException("the web server closed the connection");
        }
        return n > 0;
    }

    /** Decodes until {@code want} is satisfied, reading from the socket as needed; with {@link #readLock} held. */
    protected final boolean pump(Want want, boolean block) throws IOException {
        while (!decodeBuffered(want)) {
            if (!fill(block)) {
                return false;
            }
        }
        return true;
    }

    /** A request's first body event is often in the buffer with its head (the empty STDIN of a GET): take it now. */
    private void decodeAhead() {
        readLock.lock();
        try {
            decodeBuffered(Want.BODY);
        } catch (ProtocolException e) {
            bodyFailed(e);
        } catch (IOException e) {
            readFailure = e;
        } finally {
            readLock.unlock();
        }
    }

    /** True once a body read has something to return: bytes, the end, or a failure. */
    protected final boolean bodyReady() {
        return body != null || bodyEnded || readFailure != null;
    }

    /** Body bytes from the decoder, a read-only view of {@link #input} just before its position. */
    protected final void offerBody(ByteBuffer data) {
        int length = data.remaining();
        // A writable view of the same bytes: Tomcat's B2CConverter needs the array behind it.
        body = ByteBuffer.wrap(inputBytes, input.position() - length, length);
    }

    /** The body is complete (or, FastCGI, the request has ended and will get no more of it). */
    protected final void endBody() {
        bodyEnded = true;
    }

    /** Reads of the body fail with {@code cause} from now on: FCGI_ABORT_REQUEST. */
    protected final void failBody(IOException cause) {
        if (readFailure == null) {
            readFailure = cause;
        }
    }

    /** The decoder found a violation during a request: reads and writes fail, the connection closes. */
    protected final void bodyFailed(ProtocolException violation) {
        if (failure == null) {
            logViolation(violation);
            failure = violation;
        }
        failBody(violation);
    }

    /** Whether the web server's side of the connection has ended. */
    protected final boolean inputEnded() {
        return inputEnded;
    }

    /** Whether the connection broke (a violation or an I/O error): nothing more is written. */
    protected final boolean broken() {
        return failure != null;
    }

    /**
     * Fills the coyote request from {@code cgi} field by field, as {@code AjpProcessor.prepareRequest} does from an
     * AJP message: the client is REMOTE_ADDR/REMOTE_PORT, the local side SERVER_ADDR/SERVER_PORT, the socket's peer
     * (the web server) only the peer address. The target goes in as raw bytes, so that Tomcat decodes and normalizes it
     * as it does for HTTP (including its rules for %2F).
     */
    private void prepareRequest(CgiRequest cgi) {
        request.setMethod(cgi.method());
        request.protocol().setString(cgi.protocol());
        byte[] path = cgi.path().getBytes(StandardCharsets.ISO_8859_1);
        request.requestURI().setBytes(path, 0, path.length);
        if (cgi.query() != null) {
            byte[] query = cgi.query().getBytes(StandardCharsets.ISO_8859_1);
            request.queryString().setBytes(query, 0, query.length);
        }
        request.scheme().setString(cgi.scheme());

        String remoteAddr = cgi.remoteAddr();
        if (remoteAddr != null) {
            request.remoteAddr().setString(remoteAddr);
            request.setRemotePort(Math.max(cgi.remotePort(), 0));
        } else {
            request.remoteAddr().setString(socketWrapper.getRemoteAddr());
            request.setRemotePort(socketWrapper.getRemotePort());
        }
        String remoteHost = cgi.environment().get("REMOTE_HOST");
        if (remoteHost != null && !remoteHost.isEmpty()) {
            request.remoteHost().setString(remoteHost);
        }
        request.peerAddr().setString(socketWrapper.getRemoteAddr());
        String localAddr = cgi.localAddr() != null ? cgi.localAddr() : socketWrapper.getLocalAddr();
        request.localAddr().setString(localAddr);
        request.setLocalPort(cgi.localPort() >= 0 ? cgi.localPort() : socketWrapper.getLocalPort());
        request.localName().setString(cgi.localName() != null ? cgi.localName() : localAddr);

        MimeHeaders headers = request.getMimeHeaders();
        headers.setLimit(protocol.getMaxHeaderCount());
        for (int i = 0; i < cgi.headerCount(); i++) {
            headers.addValue(cgi.headerName(i)).setString(cgi.headerValue(i));
        }
        if (cgi.serverName() != null) {
            request.serverName().setString(cgi.serverName());
            request.setServerPort(cgi.serverPort());
            headers.setValue("Host").setString(cgi.host());
        } else {
            request.serverName().setString(localAddr);
            request.setServerPort(request.getLocalPort());
        }
        if (cgi.contentType() != null) {
            headers.setValue("Content-Type").setString(cgi.contentType());
        }
        // Only CONTENT_LENGTH frames the body; an HTTP_CONTENT_LENGTH the mapper did not take is not a length.
        headers.removeHeader("Content-Length");
        if (cgi.contentLength() >= 0) {
            headers.setValue("Content-Length").setLong(cgi.contentLength());
        }
        request.setContentLength(cgi.contentLength());

        java.util.regex.Pattern attributes = protocol.allowedRequestAttributes();
        if (attributes != null) {
            io.cgiwire.core.cgi.CgiEnvironment env = cgi.environment();
            for (int i = 0; i < env.size(); i++) {
                if (attributes.matcher(env.name(i)).matches()) {
                    request.setAttribute(env.name(i), env.get(env.name(i)));
                }
            }
        }
        if (!protocol.getTomcatAuthentication() && cgi.remoteUser() != null) {
            request.getRemoteUser().setString(cgi.remoteUser());
            if (cgi.authType() != null) {
                request.getAuthType().setString(cgi.authType());
            }
        }
        prepareProtocolRequest();
    }

    @Override
    protected final void prepareResponse() throws IOException {
        response.setCommitted(true);
        if (failure != null || aborted() || !getErrorState().isIoAllowed()) {
            swallowResponse = true;
            return;
        }
        int status = response.getStatus();
        if (status < 200 || status == 204 || status == 205 || status == 304
                || "HEAD".equals(request.getMethod())) {
            // No body; a HEAD response keeps its Content-Length.
            swallowResponse = true;
        }
        MimeHeaders headers = response.getMimeHeaders();
        String contentType = response.getContentType();
        if (contentType != null) {
            headers.setValue("Content-Type").setString(contentType);
        }
        String contentLanguage = response.getContentLanguage();
        if (contentLanguage != null) {
            headers.setValue("Content-Language").setString(contentLanguage);
        }
        long contentLength = response.getContentLengthLong();
        if (contentLength >= 0) {
            headers.setValue("Content-Length").setLong(contentLength);
        }
        head.reset();
        try {
            head.status(status, null);
        } catch (IllegalArgumentException e) {
            getLog().warn(prefix() + "status " + status + " cannot be sent through CGI; sending 500");
            head.status(500, null);
        }
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.getName(i).toString();
            String value = headers.getValue(i).toString();
            if (value == null) {
                continue;
            }
            try {
                head.add(name, value);
            } catch (IllegalArgumentException e) {
                // As AjpProcessor: the header is left out, the response goes on.
                getLog().warn(prefix() + "response header dropped: " + e.getMessage());
            }
        }
        boolean blocking = isBlocking();
        writeLock.lock();
        try {
            writeStdout(ByteBuffer.wrap(head.toBytes()), blocking);
        } catch (IOException e) {
            writeFailed(e);
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    protected final void finishResponse() throws IOException {
        if (responseFinished) {
            return;
        }
        responseFinished = true;
        boolean aborted = aborted();
        if (failure != null || !aborted && !getErrorState().isIoAllowed()) {
            // Cut short: the web server sees the connection close without the end of the response.
            return;
        }
        if (!aborted && !response.isCommitted()) {
            prepareResponse();
        }
        endingRequest();
        writeLock.lock();
        try {
            writeEnd(aborted, isBlocking());
            socketWrapper.flush(true);
            cleanEnd = true;
        } catch (IOException e) {
            writeFailed(e);
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    protected final void flush() throws IOException {
        if (responseFinished || failure != null) {
            return;
        }
        writeLock.lock();
        try {
            socketWrapper.flush(isBlocking());
        } catch (IOException e) {
            writeFailed(e);
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    /** Writes {@code buffers} as they are and flushes: records the reading side answers by itself. */
    protected final void writeAndFlush(ByteBuffer... buffers) throws IOException {
        boolean blocking = isBlocking();
        writeLock.lock();
        try {
            for (ByteBuffer buffer : buffers) {
                socketWrapper.write(blocking, buffer);
            }
            socketWrapper.flush(blocking);
        } catch (IOException e) {
            writeFailed(e);
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    /** Hands {@code buffers} to the socket without flushing; with the write lock held (see {@link #writeStdout}). */
    protected final void socketWrite(boolean blocking, ByteBuffer... buffers) throws IOException {
        for (ByteBuffer buffer : buffers) {
            socketWrapper.write(blocking, buffer);
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
    protected final boolean isBlocking() {
        return response.getWriteListener() == null;
    }

    @Override
    protected final void ack(ContinueResponseTiming continueResponseTiming) {
        // The web server has answered 100-continue itself; CGI has no interim responses.
    }

    @Override
    protected final void earlyHints() throws IOException {
        // A 103 through CGI would be taken for the final status.
    }

    @Override
    protected final int available(boolean doRead) {
        if (body != null) {
            return body.remaining();
        }
        if (bodyEnded || replay) {
            return 0;
        }
        if (readFailure != null) {
            // Let the read report it, as AjpProcessor does.
            return 1;
        }
        if (doRead) {
            readBody(false);
            if (body != null) {
                return body.remaining();
            }
            if (readFailure != null) {
                return 1;
            }
        }
        return 0;
    }

    /** Decodes until the body has something for a read; waits for the socket only when {@code block}. */
    private void readBody(boolean block) {
        readLock.lock();
        try {
            pump(Want.BODY, block);
        } catch (ProtocolException e) {
            bodyFailed(e);
        } catch (EOFException e) {
            // Only a read still waiting for body bytes fails: once the body is complete, the servlet finds out that
            // the web server went away when it writes, as over HTTP.
            failBody(new EOFException("the web server closed the connection before the end of the request body"));
        } catch (IOException e) {
            writeFailed(e);
            failBody(e);
        } finally {
            readLock.unlock();
        }
    }

    @Override
    protected final void setRequestBody(ByteChunk chunk) {
        int length = chunk.getLength();
        body = ByteBuffer.wrap(chunk.getBytes(), chunk.getStart(), length);
        request.setContentLength(length);
        replay = true;
        bodyEnded = false;
        readFailure = null;
    }

    @Override
    protected final void setSwallowResponse() {
        swallowResponse = true;
    }

    @Override
    protected final void disableSwallowRequest() {
        // The unread body is dropped anyway: FastCGI skips the records of an ended request id, and a closing
        // connection is drained.
    }

    @Override
    protected final boolean getPopulateRequestAttributesFromSocket() {
        // The client's and the server's addresses come from the CGI variables; the socket's are the web server's.
        return false;
    }

    @Override
    protected final void populateRequestAttributeRemoteHost() {
        if (request.remoteHost().isNull()) {
            // With enableLookups an IP literal is looked up in reverse; anything else in REMOTE_ADDR (nginx on a Unix
            // socket sends "unix:") is the answer as it is, never a name sent to DNS.
            String remoteAddr = request.remoteAddr().toString();
            InetAddress address = IpLiterals.address(remoteAddr);
            request.remoteHost().setString(address != null ? address.getHostName() : remoteAddr);
        }
    }

    @Override
    protected final void populateSslRequestAttributes() {
        // TLS ends at the web server; HTTPS in the CGI variables makes the request secure.
    }

    @Override
    protected final boolean isRequestBodyFullyRead() {
        return body == null && (bodyEnded || replay);
    }

    @Override
    protected final void registerReadInterest() {
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
    protected final boolean isReadyForWrite() {
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
    protected final boolean flushBufferedWrite() throws IOException {
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
    protected final boolean isTrailerFieldsReady() {
        // No trailers in CGI: ready, so that an application asking finds there are none.
        return true;
    }

    @Override
    protected final ServletConnection getServletConnection() {
        return socketWrapper.getServletConnection(wireProtocol(), "");
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
        body = null;
        bodyEnded = false;
        replay = false;
        readFailure = null;
        swallowResponse = false;
        responseFinished = false;
        cleanEnd = false;
        bytesWritten = 0;
        polledBytes = 0;
        polledNanos = System.nanoTime() - POLL_NANOS;
        recycleProtocolRequest();
    }

    /** Per request: the protocol's own request state. */
    protected abstract void recycleProtocolRequest();

    /** Per connection: the protocol's decoder and connection state. */
    protected abstract void recycleConnection();

    /** The connection has ended and the processor goes back to the pool. */
    @Override
    public final void recycle() {
        recycleRequest();
        input.clear().limit(0);
        inputEnded = false;
        failure = null;
        draining = false;
        readingHead = false;
        recycleConnection();
    }

    /** The request body, streamed from the decoder. */
    private final class SocketInputBuffer implements InputBuffer {
        @Override
        public int doRead(ApplicationBufferHandler handler) throws IOException {
            if (body == null && !bodyEnded && !replay && readFailure == null) {
                readBody(request.getReadListener() == null);
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
            if (readFailure != null) {
                throw readFailure;
            }
            return bodyEnded || replay ? -1 : 0;
        }

        @Override
        public int available() {
            return body == null ? 0 : body.remaining();
        }
    }

    /** The response body, framed by the protocol. */
    private final class SocketOutputBuffer implements OutputBuffer {
        @Override
        public int doWrite(ByteBuffer chunk) throws IOException {
            if (!response.isCommitted()) {
                try {
                    prepareResponse();
                } catch (IOException e) {
                    setErrorState(ErrorState.CLOSE_CONNECTION_NOW, e);
                }
            }
            if (failure != null) {
                throw failure;
            }
            if (bytesWritten > 0 && pollDue()) {
                // Not before the first write: a response written at once ends right after it, and a look at the
                // input would cost a read per request for nothing.
                pollInput();
            }
            if (aborted()) {
                // The request's stream is closed, the connection stays (FCGI_KEEP_CONN).
                throw new CloseNowException("the web server aborted the request (FCGI_ABORT_REQUEST)");
            }
            if (failure != null) {
                throw failure;
            }
            int length = chunk.remaining();
            if (swallowResponse) {
                chunk.position(chunk.limit());
            } else {
                writeLock.lock();
                try {
                    writeStdout(chunk, isBlocking());
                    if (!isBlocking()) {
                        socketWrapper.flush(false);
                    }
                } catch (IOException e) {
                    writeFailed(e);
                    setErrorState(ErrorState.CLOSE_CONNECTION_NOW, e);
                    throw e;
                } finally {
                    writeLock.unlock();
                }
                bytesWritten += length;
            }
            return length;
        }

        @Override
        public long getBytesWritten() {
            return bytesWritten;
        }
    }
}
