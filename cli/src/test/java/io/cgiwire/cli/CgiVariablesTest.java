package io.cgiwire.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.cgiwire.core.cgi.CgiEnvironment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CgiVariablesTest {

    @Test
    void fastCgiGetSendsNginxFastcgiParamsInTheirOrder() throws CliException {
        CgiEnvironment env = build(CliOptions.parse("fcgi://127.0.0.1:9000/hello?a=1"), -1, "127.0.0.1", 40000);
        assertEquals(List.of(
                "QUERY_STRING=a=1",
                "REQUEST_METHOD=GET",
                "CONTENT_TYPE=",
                "CONTENT_LENGTH=",
                "SCRIPT_NAME=/hello",
                "REQUEST_URI=/hello?a=1",
                "DOCUMENT_URI=/hello",
                "DOCUMENT_ROOT=",
                "SERVER_PROTOCOL=HTTP/1.1",
                "REQUEST_SCHEME=http",
                "GATEWAY_INTERFACE=CGI/1.1",
                "SERVER_SOFTWARE=" + CgiVariables.SERVER_SOFTWARE,
                "REMOTE_ADDR=127.0.0.1",
                "REMOTE_PORT=40000",
                "SERVER_ADDR=127.0.0.1",
                "SERVER_PORT=80",
                "SERVER_NAME=localhost",
                "REDIRECT_STATUS=200",
                "HTTP_HOST=localhost"), pairs(env));
    }

    @Test
    void scgiSendsContentLengthFirstThenScgiThenScgiParams() throws CliException {
        CliOptions o = CliOptions.parse("-d", "hello", "-H", "Content-Type: text/plain", "-H", "X-Trace: 7",
                "scgi://127.0.0.1/echo");
        assertEquals(List.of(
                "CONTENT_LENGTH=5",
                "SCGI=1",
                "QUERY_STRING=",
                "REQUEST_METHOD=POST",
                "CONTENT_TYPE=text/plain",
                "REQUEST_URI=/echo",
                "DOCUMENT_URI=/echo",
                "DOCUMENT_ROOT=",
                "SERVER_PROTOCOL=HTTP/1.1",
                "REQUEST_SCHEME=http",
                "REMOTE_ADDR=127.0.0.1",
                "REMOTE_PORT=",
                "SERVER_PORT=80",
                "SERVER_NAME=localhost",
                "HTTP_HOST=localhost",
                "HTTP_CONTENT_TYPE=text/plain",
                "HTTP_X_TRACE=7"), pairs(build(o, 5, "127.0.0.1", -1)));
        assertEquals("0", build(CliOptions.parse("scgi://h/"), -1, "127.0.0.1", -1).get("CONTENT_LENGTH"));
    }

    @Test
    void hostHeaderNamesTheServer() throws CliException {
        CgiEnvironment env = build(CliOptions.parse("-H", "Host: example.com:8080", "fcgi://h/"), -1, "::1", 1);
        assertEquals("example.com:8080", env.get("HTTP_HOST"));
        assertEquals("example.com", env.get("SERVER_NAME"));
        assertEquals("8080", env.get("SERVER_PORT"));
        CgiEnvironment v6 = build(CliOptions.parse("-H", "Host: [::1]", "fcgi://h/"), -1, "::1", 1);
        assertEquals("[::1]", v6.get("SERVER_NAME"));
        assertEquals("80", v6.get("SERVER_PORT"));
    }

    @Test
    void repeatedHeadersAreJoinedAsNginxJoinsThem() throws CliException {
        CgiEnvironment env = build(CliOptions.parse("-H", "Accept: a", "-H", "accept: b", "-H", "Cookie: x=1", "-H",
                "Cookie: y=2", "fcgi://h/"), -1, "127.0.0.1", 1);
        assertEquals("a, b", env.get("HTTP_ACCEPT"));
        assertEquals("x=1; y=2", env.get("HTTP_COOKIE"));
    }

    @Test
    void rootSetsDocumentRootAndScriptFilename() throws CliException {
        CgiEnvironment env = build(CliOptions.parse("--root", "/var/www/html/", "fcgi://h/index.php?x"), -1,
                "127.0.0.1", 1);
        assertEquals("/var/www/html/", env.get("DOCUMENT_ROOT"));
        assertEquals("/var/www/html/index.php", env.get("SCRIPT_FILENAME"));
        assertNull(build(CliOptions.parse("fcgi://h/index.php"), -1, "127.0.0.1", 1).get("SCRIPT_FILENAME"));
    }

    @Test
    void paramReplacesInPlaceAddsAtTheEndAndRemoves() throws CliException {
        CgiEnvironment env = build(CliOptions.parse("--param", "SERVER_NAME=app.example", "--param", "HTTPS=on",
                "--param", "REDIRECT_STATUS", "--param", "EMPTY=", "fcgi://h/"), -1, "127.0.0.1", 1);
        List<String> pairs = pairs(env);
        assertEquals("SERVER_NAME=app.example", pairs.get(16));
        assertEquals(List.of("HTTP_HOST=localhost", "HTTPS=on", "EMPTY="), pairs.subList(pairs.size() - 3,
                pairs.size()));
        assertNull(env.get("REDIRECT_STATUS"));
    }

    @Test
    void nonAsciiGoesAsUtf8BytesAndThePathIsDecoded() throws CliException {
        CgiEnvironment env = build(CliOptions.parse("-H", "X-Name: caf\u00e9", "fcgi://h/caf%C3%A9%20x?q=%C3%A9"),
                -1, "127.0.0.1", 1);
        assertEquals("/caf\u00c3\u00a9 x", env.get("SCRIPT_NAME"));
        assertEquals("/caf\u00c3\u00a9 x", env.get("DOCUMENT_URI"));
        assertEquals("/caf%C3%A9%20x?q=%C3%A9", env.get("REQUEST_URI"));
        assertEquals("caf\u00c3\u00a9", env.get("HTTP_X_NAME"));
    }

    private static CgiEnvironment build(CliOptions o, long length, String address, int port) throws CliException {
        return CgiVariables.build(o, length, address, port);
    }

    private static List<String> pairs(CgiEnvironment env) {
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i < env.size(); i++) {
            pairs.add(env.name(i) + "=" + env.value(i));
        }
        return pairs;
    }
}
