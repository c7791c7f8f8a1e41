package io.cgiwire.core.fcgi;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_AUTHORIZER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_HEADER_LEN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MAX_CONTENT_LENGTH;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_REQUEST_COMPLETE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDERR;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_ROLE;

import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.GatewayTrust;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.cgi.CgiResponseHead;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * A FastCGI connection in the Responder role, one request at a time (spec 5.1, 5.5).
 *
 * <ul>
 *   <li>FCGI_BEGIN_REQUEST: request ids begun while one is in flight wait, in order, with their variables and
 *       their body so far (at most {@link #MAX_WAITING_BODY} bytes for all), and start one after another; the
 *       container serves one request of a connection at a time, so FCGI_GET_VALUES says FCGI_MPXS_CONNS=0. One more
 *       than {@code maxMultiplexedRequests} active ids is refused with FCGI_CANT_MPX_CONN; FCGI_FILTER, and
 *       FCGI_AUTHORIZER unless the connector has an
 *       {@link io.cgiwire.core.GatewayTrust#setAuthorizerPath authorizer path}, with FCGI_UNKNOWN_ROLE.</li>
 *   <li>FCGI_AUTHORIZER: the request is dispatched to the authorizer path as a GET without a body
 *       ({@link Authorizer}); the response goes back as a Responder's does, and the web server reads the status.</li>
 *   <li>FCGI_KEEP_CONN: clear, the connection closes after FCGI_END_REQUEST (unless requests wait behind it); set,
 *       it stays for the next request and is never closed for being idle: the web server closes it.</li>
 *   <li>FCGI_STDIN must carry exactly CONTENT_LENGTH bytes (spec 6.2), else {@link
 *       io.cgiwire.core.Violation#FCGI_STDIN_LENGTH_MISMATCH}.</li>
 *   <li>FCGI_ABORT_REQUEST: the request in flight gets an {@link GatewayEvent.Abort} and still ends with
 *       FCGI_END_REQUEST (spec 5.4); a request begun but not yet complete is ended at once.</li>
 *   <li>FCGI_GET_VALUES and unknown record types are answered as they are read.</li>
 *   <li>The id is inactive as soon as FCGI_END_REQUEST is queued (spec 3.3): the web server may begin its next
 *       request on reading it, before the container has finished with this one; that one is held.</li>
 * </ul>
 */
public final class FcgiSession extends GatewaySession {
    /** The bytes FCGI_STDOUT's empty record and FCGI_END_REQUEST take after a response. */
    private static final int END_LENGTH = 2 * FCGI_HEADER_LEN + 8;
    /**
     * Body bytes a connection keeps for requests that wait behind the one in flight; a waiting request whose body
     * would pass it is answered 503 at once, rather than stalling the connection.
     */
    static final int MAX_WAITING_BODY = 1024 * 1024;

    /**
     * A request the web server began while another was in flight (a multiplexing web server, HAProxy's
     * {@code mpxs-conns}; or nginx's next request on a kept connection, sent as soon as it reads FCGI_END_REQUEST):
     * its variables, and its body so far, copied, until its turn.
     */
    private static final class Waiting {
        final int id;
        final boolean keepConn;
        final boolean authorizer;
        CgiEnvironment params;
        /** Body bytes copied while it waited; null until there are some, as for nearly every request. */
        ArrayDeque<ByteBuffer> body;
        boolean bodyEnded;

        Waiting(int id, boolean keepConn, boolean authorizer) {
            this.id = id;
            this.keepConn = keepConn;
            this.authorizer = authorizer;
        }
    }

    private final FcgiDecoder decoder;
    private final int maxConns;
    private final int maxReqs;
    /** Requests begun and not yet in flight, in the order they began: see {@link Waiting}. */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    /** The most request ids active at once: the one in flight and those waiting. */
    private final int maxRequests;
    /** Body bytes copied for waiting requests, against {@link #MAX_WAITING_BODY}. */
    private long waitingBodyBytes;
    /** The request in flight plays the Authorizer role: it has no body, and its STDIN, if any, is skipped. */
    private boolean authorizing;
    /** What a request that waited received of its body, delivered before what comes from the socket. */
    private final ArrayDeque<ByteBuffer> replay = new ArrayDeque<>();
    /** The request in flight's BodyEnd is due once {@link #replay} is delivered. */
    private boolean bodyEndDue;
    private boolean keepConn;
    private StdinLength stdinLength;
    private ProtocolException failure;

    /**
     * @param limits the bounds on what the web server may send
     * @param trust what the connector believes of its peer
     * @param metrics the connector's counters
     * @param peer the socket's remote address; null for a Unix-domain socket
     * @param local the socket's own address; null for a Unix-domain socket
     * @param nanoClock the adapter's clock, as {@link System#nanoTime()}
     * @param maxConns FCGI_MAX_CONNS for FCGI_GET_VALUES: the connections served at once; 0 or less if unknown
     * @param maxReqs FCGI_MAX_REQS: the requests served at once; 0 or less if unknown
     */
    public FcgiSession(GatewayLimits limits, GatewayTrust trust, GatewayMetrics metrics, InetSocketAddress peer,
            InetSocketAddress local, LongSupplier nanoClock, int maxConns, int maxReqs) {
        super("FastCGI", limits, trust, metrics, peer, local, nanoClock);
        this.decoder = new FcgiDecoder(limits);
        this.maxRequests = limits.getMaxMultiplexedRequests();
        this.maxConns = maxConns;
        this.maxReqs = maxReqs;
    }

    @Override
    protected GatewayEvent decode(ByteBuffer in) throws ProtocolException {
        if (failure != null) {
            throw failure;
        }
        try {
            return decodeRecords(in);
        } catch (ProtocolException e) {
            // Sticky, as the decoder's own: a STDIN length mismatch is found here, not in the decoder.
            failure = e;
            throw e;
        }
    }

    private GatewayEvent decodeRecords(ByteBuffer in) throws ProtocolException {
        if (current != null && !ended && (!replay.isEmpty() || bodyEndDue)) {
            return replayed();
        }
        while (true) {
            Waiting next = waiting.peekFirst();
            if (next != null && next.params != null && (current == null || ended)) {
                if (current != null) {
                    // Held: the one in flight has ended on the wire, and completes first.
                    return null;
                }
                waiting.removeFirst();
                GatewayEvent started = start(next);
                if (started != null) {
                    return started;
                }
                continue;
            }
            FcgiEvent event = decoder.decode(in);
            if (event == null) {
                return null;
            }
            GatewayEvent answer = onEvent(event);
            if (answer != null) {
                return answer;
            }
        }
    }

    private GatewayEvent onEvent(FcgiEvent event) throws ProtocolException {
        if (event instanceof FcgiEvent.BeginRequest begin) {
            return onBegin(begin);
        } else if (event instanceof FcgiEvent.Params params) {
            Waiting w = waiting(params.requestId());
            if (w != null) {
                // The request is complete; it starts once those before it are done.
                w.params = params.params();
                awaitVariables();
            }
        } else if (event instanceof FcgiEvent.Stdin stdin) {
            if (inFlight(stdin.requestId())) {
                if (!authorizing) {
                    stdinLength.received(stdin.data().remaining());
                    return new GatewayEvent.Body(stdin.data());
                }
            } else {
                return keep(stdin.requestId(), stdin.data());
            }
        } else if (event instanceof FcgiEvent.StdinEnd end) {
            if (inFlight(end.requestId())) {
                if (!authorizing) {
                    stdinLength.ended();
                    return GatewayEvent.BODY_END;
                }
            } else {
                Waiting w = waiting(end.requestId());
                if (w != null) {
                    w.bodyEnded = true;
                }
            }
        } else if (event instanceof FcgiEvent.AbortRequest abort) {
            return onAbort(abort.requestId());
        } else if (event instanceof FcgiEvent.GetValues get) {
            if (waiting.isEmpty()) {
                // A management exchange is a complete one: no request is coming yet.
                headDone();
            }
            return new GatewayEvent.Write(FcgiEncoder.getValuesResult(get.names(), maxConns, maxReqs), false, null);
        } else if (event instanceof FcgiEvent.UnknownType unknown) {
            return new GatewayEvent.Write(FcgiEncoder.unknownType(unknown.type()), false, null);
        }
        // FCGI_DATA is the Filter role's, which is refused at FCGI_BEGIN_REQUEST.
        return null;
    }

    private boolean inFlight(int requestId) {
        GatewayRequest r = current;
        return r != null && !ended && r.id() == requestId;
    }

    private GatewayEvent onBegin(FcgiEvent.BeginRequest begin) {
        int id = begin.requestId();
        boolean authorizer = begin.role() == FCGI_AUTHORIZER && trust.getAuthorizerPath() != null;
        if (begin.role() != FCGI_RESPONDER && !authorizer) {
            countUnknownRole();
            return endRequest(id, FCGI_UNKNOWN_ROLE);
        }
        int busy = waiting.size() + (current != null && !ended ? 1 : 0);
        if (busy > 0 && busy >= maxRequests - 1) {
            // The queue is full (the decoder refuses one more active id as a violation): spec 5.5 lets an
            // application refuse this one with FCGI_CANT_MPX_CONN.
            countMultiplexRefusal();
            return endRequest(id, FCGI_CANT_MPX_CONN);
        }
        waiting.addLast(new Waiting(id, begin.keepConn(), authorizer));
        headStarted();
        return null;
    }

    /** The waiting request {@code id}, or null. */
    private Waiting waiting(int id) {
        for (Waiting w : waiting) {
            if (w.id == id) {
                return w;
            }
        }
        return null;
    }

    /** The head-read deadline runs while a waiting request's variables are incomplete. */
    private void awaitVariables() {
        for (Waiting w : waiting) {
            if (w.params == null) {
                return;
            }
        }
        headDone();
    }

    /** Copies body bytes of waiting request {@code id}; one whose body would pass the bound is answered 503. */
    private GatewayEvent keep(int id, ByteBuffer data) {
        Waiting w = waiting(id);
        if (w == null || w.authorizer) {
            return null;
        }
        if (waitingBodyBytes + data.remaining() > MAX_WAITING_BODY) {
            drop(w);
            decoder.endRequest(id);
            countRefused();
            return new GatewayEvent.Write(FcgiEncoder.completeResponse(id, CgiResponseHead.refusal(503,
                    "Service Unavailable")), false, "request " + id + " refused: more than " + MAX_WAITING_BODY
                            + " body bytes wait behind the request in flight");
        }
        ByteBuffer copy = ByteBuffer.allocate(data.remaining());
        copy.put(data).flip();
        if (w.body == null) {
            w.body = new ArrayDeque<>();
        }
        w.body.addLast(copy);
        waitingBodyBytes += copy.remaining();
        return null;
    }

    private void drop(Waiting w) {
        waiting.remove(w);
        release(w);
        awaitVariables();
    }

    /** Takes {@code w}'s copied body bytes off the count of those waiting. */
    private void release(Waiting w) {
        if (w.body != null) {
            for (ByteBuffer b : w.body) {
                waitingBodyBytes -= b.remaining();
            }
        }
    }

    /** The next of what the request in flight received while it waited: body bytes, then its end if it came. */
    private GatewayEvent replayed() throws ProtocolException {
        ByteBuffer data = replay.pollFirst();
        if (data != null) {
            stdinLength.received(data.remaining());
            return new GatewayEvent.Body(data, true);
        }
        bodyEndDue = false;
        if (!authorizing) {
            stdinLength.ended();
        }
        return GatewayEvent.BODY_END;
    }

    private GatewayEvent onAbort(int id) {
        if (inFlight(id)) {
            countAbort();
            aborted = true;
            replay.clear();
            bodyEndDue = false;
            return GatewayEvent.ABORT;
        }
        Waiting w = waiting(id);
        if (w != null) {
            countAbort();
            drop(w);
            return endRequest(id, FCGI_REQUEST_COMPLETE);
        }
        return null;
    }

    private GatewayEvent.Write endRequest(int id, int protocolStatus) {
        decoder.endRequest(id);
        return new GatewayEvent.Write(FcgiEncoder.endRequest(id, 0, protocolStatus), false, null);
    }

    /**
     * Starts waiting request {@code w}, whose variables are complete: its Request event (its body so far follows), or
     * its answer if the variables are bad.
     */
    private GatewayEvent start(Waiting w) {
        int id = w.id;
        keepConn = w.keepConn;
        authorizing = w.authorizer;
        release(w);
        try {
            GatewayEvent.Request request;
            if (authorizing) {
                request = begin(id, keepConn, Authorizer.dispatched(w.params, trust.getAuthorizerPath()),
                        Authorizer.attributes(w.params));
                stdinLength = new StdinLength(0);
                bodyEndDue = true;
            } else {
                request = begin(id, keepConn, w.params);
                stdinLength = new StdinLength(request.request().contentLength());
                if (w.body != null) {
                    replay.addAll(w.body);
                }
                bodyEndDue = w.bodyEnded;
            }
            // Another waiting request's variables may still be due.
            for (Waiting other : waiting) {
                if (other.params == null) {
                    headStarted();
                }
            }
            return request;
        } catch (ProtocolException e) {
            return respond(id, e.statusHint(), e.violation().name(), "request " + id + " refused: " + e.getMessage());
        }
    }

    /** Answers request {@code id} without the container: a short text response, then FCGI_END_REQUEST. */
    private GatewayEvent.Write respond(int id, int status, String reason, String log) {
        decoder.endRequest(id);
        return new GatewayEvent.Write(FcgiEncoder.completeResponse(id, CgiResponseHead.refusal(status, reason)),
                !keepConn && waiting.isEmpty(), log);
    }

    @Override
    public GatewayEvent.Write refuse(int status, String reason) {
        GatewayRequest r = current;
        if (r == null) {
            throw new IllegalStateException("no request in flight to refuse");
        }
        dropCurrent();
        replay.clear();
        bodyEndDue = false;
        countRefused();
        return respond(r.id(), status, reason, "request " + r.id() + " refused: " + reason);
    }

    @Override
    public boolean waiting() {
        return !waiting.isEmpty();
    }

    @Override
    public boolean holding() {
        Waiting next = waiting.peekFirst();
        return next != null && next.params != null && (current == null || ended);
    }

    @Override
    protected void inputEnded() throws ProtocolException {
        if (failure != null) {
            throw failure;
        }
        decoder.endOfInput();
    }

    @Override
    public ByteBuffer answer(ProtocolException violation) {
        Waiting w = waiting.pollFirst();
        if (w == null) {
            return null;
        }
        int id = w.id;
        waiting.clear();
        return FcgiEncoder.completeResponse(id, CgiResponseHead.refusal(violation.statusHint(),
                violation.violation().name()));
    }

    @Override
    public ByteBuffer[] frame(ByteBuffer content) {
        return FcgiEncoder.frameStream(FCGI_STDOUT, current.id(), content);
    }

    @Override
    public int framedLength(int content, boolean last) {
        // An aborted response ends with FCGI_END_REQUEST alone (putEnd).
        int end = !last ? 0 : aborted ? END_LENGTH - FCGI_HEADER_LEN : END_LENGTH;
        return (content > 0 ? (int) FcgiEncoder.streamLength(content) : 0) + end;
    }

    @Override
    public void frameInto(ByteBuffer out, ByteBuffer head, ByteBuffer body, boolean last) {
        int id = current.id();
        int content = (head == null ? 0 : head.remaining()) + (body == null ? 0 : body.remaining());
        // As many records as framedLength counted: more than 65535 bytes take more than one.
        while (content > 0) {
            int n = Math.min(content, FCGI_MAX_CONTENT_LENGTH);
            int padding = Fcgi.paddingFor(n);
            FcgiEncoder.putHeader(out, FCGI_STDOUT, id, n, padding);
            int fromHead = put(out, head, n);
            put(out, body, n - fromHead);
            // Zeros, never what a pooled buffer held before.
            for (int i = 0; i < padding; i++) {
                out.put((byte) 0);
            }
            content -= n;
        }
        if (last && markEnded()) {
            putEnd(out, id);
        }
    }

    /** The end of the response: FCGI_STDOUT's empty record, unless aborted, then FCGI_END_REQUEST (spec 5.4, 5.5). */
    private void putEnd(ByteBuffer out, int id) {
        if (!aborted) {
            FcgiEncoder.putStreamEnd(out, FCGI_STDOUT, id);
        }
        FcgiEncoder.putEndRequest(out, id, 0, FCGI_REQUEST_COMPLETE);
    }

    /** Copies up to {@code max} bytes of {@code from} (null for none) into {@code out}; returns how many. */
    private static int put(ByteBuffer out, ByteBuffer from, int max) {
        if (from == null || max == 0) {
            return 0;
        }
        int n = Math.min(from.remaining(), max);
        out.put(from.slice(from.position(), n));
        from.position(from.position() + n);
        return n;
    }

    @Override
    public ByteBuffer end() {
        if (!markEnded()) {
            return null;
        }
        ByteBuffer out = ByteBuffer.allocate(END_LENGTH);
        // Spec 5.4: an aborted request still ends with FCGI_END_REQUEST.
        putEnd(out, current.id());
        return out.flip();
    }

    /**
     * FCGI_END_REQUEST is going out: the id is inactive from now on (spec 3.3), and the decoder skips what is left of
     * its STDIN.
     *
     * @return false if it had gone out already
     */
    private boolean markEnded() {
        GatewayRequest r = current;
        if (r == null || ended) {
            return false;
        }
        ended = true;
        decoder.endRequest(r.id());
        return true;
    }

    @Override
    public boolean hasStderr() {
        return true;
    }

    /** FCGI_ABORT_REQUEST and management records may come while a response is written. */
    @Override
    public boolean readsDuringResponse() {
        return true;
    }

    @Override
    public String protocolRequestId() {
        GatewayRequest r = current;
        return r == null ? null : Integer.toString(r.id());
    }

    @Override
    public ByteBuffer[] stderr(ByteBuffer bytes) {
        GatewayRequest r = current;
        if (r == null || ended || !bytes.hasRemaining()) {
            return null;
        }
        return FcgiEncoder.frameStream(FCGI_STDERR, r.id(), bytes);
    }

    @Override
    public Completion complete(boolean failed) {
        GatewayRequest r = current;
        if (r == null) {
            return new Completion(null, false);
        }
        ByteBuffer owed = null;
        boolean keep;
        // Requests waiting behind this one keep the connection, whatever this one's FCGI_KEEP_CONN said.
        boolean kept = r.keepConnection() || !waiting.isEmpty();
        if (!ended && aborted) {
            owed = end();
            keep = kept;
        } else if (!ended) {
            // Failed before its last write: the response is cut short, and so is the connection.
            markEnded();
            keep = false;
        } else {
            keep = kept && (!failed || aborted);
        }
        replay.clear();
        bodyEndDue = false;
        dropCurrent();
        return new Completion(owed, keep);
    }

    @Override
    public boolean closeWhenIdle() {
        return requests() == 0 || !keepConn;
    }
}
