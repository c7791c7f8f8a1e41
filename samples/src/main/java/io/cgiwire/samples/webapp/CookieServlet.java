package io.cgiwire.samples.webapp;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** {@code GET /cookie?set=name=value} sets a cookie (Path=/); {@code GET /cookie} lists the received ones. */
final class CookieServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String set = request.getParameter("set");
        if (set != null) {
            int eq = set.indexOf('=');
            String name = eq < 0 ? set : set.substring(0, eq);
            String value = eq < 0 ? "" : set.substring(eq + 1);
            Cookie cookie;
            try {
                if (!isCookieValue(value)) {
                    throw new IllegalArgumentException("the value has a character RFC 6265 does not allow");
                }
                cookie = new Cookie(name, value);
            } catch (IllegalArgumentException e) {
                response.sendError(HttpServletResponse.SC_BAD_REQUEST, "bad cookie: " + e.getMessage());
                return;
            }
            cookie.setPath("/");
            response.addCookie(cookie);
            Responses.text(response, "set " + name + "=" + value + "\n");
            return;
        }
        StringBuilder text = new StringBuilder();
        Cookie[] cookies = request.getCookies();
        for (Cookie cookie : cookies != null ? cookies : new Cookie[0]) {
            text.append(cookie.getName()).append('=').append(cookie.getValue()).append('\n');
        }
        Responses.text(response, text.toString());
    }

    /** RFC 6265 section 4.1.1 cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash. */
    private static boolean isCookieValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '"' || c == ',' || c == ';' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
