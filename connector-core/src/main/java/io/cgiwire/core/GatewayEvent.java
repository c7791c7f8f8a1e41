package io.cgiwire.core;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * What a {@link GatewaySession} tells its adapter to do, one event per {@link GatewaySession#next} call. The adapter
 * acts on each in order: it never decides anything about the protocol itself.
 */
public sealed interface GatewayEvent {
    /** The one {@link BodyEnd}: it carries nothing, so every request's can be the same. */
    BodyEnd BODY_END = new BodyEnd();
    /** The one {@link Abort}. */
    Abort ABORT = new Abort();

    /** A request is complete: hand it to the container. Its body follows as {@link Body} events, then {@link BodyEnd}. */
    record Request(GatewayRequest request) implements GatewayEvent {
        public Request {
            Objects.requireNonNull(request, "request");
        }
    }

    /**
     * Body bytes of the request in flight.
     *
     * @param data a read-only slice of the adapter's input buffer, unless {@code copied}: no copy was made; the
     *     adapter must be done with it before it reuses those bytes
     * @param copied the bytes are the session's own copy, not in the adapter's input buffer: what a request received
     *     while it waited behind another; the adapter may keep it as long as it likes
     */
    record Body(ByteBuffer data, boolean copied) implements GatewayEvent {
        public Body {
            Objects.requireNonNull(data, "data");
        }

        /** Bytes that are a slice of the adapter's input buffer. */
        public Body(ByteBuffer data) {
            this(data, false);
        }
    }

    /** The body of the request in flight is complete. */
    record BodyEnd() implements GatewayEvent {
    }

    /**
     * The request's body will not be delivered whole: fail its reads (those pending and later) with {@code reason};
     * what is left of it is dropped, and its response goes on. A {@link GatewaySession#multiplexing()} session says
     * so of a request that leaves more of its body unread than the connection may hold for it, rather than stop
     * reading for the other requests.
     */
    record BodyFailed(String reason) implements GatewayEvent {
        public BodyFailed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * The web server gave up on the request in flight (FastCGI's FCGI_ABORT_REQUEST): fail its reads and writes. The
     * connection stays; {@link GatewaySession#complete} ends the request on the wire.
     */
    record Abort() implements GatewayEvent {
    }

    /**
     * Bytes the protocol answers by itself, to write in order with the response: management records, a request id
     * refused, a request answered without the container.
     *
     * @param bytes what to write, ready to read
     * @param close after writing, end the connection gracefully (shut our side, drain the web server's until it
     *     closes)
     * @param refusal for the log, once: why a request was answered without the container; null when nothing went
     *     wrong
     */
    record Write(ByteBuffer bytes, boolean close, String refusal) implements GatewayEvent {
        public Write {
            Objects.requireNonNull(bytes, "bytes");
        }
    }
}
