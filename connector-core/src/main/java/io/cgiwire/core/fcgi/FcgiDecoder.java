package io.cgiwire.core.fcgi;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_ABORT_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_BEGIN_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_DATA;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_END_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_HEADER_LEN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_NULL_REQUEST_ID;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_PARAMS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDERR;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_TYPE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_VERSION_1;
import static io.cgiwire.core.fcgi.Fcgi.typeName;

import io.cgiwire.core.Decoder;
import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.Violation;
import io.cgiwire.core.cgi.CgiEnvironment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes what a web server sends on one FastCGI connection into {@link FcgiEvent}s, for any number of request ids.
 *
 * <p>Records (see {@link Fcgi} for the header layout) are read with a fast path when the whole header is in the
 * buffer and byte by byte only when it is split. FCGI_BEGIN_REQUEST's body is:
 * <pre>
 * typedef struct {
 *     unsigned char roleB1, roleB0;     // FCGI_RESPONDER, FCGI_AUTHORIZER, FCGI_FILTER
 *     unsigned char flags;              // FCGI_KEEP_CONN
 *     unsigned char reserved[5];
 * } FCGI_BeginRequestBody;
 * </pre>
 *
 * <p>Request ids follow spec section 3.3: an id becomes active with FCGI_BEGIN_REQUEST and inactive when the
 * application sends FCGI_END_REQUEST, which the adapter reports with {@link #endRequest(int)}; records for an
 * inactive id are skipped, as the spec requires. Within a request, the PARAMS stream must end before STDIN or DATA
 * bytes arrive (the request cannot start without its variables, and buffering body bytes until then would be
 * unbounded), and no stream may go on after its empty record.
 *
 * <p>Memory is bounded by the {@link GatewayLimits}: PARAMS content is counted against {@code maxParamsBytes} from
 * the record header, before its bytes are read; at most {@code maxMultiplexedRequests} ids are active. STDIN and
 * DATA bytes are never copied: their events hold read-only slices of the input.
 *
 * <p>Not thread-safe: one decoder per connection, called from one thread at a time.
 */
public final class FcgiDecoder implements Decoder<FcgiEvent> {
    private enum State { HEADER, BEGIN_BODY, PARAMS, STREAM, VALUES, SKIP, PADDING, FAILED }

    /** Room for a first request's variables: nginx's stock fastcgi_params and a browser's headers come to about 30. */
    private static final int DEFAULT_EXPECTED_PARAMS = 32;
    private static final int MIN_EXPECTED_PARAMS = 4;

    private final GatewayLimits limits;
    private final List<Request> active = new ArrayList<>();
    private final List<Request> idle = new ArrayList<>();
    private final byte[] header = new byte[FCGI_HEADER_LEN];

    private State state = State.HEADER;
    private int headerFilled;
    private int version;
    private int type;
    private int requestId;
    private int contentLength;
    private int contentLeft;
    private int paddingLeft;
    private Request request;
    private FcgiEvent pending;
    private NameValueCodec valuesCodec;
    private CgiEnvironment values;
    private ProtocolException failure;

    /** A decoder bounded by {@code limits}, which it copies. */
    public FcgiDecoder(GatewayLimits limits) {
        this.limits = new GatewayLimits(limits);
    }

    /** {@inheritDoc} */
    @Override
    public FcgiEvent decode(ByteBuffer in) throws ProtocolException {
        if (failure != null) {
            throw failure;
        }
        try {
            return next(in);
        } catch (ProtocolException e) {
            failure = e;
            state = State.FAILED;
            throw e;
        }
    }

    /**
     * Marks {@code requestId} inactive: the application sent FCGI_END_REQUEST for it (spec section 3.3). Later records
     * for it are skipped, including the rest of one being read now, until a new FCGI_BEGIN_REQUEST makes it active.
     *
     * @return false if the id was not active
     */
    public boolean endRequest(int requestId) {
        for (int i = 0; i < active.size(); i++) {
            Request r = active.get(i);
            if (r.id == requestId) {
                active.remove(i);
                if (request == r) {
                    request = null;
                    if (state == State.PARAMS || state == State.STREAM) {
                        state = State.SKIP;
                    }
                }
                if (pending != null && pending.requestId() == requestId) {
                    pending = null;
                }
                r.recycle();
                idle.add(r);
                return true;
            }
        }
        return false;
    }

    /** Whether the bytes so far end at a record's end: no record is partly read. */
    public boolean betweenRecords() {
        return state == State.HEADER && headerFilled == 0;
    }

    /** The number of active request ids. */
    public int activeRequests() {
        return active.size();
    }

    /**
     * {@inheritDoc}
     *
     * <p>A close between records is not a violation here, even with requests active: nginx closes the connection to
     * abort a request, and the adapter decides what that means for them.
     */
    @Override
    public void endOfInput() throws ProtocolException {
        if (failure != null) {
            throw failure;
        }
        String where;
        switch (state) {
            case HEADER:
                if (headerFilled == 0) {
                    return;
                }
                where = "after " + headerFilled + " of " + FCGI_HEADER_LEN + " bytes of a record header";
                break;
            case PADDING:
                where = "in the padding of an " + typeName(type) + " record of request " + requestId;
                break;
            default:
                where = "after " + (contentLength - contentLeft) + " of " + contentLength
                        + " content bytes of an " + typeName(type) + " record of request " + requestId;
                break;
        }
        failure = new ProtocolException(Violation.PREMATURE_END, "connection closed " + where);
        state = State.FAILED;
        throw failure;
    }

    private FcgiEvent next(ByteBuffer in) throws ProtocolException {
        while (true) {
            switch (state) {
                case HEADER:
                    if (!readHeader(in)) {
                        return null;
                    }
                    onHeader();
                    if (contentLeft == 0 && paddingLeft == 0) {
                        state = State.HEADER;
                        FcgiEvent event = takePending();
                        if (event != null) {
                            return event;
                        }
                    }
                    break;
                case BEGIN_BODY:
                    if (!readBeginBody(in)) {
                        return null;
                    }
                    break;
                case PARAMS: {
                    if (!in.hasRemaining()) {
                        return null;
                    }
                    int n = Math.min(in.remaining(), contentLeft);
                    decodePairs(in, n, request.codec, request.params);
                    contentLeft -= n;
                    if (contentLeft == 0) {
                        endContent();
                    }
                    break;
                }
                case VALUES: {
                    if (!in.hasRemaining()) {
                        return null;
                    }
                    int n = Math.min(in.remaining(), contentLeft);
                    decodePairs(in, n, valuesCodec, values);
                    contentLeft -= n;
                    if (contentLeft == 0) {
                        if (!valuesCodec.atPairBoundary()) {
                            throw new ProtocolException(Violation.FCGI_PARAMS_TRUNCATED,
                                    "FCGI_GET_VALUES record ends in the middle of a name-value pair");
                        }
                        List<String> names = new ArrayList<>(values.size());
                        for (int i = 0; i < values.size(); i++) {
                            names.add(values.name(i));
                        }
                        pending = new FcgiEvent.GetValues(names);
                        values = null;
                        endContent();
                    }
                    break;
                }
                case STREAM: {
                    if (!in.hasRemaining()) {
                        return null;
                    }
                    int n = Math.min(in.remaining(), contentLeft);
                    // One read-only view with the record's bounds: the data without a copy, and one object, not two.
                    ByteBuffer data = in.asReadOnlyBuffer();
                    data.limit(in.position() + n);
                    in.position(in.position() + n);
                    contentLeft -= n;
                    int id = requestId;
                    if (contentLeft == 0) {
                        endContent();
                    }
                    return type == FCGI_STDIN ? new FcgiEvent.Stdin(id, data) : new FcgiEvent.Data(id, data);
                }
                case SKIP: {
                    int n = Math.min(in.remaining(), contentLeft);
                    in.position(in.position() + n);
                    contentLeft -= n;
                    if (contentLeft > 0) {
                        return null;
                    }
                    endContent();
                    break;
                }
                case PADDING: {
                    int n = Math.min(in.remaining(), paddingLeft);
                    in.position(in.position() + n);
                    paddingLeft -= n;
                    if (paddingLeft > 0) {
                        return null;
                    }
                    state = State.HEADER;
                    FcgiEvent event = takePending();
                    if (event != null) {
                        return event;
                    }
                    break;
                }
                default:
                    throw new IllegalStateException("state " + state);
            }
        }
    }

    /** Decodes the next {@code n} bytes of {@code in} as pairs; narrows its limit rather than slicing it. */
    private static void decodePairs(ByteBuffer in, int n, NameValueCodec codec, CgiEnvironment into)
            throws ProtocolException {
        int limit = in.limit();
        in.limit(in.position() + n);
        try {
            codec.decode(in, into);
        } finally {
            in.limit(limit);
        }
    }

    private boolean readHeader(ByteBuffer in) {
        if (headerFilled == 0 && in.remaining() >= FCGI_HEADER_LEN) {
            int p = in.position();
            parseHeader(in.get(p), in.get(p + 1), in.get(p + 2), in.get(p + 3), in.get(p + 4), in.get(p + 5),
                    in.get(p + 6));
            in.position(p + FCGI_HEADER_LEN);
            return true;
        }
        int n = Math.min(in.remaining(), FCGI_HEADER_LEN - headerFilled);
        in.get(header, headerFilled, n);
        headerFilled += n;
        if (headerFilled < FCGI_HEADER_LEN) {
            return false;
        }
        headerFilled = 0;
        parseHeader(header[0], header[1], header[2], header[3], header[4], header[5], header[6]);
        return true;
    }

    private void parseHeader(byte version, byte type, byte id1, byte id0, byte length1, byte length0, byte padding) {
        this.version = version & 0xFF;
        this.type = type & 0xFF;
        this.requestId = ((id1 & 0xFF) << 8) | (id0 & 0xFF);
        this.contentLength = ((length1 & 0xFF) << 8) | (length0 & 0xFF);
        this.contentLeft = contentLength;
        this.paddingLeft = padding & 0xFF;
    }

    private void onHeader() throws ProtocolException {
        if (version != FCGI_VERSION_1) {
            throw new ProtocolException(Violation.FCGI_BAD_VERSION,
                    "record version " + version + ", expected " + FCGI_VERSION_1);
        }
        switch (type) {
            case FCGI_BEGIN_REQUEST:
                requireRequestId();
                if (contentLength != 8) {
                    throw new ProtocolException(Violation.FCGI_BAD_RECORD_LENGTH,
                            "FCGI_BEGIN_REQUEST of request " + requestId + " has " + contentLength
                                    + " content bytes, expected 8");
                }
                if (find(requestId) != null) {
                    throw new ProtocolException(Violation.FCGI_DUPLICATE_REQUEST_ID,
                            "FCGI_BEGIN_REQUEST for request " + requestId + ", which is still active");
                }
                if (active.size() == limits.getMaxMultiplexedRequests()) {
                    throw new ProtocolException(Violation.FCGI_TOO_MANY_REQUESTS,
                            "FCGI_BEGIN_REQUEST for request " + requestId + " with " + active.size()
                                    + " requests active, at most " + limits.getMaxMultiplexedRequests() + " allowed");
                }
                state = State.BEGIN_BODY;
                return;
            case FCGI_ABORT_REQUEST:
                requireRequestId();
                if (contentLength != 0) {
                    throw new ProtocolException(Violation.FCGI_BAD_RECORD_LENGTH,
                            "FCGI_ABORT_REQUEST of request " + requestId + " has " + contentLength
                                    + " content bytes, expected 0");
                }
                if (find(requestId) != null) {
                    pending = new FcgiEvent.AbortRequest(requestId);
                }
                state = State.PADDING;
                return;
            case FCGI_PARAMS:
                requireRequestId();
                request = find(requestId);
                if (request == null) {
                    state = State.SKIP;
                    return;
                }
                if (request.paramsEnded) {
                    throw outOfOrder("FCGI_PARAMS after the params of request " + requestId + " ended");
                }
                if (contentLength == 0) {
                    if (!request.codec.atPairBoundary()) {
                        throw new ProtocolException(Violation.FCGI_PARAMS_TRUNCATED,
                                "params of request " + requestId + " end in the middle of a name-value pair");
                    }
                    request.paramsEnded = true;
                    request.expectedParams = Math.max(request.codec.count(), MIN_EXPECTED_PARAMS);
                    pending = new FcgiEvent.Params(requestId, request.params);
                    request.params = null;
                    state = State.PADDING;
                    return;
                }
                request.paramsBytes += contentLength;
                if (request.paramsBytes > limits.getMaxParamsBytes()) {
                    throw new ProtocolException(Violation.PARAMS_TOO_LARGE,
                            "params of request " + requestId + " exceed " + limits.getMaxParamsBytes()
                                    + " bytes (" + request.paramsBytes + " so far)");
                }
                state = State.PARAMS;
                return;
            case FCGI_STDIN:
            case FCGI_DATA:
                requireRequestId();
                request = find(requestId);
                if (request == null) {
                    state = State.SKIP;
                    return;
                }
                if (!request.paramsEnded) {
                    throw outOfOrder(typeName(type) + " before the params of request " + requestId + " ended");
                }
                boolean stdin = type == FCGI_STDIN;
                if (stdin ? request.stdinEnded : request.dataEnded) {
                    throw outOfOrder(typeName(type) + " after the end of that stream of request " + requestId);
                }
                if (contentLength == 0) {
                    if (stdin) {
                        request.stdinEnded = true;
                        pending = new FcgiEvent.StdinEnd(requestId);
                    } else {
                        request.dataEnded = true;
                        pending = new FcgiEvent.DataEnd(requestId);
                    }
                    state = State.PADDING;
                    return;
                }
                state = State.STREAM;
                return;
            case FCGI_GET_VALUES:
                if (requestId != FCGI_NULL_REQUEST_ID) {
                    throw new ProtocolException(Violation.FCGI_MANAGEMENT_RECORD_ON_REQUEST_ID,
                            "FCGI_GET_VALUES on request " + requestId + ", expected the null request id 0");
                }
                if (valuesCodec == null) {
                    valuesCodec = new NameValueCodec(limits.getMaxParamNameLength(),
                            limits.getMaxParamValueLength(), limits.getMaxParamsCount());
                }
                valuesCodec.reset();
                values = new CgiEnvironment(4);
                if (contentLength == 0) {
                    pending = new FcgiEvent.GetValues(List.of());
                    state = State.PADDING;
                } else {
                    state = State.VALUES;
                }
                return;
            case FCGI_END_REQUEST:
            case FCGI_STDOUT:
            case FCGI_STDERR:
            case FCGI_GET_VALUES_RESULT:
            case FCGI_UNKNOWN_TYPE:
                throw new ProtocolException(Violation.FCGI_UNEXPECTED_RECORD_TYPE,
                        typeName(type) + " on request " + requestId + ": only an application sends it");
            default:
                // Spec section 4.2: answer unknown management types; the spec is silent on unknown types of an
                // active request, and the same answer tells the web server as much. Inactive ids are skipped (3.3).
                if (requestId == FCGI_NULL_REQUEST_ID || find(requestId) != null) {
                    pending = new FcgiEvent.UnknownType(requestId, type);
                }
                state = State.SKIP;
        }
    }

    private boolean readBeginBody(ByteBuffer in) {
        // The body is in header[] when split; the fast path reads it in place.
        int p = in.position();
        byte role1;
        byte role0;
        byte flags;
        if (headerFilled == 0 && in.remaining() >= 8) {
            role1 = in.get(p);
            role0 = in.get(p + 1);
            flags = in.get(p + 2);
            in.position(p + 8);
        } else {
            int n = Math.min(in.remaining(), 8 - headerFilled);
            in.get(header, headerFilled, n);
            headerFilled += n;
            if (headerFilled < 8) {
                return false;
            }
            headerFilled = 0;
            role1 = header[0];
            role0 = header[1];
            flags = header[2];
        }
        Request r = idle.isEmpty() ? new Request(limits) : idle.remove(idle.size() - 1);
        r.id = requestId;
        r.params = new CgiEnvironment(r.expectedParams);
        // Without FCGI_KEEP_CONN no request follows on this connection: values kept for one would be kept for none.
        r.codec.rememberValues((flags & FCGI_KEEP_CONN) != 0);
        active.add(r);
        pending = new FcgiEvent.BeginRequest(requestId, ((role1 & 0xFF) << 8) | (role0 & 0xFF), flags & 0xFF);
        contentLeft = 0;
        endContent();
        return true;
    }

    private void endContent() {
        request = null;
        state = paddingLeft > 0 ? State.PADDING : State.HEADER;
        if (state == State.HEADER && pending != null) {
            // Deliver it at once: the loop in next() takes it on its way through HEADER.
            state = State.PADDING;
        }
    }

    private FcgiEvent takePending() {
        FcgiEvent event = pending;
        pending = null;
        return event;
    }

    private void requireRequestId() throws ProtocolException {
        if (requestId == FCGI_NULL_REQUEST_ID) {
            throw new ProtocolException(Violation.FCGI_APPLICATION_RECORD_ON_NULL_ID,
                    typeName(type) + " on the null request id 0, which is for management records");
        }
    }

    private ProtocolException outOfOrder(String message) {
        return new ProtocolException(Violation.FCGI_STREAM_OUT_OF_ORDER, message);
    }

    private Request find(int id) {
        for (int i = 0; i < active.size(); i++) {
            Request r = active.get(i);
            if (r.id == id) {
                return r;
            }
        }
        return null;
    }

    /** What the decoder keeps per active request id; recycled with its codec's scratch array. */
    private static final class Request {
        final NameValueCodec codec;
        int id;
        CgiEnvironment params;
        /** As many variables as this id's last request had: a web server sends about the same on a connection. */
        int expectedParams = DEFAULT_EXPECTED_PARAMS;
        int paramsBytes;
        boolean paramsEnded;
        boolean stdinEnded;
        boolean dataEnded;

        Request(GatewayLimits limits) {
            codec = new NameValueCodec(limits.getMaxParamNameLength(), limits.getMaxParamValueLength(),
                    limits.getMaxParamsCount());
        }

        void recycle() {
            codec.reset();
            params = null;
            paramsBytes = 0;
            paramsEnded = false;
            stdinEnded = false;
            dataEnded = false;
        }
    }
}
