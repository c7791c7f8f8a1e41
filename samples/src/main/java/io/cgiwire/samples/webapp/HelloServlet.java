package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /hello}: the benchmark route, a short fixed answer. */
final class HelloServlet extends HttpServlet {
    private static final byte[] HELLO = "Hello from cgiwire\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Responses.bytes(response, "text/plain;charset=utf-8", HELLO);
    }
}
