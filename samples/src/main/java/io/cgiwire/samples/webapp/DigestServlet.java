package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code POST /digest}: reads the whole body and answers "sha-256-hex count". A body cut short (the client went away
 * mid-upload) is counted in {@code GET /digest/stats} as "aborted=K".
 */
final class DigestServlet extends HttpServlet {
    private static final AtomicLong ABORTED = new AtomicLong();

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        if (!"/stats".equals(request.getPathInfo())) {
            response.sendError(HttpServletResponse.SC_METHOD_NOT_ALLOWED);
            return;
        }
        Responses.text(response, "aborted=" + ABORTED.get() + "\n");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Sha256 sha;
        try {
            sha = new Sha256().readAll(request.getInputStream());
        } catch (IOException e) {
            ABORTED.incrementAndGet();
            log("the upload was cut short: " + e);
            throw e;
        }
        Responses.text(response, sha.hex() + " " + sha.count() + "\n");
    }
}
