package io.cgiwire.jetty.internal;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_HEADER_LEN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_REQUEST_COMPLETE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDERR;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_ROLE;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiRequest;
import io.cgiwire.core.cgi.CgiRequestMapper;
import io.cgiwire.core.cgi.CgiResponseHead;
import io.cgiwire.core.fcgi.FcgiDecoder;
import io.cgiwire.core.fcgi.FcgiEncoder;
import io.cgiwire.core.fcgi.FcgiEvent;
import io.cgiwire.core.fcgi.StdinLength;
import io.cgiwire.jetty.FcgiConnectionFactory;
import io.cgiwire.jetty.RequestOptions;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A FastCGI connection from a web server: the Responder role, one request at a time. FCGI_KEEP_CONN decides whether
 * the connection stays open after FCGI_END_REQUEST; a second request id while one is in flight is refused with
 * FCGI_CANT_MPX_CONN, another role with FCGI_UNKNOWN_ROLE; FCGI_GET_VALUES and unknown record types are answered.
 */
public final class FcgiConnection extends CgiConnection {
    private static final Logger LOG = LoggerFactory.getLogger(FcgiConnection.class);

    /** Responses up to this many bytes are copied into one record; larger ones are framed around the content. */
    private static final int COPY_LIMIT = 8 * 1024;

    private final FcgiDecoder decoder;
    private final ByteBufferPool pool;
    private final boolean directOutput;
    private int pendingId = -1;
    private boolean pendingKeepConn;
    private FcgiEvent.Params deferred;
    private StdinLength stdinLength;
    private boolean keepConn;
    private PrintStream stderr;

    /** A connection bounded by {@code limits}, treating each request's variables as {@code options} say. */
    public FcgiConnection(Connector connector, HttpConfiguration configuration, EndPoint endPoint,
            GatewayLimits limits, RequestOptions options) {
        super(connector, configuration, endPoint, FcgiConnectionFactory.PROTOCOL, options,
                limits.getHeaderReadTimeout());
        this.decoder = new FcgiDecoder(limits);
        this.pool = connector.getByteBufferPool();
        this.directOutput = configuration.isUseOutputDirectByteBuffers();
    }

    @Override
    protected boolean decode(ByteBuffer in, List<Runnable> tasks) throws ProtocolException {
        while (!chunkWaiting()) {
            if (deferred != null) {
                // The web server began the next request as soon as it read FCGI_END_REQUEST; Jetty may still be
                // completing the previous one. Start this one once that is done (completion runs process again).
                if (stream() != null) {
                    return false;
                }
                FcgiEvent.Params params = deferred;
                deferred = null;
                onParams(params, tasks);
                continue;
            }
            FcgiEvent event = decoder.decode(in);
            if (event == null) {
                return true;
            }
            if (event instanceof FcgiEvent.BeginRequest begin) {
                onBegin(begin);
            } else if (event instanceof FcgiEvent.Params params) {
                deferred = params;
            } else if (event instanceof FcgiEvent.Stdin stdin) {
                CgiStream s = stream();
                if (s != null && !s.ended && s.requestId() == stdin.requestId() && !discarding()) {
                    stdinLength.received(stdin.data().remaining());
                    offerData(stdin.data(), tasks);
                }
            } else if (event instanceof FcgiEvent.StdinEnd end) {
                CgiStream s = stream();
                if (s != null && !s.ended && s.requestId() == end.requestId() && !discarding()) {
                    stdinLength.ended();
                    offer(Content.Chunk.EOF, tasks);
                }
            } else if (event instanceof FcgiEvent.AbortRequest abort) {
                onAbort(abort, tasks);
            } else if (event instanceof FcgiEvent.GetValues get) {
                // The thread pool bounds both the connections served at once and the requests.
                int threads = getExecutor() instanceof ThreadPool.SizedThreadPool pool ? pool.getMaxThreads() : -1;
                flusher.write(Callback.NOOP, FcgiEncoder.getValuesResult(get.names(), threads, threads));
                if (pendingId < 0) {
                    // A management exchange is a complete one: no request is coming yet.
                    headersDone();
                }
            } else if (event instanceof FcgiEvent.UnknownType unknown) {
                flusher.write(Callback.NOOP, FcgiEncoder.unknownType(unknown.type()));
            }
            // FCGI_DATA is the Filter role's, which is refused at FCGI_BEGIN_REQUEST.
        }
        return false;
    }

    private void onBegin(FcgiEvent.BeginRequest begin) {
        int id = begin.requestId();
        CgiStream current = stream();
        if (current != null && !current.ended || pendingId >= 0) {
            // One request at a time: spec 5.5 lets an application refuse the second with FCGI_CANT_MPX_CONN.
            endRequest(id, FCGI_CANT_MPX_CONN);
        } else if (begin.role() != FCGI_RESPONDER) {
            endRequest(id, FCGI_UNKNOWN_ROLE);
        } else {
            pendingId = id;
            pendingKeepConn = begin.keepConn();
            headersStarted();
        }
    }

    private void onParams(FcgiEvent.Params params, List<Runnable> tasks) {
        headersDone();
        int id = params.requestId();
        keepConn = pendingKeepConn;
        pendingId = -1;
        CgiRequest request;
        try {
            request = CgiRequestMapper.map(params.params());
        } catch (ProtocolException x) {
            LOG.warn("{} {}: request {} refused: {}", getProtocol(), getEndPoint().getRemoteSocketAddress(), id,
                    x.getMessage());
            respond(id, x.statusHint(), x.violation().name());
            return;
        }
        stdinLength = new StdinLength(request.contentLength());
        try {
            startRequest(request, id, keepConn, tasks);
        } catch (IllegalArgumentException x) {
            LOG.warn("{} {}: request {} refused: {}", getProtocol(), getEndPoint().getRemoteSocketAddress(), id,
                    x.getMessage());
            respond(id, 400, "bad request target");
        }
    }

    private void onAbort(FcgiEvent.AbortRequest abort, List<Runnable> tasks) {
        CgiStream s = stream();
        if (s != null && !s.ended && s.requestId() == abort.requestId()) {
            s.aborted = true;
            failStream(s, new org.eclipse.jetty.io.EofException("FCGI_ABORT_REQUEST"), tasks);
        } else if (pendingId == abort.requestId()) {
            pendingId = -1;
            endRequest(abort.requestId(), FCGI_REQUEST_COMPLETE);
        }
    }

    /**
     * One STDERR stream per connection: a PrintStream is costly to make (an encoder and an 8 KiB buffer), and a
     * connection serves one request at a time. It writes to the request in flight; written outside one, it drops.
     */
    @Override
    protected void onRequestStarted(CgiStream s) {
        PrintStream err;
        synchronized (lock) {
            if (stderr == null) {
                stderr = new PrintStream(new Stderr(), true, StandardCharsets.UTF_8);
            }
            err = stderr;
        }
        s.channel().getRequest().setAttribute(FcgiConnectionFactory.STDERR_ATTRIBUTE, err);
    }

    @Override
    protected void endOfInput() throws ProtocolException {
        decoder.endOfInput();
    }

    @Override
    protected void send(CgiStream s, ByteBuffer head, ByteBuffer body, boolean last, Callback callback) {
        int id = s.requestId();
        int content = (head == null ? 0 : head.remaining()) + (body == null ? 0 : body.remaining());
        if (last) {
            synchronized (lock) {
                end(s);
            }
        }
        if (content <= COPY_LIMIT) {
            sendCopy(id, head, body, content, last, callback);
            return;
        }
        List<ByteBuffer> out = new ArrayList<>(8);
        if (head != null) {
            Collections.addAll(out, FcgiEncoder.frameStream(FCGI_STDOUT, id, head));
        }
        if (body != null) {
            Collections.addAll(out, FcgiEncoder.frameStream(FCGI_STDOUT, id, body));
        }
        if (last) {
            ByteBuffer end = ByteBuffer.allocate(24);
            FcgiEncoder.putStreamEnd(end, FCGI_STDOUT, id);
            FcgiEncoder.putEndRequest(end, id, 0, FCGI_REQUEST_COMPLETE);
            out.add(end.flip());
        }
        flusher.write(callback, out.toArray(ByteBuffer[]::new));
    }

    /**
     * A small response, or a small part of one: head and body in one STDOUT record, and with the end of the request
     * when {@code last}, copied into one pooled buffer and written at once. Framing them apart took five buffers and
     * two records for nginx to parse; copying a few KiB costs less.
     */
    private void sendCopy(int id, ByteBuffer head, ByteBuffer body, int content, boolean last, Callback callback) {
        if (content == 0 && !last) {
            callback.succeeded();
            return;
        }
        int size = (int) FcgiEncoder.streamLength(content) + (last ? 24 : 0);
        RetainableByteBuffer buffer = pool.acquire(size, directOutput);
        ByteBuffer out = buffer.getByteBuffer();
        int position = BufferUtil.flipToFill(out);
        if (content > 0) {
            int padding = (int) FcgiEncoder.streamLength(content) - FCGI_HEADER_LEN - content;
            FcgiEncoder.putHeader(out, FCGI_STDOUT, id, content, padding);
            if (head != null) {
                out.put(head);
            }
            if (body != null) {
                out.put(body);
            }
            // Zeros, never what a pooled buffer held before.
            for (int i = 0; i < padding; i++) {
                out.put((byte) 0);
            }
        }
        if (last) {
            FcgiEncoder.putStreamEnd(out, FCGI_STDOUT, id);
            FcgiEncoder.putEndRequest(out, id, 0, FCGI_REQUEST_COMPLETE);
        }
        BufferUtil.flipToFlush(out, position);
        flusher.write(Callback.from(callback.getInvocationType(), () -> {
            buffer.release();
            callback.succeeded();
        }, x -> {
            buffer.release();
            callback.failed(x);
        }), out);
    }

    @Override
    protected boolean requestEnded(CgiStream s, Throwable failure) {
        if (s.aborted && !s.ended) {
            // Spec 5.4: an aborted request still ends with FCGI_END_REQUEST.
            end(s);
            flusher.write(Callback.NOOP, FcgiEncoder.endRequest(s.requestId(), 0, FCGI_REQUEST_COMPLETE));
        } else if (!s.ended) {
            // Failed before its last write: the response is cut short, and so is the connection.
            end(s);
            return false;
        }
        return s.persistent() && (failure == null || s.aborted);
    }

    /**
     * FCGI_END_REQUEST is going out: the id is inactive from now on (spec 3.3). The web server may begin its next
     * request as soon as it reads it, before Jetty has completed this one; the decoder must already accept that.
     */
    private void end(CgiStream s) {
        if (!s.ended) {
            s.ended = true;
            decoder.endRequest(s.requestId());
        }
    }

    @Override
    protected boolean hasDeferredWork() {
        return deferred != null;
    }

    @Override
    protected boolean closeWhenIdle() {
        // nginx races a close of an idle kept-alive connection and answers 502 (FRONT-SERVERS.md): a connection
        // that served FCGI_KEEP_CONN requests is closed by the web server, or when the connector stops.
        return requests() == 0 || !keepConn;
    }

    @Override
    protected void answerViolation(ProtocolException violation) {
        if (pendingId >= 0) {
            int id = pendingId;
            pendingId = -1;
            writeAndClose(response(id, violation.statusHint(), violation.violation().name()));
        } else {
            close();
        }
    }

    /** Answers request {@code id} without a servlet: a short text response, then FCGI_END_REQUEST. */
    private void respond(int id, int status, String reason) {
        decoder.endRequest(id);
        ByteBuffer[] out = response(id, status, reason);
        if (keepConn) {
            flusher.write(Callback.NOOP, out);
        } else {
            writeAndClose(out);
        }
    }

    private static ByteBuffer[] response(int id, int status, String reason) {
        return new ByteBuffer[] {FcgiEncoder.completeResponse(id, CgiResponseHead.refusal(status, reason))};
    }

    private void endRequest(int id, int protocolStatus) {
        LOG.debug("{} refusing request {} with protocol status {}", this, id, protocolStatus);
        decoder.endRequest(id);
        flusher.write(Callback.NOOP, FcgiEncoder.endRequest(id, 0, protocolStatus));
    }

    /** FCGI_STDERR of the request in flight: each flush (println flushes) is one or more records. */
    private final class Stderr extends OutputStream {
        @Override
        public void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            if (length == 0) {
                return;
            }
            int id;
            synchronized (lock) {
                CgiStream current = stream();
                if (current == null || current.ended) {
                    return;
                }
                id = current.requestId();
            }
            ByteBuffer copy = ByteBuffer.wrap(bytes.clone(), offset, length);
            flusher.write(Callback.NOOP, FcgiEncoder.frameStream(FCGI_STDERR, id, copy));
        }
    }
}
