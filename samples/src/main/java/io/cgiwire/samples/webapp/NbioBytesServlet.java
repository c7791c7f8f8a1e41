package io.cgiwire.samples.webapp;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** {@code GET /nbio/bytes?n=N}: the {@code /bytes} body, written by a WriteListener as the connection takes it. */
final class NbioBytesServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long n;
        try {
            n = Query.number(request, "n", 0, BytesServlet.MAX_N);
        } catch (IllegalArgumentException e) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        }
        response.setContentType("application/octet-stream");
        response.setContentLengthLong(n);
        AsyncContext async = request.startAsync();
        async.setTimeout(300_000);
        ServletOutputStream out = response.getOutputStream();
        out.setWriteListener(new WriteListener() {
            private long sent;

            @Override
            public void onWritePossible() throws IOException {
                while (out.isReady()) {
                    if (sent == n) {
                        async.complete();
                        return;
                    }
                    int length = BytePattern.length(sent, n, BytePattern.CHUNK);
                    out.write(BytePattern.array(), BytePattern.offset(sent), length);
                    sent += length;
                }
            }

            @Override
            public void onError(Throwable failure) {
                log("write failed after " + sent + " bytes: " + failure);
                async.complete();
            }
        });
    }
}
