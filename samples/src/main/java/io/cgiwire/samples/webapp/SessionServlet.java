package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;

/** {@code GET /session}: counts the requests of one HttpSession. */
final class SessionServlet extends HttpServlet {
    private static final String COUNT = "io.cgiwire.samples.count";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        HttpSession session = request.getSession();
        int count;
        // One lock for all sessions: this is a sample, and containers may hand out a new session facade per request.
        synchronized (SessionServlet.class) {
            Integer previous = (Integer) session.getAttribute(COUNT);
            count = previous == null ? 1 : previous + 1;
            session.setAttribute(COUNT, count);
        }
        Responses.text(response, "count=" + count + "\nid=" + session.getId() + "\n");
    }
}
