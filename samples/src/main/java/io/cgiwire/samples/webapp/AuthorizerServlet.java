package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * {@code /authorize}: a FastCGI Authorizer for the web server in front (cgiwire's {@code authorizerPath}, the demo's
 * {@code --authorizer-path /authorize}). It grants access to any target whose path has no "private" in it, naming
 * the user {@code cgiwire} ({@code Variable-REMOTE_USER}, which httpd's {@code UserExpr} can take) and setting
 * {@code CGIWIRE_AUTHZ} for the resource it protects; it denies the others with 403 and a line of text, which the web
 * server sends to the client. Reached directly, not as an Authorizer, it answers 404.
 */
final class AuthorizerServlet extends HttpServlet {
    /** What the connector puts in an Authorizer request's attributes: the target asked about. */
    static final String ASKED_URI = "io.cgiwire.fcgi.authorizer.uri";
    static final String ASKED_METHOD = "io.cgiwire.fcgi.authorizer.method";

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object uri = request.getAttribute(ASKED_URI);
        if (uri == null) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND, "not a FastCGI Authorizer request");
            return;
        }
        String target = uri.toString();
        int query = target.indexOf('?');
        String path = query < 0 ? target : target.substring(0, query);
        if (path.contains("private")) {
            byte[] body = ("cgiwire authorizer: " + request.getAttribute(ASKED_METHOD) + " " + target
                    + " is private\n").getBytes(StandardCharsets.UTF_8);
            response.setStatus(HttpServletResponse.SC_FORBIDDEN);
            Responses.bytes(response, "text/plain;charset=utf-8", body);
            return;
        }
        response.setHeader("Variable-REMOTE_USER", "cgiwire");
        response.setHeader("Variable-CGIWIRE_AUTHZ", "granted " + path);
        response.setStatus(HttpServletResponse.SC_OK);
    }
}
