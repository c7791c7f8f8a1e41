package io.cgiwire.samples.webapp;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code POST /nbio/echo}: reads the body with a ReadListener into a SHA-256, then answers "sha-256-hex count" with a
 * WriteListener. No thread waits on the network at any point.
 */
final class NbioEchoServlet extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        AsyncContext async = request.startAsync();
        async.setTimeout(300_000);
        ServletInputStream in = request.getInputStream();
        in.setReadListener(new ReadListener() {
            private final byte[] buffer = new byte[8192];
            private final Sha256 sha = new Sha256();

            @Override
            public void onDataAvailable() throws IOException {
                for (int n; in.isReady() && (n = in.read(buffer)) != -1; ) {
                    sha.update(buffer, 0, n);
                }
            }

            @Override
            public void onAllDataRead() throws IOException {
                byte[] answer = (sha.hex() + " " + sha.count() + "\n").getBytes(StandardCharsets.US_ASCII);
                response.setContentType("text/plain;charset=utf-8");
                response.setContentLength(answer.length);
                ServletOutputStream out = response.getOutputStream();
                out.setWriteListener(new WriteListener() {
                    private boolean written;

                    @Override
                    public void onWritePossible() throws IOException {
                        if (!written) {
                            written = true;
                            out.write(answer);
                        }
                        // Complete once the write is through; if it is still pending, this is called again.
                        if (out.isReady()) {
                            async.complete();
                        }
                    }

                    @Override
                    public void onError(Throwable failure) {
                        log("write failed: " + failure);
                        async.complete();
                    }
                });
            }

            @Override
            public void onError(Throwable failure) {
                log("read failed: " + failure);
                async.complete();
            }
        });
    }
}
