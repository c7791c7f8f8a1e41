package io.cgiwire.samples.webapp;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code GET /slow?ms=MS&n=N}: N bytes of {@link BytePattern} in flushed 1 KiB pieces, MS apart. A write that fails
 * (the client went away and the container told the servlet so) is counted; {@code GET /slow/stats} answers
 * "aborted=K".
 */
final class SlowServlet extends HttpServlet {
    private static final AtomicLong ABORTED = new AtomicLong();
    private static final int PIECE = 1024;

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String pathInfo = request.getPathInfo();
        if ("/stats".equals(pathInfo)) {
            Responses.text(response, "aborted=" + ABORTED.get() + "\n");
            return;
        }
        if (pathInfo != null) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        long ms;
        long n;
        try {
            ms = Query.number(request, "ms", 100, 0, 60_000);
            n = Query.number(request, "n", 10 * PIECE, 0, BytesServlet.MAX_N);
        } catch (IllegalArgumentException e) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        }
        response.setContentType("application/octet-stream");
        response.setContentLengthLong(n);
        try {
            ServletOutputStream out = response.getOutputStream();
            for (long sent = 0; sent < n; ) {
                int length = BytePattern.length(sent, n, PIECE);
                out.write(BytePattern.array(), BytePattern.offset(sent), length);
                out.flush();
                sent += length;
                if (sent < n) {
                    Thread.sleep(ms);
                }
            }
        } catch (IOException e) {
            ABORTED.incrementAndGet();
            log("the client went away: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
