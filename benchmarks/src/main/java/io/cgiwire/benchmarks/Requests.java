package io.cgiwire.benchmarks;

import io.cgiwire.core.cgi.CgiEnvironment;

/** The requests the benchmarks decode: what nginx 1.22 really sent (shared/captures/nginx_fastcgi-post.txt). */
final class Requests {
    private Requests() {
    }

    static CgiEnvironment nginxPost() {
        String[] pairs = {
            "QUERY_STRING", "dump=1",
            "REQUEST_METHOD", "POST",
            "CONTENT_TYPE", "application/x-www-form-urlencoded",
            "CONTENT_LENGTH", "7",
            "SCRIPT_NAME", "/hello",
            "REQUEST_URI", "/hello?dump=1",
            "DOCUMENT_URI", "/hello",
            "DOCUMENT_ROOT", "/srv/www/html",
            "SERVER_PROTOCOL", "HTTP/1.1",
            "REQUEST_SCHEME", "http",
            "GATEWAY_INTERFACE", "CGI/1.1",
            "SERVER_SOFTWARE", "nginx/1.22.1",
            "REMOTE_ADDR", "127.0.0.1",
            "REMOTE_PORT", "50816",
            "REMOTE_USER", "",
            "SERVER_ADDR", "127.0.0.1",
            "SERVER_PORT", "18091",
            "SERVER_NAME", "cap-fcgi",
            "REDIRECT_STATUS", "200",
            "HTTP_HOST", "127.0.0.1",
            "HTTP_USER_AGENT", "curl/7.88.1",
            "HTTP_ACCEPT", "*/*",
            "HTTP_CONTENT_LENGTH", "7",
            "HTTP_CONTENT_TYPE", "application/x-www-form-urlencoded",
        };
        CgiEnvironment env = new CgiEnvironment();
        for (int i = 0; i < pairs.length; i += 2) {
            env.add(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    /** What nginx 1.22 sent over SCGI for the same POST (shared/captures/nginx_scgi-post.txt), as a netstring. */
    static byte[] nginxScgiPost() {
        String[] pairs = {
            "CONTENT_LENGTH", "7", "REQUEST_METHOD", "POST", "REQUEST_URI", "/hello?dump=1", "QUERY_STRING", "dump=1",
            "CONTENT_TYPE", "application/x-www-form-urlencoded", "DOCUMENT_URI", "/hello",
            "DOCUMENT_ROOT", "/srv/www/html", "SCGI", "1", "SERVER_PROTOCOL", "HTTP/1.1", "REQUEST_SCHEME", "http",
            "REMOTE_ADDR", "127.0.0.1", "REMOTE_PORT", "40546", "SERVER_PORT", "18092", "SERVER_NAME", "cap-scgi",
            "HTTP_HOST", "127.0.0.1", "HTTP_USER_AGENT", "curl/7.88.1", "HTTP_ACCEPT", "*/*",
            "HTTP_CONTENT_LENGTH", "7", "HTTP_CONTENT_TYPE", "application/x-www-form-urlencoded",
        };
        StringBuilder block = new StringBuilder();
        for (String s : pairs) {
            block.append(s).append('\0');
        }
        String netstring = block.length() + ":" + block + "," + "a=1&b=2";
        return netstring.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /**
     * Bytes the Strings of {@code env} take on a 64-bit JVM with compressed oops and compact strings: per String a
     * 24-byte object and a byte[] of 16 bytes of header plus its length, rounded up to 8. The empty value is the
     * shared "" literal and costs nothing.
     */
    static long stringBytes(CgiEnvironment env) {
        long total = 0;
        for (int i = 0; i < env.size(); i++) {
            total += stringBytes(env.name(i)) + stringBytes(env.value(i));
        }
        return total;
    }

    private static long stringBytes(String s) {
        return s.isEmpty() ? 0 : 24 + ((16 + s.length() + 7) & ~7);
    }
}
