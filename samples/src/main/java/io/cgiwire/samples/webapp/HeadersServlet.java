package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;

/** {@code GET /headers}: every request header as a "Name: value" line, one line per value. */
final class HeadersServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        StringBuilder text = new StringBuilder();
        for (String name : Collections.list(request.getHeaderNames())) {
            for (String value : Collections.list(request.getHeaders(name))) {
                text.append(name).append(": ").append(value).append('\n');
            }
        }
        Responses.text(response, text.toString());
    }
}
