package io.cgiwire.cli;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_HEADER_LEN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_PARAMS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.FcgiEncoder;
import io.cgiwire.core.fcgi.NameValueCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** The bytes of one request, as a front server sends them. */
final class RequestEncoder {
    /** The request id: nginx, httpd and lighttpd always use 1. */
    static final int REQUEST_ID = 1;

    private RequestEncoder() {
    }

    /**
     * A FastCGI Responder request as nginx sends it without {@code fastcgi_keep_conn}: FCGI_BEGIN_REQUEST (flags 0,
     * so the application closes the connection after FCGI_END_REQUEST), the variables as FCGI_PARAMS records and
     * the empty one, the body as FCGI_STDIN records and the empty one.
     */
    static ByteBuffer fcgi(CgiEnvironment env, byte[] body) {
        byte[] params = NameValueCodec.encode(env);
        long size = 2 * FCGI_HEADER_LEN + FcgiEncoder.streamLength(params.length) + FCGI_HEADER_LEN
                + FcgiEncoder.streamLength(body.length) + FCGI_HEADER_LEN;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a body of " + body.length + " bytes does not fit one buffer");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size);
        FcgiEncoder.putBeginRequest(out, REQUEST_ID, FCGI_RESPONDER, 0);
        FcgiEncoder.putStream(out, FCGI_PARAMS, REQUEST_ID, ByteBuffer.wrap(params));
        FcgiEncoder.putStreamEnd(out, FCGI_PARAMS, REQUEST_ID);
        FcgiEncoder.putStream(out, FCGI_STDIN, REQUEST_ID, ByteBuffer.wrap(body));
        FcgiEncoder.putStreamEnd(out, FCGI_STDIN, REQUEST_ID);
        return out.flip();
    }

    /**
     * An SCGI request: the variables as a netstring of NUL-terminated names and values ({@code env} already has
     * CONTENT_LENGTH first and SCGI=1, as the SCGI spec requires), then the body.
     * <pre>
     * "70:" "CONTENT_LENGTH\0" "27\0" "SCGI\0" "1\0" "REQUEST_METHOD\0" "POST\0" ... "," body
     * </pre>
     */
    static ByteBuffer scgi(CgiEnvironment env, byte[] body) {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < env.size(); i++) {
            headers.append(env.name(i)).append('\0').append(env.value(i)).append('\0');
        }
        byte[] netstringBody = headers.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] length = (netstringBody.length + ":").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer out = ByteBuffer.allocate(length.length + netstringBody.length + 1 + body.length);
        out.put(length).put(netstringBody).put((byte) ',').put(body);
        return out.flip();
    }
}
