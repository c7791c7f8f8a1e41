package io.cgiwire.cli;

/**
 * What {@code cgiwire-cli} exits with: one code per way a request can fail, so that a Kubernetes exec probe, a
 * systemd unit or a script can tell a backend that is down from one that answers badly. The numbers are part of the
 * command's interface (README, {@code --help}): never renumber them.
 */
final class ExitCode {
    /** A complete response (with {@code --probe} or {@code --fail}: a 2xx), or FCGI_GET_VALUES answered. */
    static final int OK = 0;
    /** Anything else that went wrong on this side, such as stdout closed under us. */
    static final int FAILED = 1;
    /** The command line is wrong, or a {@code -d @file} cannot be read. */
    static final int USAGE = 2;
    /** No connection: refused, no such socket file, permission denied, unknown host, unreachable network. */
    static final int UNREACHABLE = 3;
    /** The connection or the whole response took longer than {@code --timeout}. */
    static final int TIMED_OUT = 4;
    /**
     * The backend broke the protocol: bytes that are not FastCGI records or not a CGI response head, the connection
     * closed or reset before the response ended, a Content-Length the body does not match, or an FCGI_END_REQUEST
     * refusing the request (FCGI_CANT_MPX_CONN, FCGI_OVERLOADED, FCGI_UNKNOWN_ROLE).
     */
    static final int PROTOCOL_ERROR = 5;
    /** With {@code --probe} or {@code --fail}: a complete response whose status is not 2xx. */
    static final int NOT_2XX = 6;

    private ExitCode() {
    }
}
