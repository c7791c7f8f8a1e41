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

/** Every captured request from nginx, httpd and lighttpd, mapped and compared field by field. */
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

    static Stream<String> captures() {
        return CAPTURES.keySet().stream();
    }

    @Test
    void everyCaptureHasExpectations() throws IOException, URISyntaxException {
        Path directory = Path.of(CgiRequestCaptureTest.class.getResource(CgiCaptures.DIRECTORY).toURI());
        try (Stream<Path> files = Files.list(directory)) {
            assertEquals(CAPTURES.keySet(), files.map(f -> f.getFileName().toString())
                    .filter(name -> name.endsWith(".txt")).collect(Collectors.toCollection(TreeSet::new)));
        }
    }

    @ParameterizedTest
    @MethodSource("captures")
    void mapsCapture(String file) throws ProtocolException {
        Expected x = CAPTURES.get(file);
        CgiEnvironment env = CgiCaptures.environment(file);
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
     * Without REQUEST_URI, each server's decoded variables (httpd's and nginx's SCRIPT_NAME, lighttpd's PATH_INFO,
     * nginx SCGI's DOCUMENT_URI) re-encode to exactly the target curl sent.
     */
    @ParameterizedTest
    @MethodSource("captures")
    void rebuildsTargetWithoutRequestUri(String file) throws ProtocolException {
        CgiEnvironment captured = CgiCaptures.environment(file);
        CgiEnvironment withoutRequestUri = new CgiEnvironment();
        for (int i = 0; i < captured.size(); i++) {
            if (!captured.name(i).equals("REQUEST_URI")) {
                withoutRequestUri.add(captured.name(i), captured.value(i));
            }
        }
        assertEquals(CAPTURES.get(file).rawTarget(), CgiRequestMapper.map(withoutRequestUri).rawTarget());
    }
}
