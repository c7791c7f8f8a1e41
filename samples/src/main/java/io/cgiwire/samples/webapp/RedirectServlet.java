package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /redirect?to=PATH}: sendRedirect(PATH), "/hello" by default. {@code GET /redirect/absolute}: a redirect
 * to the absolute URL of /hello as the container derives it from the request (scheme, host, port).
 */
final class RedirectServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String pathInfo = request.getPathInfo();
        if ("/absolute".equals(pathInfo)) {
            String url = request.getRequestURL().toString();
            String origin = url.substring(0, url.length() - request.getRequestURI().length());
            response.sendRedirect(origin + request.getContextPath() + "/hello");
            return;
        }
        if (pathInfo != null && !pathInfo.equals("/")) {
            response.sendError(HttpServletResponse.SC_NOT_FOUND);
            return;
        }
        String to = request.getParameter("to");
        if (to == null) {
            to = "/hello";
        }
        // Paths only, so the sample is no open redirect: no scheme, no authority.
        if (to.startsWith("//") || to.startsWith("/\\") || to.indexOf(':') >= 0) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, "to must be a path");
            return;
        }
        response.sendRedirect(to);
    }
}
