package io.cgiwire.samples.webapp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.samples.demo.DemoOptions;
import io.cgiwire.samples.demo.DemoServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every route of the sample webapp, through the container's own HTTP connector (the FastCGI and SCGI listeners are
 * started on free ports but not used here: those paths are the integration tests' job). Subclasses pick the
 * container and, for Jetty, the environment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RoutesTestBase {
    private static final int MIB = 1024 * 1024;

    private final String[] containerOptions;
    private DemoServer server;
    private HttpClient client;
    private String base;
    private int port;

    /** @param containerOptions the demo's options that pick the container, e.g. "--ee", "ee10" */
    RoutesTestBase(String... containerOptions) {
        this.containerOptions = containerOptions;
    }

    @BeforeAll
    void start() throws Exception {
        List<String> options = new java.util.ArrayList<>(List.of(containerOptions));
        options.addAll(List.of("--http", "127.0.0.1:0", "--fcgi", "127.0.0.1:0", "--scgi", "127.0.0.1:0"));
        server = DemoServer.start(DemoOptions.parse(options.toArray(String[]::new)));
        DemoServer.Listener http = server.listeners().stream()
                .filter(listener -> listener.protocol().equals("HTTP")).findFirst().orElseThrow();
        port = http.port();
        base = "http://127.0.0.1:" + port;
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void listenersAreBoundOnFreePorts() {
        List<DemoServer.Listener> listeners = server.listeners();
        assertEquals(List.of("FastCGI", "SCGI", "HTTP"), listeners.stream().map(DemoServer.Listener::protocol).toList());
        for (DemoServer.Listener listener : listeners) {
            assertTrue(listener.port() > 0, listener.toString());
            assertEquals("127.0.0.1:" + listener.port(), listener.boundAddress());
        }
    }

    @Test
    void hello() throws Exception {
        HttpResponse<String> response = get("/hello");
        assertEquals(200, response.statusCode());
        assertEquals("Hello from cgiwire\n", response.body());
        assertTrue(contentType(response).startsWith("text/plain"), contentType(response));
        assertEquals("19", response.headers().firstValue("Content-Length").orElseThrow());
    }

    @Test
    void headHello() throws Exception {
        HttpResponse<byte[]> response = send(request("/hello").method("HEAD", BodyPublishers.noBody()),
                BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals("19", response.headers().firstValue("Content-Length").orElseThrow());
        assertEquals(0, response.body().length);
    }

    @Test
    void headBytes() throws Exception {
        HttpResponse<byte[]> response = send(request("/bytes?n=100000").method("HEAD", BodyPublishers.noBody()),
                BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals("100000", response.headers().firstValue("Content-Length").orElseThrow());
        assertEquals(0, response.body().length);
    }

    @Test
    void bytes() throws Exception {
        HttpResponse<byte[]> response = send(request("/bytes?n=" + MIB), BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals("application/octet-stream", contentType(response));
        assertEquals(Integer.toString(MIB), response.headers().firstValue("Content-Length").orElseThrow());
        assertEquals(sha256(pattern(MIB)), sha256(response.body()));
    }

    @Test
    void bytesZero() throws Exception {
        HttpResponse<byte[]> response = send(request("/bytes?n=0"), BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals(0, response.body().length);
    }

    @Test
    void bytesRejectsBadN() throws Exception {
        for (String query : List.of("", "?n=", "?n=-1", "?n=abc", "?n=1e3", "?n=99999999999999999999")) {
            assertEquals(400, get("/bytes" + query).statusCode(), query);
        }
    }

    @Test
    void echo() throws Exception {
        byte[] body = random(MIB);
        HttpResponse<byte[]> response = send(request("/echo")
                .header("Content-Type", "application/x-sample")
                .POST(BodyPublishers.ofByteArray(body)), BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals("application/x-sample", contentType(response));
        assertEquals(Integer.toString(MIB), response.headers().firstValue("X-Request-Content-Length").orElseThrow());
        assertTrue(response.headers().firstValue("Content-Length").isEmpty(), "no Content-Length: it streams");
        assertArrayEquals(body, response.body());
    }

    @Test
    void echoPutWithoutContentType() throws Exception {
        byte[] body = random(1000);
        HttpResponse<byte[]> response = send(request("/echo").PUT(BodyPublishers.ofByteArray(body)),
                BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals("application/octet-stream", contentType(response));
        assertArrayEquals(body, response.body());
    }

    @Test
    void echoOfUnknownLength() throws Exception {
        byte[] body = random(100_000);
        // A publisher of unknown length: the client sends the body chunked.
        HttpResponse<byte[]> response = send(request("/echo").POST(BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(body))), BodyHandlers.ofByteArray());
        assertEquals("-1", response.headers().firstValue("X-Request-Content-Length").orElseThrow());
        assertArrayEquals(body, response.body());
    }

    @Test
    void digest() throws Exception {
        byte[] body = random(3 * MIB + 7);
        HttpResponse<String> response = send(request("/digest").POST(BodyPublishers.ofByteArray(body)),
                BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals(sha256(body) + " " + body.length + "\n", response.body());
    }

    @Test
    void dumpGet() throws Exception {
        HttpResponse<String> response = send(request("/dump/a/b?x=1&x=2&y=%C3%A9")
                .header("X-Repeat", "one").header("X-Repeat", "two")
                .header("Cookie", "c1=v1; c2=v2"), BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("application/json", contentType(response));
        Map<String, Object> dump = MiniJson.object(response.body());
        assertEquals("GET", dump.get("method"));
        assertEquals("/dump/a/b", dump.get("requestURI"));
        assertEquals(base + "/dump/a/b", dump.get("requestURL"));
        assertEquals("", dump.get("contextPath"));
        assertEquals("/dump", dump.get("servletPath"));
        assertEquals("/a/b", dump.get("pathInfo"));
        assertEquals("x=1&x=2&y=%C3%A9", dump.get("queryString"));
        assertEquals(Map.of("x", List.of("1", "2"), "y", List.of("é")), dump.get("parameters"));
        assertEquals("http", dump.get("scheme"));
        assertEquals(false, dump.get("secure"));
        assertEquals("127.0.0.1", dump.get("serverName"));
        assertEquals((long) port, dump.get("serverPort"));
        assertEquals("127.0.0.1", dump.get("remoteAddr"));
        assertTrue((Long) dump.get("remotePort") > 0);
        assertEquals("127.0.0.1", dump.get("localAddr"));
        assertEquals((long) port, dump.get("localPort"));
        assertEquals("HTTP/1.1", dump.get("protocol"));
        assertNull(dump.get("contentType"));
        // No body: unknown (-1), or 0 where the container knows an HTTP/1.1 GET without Content-Length has none.
        assertTrue((Long) dump.get("contentLength") <= 0, dump.get("contentLength").toString());
        Map<?, ?> headers = (Map<?, ?>) dump.get("headers");
        assertEquals(List.of("one", "two"), headers.get("X-Repeat"));
        assertEquals(List.of(Map.of("name", "c1", "value", "v1"), Map.of("name", "c2", "value", "v2")),
                dump.get("cookies"));
        assertTrue(dump.containsKey("sessionId"));
        assertNull(dump.get("sessionId"), "dump must not create a session");
        assertEquals(List.of(), dump.get("attributes"));
        assertTrue(response.headers().firstValue("Set-Cookie").isEmpty());
    }

    @Test
    void dumpPostForm() throws Exception {
        HttpResponse<String> response = send(request("/dump?q=1")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(BodyPublishers.ofString("a=1&b=%C3%A9&a=2")), BodyHandlers.ofString());
        Map<String, Object> dump = MiniJson.object(response.body());
        assertEquals("POST", dump.get("method"));
        assertEquals(Map.of("q", List.of("1"), "a", List.of("1", "2"), "b", List.of("é")), dump.get("parameters"));
        assertEquals("application/x-www-form-urlencoded", dump.get("contentType"));
        assertEquals(16L, dump.get("contentLength"));
        assertNull(dump.get("pathInfo"));
    }

    @Test
    void redirectDefault() throws Exception {
        HttpResponse<String> response = get("/redirect");
        assertEquals(302, response.statusCode());
        assertTrue(location(response).endsWith("/hello"), location(response));
    }

    @Test
    void redirectTo() throws Exception {
        HttpResponse<String> response = get("/redirect?to=/dump/x");
        assertEquals(302, response.statusCode());
        assertTrue(location(response).endsWith("/dump/x"), location(response));
        assertEquals(400, get("/redirect?to=//elsewhere.example/").statusCode());
        assertEquals(400, get("/redirect?to=https://elsewhere.example/").statusCode());
    }

    @Test
    void redirectAbsolute() throws Exception {
        HttpResponse<String> response = get("/redirect/absolute");
        assertEquals(302, response.statusCode());
        assertEquals(base + "/hello", location(response));
    }

    @Test
    void sessionCountsAcrossRequests() throws Exception {
        HttpResponse<String> first = get("/session");
        assertEquals(200, first.statusCode());
        String setCookie = first.headers().allValues("Set-Cookie").stream()
                .filter(value -> value.startsWith("JSESSIONID=")).findFirst().orElseThrow();
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        assertTrue(first.body().startsWith("count=1\nid="), first.body());
        String id = first.body().substring("count=1\nid=".length()).trim();
        // Jetty's cookie value is the id plus ".<worker name>".
        assertTrue(cookie.startsWith("JSESSIONID=" + id), cookie + " for session " + id);

        HttpResponse<String> second = send(request("/session").header("Cookie", cookie), BodyHandlers.ofString());
        assertEquals("count=2\nid=" + id + "\n", second.body());

        Map<String, Object> dump = MiniJson.object(
                send(request("/dump").header("Cookie", cookie), BodyHandlers.ofString()).body());
        assertEquals(id, dump.get("sessionId"));
    }

    @Test
    void cookies() throws Exception {
        HttpResponse<String> set = get("/cookie?set=flavour=oatmeal");
        assertEquals(200, set.statusCode());
        String setCookie = set.headers().firstValue("Set-Cookie").orElseThrow();
        assertTrue(setCookie.startsWith("flavour=oatmeal"), setCookie);
        assertTrue(setCookie.contains("Path=/"), setCookie);
        assertEquals(400, get("/cookie?set=bad=a%20b").statusCode());

        HttpResponse<String> list = send(request("/cookie").header("Cookie", "a=1; flavour=oatmeal"),
                BodyHandlers.ofString());
        assertEquals("a=1\nflavour=oatmeal\n", list.body());
    }

    @Test
    void upload() throws Exception {
        byte[] file = random(300_000);
        String boundary = "cgiwire-boundary-" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"note\"\r\n\r\n"
                + "hello\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.write(file);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpResponse<String> response = send(request("/upload")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(BodyPublishers.ofByteArray(body.toByteArray())), BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        assertEquals("note - 5 " + sha256("hello".getBytes(StandardCharsets.US_ASCII)) + "\n"
                + "file data.bin 300000 " + sha256(file) + "\n", response.body());
    }

    @Test
    void uploadWantsMultipart() throws Exception {
        assertEquals(415, send(request("/upload").POST(BodyPublishers.ofString("x")), BodyHandlers.ofString())
                .statusCode());
    }

    @Test
    void async() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = get("/async?delay=150");
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode());
        assertEquals("async done\n", response.body());
        assertTrue(elapsedMs >= 150, "answered after " + elapsedMs + " ms");
    }

    @Test
    void nbioEcho() throws Exception {
        byte[] body = random(MIB + 3);
        HttpResponse<String> response = send(request("/nbio/echo").POST(BodyPublishers.ofByteArray(body)),
                BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals(sha256(body) + " " + body.length + "\n", response.body());
    }

    @Test
    void nbioBytes() throws Exception {
        HttpResponse<byte[]> response = send(request("/nbio/bytes?n=" + (MIB + 5)), BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals(sha256(pattern(MIB + 5)), sha256(response.body()));
    }

    @Test
    void status204() throws Exception {
        HttpResponse<String> response = get("/status?code=204");
        assertEquals(204, response.statusCode());
        assertEquals("", response.body());
    }

    @Test
    void status304() throws Exception {
        HttpResponse<String> response = get("/status?code=304");
        assertEquals(304, response.statusCode());
        assertEquals(StatusServlet.ETAG, response.headers().firstValue("ETag").orElseThrow());
        assertEquals("", response.body());
        assertEquals(400, get("/status?code=42").statusCode());
    }

    @Test
    void error500() throws Exception {
        assertEquals(500, get("/error").statusCode());
    }

    @Test
    void unmapped404() throws Exception {
        assertEquals(404, get("/notfound-anything").statusCode());
        assertEquals(404, get("/").statusCode());
    }

    @Test
    void stderrWithoutFastCgi() throws Exception {
        assertEquals("no stderr\n", get("/stderr?msg=hi").body());
    }

    @Test
    void headers() throws Exception {
        HttpResponse<String> response = send(request("/headers").header("X-A", "1").header("X-A", "2"),
                BodyHandlers.ofString());
        assertTrue(response.body().contains("X-A: 1\nX-A: 2\n"), response.body());
        assertTrue(response.body().contains("Host: 127.0.0.1:" + port + "\n"), response.body());
    }

    @Test
    void slow() throws Exception {
        HttpResponse<byte[]> response = send(request("/slow?ms=1&n=3000"), BodyHandlers.ofByteArray());
        assertArrayEquals(pattern(3000), response.body());
    }

    @Test
    void slowSeesTheClientGoAway() throws Exception {
        long before = aborted();
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /slow?ms=20&n=10000000 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            assertTrue(in.read(new byte[4096]) > 0);
            socket.setSoLinger(true, 0);
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (aborted() == before && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(before + 1, aborted());
    }

    private long aborted() throws Exception {
        String stats = get("/slow/stats").body();
        assertTrue(stats.matches("aborted=\\d+\n"), stats);
        return Long.parseLong(stats.substring("aborted=".length()).trim());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return send(request(path), BodyHandlers.ofString());
    }

    private <T> HttpResponse<T> send(HttpRequest.Builder request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        return client.send(request.build(), handler);
    }

    private static String contentType(HttpResponse<?> response) {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    private static String location(HttpResponse<?> response) {
        String location = response.headers().firstValue("Location").orElse(null);
        assertNotNull(location, "Location");
        return location;
    }

    static byte[] pattern(int n) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) (i % 251);
        }
        return bytes;
    }

    static byte[] random(int n) {
        byte[] bytes = new byte[n];
        new Random(n).nextBytes(bytes);
        return bytes;
    }

    static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }}
