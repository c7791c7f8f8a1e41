package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** {@code GET /status?code=C}: that status and no body; 304 also carries an ETag. */
final class StatusServlet extends HttpServlet {
    static final String ETAG = "\"cgiwire-sample\"";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        int code;
        try {
            code = (int) Query.number(request, "code", 200, 599);
        } catch (IllegalArgumentException e) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        }
        if (code == HttpServletResponse.SC_NOT_MODIFIED) {
            response.setHeader("ETag", ETAG);
        }
        response.setStatus(code);
    }
}
