package io.cgiwire.samples.webapp;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code POST|PUT /echo}: the request body back as it is read, with the request's Content-Type and no Content-Length.
 * The header {@code X-Request-Content-Length} tells what the container said the body's length was (-1: unknown).
 */
final class EchoServlet extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String contentType = request.getContentType();
        response.setContentType(contentType != null ? contentType : "application/octet-stream");
        response.setHeader("X-Request-Content-Length", Long.toString(request.getContentLengthLong()));
        ServletInputStream in = request.getInputStream();
        ServletOutputStream out = response.getOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) != -1; ) {
            out.write(buffer, 0, n);
            // Send what we have before the next read would wait: the echo streams, it is not held back until the
            // response buffer fills or the request ends.
            if (in.available() == 0) {
                out.flush();
            }
        }
    }

    @Override
    protected void doPut(HttpServletRequest request, HttpServletResponse response) throws IOException {
        doPost(request, response);
    }
}
