package io.cgiwire.core;

/**
 * Every way a peer can break FastCGI, SCGI or the CGI variable contract, each with the HTTP status an adapter should
 * answer where the protocol still allows an answer.
 *
 * <p>Names say which layer the rule belongs to: {@code FCGI_*} for FastCGI records, {@code SCGI_*} for the SCGI
 * netstring, {@code CGI_*} for the variables once they are decoded, and unprefixed names for limits shared by both
 * protocols. A test asserts each one with the smallest input that triggers it.
 */
public enum Violation {
    // Shared limits (see GatewayLimits): 431, as for oversized HTTP header sections (RFC 6585 section 5).
    /** More parameter bytes than {@link GatewayLimits#getMaxParamsBytes()}. */
    PARAMS_TOO_LARGE(431),
    /** More name-value pairs than {@link GatewayLimits#getMaxParamsCount()}. */
    TOO_MANY_PARAMS(431),
    /** A name longer than {@link GatewayLimits#getMaxParamNameLength()}. */
    PARAM_NAME_TOO_LONG(431),
    /** A value longer than {@link GatewayLimits#getMaxParamValueLength()}. */
    PARAM_VALUE_TOO_LONG(431),
    /** A name-value pair whose name is empty: no CGI variable has an empty name. */
    PARAM_NAME_EMPTY(400),
    /** The peer closed the connection in the middle of a record, a netstring or a body. */
    PREMATURE_END(400),

    // FastCGI record layer.
    /** A record header whose version byte is not FCGI_VERSION_1. */
    FCGI_BAD_VERSION(400),
    /** A record whose content length does not fit its type (FCGI_BEGIN_REQUEST must carry 8 bytes). */
    FCGI_BAD_RECORD_LENGTH(400),
    /** An application record (BEGIN_REQUEST, PARAMS, STDIN, DATA, ABORT_REQUEST) on the management id 0. */
    FCGI_APPLICATION_RECORD_ON_NULL_ID(400),
    /** A management record (GET_VALUES) on a request id other than 0. */
    FCGI_MANAGEMENT_RECORD_ON_REQUEST_ID(400),
    /** A record type only an application sends (STDOUT, STDERR, END_REQUEST, ...) arriving at the application. */
    FCGI_UNEXPECTED_RECORD_TYPE(400),
    /** FCGI_BEGIN_REQUEST for a request id that is still active. */
    FCGI_DUPLICATE_REQUEST_ID(400),
    /** More active request ids on one connection than {@link GatewayLimits#getMaxMultiplexedRequests()}. */
    FCGI_TOO_MANY_REQUESTS(400),
    /** A stream record out of order: PARAMS after their end, STDIN or DATA before the params ended or after their own end. */
    FCGI_STREAM_OUT_OF_ORDER(400),
    /** The PARAMS stream ended in the middle of a name-value pair. */
    FCGI_PARAMS_TRUNCATED(400),
    /** FCGI_STDIN carried fewer or more bytes than CONTENT_LENGTH (spec 6.2: the application compares them). */
    FCGI_STDIN_LENGTH_MISMATCH(400),

    // SCGI netstring layer.
    /** The netstring length is empty, has a non-digit, a leading zero or too many digits. */
    SCGI_BAD_NETSTRING_LENGTH(400),
    /** The netstring length exceeds {@link GatewayLimits#getMaxScgiHeaderBytes()}. */
    SCGI_HEADERS_TOO_LARGE(431),
    /** The header netstring is not followed by a comma. */
    SCGI_MISSING_COMMA(400),
    /** The header block does not end in a NUL byte. */
    SCGI_HEADERS_NOT_NUL_TERMINATED(400),
    /** The header block holds an odd number of NUL-terminated strings: a name without its value. */
    SCGI_ODD_STRING_COUNT(400),
    /** The first header is not CONTENT_LENGTH. */
    SCGI_MISSING_CONTENT_LENGTH(400),
    /** No SCGI header. */
    SCGI_MISSING_SCGI(400),
    /** An SCGI header whose value is not "1". */
    SCGI_BAD_SCGI_VERSION(400),
    /** Bytes after the CONTENT_LENGTH bytes of the body: SCGI carries one request per connection. */
    SCGI_DATA_AFTER_END(400),

    // CGI variables mapped to an HTTP request.
    /** CONTENT_LENGTH is not a non-negative decimal number, or two CONTENT_LENGTH variables disagree. */
    CGI_BAD_CONTENT_LENGTH(400),
    /** REQUEST_METHOD is missing or not an HTTP token. */
    CGI_BAD_METHOD(400),
    /** No request target can be built, or it holds bytes no request target may hold. */
    CGI_BAD_REQUEST_TARGET(400),
    /** SERVER_PROTOCOL is not of the form HTTP/major[.minor]. */
    CGI_BAD_PROTOCOL(400),
    /** HTTP_HOST is not a valid host[:port]. */
    CGI_BAD_HOST(400),
    /** REMOTE_PORT or SERVER_PORT is not a port number. */
    CGI_BAD_PORT(400),
    /** An HTTP_* variable whose name or value cannot be an HTTP header field. */
    CGI_BAD_HEADER(400);

    private final int statusHint;

    Violation(int statusHint) {
        this.statusHint = statusHint;
    }

    /** The HTTP status an adapter should answer with, where the protocol still lets it answer. */
    public int statusHint() {
        return statusHint;
    }
}
