package io.cgiwire.core.fcgi;

import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.Violation;

/**
 * A request's FCGI_STDIN counted against its CONTENT_LENGTH. Spec 6.2: a Responder "should compare the number of
 * bytes received on FCGI_STDIN with CONTENT_LENGTH"; the framing alone cannot tell a whole body from a web server
 * that lost its client half way and ended the stream, and an HTTP request's body is exactly its Content-Length
 * bytes. With no CONTENT_LENGTH (nginx streaming a chunked upload sends it empty), the stream's end is the body's.
 */
public final class StdinLength {
    private long contentLength;
    private long received;

    /** @param contentLength CONTENT_LENGTH as the mapper read it; -1 when there was none */
    public StdinLength(long contentLength) {
        this.contentLength = contentLength;
    }

    /** Counts a new request's FCGI_STDIN from zero: a session keeps one for all its requests. */
    void reset(long contentLength) {
        this.contentLength = contentLength;
        this.received = 0;
    }

    /**
     * Counts {@code n} more bytes of FCGI_STDIN.
     *
     * @throws ProtocolException FCGI_STDIN_LENGTH_MISMATCH if they go past CONTENT_LENGTH
     */
    public void received(int n) throws ProtocolException {
        received += n;
        if (contentLength >= 0 && received > contentLength) {
            throw new ProtocolException(Violation.FCGI_STDIN_LENGTH_MISMATCH,
                    "FCGI_STDIN carried more than CONTENT_LENGTH " + contentLength + " bytes (" + received + ")");
        }
    }

    /**
     * FCGI_STDIN ended.
     *
     * @throws ProtocolException FCGI_STDIN_LENGTH_MISMATCH if it ended short of CONTENT_LENGTH
     */
    public void ended() throws ProtocolException {
        if (contentLength >= 0 && received < contentLength) {
            throw new ProtocolException(Violation.FCGI_STDIN_LENGTH_MISMATCH,
                    "FCGI_STDIN ended after " + received + " of CONTENT_LENGTH " + contentLength + " bytes");
        }
    }
}
