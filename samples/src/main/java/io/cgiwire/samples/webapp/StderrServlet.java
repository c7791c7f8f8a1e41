package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintStream;

/**
 * {@code GET /stderr?msg=TEXT}: prints TEXT to the FastCGI error stream when the connector offers one (the web
 * server then logs it, nginx as "FastCGI sent in stderr").
 */
final class StderrServlet extends HttpServlet {
    /** cgiwire's FcgiConnectionFactory.STDERR_ATTRIBUTE, spelled out: the webapp does not depend on cgiwire. */
    static final String STDERR_ATTRIBUTE = "io.cgiwire.fcgi.stderr";

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String message = request.getParameter("msg");
        if (request.getAttribute(STDERR_ATTRIBUTE) instanceof PrintStream stderr) {
            stderr.println(message != null ? message : "stderr from the cgiwire sample webapp");
            Responses.text(response, "sent to stderr\n");
        } else {
            Responses.text(response, "no stderr\n");
        }
    }
}
