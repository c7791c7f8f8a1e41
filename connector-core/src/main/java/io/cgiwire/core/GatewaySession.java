package io.cgiwire.core;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.cgi.CgiRequestMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * What one FastCGI or SCGI connection does between bytes and requests, written once for every container: the
 * adapter feeds it what the socket read and acts on the {@link GatewayEvent}s it returns; it frames the response
 * the container writes; it decides whether the connection carries another request. It owns the protocol's decoder
 * and every protocol decision; the adapter owns the socket, the threads, the clock and the log.
 *
 * <pre>
 *   socket bytes ──▶ next(in) ──▶ Request / Body / BodyEnd / Abort / Write ──▶ container
 *   container    ──▶ frame(content), frameInto(...), end(), stderr(...) ──▶ socket bytes
 *   request done ──▶ complete(failed) ──▶ keep the connection, or close it
 * </pre>
 *
 * <p>One request is in flight at a time: from its {@link GatewayEvent.Request} until the adapter calls
 * {@link #complete}. A request the web server begins before that (FastCGI sends the next one as soon as it reads
 * FCGI_END_REQUEST) is held, and {@link #holding()} says to read no further until the first is complete.
 *
 * <p>A request's variables must arrive within {@link GatewayLimits#getHeaderReadTimeout()} of its start: the session
 * keeps that deadline as data ({@link #headPending()}, {@link #headTimeLeftMillis()}) from the clock the adapter
 * gives it, and the adapter closes the connection when it has passed.
 *
 * <p>Not thread-safe: the adapter calls it under one lock, except {@link #stderr}, which may be called from any
 * thread.
 */
public abstract class GatewaySession {
    /**
     * Response content up to this many bytes, head and body together, is best copied into one buffer with its
     * framing ({@link #frameInto}): one write, and for FastCGI one record for the web server to parse, for a copy of
     * a few KiB. More is framed apart, uncopied ({@link #frame}).
     */
    public static final int COPY_LIMIT = 8 * 1024;

    /**
     * What {@link #complete} decided.
     *
     * @param owed what must still be written for the request, or null
     * @param keepConnection whether the connection carries another request
     * @param inputComplete whether the web server has sent all that the protocol lets it send on this connection, so
     *     that a connection that is not kept may close at once, with nothing left to drain, once the adapter has no
     *     unread bytes either; false when more may come
     * @param cutShort whether the response failed before its end, for another reason than the web server's abort:
     *     the web server sees the request end without it, and the connection must not linger
     */
    public record Completion(ByteBuffer owed, boolean keepConnection, boolean inputComplete, boolean cutShort) {
        /** A completion after a whole response, after which the web server may still send something. */
        public Completion(ByteBuffer owed, boolean keepConnection) {
            this(owed, keepConnection, false, false);
        }

        /**
         * What the adapter does with the connection now that the response is out, the same on every container: keep
         * it for the next request if the session keeps it, the connection is sound and the connector still takes
         * requests; else, after a response that went out whole on a sound connection, drain it (shut our side, then
         * read and drop what the web server still sends until it closes: closing with bytes unread would reset the
         * connection under the response), unless nothing more can come and nothing read is left; else close it.
         *
         * @param sound the connection can carry more: no failure or violation on it, its input not ended, not closed
         * @param stopping the connector takes no new request (it is stopping or paused)
         * @param unread bytes read from the connection and not yet decoded remain
         */
        public AfterResponse after(boolean sound, boolean stopping, boolean unread) {
            if (keepConnection && sound && !stopping) {
                return AfterResponse.KEEP;
            }
            if (sound && !cutShort && !(inputComplete && !unread)) {
                return AfterResponse.DRAIN;
            }
            return AfterResponse.CLOSE;
        }
    }

    /** What becomes of a connection once a response is out: see {@link Completion#after}. */
    public enum AfterResponse {
        /** Carries the next request. */
        KEEP,
        /** Ends gracefully: our side shut, the web server's bytes read and dropped until it closes too. */
        DRAIN,
        /** Closes at once. */
        CLOSE
    }

    private final String protocol;
    /** The connector's trust settings. */
    protected final GatewayTrust trust;
    private final GatewayMetrics metrics;
    private final LongSupplier nanoClock;
    private final long headTimeoutNanos;
    private final InetSocketAddress peer;
    private final InetSocketAddress local;

    /** The request in flight: from its Request event until {@link #complete}. */
    protected volatile GatewayRequest current;
    /** Body bytes delivered and not yet {@link #consumed}: see {@link #paused()}. */
    private long unread;
    /** The last request's Host, handed to the next so that the same Host is the same String. */
    private String lastHost;
    /** The response of {@link #current} has ended on the wire: nothing more is written for it. */
    protected volatile boolean ended;
    /** The web server aborted {@link #current}. */
    protected volatile boolean aborted;
    private int requests;
    /** The violation last counted. */
    private ProtocolException counted;
    private boolean headPending;
    private long headStarted;

    /**
     * @param protocol the protocol's name for messages ("FastCGI", "SCGI")
     * @param limits the bounds on what the web server may send
     * @param trust what the connector believes of its peer
     * @param metrics the connector's counters, which this session adds to
     * @param peer the socket's remote address (the web server); null for a Unix-domain socket
     * @param local the socket's own address; null for a Unix-domain socket
     * @param nanoClock the adapter's clock, as {@link System#nanoTime()}
     */
    protected GatewaySession(String protocol, GatewayLimits limits, GatewayTrust trust, GatewayMetrics metrics,
            InetSocketAddress peer, InetSocketAddress local, LongSupplier nanoClock) {
        this.protocol = Objects.requireNonNull(protocol, "protocol");
        this.trust = Objects.requireNonNull(trust, "trust");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        metrics.connectionOpened();
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.headTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(limits.getHeaderReadTimeout());
        this.peer = peer;
        this.local = local;
        // A new connection must bring a request's variables in time.
        headStarted();
    }

    /** The protocol's name: "FastCGI" or "SCGI". */
    public final String protocol() {
        return protocol;
    }

    /**
     * Decodes {@code in} up to the next event for the adapter.
     *
     * @param in what the socket read; its position advances past what was consumed. Body events are slices of it.
     * @return the next event, or null when {@code in} is used up or the session is {@link #holding()}
     * @throws ProtocolException if the web server broke the protocol: log it once, fail the request in flight if
     *     any, else write {@link #answer} if not null, and end the connection
     */
    public final GatewayEvent next(ByteBuffer in) throws ProtocolException {
        try {
            GatewayEvent event = decode(in);
            if (event instanceof GatewayEvent.Body body) {
                unread += body.data().remaining();
            }
            return event;
        } catch (ProtocolException e) {
            throw violated(e);
        }
    }

    /** {@link #next}, for the protocol; a violation it throws is counted by {@link #next}. */
    protected abstract GatewayEvent decode(ByteBuffer in) throws ProtocolException;

    /**
     * True while a complete request is held: it waits for the one in flight to complete. While {@link #next} returns
     * null and this is true, read and decode no more; once {@link #complete} has been called and this is still true,
     * call {@link #next} again, without new bytes, for the held request.
     */
    public boolean holding() {
        return false;
    }

    /**
     * Whether requests the web server began wait behind the one in flight (FastCGI): they keep the connection for
     * themselves, whatever the request in flight's FCGI_KEEP_CONN said.
     */
    public boolean waiting() {
        return false;
    }

    /**
     * The web server closed its side.
     *
     * @throws ProtocolException if that cut a record, netstring or body short
     */
    public final void endOfInput() throws ProtocolException {
        try {
            inputEnded();
        } catch (ProtocolException e) {
            throw violated(e);
        }
    }

    /** {@link #endOfInput}, for the protocol. */
    protected abstract void inputEnded() throws ProtocolException;

    /**
     * What to write for a violation found while no request was in the container, before closing the connection
     * gracefully; null to close it at once.
     */
    public abstract ByteBuffer answer(ProtocolException violation);

    /**
     * Answers the request in flight without the container, which refused it (a target it cannot parse): a short
     * text response, and the request ends.
     */
    public abstract GatewayEvent.Write refuse(int status, String reason);

    /** The request in flight, or null. */
    public final GatewayRequest current() {
        return current;
    }

    /** Whether the request in flight was aborted by the web server. */
    public final boolean aborted() {
        return aborted(current);
    }

    /** Whether the response of the request in flight has ended on the wire (or there is none in flight). */
    public final boolean ended() {
        return ended(current);
    }

    /** Whether request {@code r} was aborted by the web server. */
    public boolean aborted(GatewayRequest r) {
        return r != null && r == current && aborted;
    }

    /** Whether the response of request {@code r} has ended on the wire, or {@code r} is no longer in flight. */
    public boolean ended(GatewayRequest r) {
        return r == null || r != current || ended;
    }

    /**
     * Whether several requests of this connection may be in the container at once (FastCGI multiplexing, when the
     * adapter can serve it): then {@link #next} may start a request before those in flight complete, {@link #target()}
     * says which request a body, its end or an abort is for, and the adapter calls the methods that take a request.
     * Otherwise one request is in flight at a time, and the methods without one act on it.
     */
    public boolean multiplexing() {
        return false;
    }

    /** The request that the last {@link GatewayEvent.Body}, {@link GatewayEvent.BodyEnd}, {@link GatewayEvent.BodyFailed} or {@link GatewayEvent.Abort} was for. */
    public GatewayRequest target() {
        return current;
    }

    /**
     * The container took {@code bytes} of {@code r}'s body from what the adapter holds for it: a {@link
     * #multiplexing()} session bounds what a request holds unread, so that one that does not read never stops the
     * connection (see {@link GatewayEvent.BodyFailed}).
     */
    public void consumed(GatewayRequest r, int bytes) {
        unread -= bytes;
    }

    /**
     * Whether to read and decode no more until the container has {@link #consumed} what it was given of a request's
     * body: the back-pressure. One request at a time, that is while any body byte it was given is unread, which
     * lets the connection hold one chunk of it; see {@link #multiplexing()} for several.
     */
    public boolean paused() {
        return current != null && unread > 0;
    }

    /** Requests this connection has begun. */
    public final int requests() {
        return requests;
    }

    /**
     * The bytes of {@code content}, framed as response bytes of the request in flight, ready to write; the content
     * itself is not copied.
     */
    public abstract ByteBuffer[] frame(ByteBuffer content);

    /** Whether {@code content} bytes of response are copied with their framing ({@link #COPY_LIMIT}). */
    public static boolean copies(int content) {
        return content <= COPY_LIMIT;
    }

    /** How many bytes {@link #frameInto} writes for {@code content} bytes of response, and the end when {@code last}. */
    public abstract int framedLength(int content, boolean last);

    /**
     * Copies {@code head} and {@code body} (either may be null) into {@code out} as response bytes of the request in
     * flight, followed by the end of the response when {@code last}: one buffer, one write, for small responses.
     */
    public abstract void frameInto(ByteBuffer out, ByteBuffer head, ByteBuffer body, boolean last);

    /**
     * The response of the request in flight ends: what ends it on the wire (null if nothing does). The request's
     * body, if not read yet, will not be delivered. Once only: later calls return null.
     */
    public abstract ByteBuffer end();

    /** Whether the protocol has an error stream to the web server's log (FastCGI's FCGI_STDERR). */
    public boolean hasStderr() {
        return false;
    }

    /**
     * Whether the web server may send, while a response is written, what the session must act on at once (FastCGI's
     * FCGI_ABORT_REQUEST and management records): the adapter should then look at its input during a response. SCGI
     * sends nothing after the body, and a byte there is a violation best found after the response.
     */
    public boolean readsDuringResponse() {
        return false;
    }

    /**
     * Whether nothing the adapter must act on can come before the request in flight completes, so that it need not
     * read meanwhile: SCGI once the body is whole. The end of the input could still come, but it would only say that
     * the web server went away, which the response's next write finds out too, as over HTTP. Never for FastCGI (see
     * {@link #readsDuringResponse()}).
     */
    public boolean idleUntilComplete() {
        return false;
    }

    /** The protocol's id of the request in flight (a servlet's getProtocolRequestId()); null where it has none. */
    public String protocolRequestId() {
        return null;
    }

    /**
     * The error stream of the request in flight, to hand it as an attribute; null where the protocol has none. What
     * is written goes to {@code sink} as {@link #stderr} frames it, for the request in flight at the time; once the
     * response has ended it is dropped. Each flush ({@code println} flushes) is one write. The first call of a
     * request lends it a stream, with that call's sink, and later calls return the same; it is given back when the
     * request completes, so that a connection between requests holds none (see {@link ErrorStream}). Like the
     * request itself, it is valid only while the request is in flight: once given back, what is written to it goes
     * to whichever request it is lent to next.
     */
    public final PrintStream errorStream(StderrSink sink) {
        return errorStream(current, sink);
    }

    /** As {@link #errorStream(StderrSink)}, for request {@code r} of a {@link #multiplexing()} session. */
    public final PrintStream errorStream(GatewayRequest r, StderrSink sink) {
        if (!hasStderr() || r == null) {
            return null;
        }
        synchronized (r) {
            if (r.errorStream == null) {
                r.stderrSink = sink;
                r.errorStream = ErrorStream.lend(this, r);
            }
            return r.errorStream.stream;
        }
    }

    /** What a lent {@link #errorStream} writes: {@code bytes}, framed, to the sink, if {@code r}'s response is on. */
    final void writeStderr(GatewayRequest r, ByteBuffer bytes) throws IOException {
        ByteBuffer[] framed = stderr(r, bytes);
        StderrSink sink = r.stderrSink;
        if (framed != null && sink != null) {
            sink.write(framed);
        }
    }

    /** Request {@code r} is done with its error stream, if it had one. */
    protected final void release(GatewayRequest r) {
        if (r == null) {
            return;
        }
        synchronized (r) {
            if (r.errorStream != null) {
                r.errorStream.giveBack();
                r.errorStream = null;
                r.stderrSink = null;
            }
        }
    }

    /** Where {@link #errorStream} writes: the adapter's queue to the web server. */
    @FunctionalInterface
    public interface StderrSink {
        /** Writes {@code framed} to the web server, in order with the response. */
        void write(ByteBuffer[] framed) throws IOException;
    }

    /**
     * {@code bytes} as the request in flight's error stream, ready to write; null when there is no such stream or no
     * response in progress (written between requests, lines are dropped). May be called from any thread.
     */
    public ByteBuffer[] stderr(ByteBuffer bytes) {
        return null;
    }

    /**
     * The container is done with the request in flight, cleanly or with {@code failed}: whether the connection
     * carries another one, and what is still owed on the wire first (FastCGI ends an aborted request with
     * FCGI_END_REQUEST).
     */
    public abstract Completion complete(boolean failed);

    /** {@link #refuse(int, String)} for request {@code r}. */
    public GatewayEvent.Write refuse(GatewayRequest r, int status, String reason) {
        return refuse(status, reason);
    }

    /** {@link #frame(ByteBuffer)} for request {@code r}. */
    public ByteBuffer[] frame(GatewayRequest r, ByteBuffer content) {
        return frame(content);
    }

    /** {@link #framedLength(int, boolean)} for request {@code r}. */
    public int framedLength(GatewayRequest r, int content, boolean last) {
        return framedLength(content, last);
    }

    /** {@link #frameInto(ByteBuffer, ByteBuffer, ByteBuffer, boolean)} for request {@code r}. */
    public void frameInto(GatewayRequest r, ByteBuffer out, ByteBuffer head, ByteBuffer body, boolean last) {
        frameInto(out, head, body, last);
    }

    /** {@link #end()} for request {@code r}. */
    public ByteBuffer end(GatewayRequest r) {
        return end();
    }

    /** {@link #stderr(ByteBuffer)} for request {@code r}. May be called from any thread. */
    public ByteBuffer[] stderr(GatewayRequest r, ByteBuffer bytes) {
        return r == current ? stderr(bytes) : null;
    }

    /** {@link #protocolRequestId()} of request {@code r}. */
    public String protocolRequestId(GatewayRequest r) {
        return protocolRequestId();
    }

    /** {@link #complete(boolean)} for request {@code r}. */
    public Completion complete(GatewayRequest r, boolean failed) {
        return complete(failed);
    }

    /**
     * Whether a connection with no request in flight may be closed when idle: not one that serves FCGI_KEEP_CONN
     * requests, since nginx races such a close and answers 502 (FRONT-SERVERS.md): the web server closes it.
     */
    public boolean closeWhenIdle() {
        return true;
    }

    /** Whether a request's variables are being awaited: the head-read deadline runs. */
    public final boolean headPending() {
        return headPending;
    }

    /** Milliseconds left until the head-read deadline, at least 0; {@link Long#MAX_VALUE} when none runs. */
    public final long headTimeLeftMillis() {
        if (!headPending) {
            return Long.MAX_VALUE;
        }
        long left = headTimeoutNanos - (nanoClock.getAsLong() - headStarted);
        return left <= 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(left - 1) + 1;
    }

    /**
     * The headerReadTimeout that {@link #headTimeLeftMillis()} counted down is up, and the adapter closes the
     * connection: the line to log.
     */
    public final String headTimedOut() {
        metrics.headTimedOut();
        return "a request's variables did not arrive within " + TimeUnit.NANOSECONDS.toMillis(headTimeoutNanos)
                + " ms (headerReadTimeout); closing";
    }

    /** A request began (or a connection opened that must bring one): its variables are due. */
    protected final void headStarted() {
        if (!headPending) {
            headPending = true;
            headStarted = nanoClock.getAsLong();
        }
    }

    /** The request's variables are complete, or no request is coming yet. */
    protected final void headDone() {
        headPending = false;
    }

    /**
     * Maps the variables of request {@code id} and makes it the request in flight.
     *
     * @throws ProtocolException if the variables do not describe an HTTP request
     */
    protected final GatewayEvent.Request begin(int id, boolean keepConnection, CgiEnvironment params)
            throws ProtocolException {
        return begin(id, keepConnection, params, Map.of());
    }

    /**
     * As {@link #begin(int, boolean, CgiEnvironment)}, for a request whose role adds {@code roleAttributes} to its
     * request attributes.
     */
    protected final GatewayEvent.Request begin(int id, boolean keepConnection, CgiEnvironment params,
            Map<String, String> roleAttributes) throws ProtocolException {
        headDone();
        requests++;
        GatewayRequest request;
        try {
            request = new GatewayRequest(id, keepConnection, CgiRequestMapper.map(params), peer, local, trust,
                    roleAttributes, lastHost);
        } catch (ProtocolException e) {
            metrics.requestRefused();
            throw violated(e);
        }
        metrics.requestStarted();
        lastHost = request.host();
        unread = 0;
        aborted = false;
        ended = false;
        current = request;
        return new GatewayEvent.Request(request);
    }

    /** Counts {@code violation}, once however often it is thrown again (decoders are sticky). */
    protected final ProtocolException violated(ProtocolException violation) {
        if (violation != counted) {
            counted = violation;
            metrics.violated(violation.violation());
        }
        return violation;
    }

    /** Counts a request the container refused: answered by {@link #refuse}. */
    protected final void countRefused() {
        metrics.requestRefused();
    }

    /** Counts an abort of a request, in flight or not yet complete. */
    protected final void countAbort() {
        metrics.aborted();
    }

    /** Counts a request id refused because one is in flight (FCGI_CANT_MPX_CONN). */
    protected final void countMultiplexRefusal() {
        metrics.multiplexRefused();
    }

    /** Counts a request refused for its role (FCGI_UNKNOWN_ROLE). */
    protected final void countUnknownRole() {
        metrics.unknownRole();
    }

    /** A request ends without the container: nothing more of it is delivered. */
    protected final void dropCurrent() {
        release(current);
        unread = 0;
        current = null;
        ended = false;
        aborted = false;
    }
}
