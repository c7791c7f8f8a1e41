package org.apache.coyote.http11;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.coyote.Request;
import org.apache.tomcat.util.http.parser.HttpParser;

/**
 * For the benchmarks only: Tomcat's HTTP/1.1 request-line and header parsing ({@link Http11InputBuffer}, as
 * {@code Http11Processor} runs it per request) on bytes already in its buffer, so no socket is read.
 */
public final class Http11RequestView {
    private final Request request = new Request();
    private final Http11InputBuffer input = new Http11InputBuffer(request, 8192, new HttpParser(null, null));
    private final ByteBuffer buffer;
    private final int length;

    /** A parser whose buffer holds {@code bytes}, a whole request head. */
    public Http11RequestView(byte[] bytes) {
        buffer = ByteBuffer.allocate(bytes.length + 8192);
        buffer.put(bytes).flip();
        length = bytes.length;
        input.setByteBuffer(buffer);
    }

    /** Recycles the request and parses the head again. */
    public Request view() throws IOException {
        input.recycle();
        buffer.limit(length).position(0);
        if (!input.parseRequestLine(false, 0, 0) || !input.parseHeaders()) {
            throw new IllegalStateException("incomplete request head");
        }
        return request;
    }
}
