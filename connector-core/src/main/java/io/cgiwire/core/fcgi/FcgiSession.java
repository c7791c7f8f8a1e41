package io.cgiwire.core.fcgi;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_AUTHORIZER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_HEADER_LEN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MAX_CONTENT_LENGTH;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_OVERLOADED;
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
import java.util.ArrayList;
import java.util.function.LongSupplier;

/**
 * A FastCGI connection in the Responder role (spec 5.1, 5.5), serving one request at a time or, where the adapter
 * can, several at once (multiplexing, spec 3.3).
 *
 * <ul>
 *   <li>FCGI_BEGIN_REQUEST: a request starts once its variables are complete and there is room in flight: one at a
 *       time, or up to {@code maxMultiplexedRequests} when {@link #multiplexing()}. Ids begun while there is no room
 *       wait, in order, with their variables and their body so far (at most {@link #MAX_WAITING_BODY} bytes for all),
 *       and start as requests complete. One more active id than the bound (the bound itself one at a time, twice it
 *       multiplexing) is refused with FCGI_CANT_MPX_CONN; FCGI_FILTER, and FCGI_AUTHORIZER unless the connector has
 *       an {@link io.cgiwire.core.GatewayTrust#setAuthorizerPath authorizer path}, with FCGI_UNKNOWN_ROLE.</li>
 *   <li>FCGI_GET_VALUES says what is true: FCGI_MPXS_CONNS=1 only when multiplexing, and then FCGI_MAX_REQS at most
 *       the requests one connection serves at once (HAProxy reads it as that).</li>
 *   <li>FCGI_AUTHORIZER: the request is dispatched to the authorizer path as a GET without a body
 *       ({@link Authorizer}); the response goes back as a Responder's does, and the web server reads the status.</li>
 *   <li>FCGI_KEEP_CONN: clear, the connection closes after FCGI_END_REQUEST (unless other requests are in flight or
 *       wait); set, it stays for the next request and is never closed for being idle: the web server closes it.</li>
 *   <li>FCGI_STDIN must carry exactly CONTENT_LENGTH bytes (spec 6.2), else {@link
 *       io.cgiwire.core.Violation#FCGI_STDIN_LENGTH_MISMATCH}.</li>
 *   <li>Body flow: the adapter says what the container {@link #consumed}; while a request holds unread body bytes
 *       the session is {@link #paused()}, one request at a time. Multiplexing, a request may hold up to
 *       {@link #MAX_UNREAD_BODY} unread while others are in flight, and past that its body fails
 *       ({@link GatewayEvent.BodyFailed}) rather than stop the connection for the others; alone, it pauses.</li>
 *   <li>FCGI_ABORT_REQUEST: that request gets an {@link GatewayEvent.Abort} and still ends with FCGI_END_REQUEST
 *       (spec 5.4); the others go on. A request begun but not yet started is ended at once.</li>
 *   <li>FCGI_GET_VALUES and unknown record types are answered as they are read.</li>
 *   <li>An id is inactive as soon as its FCGI_END_REQUEST is queued (spec 3.3): the web server may begin its next
 *       request on reading it, before the container has finished with this one; one at a time, that one is held.</li>
 *   <li>A response cut short (the container failed before its end) cannot be ended on the wire without telling the
 *       web server it was whole: the connection closes. Multiplexing, it closes once the other requests in flight
 *       have completed, and new ids meanwhile are refused with FCGI_OVERLOADED.</li>
 * </ul>
 */
public final class FcgiSession extends GatewaySession {
    /** The bytes FCGI_STDOUT's empty record and FCGI_END_REQUEST take after a response. */
    private static final int END_LENGTH = 2 * FCGI_HEADER_LEN + 8;
    /**
     * Body bytes a connection keeps for requests that wait for their turn; a waiting request whose body would pass it
     * is answered 503 at once, rather than stalling the connection.
     */
    static final int MAX_WAITING_BODY = 1024 * 1024;
    /**
     * Body bytes a request of a multiplexing connection may hold unread while other requests are in flight: past it,
     * its body fails. FastCGI has no flow control of its own, and the others' records come after its bytes.
     */
    static final int MAX_UNREAD_BODY = 1024 * 1024;

    /**
     * A request the web server began, waiting for its variables or its turn: its variables, and its body so far,
     * copied.
     */
    private static final class Waiting {
        final int id;
        final boolean keepConn;
        final boolean authorizer;
        CgiEnvironment params;
        /** Body bytes received while waiting; null until some are (most requests wait for nothing). */
        ArrayDeque<ByteBuffer> body;
        boolean bodyEnded;

        Waiting(int id, boolean keepConn, boolean authorizer) {
            this.id = id;
            this.keepConn = keepConn;
            this.authorizer = authorizer;
        }
    }

    /** A request in flight: from its Request event until {@link #complete}. */
    private static final class Exchange {
        GatewayRequest request;
        /** It plays the Authorizer role: it has no body, and its STDIN, if any, is skipped. */
        boolean authorizer;
        /** Its FCGI_STDIN against its CONTENT_LENGTH. */
        final StdinLength stdinLength = new StdinLength(0);
        /** What it received while it waited, delivered before what comes from the socket; null when nothing. */
        ArrayDeque<ByteBuffer> replay;
        /** Its BodyEnd is due once {@link #replay} is delivered. */
        boolean bodyEndDue;
        /** FCGI_END_REQUEST has been queued: nothing more is written for it. */
        volatile boolean ended;
        volatile boolean aborted;
        /** Body bytes delivered and not yet {@link #consumed}. */
        long unread;
        /** Its body failed ({@link GatewayEvent.BodyFailed}): what is left of it is dropped. */
        boolean bodyFailed;
        /** Its FCGI_STDIN has ended: the web server sends nothing more for it. */
        boolean stdinEnded;

        Exchange reset(boolean authorizer) {
            this.request = null;
            this.authorizer = authorizer;
            this.replay = null;
            this.bodyEndDue = false;
            this.ended = false;
            this.aborted = false;
            this.unread = 0;
            this.bodyFailed = false;
            this.stdinEnded = false;
            return this;
        }
    }

    private final FcgiDecoder decoder;
    private final int maxConns;
    private final int maxReqs;
    private final boolean multiplexing;
    /** Requests whose response is going at once: one, or {@code maxMultiplexedRequests} multiplexing. */
    private final int maxInFlight;
    /** Body bytes a request may hold unread before the connection pauses or, multiplexing with others, it fails. */
    private final int maxUnread;
    /**
     * Requests begun and not yet in flight, in the order they began: see {@link Waiting}. Every request passes through
     * it, and one at a time but for a multiplexing web server: room for two to begin with, not the default sixteen,
     * which each idle connection would carry.
     */
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>(2);
    /**
     * The decoder's bound on active ids: one more than may be in flight and waiting at once, the one that is refused.
     */
    private final int maxRequests;
    /** Body bytes copied for waiting requests, against {@link #MAX_WAITING_BODY}. */
    private long waitingBodyBytes;
    /** The requests in flight, in the order they started; guarded by itself, for {@link #stderr} from any thread. */
    private final ArrayList<Exchange> inFlight = new ArrayList<>(1);
    /** A completed exchange, for the next request: one at a time, a connection makes none after its first. */
    private Exchange spare;
    /** The request whose waiting body is being delivered: before anything else is read. */
    private Exchange replaying;
    /** What the last Body, BodyEnd, BodyFailed or Abort was for. */
    private Exchange target;
    /** The request whose unread body pauses the connection, or null. */
    private Exchange pausing;
    /** The last request started kept the connection. */
    private boolean keepConn;
    /** A response was cut short while others were in flight: the connection closes once they complete. */
    private boolean closing;
    private ProtocolException failure;

    /**
     * A session that serves one request at a time.
     *
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
        this(limits, trust, metrics, peer, local, nanoClock, maxConns, maxReqs, false);
    }

    /**
     * As the other constructor; when {@code multiplex}, for an adapter that can serve several requests of the
     * connection at once, up to {@code maxMultiplexedRequests} (more than one, else it serves one at a time).
     */
    public FcgiSession(GatewayLimits limits, GatewayTrust trust, GatewayMetrics metrics, InetSocketAddress peer,
            InetSocketAddress local, LongSupplier nanoClock, int maxConns, int maxReqs, boolean multiplex) {
        super("FastCGI", limits, trust, metrics, peer, local, nanoClock);
        int bound = limits.getMaxMultiplexedRequests();
        this.multiplexing = multiplex && bound > 1;
        if (multiplexing) {
            // As many again may wait for room as are in flight: 2 x bound active ids. The decoder takes one more, so
            // that the id past them is refused with FCGI_CANT_MPX_CONN (onBegin), not a violation.
            GatewayLimits decoderLimits = new GatewayLimits(limits);
            decoderLimits.setMaxMultiplexedRequests(Math.min(2 * bound + 1, 0xFFFF));
            this.decoder = new FcgiDecoder(decoderLimits);
            this.maxRequests = decoderLimits.getMaxMultiplexedRequests();
            this.maxInFlight = bound;
            this.maxUnread = MAX_UNREAD_BODY;
        } else {
            this.decoder = new FcgiDecoder(limits);
            this.maxRequests = bound;
            this.maxInFlight = 1;
            this.maxUnread = 0;
        }
        this.maxConns = maxConns;
        this.maxReqs = maxReqs;
    }

    @Override
    public boolean multiplexing() {
        return multiplexing;
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
        while (true) {
            if (replaying != null) {
                GatewayEvent replayed = replayed(replaying);
                if (replayed != null) {
                    return replayed;
                }
            }
            Waiting next = waiting.peekFirst();
            if (next != null && next.params != null) {
                if (room()) {
                    waiting.removeFirst();
                    GatewayEvent started = start(next);
                    if (started != null) {
                        return started;
                    }
                    continue;
                }
                if (allEnded()) {
                    // Held: those in flight have ended on the wire, and complete first.
                    return null;
                }
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
                // The request is complete; it starts once there is room.
                w.params = params.params();
                awaitVariables();
            }
        } else if (event instanceof FcgiEvent.Stdin stdin) {
            Exchange e = live(stdin.requestId());
            return e != null ? body(e, stdin.data()) : keep(stdin.requestId(), stdin.data());
        } else if (event instanceof FcgiEvent.StdinEnd end) {
            Exchange e = live(end.requestId());
            if (e != null) {
                e.stdinEnded = true;
                if (!e.authorizer && !e.bodyFailed) {
                    e.stdinLength.ended();
                    target = e;
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
            int reqs = !multiplexing ? maxReqs : maxReqs > 0 ? Math.min(maxReqs, maxInFlight) : maxInFlight;
            return new GatewayEvent.Write(FcgiEncoder.getValuesResult(get.names(), maxConns, reqs, multiplexing),
                    false, null);
        } else if (event instanceof FcgiEvent.UnknownType unknown) {
            return new GatewayEvent.Write(FcgiEncoder.unknownType(unknown.type()), false, null);
        }
        // FCGI_DATA is the Filter role's, which is refused at FCGI_BEGIN_REQUEST.
        return null;
    }

    /** Body bytes from the socket for request {@code e}, in flight. */
    private GatewayEvent body(Exchange e, ByteBuffer data) throws ProtocolException {
        if (e.authorizer || e.bodyFailed) {
            return null;
        }
        int n = data.remaining();
        e.stdinLength.received(n);
        target = e;
        e.unread += n;
        if (e.unread > maxUnread) {
            if (multiplexing && !alone(e)) {
                e.bodyFailed = true;
                return new GatewayEvent.BodyFailed("request " + e.request.id() + " left more than " + maxUnread
                        + " bytes of its body unread while other requests shared the connection; the rest of its"
                        + " body is dropped");
            }
            pausing = e;
        }
        return new GatewayEvent.Body(data);
    }

    /** Whether {@code e} is the only request of the connection, in flight or waiting. */
    private boolean alone(Exchange e) {
        if (!waiting.isEmpty()) {
            return false;
        }
        for (Exchange other : inFlight) {
            if (other != e && !other.ended) {
                return false;
            }
        }
        return true;
    }

    private boolean allEnded() {
        for (Exchange e : inFlight) {
            if (!e.ended) {
                return false;
            }
        }
        return true;
    }

    /** The request in flight with id {@code requestId} whose response is still going: the one its records are for. */
    private Exchange live(int requestId) {
        for (int i = 0; i < inFlight.size(); i++) {
            Exchange e = inFlight.get(i);
            if (!e.ended && e.request.id() == requestId) {
                return e;
            }
        }
        return null;
    }

    /** The exchange of request {@code r}, in flight, or null. */
    private Exchange exchange(GatewayRequest r) {
        for (int i = 0; i < inFlight.size(); i++) {
            Exchange e = inFlight.get(i);
            if (e.request == r) {
                return e;
            }
        }
        return null;
    }

    private GatewayEvent onBegin(FcgiEvent.BeginRequest begin) {
        int id = begin.requestId();
        boolean authorizer = begin.role() == FCGI_AUTHORIZER && trust.getAuthorizerPath() != null;
        if (begin.role() != FCGI_RESPONDER && !authorizer) {
            countUnknownRole();
            return endRequest(id, FCGI_UNKNOWN_ROLE);
        }
        if (closing) {
            countRefused();
            return endRequest(id, FCGI_OVERLOADED);
        }
        int busy = waiting.size();
        for (Exchange e : inFlight) {
            if (!e.ended) {
                busy++;
            }
        }
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
                            + " body bytes wait behind the requests in flight");
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
        unkeep(w);
        awaitVariables();
    }

    /** The body bytes kept for {@code w} no longer count against {@link #MAX_WAITING_BODY}. */
    private void unkeep(Waiting w) {
        if (w.body != null) {
            for (ByteBuffer b : w.body) {
                waitingBodyBytes -= b.remaining();
            }
        }
    }

    /** The next of what {@code e} received while it waited: body bytes, then its end if it came; null when done. */
    private GatewayEvent replayed(Exchange e) throws ProtocolException {
        target = e;
        ByteBuffer data = e.replay == null ? null : e.replay.pollFirst();
        if (data != null) {
            e.stdinLength.received(data.remaining());
            e.unread += data.remaining();
            if (e.unread > maxUnread) {
                pausing = e;
            }
            return new GatewayEvent.Body(data, true);
        }
        replaying = null;
        e.replay = null;
        if (!e.bodyEndDue) {
            return null;
        }
        e.bodyEndDue = false;
        if (!e.authorizer) {
            e.stdinLength.ended();
            e.stdinEnded = true;
        }
        return GatewayEvent.BODY_END;
    }

    private GatewayEvent onAbort(int id) {
        Exchange e = live(id);
        if (e != null) {
            countAbort();
            e.aborted = true;
            e.replay = null;
            e.bodyEndDue = false;
            if (replaying == e) {
                replaying = null;
            }
            target = e;
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
        unkeep(w);
        Exchange e = spare != null ? spare.reset(w.authorizer) : new Exchange().reset(w.authorizer);
        spare = null;
        try {
            GatewayEvent.Request request;
            if (w.authorizer) {
                request = begin(id, keepConn, Authorizer.dispatched(w.params, trust.getAuthorizerPath()),
                        Authorizer.attributes(w.params));
                e.stdinLength.reset(0);
                e.bodyEndDue = true;
            } else {
                request = begin(id, keepConn, w.params);
                e.stdinLength.reset(request.request().contentLength());
                e.replay = w.body;
                e.bodyEndDue = w.bodyEnded;
            }
            e.request = request.request();
            synchronized (inFlight) {
                inFlight.add(e);
            }
            if (e.replay != null || e.bodyEndDue) {
                replaying = e;
            }
            // Another waiting request's variables may still be due.
            for (Waiting other : waiting) {
                if (other.params == null) {
                    headStarted();
                }
            }
            return request;
        } catch (ProtocolException x) {
            spare = e;
            restoreCurrent();
            return respond(id, x.statusHint(), x.violation().name(), "request " + id + " refused: " + x.getMessage());
        }
    }

    /** Answers request {@code id} without the container: a short text response, then FCGI_END_REQUEST. */
    private GatewayEvent.Write respond(int id, int status, String reason, String log) {
        decoder.endRequest(id);
        return new GatewayEvent.Write(FcgiEncoder.completeResponse(id, CgiResponseHead.refusal(status, reason)),
                !keepConn && waiting.isEmpty() && inFlight.isEmpty(), log);
    }

    @Override
    public GatewayEvent.Write refuse(int status, String reason) {
        return refuse(current, status, reason);
    }

    @Override
    public GatewayEvent.Write refuse(GatewayRequest r, int status, String reason) {
        Exchange e = r == null ? null : exchange(r);
        if (e == null) {
            throw new IllegalStateException("no request in flight to refuse");
        }
        retire(e);
        countRefused();
        return respond(r.id(), status, reason, "request " + r.id() + " refused: " + reason);
    }

    /** {@code e} is no longer in flight: its error stream goes back, and its exchange serves the next request. */
    private void retire(Exchange e) {
        synchronized (inFlight) {
            inFlight.remove(e);
        }
        release(e.request);
        if (replaying == e) {
            replaying = null;
        }
        if (pausing == e) {
            pausing = null;
        }
        if (target == e) {
            target = null;
        }
        restoreCurrent();
        e.request = null;
        e.replay = null;
        spare = e;
    }

    /** {@link #current()} is the request in flight started last, for the methods that take no request. */
    private void restoreCurrent() {
        current = inFlight.isEmpty() ? null : inFlight.get(inFlight.size() - 1).request;
    }

    @Override
    public boolean waiting() {
        return !waiting.isEmpty();
    }

    @Override
    public boolean holding() {
        Waiting next = waiting.peekFirst();
        return next != null && next.params != null && (room() || allEnded());
    }

    /**
     * Whether a waiting request may start: one at a time, once the last has completed; multiplexing, while fewer
     * than the bound have a response still going. A request whose FCGI_END_REQUEST is out is done for the web server,
     * which may begin another in its place (HAProxy keeps FCGI_MAX_REQS streams busy), though the container has yet
     * to complete it.
     */
    private boolean room() {
        if (!multiplexing) {
            return inFlight.isEmpty();
        }
        int live = 0;
        for (int i = 0; i < inFlight.size(); i++) {
            if (!inFlight.get(i).ended) {
                live++;
            }
        }
        return live < maxInFlight;
    }

    @Override
    public boolean paused() {
        Exchange e = pausing;
        return e != null && e.unread > maxUnread && !e.ended && !e.bodyFailed;
    }

    @Override
    public void consumed(GatewayRequest r, int bytes) {
        Exchange e = r == null ? null : exchange(r);
        if (e != null) {
            e.unread -= bytes;
        }
    }

    @Override
    public GatewayRequest target() {
        Exchange e = target;
        return e == null ? null : e.request;
    }

    @Override
    public boolean aborted(GatewayRequest r) {
        Exchange e = r == null ? null : exchange(r);
        return e != null && e.aborted;
    }

    @Override
    public boolean ended(GatewayRequest r) {
        Exchange e = r == null ? null : exchange(r);
        return e == null || e.ended;
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
        return frame(current, content);
    }

    @Override
    public ByteBuffer[] frame(GatewayRequest r, ByteBuffer content) {
        return FcgiEncoder.frameStream(FCGI_STDOUT, r.id(), content);
    }

    @Override
    public int framedLength(int content, boolean last) {
        return framedLength(current, content, last);
    }

    @Override
    public int framedLength(GatewayRequest r, int content, boolean last) {
        // An aborted response ends with FCGI_END_REQUEST alone (putEnd).
        int end = !last ? 0 : aborted(r) ? END_LENGTH - FCGI_HEADER_LEN : END_LENGTH;
        return (content > 0 ? (int) FcgiEncoder.streamLength(content) : 0) + end;
    }

    @Override
    public void frameInto(ByteBuffer out, ByteBuffer head, ByteBuffer body, boolean last) {
        frameInto(current, out, head, body, last);
    }

    @Override
    public void frameInto(GatewayRequest r, ByteBuffer out, ByteBuffer head, ByteBuffer body, boolean last) {
        int id = r.id();
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
        Exchange e = last ? exchange(r) : null;
        if (e != null && markEnded(e)) {
            putEnd(out, e);
        }
    }

    /** The end of the response: FCGI_STDOUT's empty record, unless aborted, then FCGI_END_REQUEST (spec 5.4, 5.5). */
    private static void putEnd(ByteBuffer out, Exchange e) {
        int id = e.request.id();
        if (!e.aborted) {
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
        return end(current);
    }

    @Override
    public ByteBuffer end(GatewayRequest r) {
        Exchange e = r == null ? null : exchange(r);
        return e == null ? null : end(e);
    }

    private ByteBuffer end(Exchange e) {
        if (!markEnded(e)) {
            return null;
        }
        ByteBuffer out = ByteBuffer.allocate(END_LENGTH);
        // Spec 5.4: an aborted request still ends with FCGI_END_REQUEST.
        putEnd(out, e);
        return out.flip();
    }

    /**
     * FCGI_END_REQUEST is going out: the id is inactive from now on (spec 3.3), and the decoder skips what is left of
     * its STDIN.
     *
     * @return false if it had gone out already
     */
    private boolean markEnded(Exchange e) {
        if (e.ended) {
            return false;
        }
        e.ended = true;
        decoder.endRequest(e.request.id());
        if (replaying == e) {
            replaying = null;
        }
        e.replay = null;
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
        return protocolRequestId(current);
    }

    @Override
    public String protocolRequestId(GatewayRequest r) {
        return r == null ? null : Integer.toString(r.id());
    }

    @Override
    public ByteBuffer[] stderr(ByteBuffer bytes) {
        return stderr(current, bytes);
    }

    @Override
    public ByteBuffer[] stderr(GatewayRequest r, ByteBuffer bytes) {
        if (r == null || !bytes.hasRemaining()) {
            return null;
        }
        synchronized (inFlight) {
            Exchange e = exchange(r);
            if (e == null || e.ended) {
                return null;
            }
        }
        return FcgiEncoder.frameStream(FCGI_STDERR, r.id(), bytes);
    }

    @Override
    public Completion complete(boolean failed) {
        return complete(current, failed);
    }

    @Override
    public Completion complete(GatewayRequest r, boolean failed) {
        Exchange e = r == null ? null : exchange(r);
        if (e == null) {
            return new Completion(null, false, false, failed);
        }
        ByteBuffer owed = null;
        boolean keep;
        boolean cutShort = (failed || !e.ended) && !e.aborted;
        // Requests in flight or waiting besides this one keep the connection for now; once none is left, the last
        // request begun says whether it stays (a request that completes late does not undo a later one's close).
        boolean others = !waiting.isEmpty() || inFlight.size() > 1;
        boolean kept = keepConn || others;
        if (!e.ended && e.aborted) {
            owed = end(e);
            keep = kept;
        } else if (!e.ended) {
            // Failed before its last write: the response is cut short, and so is the connection.
            markEnded(e);
            keep = false;
        } else {
            keep = kept && (!failed || e.aborted);
        }
        retire(e);
        if (!keep && multiplexing && !inFlight.isEmpty()) {
            // The others in flight finish first; nothing new starts meanwhile.
            closing = true;
        }
        if (closing) {
            keep = !inFlight.isEmpty() || !waiting.isEmpty();
        }
        // Without FCGI_KEEP_CONN the application closes the connection after the response (spec section 5.1), and
        // once the request's FCGI_STDIN has ended the web server has nothing more to send on it: no drain, a read
        // event per request less (lighttpd, and nginx without fastcgi_keep_conn).
        boolean inputComplete = !keep && e.stdinEnded && !e.aborted && inFlight.isEmpty() && waiting.isEmpty()
                && decoder.betweenRecords();
        return new Completion(owed, keep, inputComplete, cutShort);
    }

    @Override
    public boolean closeWhenIdle() {
        return requests() == 0 || !keepConn;
    }
}
