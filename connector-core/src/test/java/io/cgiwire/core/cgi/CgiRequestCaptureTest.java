package io.cgiwire.core.cgi;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.cgiwire.core.ProtocolException;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every captured request from nginx, httpd and lighttpd (captures/shared), and from HAProxy and Caddy
 * (captures/raw, made by tools/capture/capture_fronts.sh), mapped and compared field by field.
 */
class CgiRequestCaptureTest {
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String UA = "User-Agent: curl/7.88.1";
    private static final String ACCEPT = "Accept: */*";
    private static final String GET = "/hello?dump=1";
    private static final String PATH = "/dump/a%20b/c%3Fd;p=1?q=1&r=%26";

    /** What one capture must map to. serverName/Port is the Host header's; localName is SERVER_NAME. */
    record Expected(String method, String rawTarget, String path, String query, String serverName, int serverPort,
            int remotePort, String localAddr, int localPort, String localName, String contentType,
            long contentLength, List<String> headers) {
    }

    private static final Map<String, Expected> CAPTURES = new TreeMap<>(Map.ofEntries(
            // httpd: Host with its port, no HTTP_ copies of Content-*, CONTENT_LENGTH only with a body over FastCGI.
            Map.entry("apache_fcgi-get.txt", new Expected("GET", GET, "/hello", "dump=1", "127.0.0.1", 18081,
                    39302, "127.0.0.1", 18081, "127.0.0.1", null, -1,
                    List.of("Host: 127.0.0.1:18081", UA, ACCEPT))),
            Map.entry("apache_fcgi-path.txt", new Expected("GET", PATH, "/dump/a%20b/c%3Fd;p=1", "q=1&r=%26",
                    "127.0.0.1", 18081, 39322, "127.0.0.1", 18081, "127.0.0.1", null, -1,
                    List.of("Host: 127.0.0.1:18081", UA, ACCEPT))),
            Map.entry("apache_fcgi-post.txt", new Expected("POST", GET, "/hello", "dump=1", "127.0.0.1", 18081,
                    39314, "127.0.0.1", 18081, "127.0.0.1", FORM, 7,
                    List.of("Host: 127.0.0.1:18081", UA, ACCEPT))),
            // mod_proxy_scgi always sends CONTENT_LENGTH, as SCGI requires.
            Map.entry("apache_scgi-get.txt", new Expected("GET", GET, "/hello", "dump=1", "127.0.0.1", 18088,
                    35264, "127.0.0.1", 18088, "127.0.0.1", null, 0,
                    List.of("Host: 127.0.0.1:18088", UA, ACCEPT))),
            Map.entry("apache_scgi-path.txt", new Expected("GET", PATH, "/dump/a%20b/c%3Fd;p=1", "q=1&r=%26",
                    "127.0.0.1", 18088, 35286, "127.0.0.1", 18088, "127.0.0.1", null, 0,
                    List.of("Host: 127.0.0.1:18088", UA, ACCEPT))),
            Map.entry("apache_scgi-post.txt", new Expected("POST", GET, "/hello", "dump=1", "127.0.0.1", 18088,
                    35272, "127.0.0.1", 18088, "127.0.0.1", FORM, 7,
                    List.of("Host: 127.0.0.1:18088", UA, ACCEPT))),
            // lighttpd: SCRIPT_NAME empty and the path in PATH_INFO; HTTP_CONTENT_LENGTH must not become a header.
            Map.entry("lighttpd_fcgi-get.txt", new Expected("GET", GET, "/hello", "dump=1", "127.0.0.1", 18085,
                    36634, "127.0.0.1", 18085, "127.0.0.1", null, 0,
                    List.of("Host: 127.0.0.1:18085", UA, ACCEPT))),
            Map.entry("lighttpd_fcgi-path.txt", new Expected("GET", PATH, "/dump/a%20b/c%3Fd;p=1", "q=1&r=%26",
                    "127.0.0.1", 18085, 36642, "127.0.0.1", 18085, "127.0.0.1", null, 0,
                    List.of("Host: 127.0.0.1:18085", UA, ACCEPT))),
            Map.entry("lighttpd_fcgi-post.txt", new Expected("POST", GET, "/hello", "dump=1", "127.0.0.1", 18085,
                    36640, "127.0.0.1", 18085, "127.0.0.1", FORM, 7,
                    List.of("Host: 127.0.0.1:18085", UA, ACCEPT))),
            Map.entry("lighttpd_scgi-get.txt", new Expected("GET", GET, "/hello", "dump=1", "127.0.0.1", 18089,
                    54830, "127.0.0.1", 18089, "127.0.0.1", null, 0,
                    List.of("Host: 127.0.0.1:18089", UA, ACCEPT))),
            Map.entry("lighttpd_scgi-path.txt", new Expected("GET", PATH, "/dump/a%20b/c%3Fd;p=1", "q=1&r=%26",
                    "127.0.0.1", 18089, 54850, "127.0.0.1", 18089, "127.0.0.1", null, 0,
                    List.of("Host: 127.0.0.1:18089", UA, ACCEPT))),
            Map.entry("lighttpd_scgi-post.txt", new Expected("POST", GET, "/hello", "dump=1", "127.0.0.1", 18089,
                    54844, "127.0.0.1", 18089, "127.0.0.1", FORM, 7,
                    List.of("Host: 127.0.0.1:18089", UA, ACCEPT))),
            // nginx: HTTP_HOST without a port (Debian's params send $host), so the port is SERVER_PORT; SERVER_NAME is its
            // configured name; CONTENT_TYPE and CONTENT_LENGTH empty for GET over FastCGI, HTTP_CONTENT_* copies on POST.
            Map.entry("nginx_fastcgi-get.txt", new Expected("GET", GET, "/hello", "dump=1", "127.0.0.1", 18091,
                    50810, "127.0.0.1", 18091, "cap-fcgi", null, -1,
                    List.of("Host: 127.0.0.1", UA, ACCEPT))),
            Map.entry("nginx_fastcgi-path.txt", new Expected("GET", PATH, "/dump/a%20b/c%3Fd;p=1", "q=1&r=%26",
                    "127.0.0.1", 18091, 50826, "127.0.0.1", 18091, "cap-fcgi", null, -1,
                    List.of("Host: 127.0.0.1", UA, ACCEPT))),
            Map.entry("nginx_fastcgi-post.txt", new Expected("POST", GET, "/hello", "dump=1", "127.0.0.1", 18091,
                    50816, "127.0.0.1", 18091, "cap-fcgi", FORM, 7,
                    List.of("Host: 127.0.0.1", UA, ACCEPT))),
            // nginx's scgi_params have no SERVER_ADDR.
            Map.entry("nginx_scgi-get.txt", new Expected("GET", GET, "/hello", "dump=1", "127.0.0.1", 18092,
                    40540, null, 18092, "cap-scgi", null, 0,
                    List.of("Host: 127.0.0.1", UA, ACCEPT))),
            Map.entry("nginx_scgi-path.txt", new Expected("GET", PATH, "/dump/a%20b/c%3Fd;p=1", "q=1&r=%26",
                    "127.0.0.1", 18092, 40560, null, 18092, "cap-scgi", null, 0,
                    List.of("Host: 127.0.0.1", UA, ACCEPT))),
            Map.entry("nginx_scgi-post.txt", new Expected("POST", GET, "/hello", "dump=1", "127.0.0.1", 18092,
                    40546, null, 18092, "cap-scgi", FORM, 7,
                    List.of("Host: 127.0.0.1", UA, ACCEPT)))));

    private static final String OCTETS = "application/octet-stream";
    private static final String HAPROXY_HOST = "Host: 127.0.0.1:28303";
    private static final String CADDY_HOST = "Host: 127.0.0.1:28305";
    private static final String FORWARDED_FOR = "X-Forwarded-For: 127.0.0.1";
    private static final String FORWARDED_HOST = "X-Forwarded-Host: 127.0.0.1:28305";
    private static final String FORWARDED_PROTO = "X-Forwarded-Proto: http";

    /** The raw captures of the two newer fronts, by file name in captures/raw. */
    private static final Map<String, Expected> FRONT_CAPTURES = new TreeMap<>(Map.ofEntries(
            // HAProxy 2.6 fcgi-app: SERVER_NAME is the Host header with its port, which must not reach the local
            // name; no SERVER_ADDR; CONTENT_LENGTH=0 on a GET; SCRIPT_NAME the whole decoded path.
            Map.entry("haproxy_fcgi-get.txt", new Expected("GET", GET, "/hello", "dump=1", "127.0.0.1", 28303,
                    51538, null, 28303, "127.0.0.1", null, 0, List.of(HAPROXY_HOST, UA, ACCEPT))),
            Map.entry("haproxy_fcgi-path.txt", new Expected("GET", PATH, "/dump/a%20b/c%3Fd;p=1", "q=1&r=%26",
                    "127.0.0.1", 28303, 51540, null, 28303, "127.0.0.1", null, 0, List.of(HAPROXY_HOST, UA, ACCEPT))),
            Map.entry("haproxy_fcgi-post.txt", new Expected("POST", "/echo", "/echo", null, "127.0.0.1", 28303,
                    51556, null, 28303, "127.0.0.1", FORM, 7, List.of(HAPROXY_HOST, UA, ACCEPT))),
            // A chunked body that fits HAProxy's buffer arrives with its length (a larger one is refused with 400).
            Map.entry("haproxy_fcgi-small-chunked.txt", new Expected("POST", "/echo", "/echo", null, "127.0.0.1",
                    28303, 51608, null, 28303, "127.0.0.1", OCTETS, 8000, List.of(HAPROXY_HOST, UA, ACCEPT))),
            Map.entry("haproxy_fcgi-dup-headers.txt", new Expected("GET", GET, "/hello", "dump=1", "127.0.0.1", 28303,
                    51588, null, 28303, "127.0.0.1", null, 0,
                    List.of(HAPROXY_HOST, UA, ACCEPT, "X-A: 1, 2", "Cookie: a=1; b=2"))),
            // Caddy 2.6 transport fastcgi: params in random order (a Go map), SCRIPT_NAME empty and PATH_INFO the
            // decoded path, SERVER_PORT from the Host header, no SERVER_ADDR, X-Forwarded-* added, CONTENT_TYPE
            // empty and CONTENT_LENGTH=0 on a GET, CONTENT_LENGTH=-1 for a chunked body.
            Map.entry("caddy_fcgi-get.txt", new Expected("GET", GET, "/hello", "dump=1", "127.0.0.1", 28305,
                    50384, null, 28305, "127.0.0.1", null, 0,
                    List.of(FORWARDED_FOR, CADDY_HOST, FORWARDED_PROTO, FORWARDED_HOST, ACCEPT, UA))),
            Map.entry("caddy_fcgi-path.txt", new Expected("GET", PATH, "/dump/a%20b/c%3Fd;p=1", "q=1&r=%26",
                    "127.0.0.1", 28305, 50390, null, 28305, "127.0.0.1", null, 0,
                    List.of(FORWARDED_FOR, UA, CADDY_HOST, FORWARDED_HOST, ACCEPT, FORWARDED_PROTO))),
            Map.entry("caddy_fcgi-post.txt", new Expected("POST", "/echo", "/echo", null, "127.0.0.1", 28305,
                    50404, null, 28305, "127.0.0.1", FORM, 7,
                    List.of(FORWARDED_PROTO, FORWARDED_HOST, UA, ACCEPT, CADDY_HOST, FORWARDED_FOR))),
            Map.entry("caddy_fcgi-chunked.txt", new Expected("POST", "/echo", "/echo", null, "127.0.0.1", 28305,
                    50436, null, 28305, "127.0.0.1", OCTETS, -1,
                    List.of(UA, CADDY_HOST, FORWARDED_PROTO, ACCEPT, FORWARDED_FOR, FORWARDED_HOST))),
            // Go joins a repeated header into one value with ", ", Cookie too: one pair each.
            Map.entry("caddy_fcgi-dup-headers.txt", new Expected("GET", GET, "/hello", "dump=1", "127.0.0.1", 28305,
                    50448, null, 28305, "127.0.0.1", null, 0,
                    List.of("Cookie: a=1, b=2", FORWARDED_HOST, ACCEPT, CADDY_HOST, FORWARDED_PROTO, UA, "X-A: 1, 2",
                            FORWARDED_FOR)))));

    static Stream<String> captures() {
        return Stream.concat(CAPTURES.keySet().stream(), FRONT_CAPTURES.keySet().stream());
    }

    private static Expected expected(String file) {
        return CAPTURES.containsKey(file) ? CAPTURES.get(file) : FRONT_CAPTURES.get(file);
    }

    private static CgiEnvironment environment(String file) {
        return CAPTURES.containsKey(file) ? CgiCaptures.environment(file)
                : CgiCaptures.environment(CgiCaptures.RAW_DIRECTORY, file);
    }

    @Test
    void everyCaptureHasExpectations() throws IOException, URISyntaxException {
        Path directory = Path.of(CgiRequestCaptureTest.class.getResource(CgiCaptures.DIRECTORY).toURI());
        try (Stream<Path> files = Files.list(directory)) {
            assertEquals(CAPTURES.keySet(), files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".txt")).collect(Collectors.toCollection(TreeSet::new)));
        }
    }

    /** Every HAProxy and Caddy capture that holds a request has expectations (the others are kept as bytes only). */
    @Test
    void everyFrontCaptureHasExpectations() throws IOException, URISyntaxException {
        Path directory = Path.of(CgiRequestCaptureTest.class.getResource(CgiCaptures.RAW_DIRECTORY).toURI());
        try (Stream<Path> files = Files.list(directory)) {
            TreeSet<String> listed = files.map(f -> f.getFileName().toString())
                    .filter(name -> name.matches(
                            "(haproxy|caddy)_fcgi-(get|path|post|chunked|small-chunked|dup-headers)\\.txt"))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertEquals(FRONT_CAPTURES.keySet(), listed);
        }
    }

    @ParameterizedTest
    @MethodSource("captures")
    void mapsCapture(String file) throws ProtocolException {
        Expected x = expected(file);
        CgiEnvironment env = environment(file);
        CgiRequest r = CgiRequestMapper.map(env);
        assertAll(file,
                () -> assertEquals(x.method(), r.method(), "method"),
                () -> assertEquals(x.rawTarget(), r.rawTarget(), "rawTarget"),
                () -> assertEquals(x.path(), r.path(), "path"),
                () -> assertEquals(x.query(), r.query(), "query"),
                () -> assertEquals("HTTP/1.1", r.protocol(), "protocol"),
                () -> assertEquals("http", r.scheme(), "scheme"),
                () -> assertFalse(r.secure(), "secure"),
                () -> assertEquals(x.serverName(), r.serverName(), "serverName"),
                () -> assertEquals(x.serverPort(), r.serverPort(), "serverPort"),
                () -> assertEquals("127.0.0.1", r.remoteAddr(), "remoteAddr"),
                () -> assertEquals(x.remotePort(), r.remotePort(), "remotePort"),
                () -> assertEquals(x.localAddr(), r.localAddr(), "localAddr"),
                () -> assertEquals(x.localPort(), r.localPort(), "localPort"),
                () -> assertEquals(x.localName(), r.localName(), "localName"),
                () -> assertEquals(x.contentType(), r.contentType(), "contentType"),
                () -> assertEquals(x.contentLength(), r.contentLength(), "contentLength"),
                () -> assertEquals(x.headers(), CgiRequestMapperTest.headers(r), "headers"),
                () -> assertNull(r.remoteUser(), "remoteUser"),
                () -> assertNull(r.authType(), "authType"),
                () -> assertSame(env, r.environment(), "environment"));
    }

    /**
     * Without REQUEST_URI, each server's decoded variables (httpd's, nginx's and HAProxy's SCRIPT_NAME, lighttpd's
     * and Caddy's PATH_INFO, nginx SCGI's DOCUMENT_URI) re-encode to exactly the target curl sent.
     */
    @ParameterizedTest
    @MethodSource("captures")
    void rebuildsTargetWithoutRequestUri(String file) throws ProtocolException {
        CgiEnvironment captured = environment(file);
        CgiEnvironment withoutRequestUri = new CgiEnvironment();
        for (int i = 0; i < captured.size(); i++) {
            if (!captured.name(i).equals("REQUEST_URI")) {
                withoutRequestUri.add(captured.name(i), captured.value(i));
            }
        }
        assertEquals(expected(file).rawTarget(), CgiRequestMapper.map(withoutRequestUri).rawTarget());
    }
}
