package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiRequest;
import io.cgiwire.core.cgi.CgiRequestMapper;
import io.cgiwire.core.cgi.CgiResponseHead;
import io.cgiwire.core.scgi.ScgiDecoder;
import io.cgiwire.core.scgi.ScgiEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.coyote.Adapter;
import org.apache.juli.logging.Log;
import org.apache.juli.logging.LogFactory;

/**
 * An SCGI connection: one request, its body of exactly CONTENT_LENGTH bytes streamed to the servlet, the response
 * written raw and ended by closing the connection once the body is drained.
 */
final class ScgiProcessor extends CgiProcessor {
    private static final Log log = LogFactory.getLog(ScgiProcessor.class);
    private static final int INPUT_BUFFER_SIZE = 32 * 1024;

    private final GatewayLimits limits;
    private ScgiDecoder decoder;
    private ScgiEvent.Headers headers;
    private boolean started;

    ScgiProcessor(ScgiNioProtocol protocol, Adapter adapter) {
        super(protocol, adapter, INPUT_BUFFER_SIZE);
        this.limits = new GatewayLimits(protocol.getLimits());
        this.decoder = new ScgiDecoder(limits);
    }

    @Override
    protected boolean decodeBuffered(Want want) throws IOException {
        while (true) {
            if (want == Want.HEAD && headers != null && !started || want == Want.BODY && bodyReady()) {
                return true;
            }
            ScgiEvent event = decoder.decode(input);
            if (event == null) {
                return false;
            }
            if (event instanceof ScgiEvent.Headers h) {
                headers = h;
            } else if (event instanceof ScgiEvent.Body b) {
                offerBody(b.data());
            } else {
                endBody();
            }
        }
    }

    @Override
    protected void endOfInput() throws ProtocolException {
        // Before the first byte this is a normal close: httpd opens a connection and closes it unused when it refuses
        // a chunked request with 411.
        decoder.endOfInput();
    }

    @Override
    protected CgiRequest readRequest() throws IOException {
        if (started || !pump(Want.HEAD, false)) {
            return null;
        }
        started = true;
        headDone();
        try {
            return CgiRequestMapper.map(headers.environment());
        } catch (ProtocolException e) {
            log.warn(prefix() + "request refused: " + e.getMessage());
            writeAndFlush(ByteBuffer.wrap(CgiResponseHead.refusal(e.statusHint(), e.violation().name())));
            closeAfterAnswer();
            return null;
        }
    }

    @Override
    protected void answerViolation(ProtocolException violation) throws IOException {
        writeAndFlush(ByteBuffer.wrap(CgiResponseHead.refusal(violation.statusHint(), violation.violation().name())));
        closeAfterAnswer();
    }

    @Override
    protected void prepareProtocolRequest() {
    }

    @Override
    protected void writeStdout(ByteBuffer bytes, boolean blocking) throws IOException {
        socketWrite(blocking, bytes);
    }

    @Override
    protected void writeEnd(boolean aborted, boolean blocking) {
        // The response ends when the connection closes.
    }

    @Override
    protected boolean keepConnection() {
        return false;
    }

    @Override
    protected String wireProtocol() {
        return "scgi";
    }

    @Override
    protected void recycleProtocolRequest() {
    }

    @Override
    protected void recycleConnection() {
        decoder = new ScgiDecoder(limits);
        headers = null;
        started = false;
    }

    @Override
    protected Log getLog() {
        return log;
    }
}
