package io.cgiwire.samples.webapp;

import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET|POST /dump[/*]}: what the servlet sees of the request, as JSON. A POST form's body is read (through
 * getParameterMap); no session is created; request attributes are listed only when named {@code io.cgiwire.*}.
 */
final class DumpServlet extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Map<String, String> dump = new LinkedHashMap<>();
        dump.put("method", Json.string(request.getMethod()));
        dump.put("requestURI", Json.string(request.getRequestURI()));
        dump.put("requestURL", Json.string(request.getRequestURL().toString()));
        dump.put("contextPath", Json.string(request.getContextPath()));
        dump.put("servletPath", Json.string(request.getServletPath()));
        dump.put("pathInfo", Json.string(request.getPathInfo()));
        dump.put("queryString", Json.string(request.getQueryString()));
        Map<String, String> parameters = new LinkedHashMap<>();
        request.getParameterMap().forEach((name, values) -> parameters.put(name, Json.strings(Arrays.asList(values))));
        dump.put("parameters", Json.object(parameters));
        dump.put("scheme", Json.string(request.getScheme()));
        dump.put("secure", Boolean.toString(request.isSecure()));
        dump.put("serverName", Json.string(request.getServerName()));
        dump.put("serverPort", Integer.toString(request.getServerPort()));
        dump.put("remoteAddr", Json.string(request.getRemoteAddr()));
        dump.put("remotePort", Integer.toString(request.getRemotePort()));
        dump.put("localAddr", Json.string(request.getLocalAddr()));
        dump.put("localPort", Integer.toString(request.getLocalPort()));
        dump.put("localName", Json.string(request.getLocalName()));
        dump.put("protocol", Json.string(request.getProtocol()));
        dump.put("contentType", Json.string(request.getContentType()));
        dump.put("contentLength", Long.toString(request.getContentLengthLong()));
        dump.put("characterEncoding", Json.string(request.getCharacterEncoding()));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String name : Collections.list(request.getHeaderNames())) {
            headers.put(name, Json.strings(Collections.list(request.getHeaders(name))));
        }
        dump.put("headers", Json.object(headers));
        List<String> cookies = new ArrayList<>();
        Cookie[] received = request.getCookies();
        for (Cookie cookie : received != null ? received : new Cookie[0]) {
            Map<String, String> member = new LinkedHashMap<>();
            member.put("name", Json.string(cookie.getName()));
            member.put("value", Json.string(cookie.getValue()));
            cookies.add(Json.object(member));
        }
        dump.put("cookies", Json.array(cookies));
        HttpSession session = request.getSession(false);
        dump.put("sessionId", Json.string(session != null ? session.getId() : null));
        List<String> attributes = new ArrayList<>();
        for (String name : Collections.list(request.getAttributeNames())) {
            if (name.startsWith("io.cgiwire.")) {
                attributes.add(name);
            }
        }
        dump.put("attributes", Json.strings(attributes));
        Responses.bytes(response, "application/json", (Json.object(dump) + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        doGet(request, response);
    }
}
