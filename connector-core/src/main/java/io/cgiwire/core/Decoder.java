package io.cgiwire.core;

import java.nio.ByteBuffer;

/**
 * A sans-I/O decoder: bytes in, events out, one event per call.
 *
 * <p>{@link #decode(ByteBuffer)} consumes bytes from {@code in} (advancing its position) up to the end of the next
 * event and returns it, or consumes all of {@code in} and returns null when no event is complete yet. It never
 * consumes bytes past the event it returns, so the same bytes give the same events however they are split. Events
 * that carry body data hold read-only slices of {@code in}: the caller must be done with them before it reuses the
 * buffer's bytes.
 *
 * <p>Errors are sticky: after a {@link ProtocolException} every later call throws that same exception.
 *
 * @param <E> the protocol's event type
 */
public interface Decoder<E> {
    /**
     * Decodes the next event.
     *
     * @param in bytes from the peer; its position advances past what was consumed
     * @return the next event, or null if {@code in} was consumed whole without completing one
     * @throws ProtocolException if the bytes break the protocol
     */
    E decode(ByteBuffer in) throws ProtocolException;

    /**
     * Tells the decoder the peer closed its side.
     *
     * @throws ProtocolException with {@link Violation#PREMATURE_END} if that cut a record, netstring or body short
     */
    void endOfInput() throws ProtocolException;
}
