package io.cgiwire.core.fcgi;

/**
 * The constants of the FastCGI 1.0 specification (Open Market, 1996), spelled as the spec spells them so that the spec
 * and the code can be searched together.
 *
 * <p>Every record starts with this header (spec section 3.3), integers big-endian:
 * <pre>
 * typedef struct {
 *     unsigned char version;            // FCGI_VERSION_1
 *     unsigned char type;               // FCGI_BEGIN_REQUEST ... FCGI_UNKNOWN_TYPE
 *     unsigned char requestIdB1, requestIdB0;
 *     unsigned char contentLengthB1, contentLengthB0;
 *     unsigned char paddingLength;      // 0..255, so senders can align records to 8 bytes
 *     unsigned char reserved;
 *     unsigned char contentData[contentLength];
 *     unsigned char paddingData[paddingLength];
 * } FCGI_Record;
 * </pre>
 */
public final class Fcgi {
    /** Bytes in a record header. */
    public static final int FCGI_HEADER_LEN = 8;
    /** The only protocol version. */
    public static final int FCGI_VERSION_1 = 1;
    /** The largest content a record can carry: the length field has 16 bits. */
    public static final int FCGI_MAX_CONTENT_LENGTH = 0xFFFF;

    /** Web server to application: starts a request. Body: role, flags. */
    public static final int FCGI_BEGIN_REQUEST = 1;
    /** Web server to application: aborts a request. */
    public static final int FCGI_ABORT_REQUEST = 2;
    /** Application to web server: ends a request. Body: appStatus, protocolStatus. */
    public static final int FCGI_END_REQUEST = 3;
    /** Web server to application: the CGI variables, as name-value pairs; an empty record ends the stream. */
    public static final int FCGI_PARAMS = 4;
    /** Web server to application: the request body; an empty record ends the stream. */
    public static final int FCGI_STDIN = 5;
    /** Application to web server: the response; an empty record ends the stream. */
    public static final int FCGI_STDOUT = 6;
    /** Application to web server: error output, logged by the web server. */
    public static final int FCGI_STDERR = 7;
    /** Web server to application: the file a Filter filters. */
    public static final int FCGI_DATA = 8;
    /** Management, web server to application: asks for the values of variables. */
    public static final int FCGI_GET_VALUES = 9;
    /** Management, application to web server: answers FCGI_GET_VALUES. */
    public static final int FCGI_GET_VALUES_RESULT = 10;
    /** Management, application to web server: a record type it does not understand. */
    public static final int FCGI_UNKNOWN_TYPE = 11;

    /** The request id of management records. */
    public static final int FCGI_NULL_REQUEST_ID = 0;

    /** BEGIN_REQUEST flag: keep the connection open after this request. */
    public static final int FCGI_KEEP_CONN = 1;

    /** Role: answer the request (the CGI/1.1 role). */
    public static final int FCGI_RESPONDER = 1;
    /** Role: decide whether the web server may go on with the request. */
    public static final int FCGI_AUTHORIZER = 2;
    /** Role: filter the FCGI_DATA stream. */
    public static final int FCGI_FILTER = 3;

    /** END_REQUEST protocolStatus: the request completed normally. */
    public static final int FCGI_REQUEST_COMPLETE = 0;
    /** END_REQUEST protocolStatus: refused a second concurrent request on a connection that does not multiplex. */
    public static final int FCGI_CANT_MPX_CONN = 1;
    /** END_REQUEST protocolStatus: refused for lack of a resource. */
    public static final int FCGI_OVERLOADED = 2;
    /** END_REQUEST protocolStatus: refused a role the application does not play. */
    public static final int FCGI_UNKNOWN_ROLE = 3;

    /** GET_VALUES variable: how many connections the application accepts at once. */
    public static final String FCGI_MAX_CONNS = "FCGI_MAX_CONNS";
    /** GET_VALUES variable: how many requests the application accepts at once. */
    public static final String FCGI_MAX_REQS = "FCGI_MAX_REQS";
    /** GET_VALUES variable: "1" if the application multiplexes requests on one connection, else "0". */
    public static final String FCGI_MPXS_CONNS = "FCGI_MPXS_CONNS";

    private Fcgi() {
    }

    /** The spec's name of a record type, or "type N" for one it does not define; for messages. */
    public static String typeName(int type) {
        switch (type) {
            case FCGI_BEGIN_REQUEST: return "FCGI_BEGIN_REQUEST";
            case FCGI_ABORT_REQUEST: return "FCGI_ABORT_REQUEST";
            case FCGI_END_REQUEST: return "FCGI_END_REQUEST";
            case FCGI_PARAMS: return "FCGI_PARAMS";
            case FCGI_STDIN: return "FCGI_STDIN";
            case FCGI_STDOUT: return "FCGI_STDOUT";
            case FCGI_STDERR: return "FCGI_STDERR";
            case FCGI_DATA: return "FCGI_DATA";
            case FCGI_GET_VALUES: return "FCGI_GET_VALUES";
            case FCGI_GET_VALUES_RESULT: return "FCGI_GET_VALUES_RESULT";
            case FCGI_UNKNOWN_TYPE: return "FCGI_UNKNOWN_TYPE";
            default: return "type " + type;
        }
    }

    /** Padding that aligns {@code contentLength} bytes of content to 8, as the spec recommends (section 3.3). */
    public static int paddingFor(int contentLength) {
        return -contentLength & 7;
    }
}
