package io.cgiwire.core.scgi;

import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.GatewayTrust;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiResponseHead;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;

/**
 * An SCGI connection: one request, its body of exactly CONTENT_LENGTH bytes, the response written as it is and ended
 * by closing the connection, gracefully, once the web server has sent the whole body. Bad variables or a broken
 * netstring before the request reaches the container are answered with a short 4xx response.
 */
public final class ScgiSession extends GatewaySession {
    /** SCGI's one request per connection, under the id FastCGI would give it. */
    private static final int REQUEST_ID = 1;

    private final ScgiDecoder decoder;

    /**
     * @param limits the bounds on what the web server may send
     * @param trust what the connector believes of its peer
     * @param metrics the connector's counters
     * @param peer the socket's remote address; null for a Unix-domain socket
     * @param local the socket's own address; null for a Unix-domain socket
     * @param nanoClock the adapter's clock, as {@link System#nanoTime()}
     */
    public ScgiSession(GatewayLimits limits, GatewayTrust trust, GatewayMetrics metrics, InetSocketAddress peer,
            InetSocketAddress local, LongSupplier nanoClock) {
        super("SCGI", limits, trust, metrics, peer, local, nanoClock);
        this.decoder = new ScgiDecoder(limits);
    }

    @Override
    protected GatewayEvent decode(ByteBuffer in) throws ProtocolException {
        while (true) {
            ScgiEvent event = decoder.decode(in);
            if (event == null) {
                return null;
            }
            if (event instanceof ScgiEvent.Headers headers) {
                try {
                    return begin(REQUEST_ID, false, headers.environment());
                } catch (ProtocolException e) {
                    return respond(e.statusHint(), e.violation().name(), "request refused: " + e.getMessage());
                }
            }
            if (current == null || ended) {
                // The response has ended (or the request was refused): the rest of the body is drained unread.
                continue;
            }
            if (event instanceof ScgiEvent.Body body) {
                return new GatewayEvent.Body(body.data());
            }
            return GatewayEvent.BODY_END;
        }
    }

    private static GatewayEvent.Write respond(int status, String reason, String log) {
        return new GatewayEvent.Write(ByteBuffer.wrap(CgiResponseHead.refusal(status, reason)), true, log);
    }

    @Override
    public GatewayEvent.Write refuse(int status, String reason) {
        dropCurrent();
        countRefused();
        return respond(status, reason, "request refused: " + reason);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Before the first byte the end is a normal close: httpd opens a connection and closes it unused when it
     * refuses a chunked request with 411.
     */
    @Override
    protected void inputEnded() throws ProtocolException {
        decoder.endOfInput();
    }

    @Override
    public ByteBuffer answer(ProtocolException violation) {
        return ByteBuffer.wrap(CgiResponseHead.refusal(violation.statusHint(), violation.violation().name()));
    }

    @Override
    public ByteBuffer[] frame(ByteBuffer content) {
        return new ByteBuffer[] {content};
    }

    @Override
    public int framedLength(int content, boolean last) {
        return content;
    }

    @Override
    public void frameInto(ByteBuffer out, ByteBuffer head, ByteBuffer body, boolean last) {
        if (head != null) {
            out.put(head);
        }
        if (body != null) {
            out.put(body);
        }
        if (last) {
            ended = true;
        }
    }

    /** The response ends when the connection closes: nothing to write. */
    @Override
    public ByteBuffer end() {
        ended = true;
        return null;
    }

    /** Once the body has arrived whole: a byte past it would break SCGI. */
    @Override
    public boolean idleUntilComplete() {
        return decoder.complete();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Once the body has arrived whole the web server sends nothing more (a byte past it would break SCGI), so the
     * connection may close at once: waiting for the web server's close would cost a read event per request.
     */
    @Override
    public Completion complete(boolean failed) {
        dropCurrent();
        return new Completion(null, false, decoder.complete(), failed);
    }
}
