package io.cgiwire.core.fcgi;

import io.cgiwire.core.cgi.CgiEnvironment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * What {@link FcgiDecoder} reads from a FastCGI connection. Every event names its request id, so an adapter can keep
 * several requests on one connection apart; management events carry {@link Fcgi#FCGI_NULL_REQUEST_ID}.
 */
public sealed interface FcgiEvent {

    /** The request id this event belongs to; 0 for management records. */
    int requestId();

    /**
     * FCGI_BEGIN_REQUEST: a request id became active.
     *
     * @param role FCGI_RESPONDER, FCGI_AUTHORIZER, FCGI_FILTER or any other value the peer sent; an adapter answers
     *     roles it does not play with FCGI_UNKNOWN_ROLE
     * @param flags the flags byte; see {@link #keepConn()}
     */
    record BeginRequest(int requestId, int role, int flags) implements FcgiEvent {
        /** FCGI_KEEP_CONN: clear means close the connection after this request's FCGI_END_REQUEST. */
        public boolean keepConn() {
            return (flags & Fcgi.FCGI_KEEP_CONN) != 0;
        }
    }

    /**
     * The empty FCGI_PARAMS record arrived: the CGI variables are complete.
     *
     * @param params every pair in wire order, repeated names kept
     */
    record Params(int requestId, CgiEnvironment params) implements FcgiEvent {
        public Params {
            Objects.requireNonNull(params, "params");
        }
    }

    /**
     * Request body bytes from FCGI_STDIN.
     *
     * @param data a read-only slice of the decoder's input: no copy was made
     */
    record Stdin(int requestId, ByteBuffer data) implements FcgiEvent {
        public Stdin {
            Objects.requireNonNull(data, "data");
        }
    }

    /** The empty FCGI_STDIN record arrived: the request body is complete. */
    record StdinEnd(int requestId) implements FcgiEvent {
    }

    /**
     * FCGI_DATA bytes (the Filter role's file).
     *
     * @param data a read-only slice of the decoder's input: no copy was made
     */
    record Data(int requestId, ByteBuffer data) implements FcgiEvent {
        public Data {
            Objects.requireNonNull(data, "data");
        }
    }

    /** The empty FCGI_DATA record arrived. */
    record DataEnd(int requestId) implements FcgiEvent {
    }

    /** FCGI_ABORT_REQUEST for an active request: the client went away; end it with FCGI_END_REQUEST. */
    record AbortRequest(int requestId) implements FcgiEvent {
    }

    /**
     * FCGI_GET_VALUES: the web server asks for these variables; answer with FCGI_GET_VALUES_RESULT holding those the
     * application knows (FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS).
     */
    record GetValues(List<String> names) implements FcgiEvent {
        public GetValues {
            names = List.copyOf(names);
        }

        @Override
        public int requestId() {
            return Fcgi.FCGI_NULL_REQUEST_ID;
        }
    }

    /**
     * A record of a type the spec does not define, on the management id or an active request; answer with
     * FCGI_UNKNOWN_TYPE naming {@code type}.
     */
    record UnknownType(int requestId, int type) implements FcgiEvent {
    }
}
