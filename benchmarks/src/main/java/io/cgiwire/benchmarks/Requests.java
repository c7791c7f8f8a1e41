package io.cgiwire.benchmarks;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.Fcgi;
import io.cgiwire.core.fcgi.FcgiEncoder;
import io.cgiwire.core.fcgi.NameValueCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

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

    /**
     * The FastCGI records of a GET as nginx 1.22 sent them with its stock fastcgi_params
     * (shared/captures/raw/nginx_fastcgi-get.txt): FCGI_BEGIN_REQUEST with FCGI_KEEP_CONN, one FCGI_PARAMS record of
     * 22 pairs, the empty FCGI_PARAMS and the empty FCGI_STDIN.
     */
    static byte[] nginxFcgiGet() {
        String[] pairs = {
            "QUERY_STRING", "dump=1", "REQUEST_METHOD", "GET", "CONTENT_TYPE", "", "CONTENT_LENGTH", "",
            "SCRIPT_NAME", "/hello", "REQUEST_URI", "/hello?dump=1", "DOCUMENT_URI", "/hello",
            "DOCUMENT_ROOT", "/tmp/cgiwire-capture/www", "SERVER_PROTOCOL", "HTTP/1.1", "REQUEST_SCHEME", "http",
            "GATEWAY_INTERFACE", "CGI/1.1", "SERVER_SOFTWARE", "nginx/1.22.1", "REMOTE_ADDR", "127.0.0.1",
            "REMOTE_PORT", "45172", "REMOTE_USER", "", "SERVER_ADDR", "127.0.0.1", "SERVER_PORT", "28105",
            "SERVER_NAME", "cap-fcgi", "REDIRECT_STATUS", "200", "HTTP_HOST", "127.0.0.1",
            "HTTP_USER_AGENT", "curl/7.88.1", "HTTP_ACCEPT", "*/*",
        };
        ByteBuffer params = ByteBuffer.allocate(4096);
        for (int i = 0; i < pairs.length; i += 2) {
            NameValueCodec.putLength(params, pairs[i].length());
            NameValueCodec.putLength(params, pairs[i + 1].length());
            params.put(pairs[i].getBytes(StandardCharsets.ISO_8859_1));
            params.put(pairs[i + 1].getBytes(StandardCharsets.ISO_8859_1));
        }
        params.flip();
        ByteBuffer out = ByteBuffer.allocate(8192);
        FcgiEncoder.putBeginRequest(out, 1, Fcgi.FCGI_RESPONDER, Fcgi.FCGI_KEEP_CONN);
        FcgiEncoder.putStream(out, Fcgi.FCGI_PARAMS, 1, params);
        FcgiEncoder.putStreamEnd(out, Fcgi.FCGI_PARAMS, 1);
        FcgiEncoder.putStreamEnd(out, Fcgi.FCGI_STDIN, 1);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    /** The request curl sent nginx for {@link #nginxFcgiGet()}: what a container's own HTTP connector parses. */
    static byte[] httpGet() {
        return ("GET /hello?dump=1 HTTP/1.1\r\n"
                + "Host: 127.0.0.1:28105\r\n"
                + "User-Agent: curl/7.88.1\r\n"
                + "Accept: */*\r\n"
                + "\r\n").getBytes(StandardCharsets.ISO_8859_1);
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
