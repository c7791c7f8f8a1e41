package io.cgiwire.core.fcgi;

import io.cgiwire.core.GatewayTrust;
import io.cgiwire.core.cgi.CgiEnvironment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * FastCGI's Authorizer role (spec 6.3) as a container request. The web server asks whether a request may proceed:
 * it sends that request's variables (without CONTENT_LENGTH, SCRIPT_NAME, PATH_INFO and PATH_TRANSLATED, and no
 * body), and reads the answer's status and {@code Variable-*} headers. The container gets a GET of the authorizer
 * path with the client's headers and addresses; what was asked about is in request attributes.
 */
final class Authorizer {
    /** Variables that describe the request asked about, replaced for the dispatch to the authorizer path. */
    private static final Set<String> REPLACED = Set.of("REQUEST_METHOD", "REQUEST_URI", "DOCUMENT_URI",
            "SCRIPT_NAME", "PATH_INFO", "PATH_TRANSLATED", "QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE");
    /** Variables an authorizer decides on, passed on as attributes whatever the connector's attribute pattern. */
    private static final String[] PASSED = {"REMOTE_USER", "REMOTE_PASSWD", "FCGI_APACHE_ROLE", "AUTH_TYPE"};

    private Authorizer() {
    }

    /** The variables of a GET of {@code path} without a body, with the rest of {@code params} as they were. */
    static CgiEnvironment dispatched(CgiEnvironment params, String path) {
        CgiEnvironment env = new CgiEnvironment(params.size() + 3);
        env.add("REQUEST_METHOD", "GET");
        env.add("REQUEST_URI", path);
        env.add("CONTENT_LENGTH", "0");
        for (int i = 0; i < params.size(); i++) {
            if (!REPLACED.contains(params.name(i))) {
                env.add(params.name(i), params.value(i));
            }
        }
        return env;
    }

    /**
     * What the web server asked about, as request attributes, as it sent them: the method and target (REQUEST_URI,
     * else DOCUMENT_URI, else SCRIPT_NAME and PATH_INFO with the query) of the request, and the variables an
     * authorizer needs.
     */
    static Map<String, String> attributes(CgiEnvironment params) {
        Map<String, String> attributes = new LinkedHashMap<>();
        put(attributes, GatewayTrust.AUTHORIZER_METHOD, params.get("REQUEST_METHOD"));
        put(attributes, GatewayTrust.AUTHORIZER_URI, target(params));
        for (String name : PASSED) {
            put(attributes, GatewayTrust.AUTHORIZER_PREFIX + name, params.get(name));
        }
        return attributes;
    }

    private static String target(CgiEnvironment params) {
        String uri = params.get("REQUEST_URI");
        if (uri == null || uri.isEmpty()) {
            uri = params.get("DOCUMENT_URI");
        }
        if (uri == null || uri.isEmpty()) {
            String path = nonNull(params.get("SCRIPT_NAME")) + nonNull(params.get("PATH_INFO"));
            String query = params.get("QUERY_STRING");
            uri = query == null || query.isEmpty() ? path : path + "?" + query;
        }
        return uri;
    }

    private static String nonNull(String value) {
        return value == null ? "" : value;
    }

    private static void put(Map<String, String> attributes, String name, String value) {
        if (value != null && !value.isEmpty()) {
            attributes.put(name, value);
        }
    }
}
