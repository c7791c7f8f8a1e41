package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cgiwire.samples.it.FrontServer.ChunkedUpload;
import io.cgiwire.samples.it.FrontServer.Site;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.util.ajax.JSON;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scenarios every (front server, protocol, backend) stack must pass: one backend process and one front server
 * per class, started once. A subclass names the stack; {@link #backendLauncher()} picks the backend process
 * (the Jetty demo unless overridden), so the same suite runs against another container: {@code Tomcat*IT} extend
 * each Jetty class with {@link Demo#tomcat()}. Where containers differ (e.g. on %2F), a scenario compares with the
 * container's own HTTP connector rather than hard-coding one container's answer.
 *
 * <p>Run one class: {@code mvn -B -pl samples verify -Dit.test=NginxFcgiIT} (after the demo jar is built).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class GatewaySuite {

    static final int MIB = 1024 * 1024;
    static final String HELLO = "Hello from cgiwire\n";

    final FrontServer.Kind kind;
    final Protocol protocol;
    final boolean unixSocket;

    WorkDir work;
    Backend backend;
    FrontServer front;
    HttpClient client;

    /** On a failure, what the front server and the backend said: their logs end up in the test report. */
    @RegisterExtension
    final TestExecutionExceptionHandler diagnostics = (context, error) -> {
        System.err.println("==== " + context.getDisplayName() + " failed on " + front + "\n" + describe());
        throw error;
    };

    GatewaySuite(FrontServer.Kind kind, Protocol protocol, boolean unixSocket) {
        this.kind = kind;
        this.protocol = protocol;
        this.unixSocket = unixSocket;
    }

    /** The backend process under test. */
    Backend.Launcher backendLauncher() {
        return Demo.jetty();
    }

    @BeforeAll
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void startStack() throws IOException {
        work = WorkDir.create(getClass().getSimpleName());
        backend = backendLauncher().start(Files.createDirectories(work.resolve("backend")));
        front = kind.create(work.resolve(kind.name().toLowerCase()), protocol,
                backend.endpoint(protocol, unixSocket)).start();
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    @AfterAll
    void stopStack() {
        try {
            if (front != null) {
                front.close();
            }
        } finally {
            try {
                if (backend != null) {
                    backend.close();
                }
            } finally {
                if (work != null) {
                    work.close();
                }
            }
        }
    }

    String describe() {
        return (front == null ? "" : front.diagnostics()) + (backend == null ? "" : backend.output());
    }

    @Test
    void hello() throws Exception {
        HttpResponse<byte[]> r = get(Site.PLAIN, "/hello");
        assertEquals(200, r.statusCode());
        assertEquals(HELLO, text(r));
    }

    @Test
    void percentEncodedPathAndQueryKeepTheirRawForm() throws Exception {
        String target = "/dump/a%20b/c;jsessionid=x?q=1&r=%26";
        RawHttp.Response r = raw(front.port(Site.PLAIN), "GET", target);
        assertEquals(200, r.status(), r::toString);
        Map<String, Object> dump = json(r.text());
        assertAll(
                () -> assertEquals("/dump/a%20b/c;jsessionid=x", dump.get("requestURI")),
                () -> assertEquals("/a b/c", dump.get("pathInfo")),
                () -> assertEquals("q=1&r=%26", dump.get("queryString")),
                () -> assertEquals(List.of("1"), values(dump, "parameters", "q")),
                () -> assertEquals(List.of("&"), values(dump, "parameters", "r")));
        Map<String, Object> direct = json(rawDirect("GET", target).text());
        for (String field : List.of("requestURI", "servletPath", "pathInfo", "queryString")) {
            assertEquals(direct.get(field), dump.get(field), field + " differs from the container's own HTTP connector");
        }
    }

    @Test
    void encodedSlashIsJudgedAsByTheContainersOwnConnector() throws Exception {
        String target = "/dump/a%2Fb/c?x=1";
        RawHttp.Response viaFront = raw(front.port(Site.PLAIN), "GET", target);
        RawHttp.Response direct = rawDirect("GET", target);
        assertEquals(direct.status(), viaFront.status(),
                () -> "over HTTP: " + direct + "\nthrough " + front.name() + ": " + viaFront);
        if (direct.status() == 200) {
            Map<String, Object> d = json(direct.text());
            Map<String, Object> f = json(viaFront.text());
            assertEquals(d.get("requestURI"), f.get("requestURI"));
            assertEquals(d.get("pathInfo"), f.get("pathInfo"));
        }
    }

    @Test
    void formPostIsReadByGetParameter() throws Exception {
        String body = "a=1&b=%C3%A9t%C3%A9&c=x+y&a=2";
        HttpResponse<byte[]> r = send(Site.PLAIN, "POST", "/dump?z=0", BodyPublishers.ofString(body),
                "Content-Type", "application/x-www-form-urlencoded");
        assertEquals(200, r.statusCode(), () -> text(r));
        Map<String, Object> dump = json(text(r));
        assertAll(
                () -> assertEquals("POST", dump.get("method")),
                () -> assertEquals(List.of("1", "2"), values(dump, "parameters", "a")),
                () -> assertEquals(List.of("été"), values(dump, "parameters", "b")),
                () -> assertEquals(List.of("x y"), values(dump, "parameters", "c")),
                () -> assertEquals(List.of("0"), values(dump, "parameters", "z")),
                () -> assertTrue(String.valueOf(dump.get("contentType")).startsWith("application/x-www-form-urlencoded"),
                        () -> "contentType " + dump.get("contentType")),
                () -> assertEquals(body.length(), ((Number) dump.get("contentLength")).intValue()));
    }

    @Test
    void tenMebibyteUpload() throws Exception {
        byte[] body = randomBytes(10 * MIB, 1);
        HttpResponse<byte[]> r = send(Site.PLAIN, "POST", "/digest", BodyPublishers.ofByteArray(body),
                "Content-Type", "application/octet-stream");
        assertEquals(200, r.statusCode(), () -> text(r));
        assertEquals(sha256(body) + " " + body.length + "\n", text(r));
    }

    @Test
    void tenMebibyteDownload() throws Exception {
        int n = 10 * MIB;
        HttpResponse<byte[]> r = get(Site.PLAIN, "/bytes?n=" + n);
        assertEquals(200, r.statusCode());
        assertEquals(n, r.body().length);
        assertEquals(sha256(pattern(n)), sha256(r.body()));
    }

    /**
     * A chunked upload of unknown length, sent slowly (a first chunk, a pause, the rest) so that a front server
     * that streams does stream it. Where the front server refuses it, the documented refusal is the result.
     */
    @ParameterizedTest
    @EnumSource(value = Site.class, names = {"PLAIN", "STREAMING"})
    void chunkedUpload(Site site) throws Exception {
        byte[] body = randomBytes(256 * 1024, 2);
        RawHttp.Response r = RawHttp.postChunkedSlowly(front.port(site), "/digest", body);
        ChunkedUpload expected = front.chunkedUpload(site);
        if (expected == ChunkedUpload.INTACT) {
            assertEquals(200, r.status(), r::toString);
            assertEquals(sha256(body) + " " + body.length + "\n", r.text());
        } else {
            assertEquals(expected == ChunkedUpload.LENGTH_REQUIRED ? 411 : 400, r.status(), r::toString);
        }
        // and the backend is fine afterwards (httpd's mod_proxy_scgi opened a connection and sent nothing)
        assertEquals(200, get(Site.PLAIN, "/hello").statusCode());
    }

    @Test
    void multipartUpload() throws Exception {
        byte[] file = randomBytes(100_000, 3);
        String field = "hello cgiwire";
        String boundary = "cgiwire-it-" + UUID.randomUUID();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\n" + field + "\r\n")
                .getBytes(StandardCharsets.UTF_8));
        b.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        b.writeBytes(file);
        b.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<byte[]> r = send(Site.PLAIN, "POST", "/upload", BodyPublishers.ofByteArray(b.toByteArray()),
                "Content-Type", "multipart/form-data; boundary=" + boundary);
        assertEquals(200, r.statusCode(), () -> text(r));
        assertEquals(List.of(
                        "field - " + field.length() + " " + sha256(field.getBytes(StandardCharsets.UTF_8)),
                        "file data.bin " + file.length + " " + sha256(file)),
                text(r).lines().toList());
    }

    @Test
    void sessionAcrossRequests() throws Exception {
        HttpResponse<byte[]> first = get(Site.PLAIN, "/session");
        assertEquals(200, first.statusCode());
        String setCookie = first.headers().firstValue("Set-Cookie").orElseThrow(() -> new AssertionError(
                "no Set-Cookie on the first /session: " + first.headers().map()));
        String cookie = setCookie.split(";", 2)[0];
        HttpResponse<byte[]> second = send(Site.PLAIN, "GET", "/session", BodyPublishers.noBody(), "Cookie", cookie);
        assertEquals(200, second.statusCode());
        List<String> one = text(first).lines().toList();
        List<String> two = text(second).lines().toList();
        assertEquals("count=1", one.get(0), text(first));
        assertEquals("count=2", two.get(0), text(second));
        assertEquals(one.get(1), two.get(1), "the same session id");
    }

    @Test
    void relativeRedirectResolvesToTheFrontServer() throws Exception {
        HttpResponse<byte[]> r = get(Site.PLAIN, "/redirect?to=/hello");
        assertEquals(302, r.statusCode());
        String location = r.headers().firstValue("Location").orElseThrow();
        assertEquals(front.uri(Site.PLAIN, "/hello"), r.uri().resolve(location), "Location: " + location);
    }

    @Test
    void absoluteRedirectNamesTheFrontServersPort() throws Exception {
        HttpResponse<byte[]> r = get(Site.PLAIN, "/redirect/absolute");
        assertEquals(302, r.statusCode());
        assertEquals("http://127.0.0.1:" + front.port(Site.PLAIN) + "/hello",
                r.headers().firstValue("Location").orElseThrow());
    }

    @Test
    void httpsOnMakesTheRequestSecure() throws Exception {
        Map<String, Object> dump = json(text(get(Site.HTTPS_ON, "/dump")));
        assertEquals(true, dump.get("secure"), () -> "dump: " + dump);
        assertEquals("https", dump.get("scheme"));
        assertEquals("https://127.0.0.1:" + front.port(Site.HTTPS_ON) + "/dump", dump.get("requestURL"));
        HttpResponse<byte[]> r = get(Site.HTTPS_ON, "/redirect/absolute");
        assertEquals(302, r.statusCode());
        assertEquals("https://127.0.0.1:" + front.port(Site.HTTPS_ON) + "/hello",
                r.headers().firstValue("Location").orElseThrow());
    }

    @Test
    void plainRequestIsNotSecure() throws Exception {
        Map<String, Object> dump = json(text(get(Site.PLAIN, "/dump")));
        assertEquals(false, dump.get("secure"));
        assertEquals("http", dump.get("scheme"));
    }

    @Test
    void remoteAddressIsTheClients() throws Exception {
        // all of 127/8 is the loopback interface on Linux: a client bound to 127.0.0.2 is not the front server
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN), "127.0.0.2")) {
            RawHttp.Response r = c.send("GET", "/dump").read(false);
            assertEquals(200, r.status(), r::toString);
            Map<String, Object> dump = json(r.text());
            assertAll(
                    () -> assertEquals("127.0.0.2", dump.get("remoteAddr")),
                    () -> assertEquals(c.socket.getLocalPort(), ((Number) dump.get("remotePort")).intValue()),
                    () -> assertEquals("127.0.0.1", dump.get("serverName")),
                    () -> assertEquals(front.uri(Site.PLAIN, "/dump").toString(), dump.get("requestURL")),
                    () -> assertEquals(front.port(Site.PLAIN), ((Number) dump.get("serverPort")).intValue()),
                    () -> assertEquals("HTTP/1.1", dump.get("protocol")));
        }
    }

    @Test
    void repeatedHeadersKeepEveryValue() throws Exception {
        HttpResponse<byte[]> r = send(Site.PLAIN, "GET", "/dump", BodyPublishers.noBody(),
                "X-Repeated", "1", "X-Repeated", "2");
        Map<String, Object> dump = json(text(r));
        // nginx 1.22 sends two pairs, httpd and lighttpd one joined value: either way both values arrive, in order
        assertEquals("1, 2", String.join(", ", values(dump, "headers", "X-Repeated")));
    }

    @Test
    void abortedDownloadsDoNotDisturbLaterRequests() throws Exception {
        int abortedBefore = slowAborted();
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
            c.send("GET", "/bytes?n=" + 32 * MIB);
            assertTrue(c.input().readNBytes(64 * 1024).length > 0);
        }
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
            c.send("GET", "/slow?ms=100&n=" + 100 * 1024);
            c.socket.setSoTimeout(2000);
            try {
                c.input().read();
            } catch (IOException slowToStart) {
                // the front server may hold the first bytes back; the abort is what matters
            }
        }
        for (int i = 0; i < 5; i++) {
            HttpResponse<byte[]> r = get(Site.PLAIN, "/hello");
            assertEquals(200, r.statusCode());
            assertEquals(HELLO, text(r));
        }
        if (front.closesUpstreamOnClientAbort()) {
            eventually(Duration.ofSeconds(20), () -> slowAborted() > abortedBefore,
                    () -> "/slow/stats still says aborted=" + abortedBefore);
        } else {
            System.out.println(front.name() + " " + protocol + ": /slow/stats aborted " + abortedBefore + " -> "
                    + slowAborted() + " right after the client went away (not asserted)");
        }
    }

    private int slowAborted() throws Exception {
        HttpResponse<byte[]> r = get(Site.PLAIN, "/slow/stats");
        assertEquals(200, r.statusCode());
        String t = text(r).trim();
        assertTrue(t.startsWith("aborted="), t);
        return Integer.parseInt(t.substring("aborted=".length()));
    }

    /**
     * Small writes, each flushed, arrive exactly once: the adapter must consume the container's buffer as its own
     * connectors do (found by FailoverIT: HttpOutput wrote again what a stream left in its buffer).
     */
    @Test
    void flushedSmallWritesArriveExactlyOnce() throws Exception {
        HttpResponse<byte[]> r = get(Site.PLAIN, "/slow?ms=0&n=20480");
        assertEquals(200, r.statusCode(), this::describe);
        byte[] body = r.body();
        assertEquals(20480, body.length, this::describe);
        for (int i = 0; i < body.length; i++) {
            if (body[i] != (byte) (i % 251)) {
                fail("byte " + i + " is " + body[i]);
            }
        }
    }

    @Test
    void headKeepsContentLengthAndSendsNoBody() throws Exception {
        RawHttp.Response r = raw(front.port(Site.PLAIN), "HEAD", "/hello");
        assertEquals(200, r.status(), r::toString);
        assertEquals(front.keepsContentLengthOfHead() ? String.valueOf(HELLO.length()) : null,
                r.header("Content-Length"), r::toString);
        assertEquals(0, r.body().length, r::toString);
    }

    @ParameterizedTest
    @ValueSource(ints = {204, 304})
    void statusWithoutBody(int code) throws Exception {
        RawHttp.Response r = raw(front.port(Site.PLAIN), "GET", "/status?code=" + code);
        assertEquals(code, r.status(), r::toString);
        assertEquals(0, r.body().length, r::toString);
    }

    @Test
    void servletErrorIs500() throws Exception {
        assertEquals(500, get(Site.PLAIN, "/error").statusCode());
    }

    @Test
    void unmappedPathIs404() throws Exception {
        assertEquals(404, get(Site.PLAIN, "/no/such/path").statusCode());
    }

    @Test
    void asyncServlet() throws Exception {
        HttpResponse<byte[]> r = get(Site.PLAIN, "/async?delay=200");
        assertEquals(200, r.statusCode(), () -> text(r));
    }

    @Test
    void nonBlockingEcho() throws Exception {
        byte[] body = randomBytes(MIB, 4);
        HttpResponse<byte[]> r = send(Site.PLAIN, "POST", "/nbio/echo", BodyPublishers.ofByteArray(body),
                "Content-Type", "application/octet-stream");
        assertEquals(200, r.statusCode(), () -> text(r));
        assertEquals(sha256(body) + " " + body.length + "\n", text(r));
    }

    @Test
    void nonBlockingDownload() throws Exception {
        int n = 3 * MIB + 17;
        HttpResponse<byte[]> r = get(Site.PLAIN, "/nbio/bytes?n=" + n);
        assertEquals(200, r.statusCode());
        assertArrayEquals(pattern(n), r.body());
    }

    @Test
    void stderrReachesTheErrorLog() throws Exception {
        String msg = "cgiwire-it-stderr-" + UUID.randomUUID();
        HttpResponse<byte[]> r = get(Site.PLAIN, "/stderr?msg=" + URLEncoder.encode(msg, StandardCharsets.UTF_8));
        assertEquals(200, r.statusCode());
        if (protocol == Protocol.FCGI && front.fcgiStderrMarker() == null) {
            Thread.sleep(1000);
            assertTrue(front.errorLog().lines().noneMatch(l -> l.contains(msg)),
                    () -> front.name() + " logs FCGI_STDERR now: give it a marker");
        } else if (protocol == Protocol.FCGI) {
            eventually(Duration.ofSeconds(10), () -> front.errorLog().lines()
                            .anyMatch(l -> l.contains(msg) && l.contains(front.fcgiStderrMarker())),
                    () -> "no line with \"" + front.fcgiStderrMarker() + "\" and " + msg + " in the error log");
        }
    }

    HttpResponse<byte[]> get(Site site, String pathAndQuery) throws IOException, InterruptedException {
        return send(site, "GET", pathAndQuery, BodyPublishers.noBody());
    }

    HttpResponse<byte[]> send(Site site, String method, String pathAndQuery, BodyPublisher body,
            String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(front.uri(site, pathAndQuery))
                .timeout(Duration.ofSeconds(30))
                .method(method, body);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.build(), BodyHandlers.ofByteArray());
    }

    static RawHttp.Response raw(int port, String method, String target) throws IOException {
        boolean noBody = method.equals("HEAD") || target.startsWith("/status?code=");
        try (RawHttp c = RawHttp.connect(port)) {
            return c.send(method, target).read(noBody);
        }
    }

    /** The same request to the container's own HTTP connector. */
    RawHttp.Response rawDirect(String method, String target) throws IOException {
        URI http = backend.http();
        assertNotNull(http, "this backend has no HTTP connector to compare with");
        return raw(http.getPort(), method, target);
    }

    static String text(HttpResponse<byte[]> r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String text) {
        Object parsed = new JSON().fromJSON(text);
        if (!(parsed instanceof Map)) {
            fail("not a JSON object: " + text);
        }
        return (Map<String, Object>) parsed;
    }

    /** The values under {@code dump[section][name]}, the name matched without regard to case (header names). */
    @SuppressWarnings("unchecked")
    static List<String> values(Map<String, Object> dump, String section, String name) {
        Map<String, Object> map = (Map<String, Object>) dump.get(section);
        assertNotNull(map, () -> "no " + section + " in " + dump);
        Object v = map.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
        assertNotNull(v, () -> "no " + name + " in " + section + ": " + map);
        Object[] array = v instanceof Object[] a ? a : v instanceof List<?> l ? l.toArray() : new Object[] {v};
        return Arrays.stream(array).map(String::valueOf).toList();
    }

    /** The bytes {@code i % 251} for i = 0, 1, ... n-1, as /bytes sends them. */
    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return b;
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }

    static void eventually(Duration timeout, Check check, Supplier<String> message) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                fail(message.get());
            }
            Thread.sleep(100);
        }
    }
}
