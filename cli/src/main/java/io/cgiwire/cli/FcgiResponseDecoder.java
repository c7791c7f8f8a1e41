package io.cgiwire.cli;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_END_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_HEADER_LEN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_NULL_REQUEST_ID;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDERR;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_TYPE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_VERSION_1;
import static io.cgiwire.core.fcgi.Fcgi.typeName;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.NameValueCodec;
import java.nio.ByteBuffer;

/**
 * Decodes what a FastCGI application sends back on a connection that carries one request: FCGI_STDOUT and
 * FCGI_STDERR streams, then FCGI_END_REQUEST; or FCGI_GET_VALUES_RESULT (or FCGI_UNKNOWN_TYPE) to a
 * FCGI_GET_VALUES. connector-core's {@code FcgiDecoder} reads the web server's side only; this is the other.
 *
 * <p>FCGI_END_REQUEST's body (spec section 5.5):
 * <pre>
 * typedef struct {
 *     unsigned char appStatusB3, appStatusB2, appStatusB1, appStatusB0;
 *     unsigned char protocolStatus;
 *     unsigned char reserved[3];
 * } FCGI_EndRequestBody;
 * </pre>
 *
 * <p>Strict where a front server would fail the request: a record version other than 1, a record for another
 * request id, an application record on the null id, STDOUT after its empty record, END_REQUEST whose content is not
 * 8 bytes, and any record type an application does not send. Records may be split anywhere across calls.
 */
final class FcgiResponseDecoder {

    /** What the records carry, in order. */
    interface Listener {
        void stdout(ByteBuffer data) throws CliException;

        void stderr(ByteBuffer data) throws CliException;

        void endRequest(long appStatus, int protocolStatus) throws CliException;

        void values(CgiEnvironment values) throws CliException;
    }

    private final int requestId;
    private final Listener listener;
    private final byte[] header = new byte[FCGI_HEADER_LEN];
    private final byte[] body = new byte[8];
    private int headerFilled;
    private int type;
    private int id;
    private int contentLeft;
    private int contentLength;
    private int paddingLeft;
    private boolean stdoutEnded;
    private boolean inRecord;
    private boolean finished;
    private long recordsRead;
    private NameValueCodec valuesCodec;
    private CgiEnvironment values;

    FcgiResponseDecoder(int requestId, Listener listener) {
        this.requestId = requestId;
        this.listener = listener;
    }

    /** True once FCGI_END_REQUEST or FCGI_GET_VALUES_RESULT was read: the exchange is over. */
    boolean finished() {
        return finished;
    }

    /** Decodes all of {@code in}, or up to the record that finishes the exchange. */
    void decode(ByteBuffer in) throws CliException {
        while (in.hasRemaining() && !finished) {
            if (!inRecord) {
                int n = Math.min(in.remaining(), FCGI_HEADER_LEN - headerFilled);
                in.get(header, headerFilled, n);
                headerFilled += n;
                if (headerFilled < FCGI_HEADER_LEN) {
                    return;
                }
                headerFilled = 0;
                onHeader();
                continue;
            }
            if (contentLeft > 0) {
                int n = Math.min(in.remaining(), contentLeft);
                ByteBuffer data = in.slice(in.position(), n);
                in.position(in.position() + n);
                content(data);
                contentLeft -= n;
            } else {
                int n = Math.min(in.remaining(), paddingLeft);
                in.position(in.position() + n);
                paddingLeft -= n;
            }
            if (contentLeft == 0 && paddingLeft == 0) {
                endRecord();
            }
        }
    }

    /** The connection closed: fine only once the exchange is over. */
    void endOfInput(String what) throws CliException {
        if (finished) {
            return;
        }
        String where = inRecord ? "in the middle of an " + typeName(type) + " record"
                : headerFilled > 0 ? "after " + headerFilled + " bytes of a record header"
                : recordsRead == 0 ? "without sending a single record (is it a FastCGI port? a backend also closes on a "
                        + "peer it does not allow)" : "after " + recordsRead + " records";
        throw CliException.protocol("the backend closed the connection " + where + ", before " + what);
    }

    private void onHeader() throws CliException {
        int version = header[0] & 0xFF;
        type = header[1] & 0xFF;
        id = (header[2] & 0xFF) << 8 | header[3] & 0xFF;
        contentLength = (header[4] & 0xFF) << 8 | header[5] & 0xFF;
        contentLeft = contentLength;
        paddingLeft = header[6] & 0xFF;
        if (version != FCGI_VERSION_1) {
            String hint = version >= ' ' && version < 0x7F
                    ? " (text: \"" + printable(header) + "\"...; is this an SCGI or HTTP port?)" : "";
            throw CliException.protocol("not a FastCGI record: version " + version + ", expected 1" + hint);
        }
        recordsRead++;
        switch (type) {
            case FCGI_STDOUT, FCGI_STDERR -> {
                requireOwnId();
                if (type == FCGI_STDOUT && stdoutEnded) {
                    throw CliException.protocol("FCGI_STDOUT after the empty record that ended it");
                }
                if (contentLength == 0 && type == FCGI_STDOUT) {
                    stdoutEnded = true;
                }
            }
            case FCGI_END_REQUEST -> {
                requireOwnId();
                if (contentLength != 8) {
                    throw CliException.protocol("FCGI_END_REQUEST with " + contentLength + " content bytes, expected 8");
                }
            }
            case FCGI_GET_VALUES_RESULT -> {
                requireNullId();
                GatewayLimits limits = new GatewayLimits();
                valuesCodec = new NameValueCodec(limits.getMaxParamNameLength(), limits.getMaxParamValueLength(),
                        limits.getMaxParamsCount());
                values = new CgiEnvironment(4);
            }
            case FCGI_UNKNOWN_TYPE -> {
                requireNullId();
                if (contentLength != 8) {
                    throw CliException.protocol("FCGI_UNKNOWN_TYPE with " + contentLength + " content bytes, expected 8");
                }
            }
            default -> throw CliException.protocol(typeName(type) + " on request " + id
                    + ": an application never sends it");
        }
        inRecord = true;
        if (contentLeft == 0 && paddingLeft == 0) {
            endRecord();
        }
    }

    private void content(ByteBuffer data) throws CliException {
        switch (type) {
            case FCGI_STDOUT -> listener.stdout(data);
            case FCGI_STDERR -> listener.stderr(data);
            case FCGI_GET_VALUES_RESULT -> {
                try {
                    valuesCodec.decode(data, values);
                } catch (ProtocolException e) {
                    throw CliException.protocol("FCGI_GET_VALUES_RESULT: " + e.getMessage());
                }
            }
            default -> data.get(body, contentLength - contentLeft, data.remaining());
        }
    }

    private void endRecord() throws CliException {
        inRecord = false;
        switch (type) {
            case FCGI_END_REQUEST -> {
                finished = true;
                long appStatus = ((long) (body[0] & 0xFF) << 24) | (body[1] & 0xFF) << 16 | (body[2] & 0xFF) << 8
                        | body[3] & 0xFF;
                listener.endRequest(appStatus, body[4] & 0xFF);
            }
            case FCGI_GET_VALUES_RESULT -> {
                if (!valuesCodec.atPairBoundary()) {
                    throw CliException.protocol("FCGI_GET_VALUES_RESULT ends in the middle of a name-value pair");
                }
                finished = true;
                listener.values(values);
            }
            case FCGI_UNKNOWN_TYPE -> throw CliException.protocol("the backend answered FCGI_UNKNOWN_TYPE to "
                    + typeName(body[0] & 0xFF) + ": it does not support it");
            default -> {
            }
        }
    }

    private void requireOwnId() throws CliException {
        if (id != requestId) {
            throw CliException.protocol(typeName(type) + " on request " + id + ", but the request sent was "
                    + requestId);
        }
    }

    private void requireNullId() throws CliException {
        if (id != FCGI_NULL_REQUEST_ID) {
            throw CliException.protocol(typeName(type) + " on request " + id + ", expected the null request id 0");
        }
    }

    private static String printable(byte[] bytes) {
        StringBuilder b = new StringBuilder();
        for (byte x : bytes) {
            b.append(x >= ' ' && x < 0x7F ? (char) x : '.');
        }
        return b.toString();
    }
}
