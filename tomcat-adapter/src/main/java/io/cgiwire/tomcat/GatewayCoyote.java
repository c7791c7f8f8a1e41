package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.cgi.CgiResponseHead;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.apache.coyote.Request;
import org.apache.coyote.Response;
import org.apache.tomcat.util.buf.ByteChunk;
import org.apache.tomcat.util.buf.MessageBytes;
import org.apache.tomcat.util.http.MimeHeaders;

/** A {@link GatewayRequest} as a coyote request, and a coyote response's head as CGI: no I/O, no state. */
final class GatewayCoyote {
    private GatewayCoyote() {
    }

    /**
     * Fills {@code request} from {@code gateway} field by field, as {@code AjpProcessor.prepareRequest} does from an
     * AJP message; the socket's peer (the web server) is only the peer address. The target goes in as raw bytes, so
     * that Tomcat decodes and normalizes it as it does for HTTP (including its rules for %2F).
     *
     * @throws IllegalStateException if there are more headers than {@code maxHeaderCount}
     */
    static void prepareRequest(Request request, GatewayRequest gateway, String peerAddr, int maxHeaderCount) {
        request.setMethod(gateway.method());
        request.protocol().setString(gateway.protocol());
        setBytes(request.requestURI(), gateway.path());
        if (gateway.query() != null) {
            setBytes(request.queryString(), gateway.query());
        }
        request.scheme().setString(gateway.scheme());
        request.remoteAddr().setString(gateway.remoteAddr());
        request.setRemotePort(gateway.remotePort());
        if (gateway.remoteHost() != null) {
            request.remoteHost().setString(gateway.remoteHost());
        }
        request.peerAddr().setString(peerAddr);
        request.localAddr().setString(gateway.localAddr());
        request.setLocalPort(gateway.localPort());
        request.localName().setString(gateway.localName());
        request.serverName().setString(gateway.serverName());
        request.setServerPort(gateway.serverPort());

        MimeHeaders headers = request.getMimeHeaders();
        headers.setLimit(maxHeaderCount);
        for (int i = 0; i < gateway.headerCount(); i++) {
            headers.addValue(gateway.headerName(i)).setString(gateway.headerValue(i));
        }
        request.setContentLength(gateway.contentLength());
        gateway.attributes().forEach(request::setAttribute);
        if (gateway.remoteUser() != null) {
            request.getRemoteUser().setString(gateway.remoteUser());
            if (gateway.authType() != null) {
                request.getAuthType().setString(gateway.authType());
            }
        }
    }

    private static void setBytes(MessageBytes field, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.ISO_8859_1);
        field.setBytes(bytes, 0, bytes.length);
    }

    /**
     * The CGI response head of {@code response}: always an explicit Status line. A status CGI cannot carry becomes
     * 500, and a header that would break the head is left out, as AjpProcessor does; {@code warn} hears of both.
     */
    static byte[] responseHead(Response response, CgiResponseHead head, Consumer<String> warn) {
        MimeHeaders headers = response.getMimeHeaders();
        if (response.getContentType() != null) {
            headers.setValue("Content-Type").setString(response.getContentType());
        }
        if (response.getContentLanguage() != null) {
            headers.setValue("Content-Language").setString(response.getContentLanguage());
        }
        if (response.getContentLengthLong() >= 0) {
            headers.setValue("Content-Length").setLong(response.getContentLengthLong());
        }
        head.reset();
        try {
            head.status(response.getStatus(), null);
        } catch (IllegalArgumentException e) {
            warn.accept("status " + response.getStatus() + " cannot be sent through CGI; sending 500");
            head.status(500, null);
        }
        for (int i = 0; i < headers.size(); i++) {
            String value = text(headers.getValue(i));
            if (value == null) {
                continue;
            }
            try {
                head.add(headers.getName(i).toString(), value);
            } catch (IllegalArgumentException e) {
                warn.accept("response header dropped: " + e.getMessage());
            }
        }
        return head.toBytes();
    }

    /**
     * {@code value} as a String. Bytes (what {@code setLong} leaves, as for Content-Length above) are decoded with
     * their charset directly: {@code MessageBytes.toString()} decodes through a new CharsetDecoder and a CharBuffer,
     * a third of a microsecond per response in a profile of /hello.
     */
    private static String text(MessageBytes value) {
        if (value.getType() != MessageBytes.T_BYTES) {
            return value.toString();
        }
        ByteChunk bytes = value.getByteChunk();
        return new String(bytes.getBuffer(), bytes.getStart(), bytes.getLength(), bytes.getCharset());
    }
}
