package io.cgiwire.samples.webapp;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.io.InputStream;

/** {@code POST /upload} (multipart/form-data): one line per part, "name filename-or-dash size sha-256-hex". */
final class UploadServlet extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response)
            throws IOException, ServletException {
        String contentType = request.getContentType();
        if (contentType == null || !contentType.regionMatches(true, 0, "multipart/form-data", 0, 19)) {
            response.sendError(HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE, "expected multipart/form-data");
            return;
        }
        StringBuilder text = new StringBuilder();
        for (Part part : request.getParts()) {
            Sha256 sha = new Sha256();
            try (InputStream in = part.getInputStream()) {
                sha.readAll(in);
            }
            String fileName = part.getSubmittedFileName();
            text.append(oneLine(part.getName())).append(' ')
                    .append(fileName != null ? oneLine(fileName) : "-").append(' ')
                    .append(sha.count()).append(' ')
                    .append(sha.hex()).append('\n');
        }
        Responses.text(response, text.toString());
    }

    /** Names come from the client: keep each part on its own line. */
    private static String oneLine(String name) {
        return name.replaceAll("\\p{Cntrl}", "?");
    }
}
