package io.cgiwire.core.cgi;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Go's {@code cgi.RequestFromMap} tests: tables of variables in, one field or one violation out. */
class CgiRequestMapperTest {

    /** The variables in the order given, repeats kept: {@code env("REQUEST_METHOD", "GET", ...)}. */
    static CgiEnvironment env(String... pairs) {
        CgiEnvironment env = new CgiEnvironment();
        for (int i = 0; i < pairs.length; i += 2) {
            env.add(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    /** A GET of "/" with {@code pairs} added after it; a repeated name overrides, since the last one counts. */
    static CgiEnvironment get(String... pairs) {
        CgiEnvironment env = env("REQUEST_METHOD", "GET", "REQUEST_URI", "/");
        for (int i = 0; i < pairs.length; i += 2) {
            env.add(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    /** The headers as "Name: value" lines. */
    static List<String> headers(CgiRequest r) {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < r.headerCount(); i++) {
            lines.add(r.headerName(i) + ": " + r.headerValue(i));
        }
        return lines;
    }

    static Stream<Arguments> targets() {
        return Stream.of(
                arguments(env("REQUEST_METHOD", "GET", "REQUEST_URI", "/a%20b;p=1?x=1&y=%26"),
                        "/a%20b;p=1?x=1&y=%26", "/a%20b;p=1", "x=1&y=%26"),
                arguments(env("REQUEST_METHOD", "GET", "REQUEST_URI", "/raw", "SCRIPT_NAME", "/s", "PATH_INFO", "/p",
                        "DOCUMENT_URI", "/d"), "/raw", "/raw", null),
                arguments(env("REQUEST_METHOD", "GET", "REQUEST_URI", "/a?"), "/a?", "/a", ""),
                arguments(env("REQUEST_METHOD", "GET", "REQUEST_URI", "/a?b?c"), "/a?b?c", "/a", "b?c"),
                arguments(env("REQUEST_METHOD", "GET", "REQUEST_URI", "", "SCRIPT_NAME", "/app", "PATH_INFO", "/a b",
                        "QUERY_STRING", "q=1"), "/app/a%20b?q=1", "/app/a%20b", "q=1"),
                arguments(env("REQUEST_METHOD", "GET", "SCRIPT_NAME", "", "PATH_INFO", "/dump/a b/c?d;p=1",
                        "QUERY_STRING", "q=1&r=%26"), "/dump/a%20b/c%3Fd;p=1?q=1&r=%26", "/dump/a%20b/c%3Fd;p=1",
                        "q=1&r=%26"),
                arguments(env("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/dump/a b/c?d;p=1", "QUERY_STRING", ""),
                        "/dump/a%20b/c%3Fd;p=1", "/dump/a%20b/c%3Fd;p=1", null),
                arguments(env("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/only"), "/only", "/only", null),
                arguments(env("REQUEST_METHOD", "GET", "PATH_INFO", "/info"), "/info", "/info", null),
                arguments(env("REQUEST_METHOD", "GET", "SCRIPT_NAME", "", "PATH_INFO", "", "DOCUMENT_URI", "/d 1",
                        "QUERY_STRING", "x"), "/d%201?x", "/d%201", "x"),
                arguments(env("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/\"#%<>?\\^`{|}"),
                        "/%22%23%25%3C%3E%3F%5C%5E%60%7B%7C%7D", "/%22%23%25%3C%3E%3F%5C%5E%60%7B%7C%7D", null),
                arguments(env("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/\u0000\u0001\t\u001f\u007f\u0080\u00e9\u00ff"),
                        "/%00%01%09%1F%7F%80%E9%FF", "/%00%01%09%1F%7F%80%E9%FF", null),
                arguments(env("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/a;b=c,d:e@f!$&'()*+~-._/"),
                        "/a;b=c,d:e@f!$&'()*+~-._/", "/a;b=c,d:e@f!$&'()*+~-._/", null),
                arguments(env("REQUEST_METHOD", "GET", "REQUEST_URI", "http://example.com/p?q=1"),
                        "http://example.com/p?q=1", "/p", "q=1"),
                arguments(env("REQUEST_METHOD", "GET", "REQUEST_URI", "HTTPS://example.com:8443"),
                        "HTTPS://example.com:8443", "/", null),
                arguments(env("REQUEST_METHOD", "GET", "REQUEST_URI", "http://example.com?x"),
                        "http://example.com?x", "/", "x"),
                arguments(env("REQUEST_METHOD", "OPTIONS", "REQUEST_URI", "*"), "*", "*", null));
    }

    @ParameterizedTest
    @MethodSource("targets")
    void target(CgiEnvironment env, String rawTarget, String path, String query) throws ProtocolException {
        CgiRequest r = CgiRequestMapper.map(env);
        assertAll(env.toString(),
                () -> assertEquals(rawTarget, r.rawTarget(), "rawTarget"),
                () -> assertEquals(path, r.path(), "path"),
                () -> assertEquals(query, r.query(), "query"));
    }

    static Stream<Arguments> rejections() {
        return Stream.of(
                arguments(env("REQUEST_METHOD", "GET"), Violation.CGI_BAD_REQUEST_TARGET, "REQUEST_URI"),
                arguments(env("REQUEST_METHOD", "GET", "REQUEST_URI", "", "SCRIPT_NAME", "", "PATH_INFO", "",
                        "DOCUMENT_URI", ""), Violation.CGI_BAD_REQUEST_TARGET, "DOCUMENT_URI"),
                arguments(get("REQUEST_URI", "hello"), Violation.CGI_BAD_REQUEST_TARGET, "\"hello\""),
                arguments(get("REQUEST_URI", "*"), Violation.CGI_BAD_REQUEST_TARGET, "OPTIONS"),
                arguments(get("REQUEST_URI", "/a b"), Violation.CGI_BAD_REQUEST_TARGET, "a space at index 2"),
                arguments(get("REQUEST_URI", "/a\tb"), Violation.CGI_BAD_REQUEST_TARGET, "byte 0x09"),
                arguments(get("REQUEST_URI", "/a\r\nX-Injected: 1"), Violation.CGI_BAD_REQUEST_TARGET,
                        "\"/a\\x0D\\x0AX-Injected: 1\""),
                arguments(get("REQUEST_URI", "/\u0000"), Violation.CGI_BAD_REQUEST_TARGET, "byte 0x00"),
                arguments(get("REQUEST_URI", "/\u007f"), Violation.CGI_BAD_REQUEST_TARGET, "byte 0x7F"),
                arguments(get("REQUEST_URI", "/caf\u00e9"), Violation.CGI_BAD_REQUEST_TARGET, "byte 0xE9"),
                arguments(get("REQUEST_URI", "ftp://example.com/p"), Violation.CGI_BAD_REQUEST_TARGET, "ftp:"),
                arguments(get("REQUEST_URI", "http:///p"), Violation.CGI_BAD_REQUEST_TARGET, "host"),
                arguments(get("REQUEST_URI", "http://user@example.com/p"), Violation.CGI_BAD_REQUEST_TARGET,
                        "user@"),
                arguments(get("REQUEST_URI", "http://example.com:99999/"), Violation.CGI_BAD_REQUEST_TARGET,
                        "99999"),
                arguments(env("REQUEST_METHOD", "GET", "SCRIPT_NAME", "hello"), Violation.CGI_BAD_REQUEST_TARGET,
                        "SCRIPT_NAME + PATH_INFO \"hello\""),
                arguments(env("REQUEST_METHOD", "GET", "DOCUMENT_URI", "d"), Violation.CGI_BAD_REQUEST_TARGET,
                        "DOCUMENT_URI \"d\""),
                arguments(env("REQUEST_METHOD", "GET", "SCRIPT_NAME", "/s", "QUERY_STRING", "a b"),
                        Violation.CGI_BAD_REQUEST_TARGET, "QUERY_STRING \"a b\""),
                arguments(env("REQUEST_METHOD", "GET", "DOCUMENT_URI", "/\u20ac"), Violation.CGI_BAD_REQUEST_TARGET,
                        "above 0xFF"),

                arguments(env("REQUEST_URI", "/"), Violation.CGI_BAD_METHOD, "REQUEST_METHOD is missing"),
                arguments(get("REQUEST_METHOD", ""), Violation.CGI_BAD_METHOD, "REQUEST_METHOD is missing"),
                arguments(get("REQUEST_METHOD", "GE T"), Violation.CGI_BAD_METHOD, "\"GE T\""),
                arguments(get("REQUEST_METHOD", "GET\r\n"), Violation.CGI_BAD_METHOD, "\"GET\\x0D\\x0A\""),
                arguments(get("REQUEST_METHOD", "(GET)"), Violation.CGI_BAD_METHOD, "\"(GET)\""),
                arguments(get("REQUEST_METHOD", "G\u00c9T"), Violation.CGI_BAD_METHOD, "\"G\\xC9T\""),

                arguments(get("SERVER_PROTOCOL", "http/1.1"), Violation.CGI_BAD_PROTOCOL, "\"http/1.1\""),
                arguments(get("SERVER_PROTOCOL", "HTTP/1.1 "), Violation.CGI_BAD_PROTOCOL, "SERVER_PROTOCOL"),
                arguments(get("SERVER_PROTOCOL", "HTTP/11"), Violation.CGI_BAD_PROTOCOL, "\"HTTP/11\""),
                arguments(get("SERVER_PROTOCOL", "HTTP/1."), Violation.CGI_BAD_PROTOCOL, "\"HTTP/1.\""),
                arguments(get("SERVER_PROTOCOL", "HTTP/1.1.1"), Violation.CGI_BAD_PROTOCOL, "\"HTTP/1.1.1\""),
                arguments(get("SERVER_PROTOCOL", "HTTP/x.1"), Violation.CGI_BAD_PROTOCOL, "\"HTTP/x.1\""),
                arguments(get("SERVER_PROTOCOL", "SPDY/3"), Violation.CGI_BAD_PROTOCOL, "\"SPDY/3\""),
                arguments(get("SERVER_PROTOCOL", "INCLUDED"), Violation.CGI_BAD_PROTOCOL, "\"INCLUDED\""),

                arguments(get("HTTP_HOST", ""), Violation.CGI_BAD_HOST, "HTTP_HOST \"\""),
                arguments(get("HTTP_HOST", ":80"), Violation.CGI_BAD_HOST, "\":80\""),
                arguments(get("HTTP_HOST", "example.com:65536"), Violation.CGI_BAD_HOST, "65536"),
                arguments(get("HTTP_HOST", "example.com:8o"), Violation.CGI_BAD_HOST, "8o"),
                arguments(get("HTTP_HOST", "example.com:-1"), Violation.CGI_BAD_HOST, "-1"),
                arguments(get("HTTP_HOST", "example.com:80:80"), Violation.CGI_BAD_HOST, "80:80"),
                arguments(get("HTTP_HOST", "[::1"), Violation.CGI_BAD_HOST, "[::1"),
                arguments(get("HTTP_HOST", "[]"), Violation.CGI_BAD_HOST, "[]"),
                arguments(get("HTTP_HOST", "[::1]x"), Violation.CGI_BAD_HOST, "[::1]x"),
                arguments(get("HTTP_HOST", "[::1]:8o"), Violation.CGI_BAD_HOST, "[::1]:8o"),
                arguments(get("HTTP_HOST", "a b"), Violation.CGI_BAD_HOST, "a b"),
                arguments(get("HTTP_HOST", "user@example.com"), Violation.CGI_BAD_HOST, "user@example.com"),
                arguments(get("HTTP_HOST", "example.com/path"), Violation.CGI_BAD_HOST, "example.com/path"),
                arguments(get("HTTP_HOST", "caf\u00e9.example"), Violation.CGI_BAD_HOST, "caf\\xE9.example"),
                arguments(get("HTTP_HOST", "a.example", "HTTP_HOST", "b.example"), Violation.CGI_BAD_HOST,
                        "\"a.example, b.example\""),

                arguments(get("REMOTE_PORT", "65536"), Violation.CGI_BAD_PORT, "REMOTE_PORT \"65536\""),
                arguments(get("REMOTE_PORT", "-1"), Violation.CGI_BAD_PORT, "REMOTE_PORT \"-1\""),
                arguments(get("REMOTE_PORT", "+80"), Violation.CGI_BAD_PORT, "REMOTE_PORT \"+80\""),
                arguments(get("REMOTE_PORT", " 80"), Violation.CGI_BAD_PORT, "REMOTE_PORT \" 80\""),
                arguments(get("REMOTE_PORT", "80a"), Violation.CGI_BAD_PORT, "REMOTE_PORT \"80a\""),
                arguments(get("REMOTE_PORT", "99999999999"), Violation.CGI_BAD_PORT, "REMOTE_PORT"),
                arguments(get("SERVER_PORT", "http"), Violation.CGI_BAD_PORT, "SERVER_PORT \"http\""),

                arguments(get("HTTP_X_A", "a\rb"), Violation.CGI_BAD_HEADER, "HTTP_X_A holds byte 0x0D at index 1"),
                arguments(get("HTTP_X_A", "a\nb"), Violation.CGI_BAD_HEADER, "HTTP_X_A holds byte 0x0A"),
                arguments(get("HTTP_X_A", "a\u0000b"), Violation.CGI_BAD_HEADER, "HTTP_X_A holds byte 0x00"),
                arguments(get("HTTP_X_A", "\u0001"), Violation.CGI_BAD_HEADER, "HTTP_X_A holds byte 0x01"),
                arguments(get("HTTP_X_A", "\u007f"), Violation.CGI_BAD_HEADER, "HTTP_X_A holds byte 0x7F"),
                arguments(get("HTTP_X_A", "\u20ac"), Violation.CGI_BAD_HEADER, "HTTP_X_A holds U+20AC"),
                arguments(get("HTTP_", "x"), Violation.CGI_BAD_HEADER, "\"HTTP_\""),
                arguments(get("HTTP_X A", "x"), Violation.CGI_BAD_HEADER, "\"HTTP_X A\""),
                arguments(get("HTTP_X(A)", "x"), Violation.CGI_BAD_HEADER, "\"HTTP_X(A)\""),
                arguments(get("HTTP_X:A", "x"), Violation.CGI_BAD_HEADER, "\"HTTP_X:A\""),
                arguments(get("HTTP_CAF\u00c9", "x"), Violation.CGI_BAD_HEADER, "\"HTTP_CAF\\xC9\""),
                arguments(get("CONTENT_TYPE", "text/plain\r\nX: y"), Violation.CGI_BAD_HEADER, "CONTENT_TYPE holds"),
                arguments(get("HTTP_CONTENT_TYPE", "text/plain\n"), Violation.CGI_BAD_HEADER,
                        "HTTP_CONTENT_TYPE holds"),

                arguments(get("CONTENT_LENGTH", "-"), Violation.CGI_BAD_CONTENT_LENGTH, "CONTENT_LENGTH \"-\""),
                arguments(get("CONTENT_LENGTH", "-0"), Violation.CGI_BAD_CONTENT_LENGTH, "CONTENT_LENGTH \"-0\""),
                arguments(get("CONTENT_LENGTH", "--1"), Violation.CGI_BAD_CONTENT_LENGTH, "\"--1\""),
                arguments(get("CONTENT_LENGTH", "-1 "), Violation.CGI_BAD_CONTENT_LENGTH, "\"-1 \""),
                arguments(get("CONTENT_LENGTH", "-99999999999999999999"), Violation.CGI_BAD_CONTENT_LENGTH,
                        "\"-99999999999999999999\""),
                arguments(get("CONTENT_LENGTH", "-1", "CONTENT_LENGTH", "7"), Violation.CGI_BAD_CONTENT_LENGTH,
                        "CONTENT_LENGTH \"7\" disagrees with an earlier CONTENT_LENGTH \"-1\""),
                arguments(get("CONTENT_LENGTH", "+7"), Violation.CGI_BAD_CONTENT_LENGTH, "CONTENT_LENGTH \"+7\""),
                arguments(get("CONTENT_LENGTH", " 7"), Violation.CGI_BAD_CONTENT_LENGTH, "CONTENT_LENGTH \" 7\""),
                arguments(get("CONTENT_LENGTH", "7 "), Violation.CGI_BAD_CONTENT_LENGTH, "CONTENT_LENGTH \"7 \""),
                arguments(get("CONTENT_LENGTH", "0x10"), Violation.CGI_BAD_CONTENT_LENGTH, "\"0x10\""),
                arguments(get("CONTENT_LENGTH", "7,7"), Violation.CGI_BAD_CONTENT_LENGTH, "\"7,7\""),
                arguments(get("CONTENT_LENGTH", "9223372036854775808"), Violation.CGI_BAD_CONTENT_LENGTH,
                        "\"9223372036854775808\""),
                arguments(get("CONTENT_LENGTH", "99999999999999999999"), Violation.CGI_BAD_CONTENT_LENGTH,
                        "\"99999999999999999999\""),
                arguments(get("CONTENT_LENGTH", "7", "CONTENT_LENGTH", "8"), Violation.CGI_BAD_CONTENT_LENGTH,
                        "CONTENT_LENGTH \"8\" disagrees with an earlier CONTENT_LENGTH \"7\""),
                arguments(get("CONTENT_LENGTH", "", "CONTENT_LENGTH", "7"), Violation.CGI_BAD_CONTENT_LENGTH,
                        "CONTENT_LENGTH \"7\" disagrees with an earlier CONTENT_LENGTH \"\""),
                arguments(get("CONTENT_LENGTH", "7", "CONTENT_LENGTH", "7", "CONTENT_LENGTH", ""),
                        Violation.CGI_BAD_CONTENT_LENGTH, "disagrees"));
    }

    @ParameterizedTest
    @MethodSource("rejections")
    void rejects(CgiEnvironment env, Violation violation, String messagePart) {
        ProtocolException e = assertThrows(ProtocolException.class, () -> CgiRequestMapper.map(env),
                env.toString());
        assertEquals(violation, e.violation(), e.getMessage());
        assertTrue(e.getMessage().contains(messagePart), () -> e.getMessage() + " does not say " + messagePart);
        assertFalse(e.getMessage().contains("\r") || e.getMessage().contains("\n"), "one log line");
    }

    @Test
    void rejectedHeaderValueIsNotInTheMessage() {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> CgiRequestMapper.map(get("HTTP_AUTHORIZATION", "Basic c2VjcmV0\n")));
        assertEquals(Violation.CGI_BAD_HEADER, e.violation());
        assertTrue(e.getMessage().contains("HTTP_AUTHORIZATION"), e.getMessage());
        assertFalse(e.getMessage().contains("c2VjcmV0"), e.getMessage());
    }

    @Test
    void longValuesAreShortenedInMessages() {
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> CgiRequestMapper.map(get("REQUEST_METHOD", "X".repeat(1000) + " ")));
        assertTrue(e.getMessage().contains("\"" + "X".repeat(80) + "\"... (1001 chars)"), e.getMessage());
    }

    static Stream<Arguments> methods() {
        return Stream.of(
                arguments(get("REQUEST_METHOD", "POST"), "POST"),
                arguments(get("REQUEST_METHOD", "PROPFIND"), "PROPFIND"),
                arguments(get("REQUEST_METHOD", "M-SEARCH"), "M-SEARCH"),
                // Methods are case-sensitive (RFC 9110 9.1): kept as sent, never upper-cased.
                arguments(get("REQUEST_METHOD", "get"), "get"),
                arguments(get("REQUEST_METHOD", "!#$%&'*+-.^_`|~09azAZ"), "!#$%&'*+-.^_`|~09azAZ"),
                // Repeated non-HTTP_ variables: the last one counts, as in PHP-FPM.
                arguments(get("REQUEST_METHOD", "PUT", "REQUEST_METHOD", "DELETE"), "DELETE"));
    }

    @ParameterizedTest
    @MethodSource("methods")
    void method(CgiEnvironment env, String method) throws ProtocolException {
        assertEquals(method, CgiRequestMapper.map(env).method());
    }

    static Stream<Arguments> protocols() {
        return Stream.of(
                arguments(get(), "HTTP/1.1"),
                arguments(get("SERVER_PROTOCOL", ""), "HTTP/1.1"),
                arguments(get("SERVER_PROTOCOL", "HTTP/1.0"), "HTTP/1.0"),
                arguments(get("SERVER_PROTOCOL", "HTTP/1.1"), "HTTP/1.1"),
                arguments(get("SERVER_PROTOCOL", "HTTP/2.0"), "HTTP/2.0"),
                arguments(get("SERVER_PROTOCOL", "HTTP/2"), "HTTP/2"),
                arguments(get("SERVER_PROTOCOL", "HTTP/3.0"), "HTTP/3.0"));
    }

    @ParameterizedTest
    @MethodSource("protocols")
    void protocol(CgiEnvironment env, String protocol) throws ProtocolException {
        assertEquals(protocol, CgiRequestMapper.map(env).protocol());
    }

    static Stream<Arguments> schemes() {
        return Stream.of(
                arguments(get(), "http"),
                arguments(get("HTTPS", "on"), "https"),
                arguments(get("HTTPS", "ON"), "https"),
                arguments(get("HTTPS", "On"), "https"),
                arguments(get("HTTPS", "1"), "https"),
                arguments(get("HTTPS", "off"), "http"),
                arguments(get("HTTPS", ""), "http"),
                arguments(get("HTTPS", "yes"), "http"),
                arguments(get("HTTPS", "off", "REQUEST_SCHEME", "http"), "http"),
                arguments(get("REQUEST_SCHEME", "http"), "http"),
                arguments(get("REQUEST_SCHEME", "https"), "https"),
                arguments(get("REQUEST_SCHEME", "HTTPS"), "https"),
                arguments(get("HTTPS", "on", "REQUEST_SCHEME", "https"), "https"),
                // Either says so: a config that forgot one of them still gets https.
                arguments(get("HTTPS", "on", "REQUEST_SCHEME", "http"), "https"),
                arguments(get("HTTPS", "off", "REQUEST_SCHEME", "https"), "https"));
    }

    @ParameterizedTest
    @MethodSource("schemes")
    void scheme(CgiEnvironment env, String scheme) throws ProtocolException {
        CgiRequest r = CgiRequestMapper.map(env);
        assertEquals(scheme, r.scheme());
        assertEquals(scheme.equals("https"), r.secure());
    }

    static Stream<Arguments> hosts() {
        return Stream.of(
                arguments(get("HTTP_HOST", "example.com:8080"), "example.com", 8080),
                arguments(get("HTTP_HOST", "example.com"), "example.com", 80),
                arguments(get("HTTP_HOST", "example.com", "HTTPS", "on"), "example.com", 443),
                arguments(get("HTTP_HOST", "example.com", "REQUEST_SCHEME", "https"), "example.com", 443),
                arguments(get("HTTP_HOST", "example.com:"), "example.com", 80),
                arguments(get("HTTP_HOST", "example.com:0"), "example.com", 0),
                arguments(get("HTTP_HOST", "example.com:65535"), "example.com", 65535),
                arguments(get("HTTP_HOST", "127.0.0.1:18081"), "127.0.0.1", 18081),
                arguments(get("HTTP_HOST", "[::1]:8080"), "[::1]", 8080),
                arguments(get("HTTP_HOST", "[::1]", "HTTPS", "on"), "[::1]", 443),
                arguments(get("HTTP_HOST", "[fe80::1%25eth0]:81"), "[fe80::1%25eth0]", 81),
                arguments(get("HTTP_HOST", "Example.COM"), "Example.COM", 80),
                arguments(get("HTTP_HOST", "my_host.example"), "my_host.example", 80),
                // A Host without a port: the port the client was accepted on (Servlet getServerPort), as behind
                // Debian's nginx, whose params send HTTP_HOST as $host; the scheme's default only if that is unknown.
                arguments(get("HTTP_HOST", "127.0.0.1", "SERVER_PORT", "18091"), "127.0.0.1", 18091),
                arguments(get("HTTP_HOST", "example.com", "SERVER_PORT", "8443", "HTTPS", "on"), "example.com", 8443),
                arguments(get("HTTP_HOST", "example.com:", "SERVER_PORT", "8080"), "example.com", 8080),
                arguments(get("HTTP_HOST", "localhost", "SERVER_PORT", ""), "localhost", 80),
                arguments(get("REQUEST_URI", "http://a.example/x", "SERVER_PORT", "8080"), "a.example", 80),
                arguments(get("HTTP_HOST", "h.example:81", "SERVER_NAME", "s.example", "SERVER_PORT", "82"),
                        "h.example", 81),
                arguments(get("SERVER_NAME", "s.example", "SERVER_PORT", "8081", "SERVER_ADDR", "10.0.0.1"),
                        "s.example", 8081),
                arguments(get("SERVER_NAME", "_", "SERVER_PORT", "8081", "SERVER_ADDR", "10.0.0.1"),
                        "10.0.0.1", 8081),
                arguments(get("SERVER_NAME", "", "SERVER_ADDR", "10.0.0.1"), "10.0.0.1", 80),
                // SERVER_NAME is a config value: a regular expression or anything with CR/LF is no host (fuzzing).
                arguments(get("SERVER_NAME", "~^(www\\.)?example\\.com$", "SERVER_ADDR", "10.0.0.1"), "10.0.0.1", 80),
                arguments(get("SERVER_NAME", "a\r\nX-Evil: 1", "SERVER_ADDR", "unix:"), null, 80),
                arguments(get("SERVER_ADDR", "::1", "SERVER_PORT", "8443", "HTTPS", "on"), "[::1]", 8443),
                arguments(get("SERVER_NAME", "s.example", "HTTPS", "on"), "s.example", 443),
                arguments(get("SERVER_NAME", "s.example", "SERVER_PORT", ""), "s.example", 80),
                // HAProxy's SERVER_NAME is the Host header with its port: never "host:port:port".
                arguments(get("SERVER_NAME", "127.0.0.1:8080", "SERVER_PORT", "8080"), "127.0.0.1", 8080),
                arguments(get("SERVER_NAME", "s.example:8080", "SERVER_PORT", "9000"), "s.example", 8080),
                arguments(get("SERVER_NAME", "s.example:8080"), "s.example", 8080),
                arguments(get("SERVER_NAME", "[::1]:8443", "HTTPS", "on"), "[::1]", 8443),
                arguments(get("SERVER_NAME", "s.example:", "SERVER_PORT", "8081"), "s.example", 8081),
                arguments(get("HTTP_HOST", "h.example:81", "SERVER_NAME", "s.example:82"), "h.example", 81),
                arguments(get("SERVER_NAME", "_:80", "SERVER_ADDR", "10.0.0.1", "SERVER_PORT", "8081"),
                        "10.0.0.1", 8081),
                arguments(get("SERVER_NAME", "s.example:99999", "SERVER_ADDR", "10.0.0.1"), "10.0.0.1", 80),
                arguments(get(), null, 80),
                arguments(get("HTTPS", "on"), null, 443),
                // RFC 9112 3.2.2: the authority of an absolute-form target replaces the Host header.
                arguments(get("REQUEST_URI", "http://a.example:81/x", "HTTP_HOST", "b.example:82"), "a.example", 81),
                arguments(get("REQUEST_URI", "http://a.example/x", "HTTPS", "on"), "a.example", 443),
                arguments(get("REQUEST_URI", "http://[::1]:81/", "HTTP_HOST", "not a host"), "[::1]", 81));
    }

    @ParameterizedTest
    @MethodSource("hosts")
    void host(CgiEnvironment env, String serverName, int serverPort) throws ProtocolException {
        CgiRequest r = CgiRequestMapper.map(env);
        assertEquals(serverName, r.serverName(), "serverName");
        assertEquals(serverPort, r.serverPort(), "serverPort");
    }

    /** The Host header both adapters give their container: the port only where it is not the scheme's default. */
    @Test
    void hostHeader() throws ProtocolException {
        assertEquals("example.com", CgiRequestMapper.map(get("HTTP_HOST", "example.com")).host());
        assertEquals("127.0.0.1:18091",
                CgiRequestMapper.map(get("HTTP_HOST", "127.0.0.1", "SERVER_PORT", "18091")).host());
        assertEquals("example.com", CgiRequestMapper.map(get("HTTP_HOST", "example.com:443", "HTTPS", "on")).host());
        assertEquals("example.com:80",
                CgiRequestMapper.map(get("HTTP_HOST", "example.com:80", "HTTPS", "on")).host());
        assertEquals("[::1]:8080", CgiRequestMapper.map(get("HTTP_HOST", "[::1]:8080")).host());
        assertNull(CgiRequestMapper.map(get("HTTPS", "on")).host());
    }

    static Stream<Arguments> addresses() {
        return Stream.of(
                arguments(get(), null, -1, null, -1, null),
                arguments(get("REMOTE_PORT", "", "SERVER_PORT", "", "REMOTE_ADDR", "", "SERVER_ADDR", ""),
                        "", -1, "", -1, null),
                arguments(get("REMOTE_ADDR", "192.0.2.1", "REMOTE_PORT", "0", "SERVER_ADDR", "::1",
                        "SERVER_PORT", "65535", "SERVER_NAME", "_"), "192.0.2.1", 0, "::1", 65535, "_"),
                arguments(get("REMOTE_PORT", "00080", "SERVER_PORT", "443", "SERVER_NAME", "www.example"),
                        null, 80, null, 443, "www.example"),
                // HAProxy: the local name is SERVER_NAME's host, its port only ever a Host port.
                arguments(get("SERVER_NAME", "127.0.0.1:8080", "SERVER_PORT", "8080"), null, -1, null, 8080,
                        "127.0.0.1"),
                arguments(get("SERVER_NAME", "s.example:8080"), null, -1, null, -1, "s.example"),
                arguments(get("SERVER_NAME", "[::1]:8080"), null, -1, null, -1, "[::1]"));
    }

    @ParameterizedTest
    @MethodSource("addresses")
    void addresses(CgiEnvironment env, String remoteAddr, int remotePort, String localAddr, int localPort,
            String localName) throws ProtocolException {
        CgiRequest r = CgiRequestMapper.map(env);
        assertAll(env.toString(),
                () -> assertEquals(remoteAddr, r.remoteAddr(), "remoteAddr"),
                () -> assertEquals(remotePort, r.remotePort(), "remotePort"),
                () -> assertEquals(localAddr, r.localAddr(), "localAddr"),
                () -> assertEquals(localPort, r.localPort(), "localPort"),
                () -> assertEquals(localName, r.localName(), "localName"));
    }

    static Stream<Arguments> headerTables() {
        return Stream.of(
                arguments(get("HTTP_USER_AGENT", "curl/7.88.1", "HTTP_X_FORWARDED_FOR", "192.0.2.1",
                        "HTTP_ACCEPT", "*/*"),
                        List.of("User-Agent: curl/7.88.1", "X-Forwarded-For: 192.0.2.1", "Accept: */*")),
                arguments(get("HTTP_X_CUSTOM_THING", "1", "HTTP_x_lower_case", "2", "HTTP_DNT", "1",
                        "HTTP_X-DASHED", "3"),
                        List.of("X-Custom-Thing: 1", "X-Lower-Case: 2", "Dnt: 1", "X-Dashed: 3")),
                arguments(get("HTTP_X_A", "1", "HTTP_ACCEPT", "*/*", "HTTP_X_A", "2"),
                        List.of("X-A: 1, 2", "Accept: */*")),
                arguments(get("HTTP_COOKIE", "a=1", "HTTP_X_B", "b", "HTTP_COOKIE", "b=2", "HTTP_COOKIE", "c=3"),
                        List.of("Cookie: a=1; b=2; c=3", "X-B: b")),
                arguments(get("HTTP_X_A", "1", "HTTP_x_a", "2", "HTTP_X-A", "3"), List.of("X-A: 1, 2, 3")),
                arguments(get("HTTP_X_EMPTY", "", "HTTP_X_TAB", "a\tb", "HTTP_X_LATIN1", "caf\u00e9\u00ff"),
                        List.of("X-Empty: ", "X-Tab: a\tb", "X-Latin1: caf\u00e9\u00ff")),
                arguments(get("HTTP_HOST", "example.com", "HTTP_CONTENT_LENGTH", "7", "HTTP_CONTENT_TYPE", "text/plain",
                        "HTTP_TRANSFER_ENCODING", "chunked", "HTTP_EXPECT", "100-continue", "HTTP_PROXY",
                        "http://evil.example", "HTTP_CONNECTION", "keep-alive", "HTTP_KEEP_ALIVE", "300",
                        "HTTP_PROXY_CONNECTION", "keep-alive", "HTTP_TE", "trailers", "HTTP_UPGRADE", "websocket",
                        "HTTP_ACCEPT", "*/*"),
                        List.of("Host: example.com", "Accept: */*")),
                // Dropped variables are not checked: they never reach the container.
                arguments(get("HTTP_PROXY", "a\r\nb", "HTTP_CONNECTION", "\u0000"), List.of()),
                arguments(get("CONTENT_TYPE", "text/plain", "CONTENT_LENGTH", "7", "HTTPS", "on", "HTTPXY", "1",
                        "SERVER_NAME", "s", "SCGI", "1", "Http_Lower", "1", "REDIRECT_STATUS", "200"), List.of()));
    }

    @ParameterizedTest
    @MethodSource("headerTables")
    void headers(CgiEnvironment env, List<String> headers) throws ProtocolException {
        assertEquals(headers, headers(CgiRequestMapper.map(env)));
    }

    @Test
    void droppedHeadersSpelledAnotherWayAreDroppedToo() throws ProtocolException {
        // CgiRequestMapperFuzzTest found HTTP_CONTEnT_LENGTH reaching the container as a Content-Length header: the
        // names convert case-insensitively, the drop list matched the usual spelling only. HTTP_proxy was httpoxy.
        CgiRequest r = CgiRequestMapper.map(get("HTTP_CONTEnT_LENGTH", "7", "HTTP_proxy", "http://evil.example",
                "HTTP_Transfer-Encoding", "chunked", "HTTP_te", "trailers", "HTTP_upgrade", "h2c", "HTTP_ACCEPT", "*/*"));
        assertEquals(List.of("Accept: */*"), headers(r));
    }

    @Test
    void headerLookupIgnoresCaseAndOutOfRangeIndexesThrow() throws ProtocolException {
        CgiRequest r = CgiRequestMapper.map(get("HTTP_USER_AGENT", "curl", "HTTP_X_A", "1", "HTTP_X_A", "2"));
        assertEquals("curl", r.header("user-agent"));
        assertEquals("1, 2", r.header("X-A"));
        assertNull(r.header("Accept"));
        assertEquals(2, r.headerCount());
        assertThrows(IndexOutOfBoundsException.class, () -> r.headerName(2));
        assertThrows(IndexOutOfBoundsException.class, () -> r.headerValue(-1));
    }

    @Test
    void commonHeaderNamesAreSharedAndAgreeWithTheConversion() throws ProtocolException {
        for (Map.Entry<String, String> e : CgiRequestMapper.COMMON_HEADER_NAMES.entrySet()) {
            assertEquals(CgiRequestMapper.headerName(e.getKey()), e.getValue(), e.getKey());
        }
        assertEquals("User-Agent", CgiRequestMapper.COMMON_HEADER_NAMES.get("HTTP_USER_AGENT"));
        assertEquals("X-Forwarded-For", CgiRequestMapper.COMMON_HEADER_NAMES.get("HTTP_X_FORWARDED_FOR"));
        CgiRequest r = CgiRequestMapper.map(get("HTTP_USER_AGENT", "curl", "HTTP_HOST", "h"));
        assertSame(CgiRequestMapper.COMMON_HEADER_NAMES.get("HTTP_USER_AGENT"), r.headerName(0));
        assertSame(CgiRequestMapper.COMMON_HEADER_NAMES.get("HTTP_HOST"), r.headerName(1));
    }

    static Stream<Arguments> contentTypes() {
        return Stream.of(
                arguments(get(), null),
                arguments(get("CONTENT_TYPE", ""), null),
                arguments(get("CONTENT_TYPE", "", "HTTP_CONTENT_TYPE", ""), null),
                arguments(get("CONTENT_TYPE", "text/plain"), "text/plain"),
                arguments(get("CONTENT_TYPE", "", "HTTP_CONTENT_TYPE", "text/html"), "text/html"),
                arguments(get("HTTP_CONTENT_TYPE", "text/html"), "text/html"),
                arguments(get("HTTP_CONTENT_TYPE", "text/html", "CONTENT_TYPE", "text/plain"), "text/plain"));
    }

    @ParameterizedTest
    @MethodSource("contentTypes")
    void contentType(CgiEnvironment env, String contentType) throws ProtocolException {
        assertEquals(contentType, CgiRequestMapper.map(env).contentType());
    }

    static Stream<Arguments> contentLengths() {
        return Stream.of(
                arguments(get(), -1L),
                arguments(get("CONTENT_LENGTH", ""), -1L),
                arguments(get("CONTENT_LENGTH", "0"), 0L),
                arguments(get("CONTENT_LENGTH", "7"), 7L),
                arguments(get("CONTENT_LENGTH", "007"), 7L),
                arguments(get("CONTENT_LENGTH", "9223372036854775807"), Long.MAX_VALUE),
                arguments(get("CONTENT_LENGTH", "7", "CONTENT_LENGTH", "7"), 7L),
                arguments(get("CONTENT_LENGTH", "7", "CONTENT_LENGTH", "07"), 7L),
                arguments(get("CONTENT_LENGTH", "", "CONTENT_LENGTH", ""), -1L),
                // Caddy's "unknown" for a chunked body (Go's -1): read FCGI_STDIN to its end, as for an empty one.
                arguments(get("CONTENT_LENGTH", "-1"), -1L),
                arguments(get("CONTENT_LENGTH", "-2"), -1L),
                arguments(get("CONTENT_LENGTH", "-1", "CONTENT_LENGTH", ""), -1L),
                arguments(get("CONTENT_LENGTH", "-1", "HTTP_CONTENT_LENGTH", "7"), -1L),
                // HTTP_CONTENT_LENGTH is the client's header as the front server copied it: it never frames the body.
                arguments(get("HTTP_CONTENT_LENGTH", "7"), -1L),
                arguments(get("CONTENT_LENGTH", "", "HTTP_CONTENT_LENGTH", "7"), -1L),
                arguments(get("CONTENT_LENGTH", "3", "HTTP_CONTENT_LENGTH", "7"), 3L),
                arguments(get("HTTP_CONTENT_LENGTH", "x"), -1L));
    }

    @ParameterizedTest
    @MethodSource("contentLengths")
    void contentLength(CgiEnvironment env, long contentLength) throws ProtocolException {
        assertEquals(contentLength, CgiRequestMapper.map(env).contentLength());
    }

    static Stream<Arguments> authentication() {
        return Stream.of(
                arguments(get(), null, null),
                arguments(get("REMOTE_USER", "", "AUTH_TYPE", ""), null, null),
                arguments(get("REMOTE_USER", "alice", "AUTH_TYPE", "Basic"), "alice", "Basic"));
    }

    @ParameterizedTest
    @MethodSource("authentication")
    void authentication(CgiEnvironment env, String remoteUser, String authType) throws ProtocolException {
        CgiRequest r = CgiRequestMapper.map(env);
        assertEquals(remoteUser, r.remoteUser(), "remoteUser");
        assertEquals(authType, r.authType(), "authType");
    }

    @Test
    void keepsTheEnvironmentForEverythingElse() throws ProtocolException {
        CgiEnvironment env = get("SSL_CLIENT_S_DN", "CN=alice", "DOCUMENT_ROOT", "/srv/www");
        CgiRequest r = CgiRequestMapper.map(env);
        assertSame(env, r.environment());
        assertEquals("CN=alice", r.environment().get("SSL_CLIENT_S_DN"));
    }

    @Test
    void toStringShowsHeaderNamesButNotTheirValues() throws ProtocolException {
        String s = CgiRequestMapper.map(get("HTTP_AUTHORIZATION", "Basic c2VjcmV0", "HTTP_HOST", "h:81")).toString();
        assertTrue(s.contains("GET / HTTP/1.1") && s.contains("server=h:81") && s.contains("Authorization"), s);
        assertFalse(s.contains("c2VjcmV0"), s);
    }

    /** More headers than the mapper starts with room for: all kept, in order, repeats merged where they first were. */
    @Test
    void manyHeadersAreAllKeptInOrder() throws ProtocolException {
        List<String> pairs = new ArrayList<>(List.of("REQUEST_METHOD", "GET", "REQUEST_URI", "/"));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pairs.add("HTTP_X_H" + i);
            pairs.add("v" + i);
            expected.add("X-H" + i + ": v" + i + (i == 3 ? ", again" : ""));
        }
        pairs.add("HTTP_X_H3");
        pairs.add("again");
        CgiRequest r = CgiRequestMapper.map(env(pairs.toArray(new String[0])));
        assertEquals(expected, headers(r));
    }

    /** REMOTE_HOST is read in the mapper's one pass: the last one counts, as CgiEnvironment.get, and empty is none. */
    @Test
    void remoteHostIsTheLastOneSent() throws ProtocolException {
        assertNull(CgiRequestMapper.map(get()).remoteHost());
        assertNull(CgiRequestMapper.map(get("REMOTE_HOST", "")).remoteHost());
        assertEquals("b.example", CgiRequestMapper.map(get("REMOTE_HOST", "a.example", "REMOTE_HOST", "b.example"))
                .remoteHost());
    }

    /** An origin-form target's path and query, split when asked for, are the same whichever is asked first. */
    @Test
    void pathAndQuerySplitInEitherOrder() throws ProtocolException {
        CgiRequest a = CgiRequestMapper.map(env("REQUEST_METHOD", "GET", "REQUEST_URI", "/p?q=1"));
        assertEquals("q=1", a.query());
        assertEquals("/p", a.path());
        assertSame(a.path(), a.path());
        CgiRequest b = CgiRequestMapper.map(env("REQUEST_METHOD", "GET", "REQUEST_URI", "/p?q=1"));
        assertEquals("/p", b.path());
        assertEquals("q=1", b.query());
        assertEquals("/p?q=1", b.rawTarget());
    }
}
