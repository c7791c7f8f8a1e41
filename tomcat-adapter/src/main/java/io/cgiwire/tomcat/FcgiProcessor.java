package io.cgiwire.tomcat;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_REQUEST_COMPLETE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDERR;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_ROLE;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.cgi.CgiRequest;
import io.cgiwire.core.cgi.CgiRequestMapper;
import io.cgiwire.core.cgi.CgiResponseHead;
import io.cgiwire.core.fcgi.FcgiDecoder;
import io.cgiwire.core.fcgi.FcgiEncoder;
import io.cgiwire.core.fcgi.FcgiEvent;
import io.cgiwire.core.fcgi.StdinLength;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.coyote.Adapter;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;

/**
 * A FastCGI connection from a web server: the Responder role, one request at a time. FCGI_KEEP_CONN decides whether
 * the connection stays open after FCGI_END_REQUEST; a second request id while one is in flight is refused with
 * FCGI_CANT_MPX_CONN, another role with FCGI_UNKNOWN_ROLE; FCGI_GET_VALUES and unknown record types are answered as
 * they are read, which is when the servlet reads its body or writes once the body is complete.
 */
final class FcgiProcessor extends CgiProcessor {
    private static final Log log = LogFactory.getLog(FcgiProcessor.class);
    /** A record carries up to 64 KiB: room for a whole one where the web server writes them whole (lighttpd does). */
    private static final int INPUT_BUFFER_SIZE = 64 * 1024 + 512;

    private final GatewayLimits limits;
    private FcgiDecoder decoder;

    private int pendingId = -1;
    private boolean pendingKeepConn;
    private CgiEnvironment nextParams;

    private volatile int currentId = -1;
    /** The request in flight's FCGI_STDIN counted against its CONTENT_LENGTH. */
    private StdinLength stdinLength = new StdinLength(-1);
    private boolean keepConn;
    /** FCGI_END_REQUEST has been queued for the current request: its id is inactive (spec 3.3). */
    private volatile boolean ended;
    private volatile boolean aborted;
    /**
     * FCGI_STDERR of the request in flight. One per processor, not per request: a PrintStream allocates some 24 KiB of
     * encoder and buffers, more than the rest of a small request. Like the request itself, its attributes are valid
     * only while it is in flight (the Servlet spec's "Lifetime of the Request Object"); between requests and after a
     * failure, lines are dropped.
     */
    private final PrintStream stderr = new PrintStream(new Stderr(), true, StandardCharsets.UTF_8);

    FcgiProcessor(FcgiNioProtocol protocol, Adapter adapter) {
        super(protocol, adapter, INPUT_BUFFER_SIZE);
        this.limits = new GatewayLimits(protocol.getLimits());
        this.decoder = new FcgiDecoder(limits);
    }

    @Override
    protected boolean decodeBuffered(Want want) throws IOException {
        while (true) {
            if (nextParams != null) {
                // A request head is complete. While a request is in flight, this can only be the next one, begun as
                // soon as the web server read our FCGI_END_REQUEST: none of its bytes are for the current request.
                return true;
            }
            if (want == Want.BODY && bodyReady() || want == Want.POLL && aborted) {
                return true;
            }
            FcgiEvent event = decoder.decode(input);
            if (event == null) {
                return false;
            }
            if (event instanceof FcgiEvent.BeginRequest begin) {
                onBegin(begin);
            } else if (event instanceof FcgiEvent.Params params) {
                if (params.requestId() == pendingId) {
                    nextParams = params.params();
                }
            } else if (event instanceof FcgiEvent.Stdin stdin) {
                if (stdin.requestId() == currentId && !ended) {
                    stdinLength.received(stdin.data().remaining());
                    offerBody(stdin.data());
                }
            } else if (event instanceof FcgiEvent.StdinEnd end) {
                if (end.requestId() == currentId && !ended) {
                    stdinLength.ended();
                    endBody();
                }
            } else if (event instanceof FcgiEvent.AbortRequest abort) {
                onAbort(abort);
            } else if (event instanceof FcgiEvent.GetValues get) {
                // The connector's limits bound the connections and the requests served at once.
                writeAndFlush(FcgiEncoder.getValuesResult(get.names(), protocol.getMaxConnections(),
                        protocol.getMaxThreads()));
                if (pendingId < 0) {
                    // A management exchange is a complete one: no request is coming yet.
                    headDone();
                }
            } else if (event instanceof FcgiEvent.UnknownType unknown) {
                writeAndFlush(FcgiEncoder.unknownType(unknown.type()));
            }
            // FCGI_DATA is the Filter role's, which is refused at FCGI_BEGIN_REQUEST.
        }
    }

    private void onBegin(FcgiEvent.BeginRequest begin) throws IOException {
        int id = begin.requestId();
        if (currentId >= 0 && !ended || pendingId >= 0) {
            // One request at a time: spec 5.5 lets an application refuse the second with FCGI_CANT_MPX_CONN.
            refuse(id, FCGI_CANT_MPX_CONN);
        } else if (begin.role() != FCGI_RESPONDER) {
            refuse(id, FCGI_UNKNOWN_ROLE);
        } else {
            pendingId = id;
            pendingKeepConn = begin.keepConn();
            headStarted();
        }
    }

    private void onAbort(FcgiEvent.AbortRequest abort) throws IOException {
        int id = abort.requestId();
        if (id == currentId && !ended) {
            aborted = true;
            failBody(new EOFException("the web server aborted the request (FCGI_ABORT_REQUEST)"));
        } else if (id == pendingId) {
            pendingId = -1;
            refuse(id, FCGI_REQUEST_COMPLETE);
        }
    }

    private void refuse(int id, int protocolStatus) throws IOException {
        decoder.endRequest(id);
        writeAndFlush(FcgiEncoder.endRequest(id, 0, protocolStatus));
    }

    @Override
    protected void endOfInput() throws ProtocolException {
        decoder.endOfInput();
    }

    @Override
    protected CgiRequest readRequest() throws IOException {
        while (pump(Want.HEAD, false)) {
            headDone();
            CgiEnvironment params = nextParams;
            int id = pendingId;
            nextParams = null;
            pendingId = -1;
            currentId = id;
            keepConn = pendingKeepConn;
            ended = false;
            aborted = false;
            try {
                CgiRequest request = CgiRequestMapper.map(params);
                stdinLength = new StdinLength(request.contentLength());
                return request;
            } catch (ProtocolException e) {
                log.warn(prefix() + "request " + id + " refused: " + e.getMessage());
                respond(id, e.statusHint(), e.violation().name());
                currentId = -1;
                if (!keepConn) {
                    closeAfterAnswer();
                    return null;
                }
            }
        }
        return null;
    }

    /** Answers request {@code id} without a servlet: a short text response, then FCGI_END_REQUEST. */
    private void respond(int id, int status, String reason) throws IOException {
        decoder.endRequest(id);
        writeAndFlush(FcgiEncoder.completeResponse(id, CgiResponseHead.refusal(status, reason)));
    }

    @Override
    protected void answerViolation(ProtocolException violation) throws IOException {
        if (pendingId >= 0) {
            int id = pendingId;
            pendingId = -1;
            writeAndFlush(FcgiEncoder.completeResponse(id,
                    CgiResponseHead.refusal(violation.statusHint(), violation.violation().name())));
            closeAfterAnswer();
        }
    }

    @Override
    protected void prepareProtocolRequest() {
        request.setAttribute(FcgiNioProtocol.STDERR_ATTRIBUTE, stderr);
    }

    @Override
    protected Object getProtocolRequestId() {
        return currentId >= 0 ? Integer.toString(currentId) : null;
    }

    @Override
    protected boolean aborted() {
        return aborted;
    }

    /**
     * Once the body is complete, the only records the web server may send for the request in flight are
     * FCGI_ABORT_REQUEST and the management ones: decode what has arrived, without waiting, before each write.
     * Skipped while another thread reads.
     */
    @Override
    protected void pollInput() throws IOException {
        if (!isRequestBodyFullyRead() || ended || aborted || broken() || inputEnded() || !readLock.tryLock()) {
            return;
        }
        try {
            pump(Want.POLL, false);
        } catch (ProtocolException e) {
            bodyFailed(e);
        } catch (EOFException e) {
            // The web server closed the connection: the write finds out by itself.
        } finally {
            readLock.unlock();
        }
    }

    @Override
    protected void writeStdout(ByteBuffer bytes, boolean blocking) throws IOException {
        socketWrite(blocking, FcgiEncoder.frameStream(FCGI_STDOUT, currentId, bytes));
    }

    @Override
    protected void writeEnd(boolean abortedRequest, boolean blocking) throws IOException {
        ByteBuffer end = ByteBuffer.allocate(24);
        if (!abortedRequest) {
            FcgiEncoder.putStreamEnd(end, FCGI_STDOUT, currentId);
        }
        // Spec 5.4: an aborted request still ends with FCGI_END_REQUEST.
        FcgiEncoder.putEndRequest(end, currentId, 0, FCGI_REQUEST_COMPLETE);
        socketWrite(blocking, end.flip());
    }

    /**
     * The id is inactive from now on (spec 3.3): the web server may begin its next request as soon as it reads our
     * FCGI_END_REQUEST, and the decoder must accept that; the rest of this request's STDIN is skipped.
     */
    @Override
    protected void endingRequest() {
        if (!ended) {
            ended = true;
            readLock.lock();
            try {
                decoder.endRequest(currentId);
                endBody();
            } finally {
                readLock.unlock();
            }
        }
    }

    @Override
    protected boolean keepConnection() {
        return keepConn && ended;
    }

    @Override
    protected String wireProtocol() {
        return "fastcgi";
    }

    @Override
    protected void recycleProtocolRequest() {
        currentId = -1;
        ended = false;
        aborted = false;
    }

    @Override
    protected void recycleConnection() {
        decoder = new FcgiDecoder(limits);
        pendingId = -1;
        nextParams = null;
        keepConn = false;
    }

    @Override
    protected Log getLog() {
        return log;
    }

    /** FCGI_STDERR records for the request in flight; each write is one or more records. */
    private final class Stderr extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            int id = currentId;
            if (length == 0 || id < 0 || ended || broken()) {
                return;
            }
            ByteBuffer copy = ByteBuffer.wrap(bytes.clone(), offset, length);
            writeAndFlush(FcgiEncoder.frameStream(FCGI_STDERR, id, copy));
        }
    }
}
