package io.cgiwire.cli;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_OVERLOADED;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_REQUEST_COMPLETE;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_ROLE;

import io.cgiwire.core.cgi.CgiEnvironment;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Turns the response into output: the head (with {@code -i}) and the body on stdout, FCGI_STDERR and {@code -v}
 * notes on stderr; and checks it ends as a front server needs it to.
 */
final class ResponsePrinter implements FcgiResponseDecoder.Listener, BackendConnection.ResponseReader {
    private final CliOptions options;
    private final OutputStream out;
    private final PrintStream err;
    private final CgiResponseParser parser;
    private ResponseHead head;
    private long bodyBytes;
    private boolean ended;
    private boolean scgiClosed;

    ResponsePrinter(CliOptions options, OutputStream out, PrintStream err) {
        this.options = options;
        this.out = out;
        this.err = err;
        this.parser = new CgiResponseParser(options.target.scgi());
    }

    ResponseHead head() {
        return head;
    }

    // SCGI: the raw response, ended by the backend closing the connection.

    @Override
    public void read(ByteBuffer in) throws CliException {
        stdout(in);
    }

    /**
     * The backend closed the connection, or the body is as long as the head says: an SCGI backend that keeps the
     * connection open after a response with a Content-Length is not waited for (nginx is not either).
     */
    @Override
    public boolean done() {
        if (scgiClosed) {
            return true;
        }
        if (head == null) {
            return false;
        }
        if (options.method.equals("HEAD") || head.status() == 204 || head.status() == 304) {
            return true;
        }
        String contentLength = head.header("Content-Length");
        try {
            return contentLength != null && bodyBytes >= Long.parseLong(contentLength);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public void endOfInput() {
        scgiClosed = true;
    }

    // FastCGI: the records' content.

    @Override
    public void stdout(ByteBuffer data) throws CliException {
        if (head == null) {
            head = parser.feed(data);
            if (head == null) {
                return;
            }
            if (options.verbose) {
                err.println("* status " + head.status() + " from " + head.statusFrom());
            }
            if (options.include) {
                write(ByteBuffer.wrap(head.format()));
            }
        }
        bodyBytes += data.remaining();
        if (options.probe) {
            data.position(data.limit());
        } else {
            write(data);
        }
    }

    @Override
    public void stderr(ByteBuffer data) {
        byte[] bytes = new byte[data.remaining()];
        data.get(bytes);
        err.write(bytes, 0, bytes.length);
        err.flush();
    }

    @Override
    public void endRequest(long appStatus, int protocolStatus) throws CliException {
        ended = true;
        if (options.verbose || options.include) {
            err.println("* FCGI_END_REQUEST appStatus=" + appStatus + " protocolStatus=" + protocolStatusName(protocolStatus));
        }
        if (protocolStatus != FCGI_REQUEST_COMPLETE) {
            throw CliException.protocol("the backend refused the request: FCGI_END_REQUEST with protocolStatus "
                    + protocolStatusName(protocolStatus));
        }
    }

    @Override
    public void values(CgiEnvironment values) throws CliException {
        throw CliException.protocol("FCGI_GET_VALUES_RESULT, but no FCGI_GET_VALUES was sent");
    }

    /** After the exchange: the head must have ended, and the body must be as long as its Content-Length says. */
    void finish() throws CliException {
        if (head == null) {
            throw CliException.protocol(parser.bytesRead() == 0 ? (options.target.scgi()
                    ? "the backend closed the connection without answering (is it an SCGI port? a backend also "
                            + "closes on a peer it does not allow)"
                    : "the backend sent no response (FCGI_STDOUT was empty)")
                    : "the response head did not end: no empty line after " + parser.bytesRead() + " bytes");
        }
        String contentLength = head.header("Content-Length");
        if (contentLength != null && !options.method.equals("HEAD") && head.status() != 204 && head.status() != 304) {
            long expected;
            try {
                expected = Long.parseLong(contentLength);
            } catch (NumberFormatException e) {
                throw CliException.protocol("invalid Content-Length " + contentLength);
            }
            if (expected != bodyBytes) {
                throw CliException.protocol("Content-Length " + expected + " but the body had " + bodyBytes
                        + " bytes");
            }
        }
        flush();
    }

    void flush() throws CliException {
        try {
            out.flush();
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "cannot write to stdout: " + e.getMessage(), e);
        }
    }

    private void write(ByteBuffer data) throws CliException {
        try {
            if (data.hasArray()) {
                out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
                data.position(data.limit());
            } else {
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                out.write(bytes);
            }
        } catch (IOException | UncheckedIOException e) {
            throw new CliException(ExitCode.FAILED, "cannot write to stdout: " + e.getMessage(), e);
        }
    }

    boolean ended() {
        return ended;
    }

    static String protocolStatusName(int status) {
        return switch (status) {
            case FCGI_REQUEST_COMPLETE -> "FCGI_REQUEST_COMPLETE";
            case FCGI_CANT_MPX_CONN -> "FCGI_CANT_MPX_CONN";
            case FCGI_OVERLOADED -> "FCGI_OVERLOADED";
            case FCGI_UNKNOWN_ROLE -> "FCGI_UNKNOWN_ROLE";
            default -> "unknown (" + status + ")";
        };
    }
}
