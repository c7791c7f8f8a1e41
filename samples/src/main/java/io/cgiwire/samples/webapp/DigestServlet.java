package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** {@code POST /digest}: reads the whole body and answers "sha-256-hex count". */
final class DigestServlet extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Sha256 sha = new Sha256().readAll(request.getInputStream());
        Responses.text(response, sha.hex() + " " + sha.count() + "\n");
    }
}
