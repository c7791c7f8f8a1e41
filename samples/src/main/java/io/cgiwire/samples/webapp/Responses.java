package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** Small text answers, with their length known up front. */
final class Responses {
    private Responses() {
    }

    static void text(HttpServletResponse response, String text) throws IOException {
        bytes(response, "text/plain;charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    static void bytes(HttpServletResponse response, String contentType, byte[] body) throws IOException {
        response.setContentType(contentType);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
