package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.IpLiterals;
import io.cgiwire.core.cgi.CgiResponseHead;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.concurrent.locks.Lock;
import jakarta.servlet.ServletConnection;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.Adapter;
import org.apache.coyote.CloseNowException;
import org.apache.coyote.Constants;
import org.apache.coyote.ContinueResponseTiming;
import org.apache.coyote.ErrorState;
import org.apache.coyote.OutputBuffer;
import org.apache.coyote.Request;
import org.apache.coyote.RequestInfo;
import org.apache.tomcat.util.ExceptionUtils;

/**
 * A FastCGI or SCGI request served the same way whichever processor serves it: the connection's own
 * {@link GatewayProcessor} (a request at a time) or a {@link MultiplexedStream} (one of several at once). This class
 * fills the coyote request from the session's, runs the servlet, and writes the response as the session frames it;
 * the two processors differ in where the request's body comes from, how they write to the socket, and what follows
 * the request.
 *
 * <p>The response head is held until the first body bytes, a flush or the end, and framed with them: see
 * {@link #writeHead}. The request came through a web server: its addresses are the CGI variables', TLS and interim
 * responses are the web server's.
 */
abstract class GatewayCoyoteProcessor extends AbstractProcessor {
    final AbstractCgiProtocol<?> protocol;
    /** The session's request being served; null between requests. */
    GatewayRequest gateway;
    /** The application asked that no more of the response body be written (a HEAD, a 304). */
    protected boolean swallowResponse;
    private final CgiResponseHead head = new CgiResponseHead();
    /** The response head, framed and written with what follows it: see {@link #writeHead}. */
    private ByteBuffer pendingHead;
    private boolean responseFinished;
    /** The end of the response went out whole. */
    protected boolean cleanEnd;
    /** Body bytes written (not those swallowed), as Tomcat's HTTP connector counts them. */
    protected long bytesWritten;

    GatewayCoyoteProcessor(AbstractCgiProtocol<?> protocol, Adapter adapter) {
        super(adapter);
        this.protocol = protocol;
        response.setOutputBuffer(new FramedOutputBuffer());
    }

    /** A processor of {@code request} and its response: recycled ones, from an earlier request. */
    GatewayCoyoteProcessor(AbstractCgiProtocol<?> protocol, Adapter adapter, Request request) {
        super(adapter, request, request.getResponse());
        this.protocol = protocol;
        response.setOutputBuffer(new FramedOutputBuffer());
    }

    /** The connection's session. */
    abstract GatewaySession session();

    /** The lock that guards the session when more than one thread may use it. */
    abstract Lock sessionLock();

    /** Why the connection can carry no more, or null. */
    abstract IOException connectionFailure();

    /** Whether the web server aborted the request (FCGI_ABORT_REQUEST). */
    abstract boolean requestAborted();

    /** The request gets no more of its body: the response has ended. */
    abstract void endInput();

    /** "[fcgi-nio-127.0.0.1-9000] 127.0.0.1:40001: ", for log lines. */
    abstract String prefix();

    /** Writes bytes the session framed, flushing them when {@code flush}; a failure breaks the connection. */
    abstract void send(boolean flush, ByteBuffer... framed) throws IOException;

    /** Frames {@code contents} as the request's response bytes and writes them, uncopied. */
    abstract void sendFramed(ByteBuffer... contents) throws IOException;

    /** Writes {@code end} (null for nothing) and flushes, waiting until the response is out. */
    abstract void sendEnd(ByteBuffer end) throws IOException;

    /** Flushes what was written, as the response's writes block or not. */
    abstract void flushSocket() throws IOException;

    /** The request is prepared and about to be served: a chance to decode what arrived with it. */
    void requestPrepared() {
    }

    /** Before a body write: a chance to look at the input or to fail the write. */
    void beforeWrite() throws IOException {
    }

    /**
     * Serves {@link #gateway}, whose coyote request the caller has started: fills the coyote request, runs the
     * servlet and, unless the request went async, ends the response.
     *
     * @return true if the request went async: the caller returns {@code SocketState.LONG}
     */
    final boolean serve() {
        RequestInfo rp = request.getRequestProcessor();
        rp.setStage(Constants.STAGE_PREPARE);
        prepareRequest();
        requestPrepared();
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
            return true;
        }
        finishIfNeeded();
        request.updateCounters();
        return false;
    }

    private void prepareRequest() {
        try {
            GatewayCoyote.prepareRequest(request, gateway, socketWrapper.getRemoteAddr(), protocol.getMaxHeaderCount());
        } catch (IllegalStateException e) {
            // More headers than maxHeaderCount.
            getLog().debug(prefix() + "request refused: " + e.getMessage());
            response.setStatus(400);
            setErrorState(ErrorState.CLOSE_CLEAN, e);
        }
        PrintStream stderr;
        Lock lock = sessionLock();
        lock.lock();
        try {
            stderr = session().errorStream(gateway, framed -> {
                if (connectionFailure() == null) {
                    send(true, framed);
                }
            });
        } finally {
            lock.unlock();
        }
        if (stderr != null) {
            // Like the request itself, valid only while the request is in flight (the Servlet spec's "Lifetime of the
            // Request Object"); later lines are dropped.
            request.setAttribute(FcgiNioProtocol.STDERR_ATTRIBUTE, stderr);
        }
    }

    final void finishIfNeeded() {
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

    @Override
    protected final void prepareResponse() throws IOException {
        response.setCommitted(true);
        if (connectionFailure() != null || requestAborted() || !getErrorState().isIoAllowed()) {
            swallowResponse = true;
            return;
        }
        if (bodyless()) {
            swallowResponse = true;
        }
        // Held until the first body bytes, a flush or the end, and framed with them: see writeHead.
        pendingHead = ByteBuffer.wrap(GatewayCoyote.responseHead(response, head, m -> getLog().warn(prefix() + m)));
    }

    /**
     * Whether the response carries no body on the wire: a 1xx, 204, 205 or 304, or the answer to a HEAD (which keeps
     * its Content-Length).
     */
    private boolean bodyless() {
        int status = response.getStatus();
        return status < 200 || status == 204 || status == 205 || status == 304 || "HEAD".equals(request.getMethod());
    }

    /**
     * Writes the response head with {@code body} (null for none) and, when {@code last}, the end of the response,
     * as one framed buffer, unless a body makes them too large to copy ({@link GatewaySession#copies}): one record
     * for the web server to parse, and one that mod_authnz_fcgi needs, as it takes an Authorizer's denial body only
     * from the record that ends the head. A larger body is framed after the head, uncopied.
     */
    private void writeHead(ByteBuffer body, boolean last) throws IOException {
        ByteBuffer head = pendingHead;
        pendingHead = null;
        int content = head.remaining() + (body == null ? 0 : body.remaining());
        if (body != null && !GatewaySession.copies(content)) {
            sendFramed(head, body);
            // The framing may have written views of it.
            body.position(body.limit());
            return;
        }
        ByteBuffer out;
        Lock lock = sessionLock();
        lock.lock();
        try {
            if (last) {
                endInput();
            }
            out = ByteBuffer.allocate(session().framedLength(gateway, content, last));
            session().frameInto(gateway, out, head, body, last);
        } finally {
            lock.unlock();
        }
        send(false, out.flip());
    }

    @Override
    protected final void finishResponse() throws IOException {
        if (responseFinished) {
            return;
        }
        responseFinished = true;
        boolean aborted = requestAborted();
        if (connectionFailure() != null || !aborted && !getErrorState().isIoAllowed()) {
            // Cut short: the web server sees the request end without the end of its response.
            return;
        }
        if (!aborted && !response.isCommitted()) {
            prepareResponse();
        }
        ByteBuffer end = null;
        if (pendingHead != null) {
            writeHead(null, true);
        } else {
            // From here the session skips what is left of the body.
            Lock lock = sessionLock();
            lock.lock();
            try {
                endInput();
                end = session().end(gateway);
            } finally {
                lock.unlock();
            }
        }
        sendEnd(end);
        cleanEnd = true;
    }

    @Override
    protected final void flush() throws IOException {
        if (responseFinished || connectionFailure() != null) {
            return;
        }
        if (pendingHead != null) {
            writeHead(null, false);
        }
        flushSocket();
    }

    /** The response state of one request, for the next. */
    void recycleResponse() {
        gateway = null;
        pendingHead = null;
        swallowResponse = false;
        responseFinished = false;
        cleanEnd = false;
        bytesWritten = 0;
    }

    @Override
    protected final ServletConnection getServletConnection() {
        return socketWrapper.getServletConnection(session().protocol().toLowerCase(Locale.ROOT), "");
    }

    @Override
    protected final void ack(ContinueResponseTiming continueResponseTiming) {
        // The web server has answered 100-continue itself; CGI has no interim responses.
    }

    @Override
    protected final void earlyHints() {
        // A 103 through CGI would be taken for the final status.
    }

    @Override
    protected final void setSwallowResponse() {
        swallowResponse = true;
    }

    @Override
    protected final void disableSwallowRequest() {
        // The unread body is dropped anyway: the session skips it once the response ends, and a closing connection is
        // drained.
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
    protected final boolean isTrailerFieldsReady() {
        // No trailers in CGI: ready, so that an application asking finds there are none.
        return true;
    }

    /** The response body, framed by the session. */
    private final class FramedOutputBuffer implements OutputBuffer {
        @Override
        public int doWrite(ByteBuffer chunk) throws IOException {
            if (!response.isCommitted()) {
                try {
                    prepareResponse();
                } catch (IOException e) {
                    setErrorState(ErrorState.CLOSE_CONNECTION_NOW, e);
                }
            }
            beforeWrite();
            if (requestAborted()) {
                // The request's stream is closed, the connection stays (FCGI_KEEP_CONN).
                throw new CloseNowException("the web server aborted the request (FCGI_ABORT_REQUEST)");
            }
            IOException failure = connectionFailure();
            if (failure != null) {
                throw failure;
            }
            int length = chunk.remaining();
            try {
                if (pendingHead != null) {
                    writeHead(swallowResponse ? null : chunk, false);
                }
                if (swallowResponse) {
                    chunk.position(chunk.limit());
                    return length;
                }
                if (chunk.hasRemaining()) {
                    sendFramed(chunk);
                    // The framing may have written views of it.
                    chunk.position(chunk.limit());
                }
            } catch (IOException e) {
                setErrorState(ErrorState.CLOSE_CONNECTION_NOW, e);
                throw e;
            }
            bytesWritten += length;
            return length;
        }

        @Override
        public long getBytesWritten() {
            return bytesWritten;
        }
    }
}
