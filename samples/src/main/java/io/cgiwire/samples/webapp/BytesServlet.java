package io.cgiwire.samples.webapp;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** {@code GET /bytes?n=N}: N bytes of {@link BytePattern}, with Content-Length, in 64 KiB writes. */
final class BytesServlet extends HttpServlet {
    /** Large enough for any transfer test, including lengths past 2^31 and 2^32. */
    static final long MAX_N = 1L << 40;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long n;
        try {
            n = Query.number(request, "n", 0, MAX_N);
        } catch (IllegalArgumentException e) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        }
        response.setContentType("application/octet-stream");
        response.setContentLengthLong(n);
        // HEAD goes through here too (HttpServlet.doHead): the container discards what is written.
        ServletOutputStream out = response.getOutputStream();
        for (long sent = 0; sent < n; ) {
            int length = BytePattern.length(sent, n, BytePattern.CHUNK);
            out.write(BytePattern.array(), BytePattern.offset(sent), length);
            sent += length;
        }
    }
}
