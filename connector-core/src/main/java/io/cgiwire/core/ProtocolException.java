package io.cgiwire.core;

import java.io.IOException;

/**
 * A peer broke the protocol: a FastCGI record, an SCGI netstring or a CGI variable was not what it must be.
 *
 * <p>It carries the specific {@link Violation} and a message that says what was wrong with which bytes, so an adapter
 * can log it once and either answer {@link #statusHint()} (where the protocol still allows a response) or close the
 * connection. Decoders are sticky: once one throws, every later call on it throws the same instance.
 *
 * <p>It is an {@link IOException} because, for the request that reads it, a broken protocol is a broken connection.
 */
public final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    private final Violation violation;

    /**
     * @param violation the rule that was broken
     * @param message what was wrong, specific enough to find the offending bytes
     */
    public ProtocolException(Violation violation, String message) {
        super(violation + ": " + message);
        this.violation = violation;
    }

    /** The rule that was broken. */
    public Violation violation() {
        return violation;
    }

    /** The HTTP status to answer with where the protocol still allows it: 431 for oversized params, else 400. */
    public int statusHint() {
        return violation.statusHint();
    }
}
