package io.cgiwire.cli;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_OVERLOADED;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.fcgi.FcgiEncoder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole command against a fake backend in this JVM: what it sends, prints and exits with. */
class CgiwireCliTest {

    record Result(int exit, String stdout, String stderr) {
    }

    static Result runWithStdin(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = CgiwireCli.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(exit, out.toString(StandardCharsets.ISO_8859_1), err.toString(StandardCharsets.UTF_8));
    }

    static Result run(String... args) {
        return runWithStdin("", args);
    }

    static byte[] fcgiResponse(String stdout) {
        return FcgiResponseDecoderTest.response(1, stdout, "", 0, 0);
    }

    @Test
    void getPrintsTheBodyAndExitsZero() throws Exception {
        try (FakeBackend b = FakeBackend.fcgi(fcgiResponse("Content-Type: text/plain\r\n\r\nhello\n"))) {
            Result r = run("get", "fcgi://127.0.0.1:" + b.port() + "/hello?x=1");
            assertEquals(new Result(0, "hello\n", ""), r);
            FakeBackend.Received got = b.received();
            assertEquals("GET", got.env().get("REQUEST_METHOD"));
            assertEquals("/hello?x=1", got.env().get("REQUEST_URI"));
            assertEquals("", got.env().get("CONTENT_LENGTH"));
            assertEquals("127.0.0.1", got.env().get("REMOTE_ADDR"));
            assertEquals(0, got.body().length);
        }
    }

    @Test
    void postSendsTheFileAsStdin(@TempDir Path dir) throws Exception {
        byte[] body = new byte[200_000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i * 31);
        }
        Path file = Files.write(dir.resolve("body.bin"), body);
        try (FakeBackend b = FakeBackend.fcgi(fcgiResponse("Status: 201 Created\r\n\r\n"))) {
            Result r = run("post", "-H", "Content-Type: application/octet-stream", "-d", "@" + file, "-i", "--fail",
                    "fcgi://127.0.0.1:" + b.port() + "/upload");
            assertEquals(0, r.exit(), r.stderr());
            assertEquals("Status: 201 Created\r\n\r\n", r.stdout());
            assertTrue(r.stderr().contains("FCGI_END_REQUEST appStatus=0 protocolStatus=FCGI_REQUEST_COMPLETE"));
            assertArrayEquals(body, b.received().body());
            assertEquals("200000", b.received().env().get("CONTENT_LENGTH"));
            assertEquals("application/octet-stream", b.received().env().get("CONTENT_TYPE"));
        }
    }

    @Test
    void dataFromStdin() throws Exception {
        try (FakeBackend b = FakeBackend.scgi("Status: 200 OK\r\n\r\nok".getBytes(StandardCharsets.US_ASCII))) {
            Result r = runWithStdin("piped body", "-d", "@-", "scgi://127.0.0.1:" + b.port() + "/echo");
            assertEquals(new Result(0, "ok", ""), r);
            assertEquals("piped body", new String(b.received().body(), StandardCharsets.UTF_8));
            assertEquals("POST", b.received().env().get("REQUEST_METHOD"));
            assertEquals("1", b.received().env().get("SCGI"));
        }
    }

    @Test
    void scgiResponseEndsAtItsContentLengthWithoutWaitingForTheClose() throws Exception {
        byte[] answer = "Status: 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
        try (FakeBackend b = FakeBackend.scgiLingering(answer)) {
            assertEquals(new Result(0, "ok", ""), run("--timeout", "5s", "scgi://127.0.0.1:" + b.port() + "/"));
        }
        byte[] noLength = "Status: 200 OK\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
        try (FakeBackend b = FakeBackend.scgiLingering(noLength)) {
            assertEquals(ExitCode.TIMED_OUT, run("--timeout", "300ms", "scgi://127.0.0.1:" + b.port() + "/").exit());
        }
    }

    @Test
    void probeExitsZeroOnlyFor2xx() throws Exception {
        try (FakeBackend b = FakeBackend.fcgi(fcgiResponse("Status: 204 No Content\r\n\r\n"))) {
            assertEquals(new Result(0, "", ""), run("--probe", "fcgi://127.0.0.1:" + b.port() + "/health"));
        }
        try (FakeBackend b = FakeBackend.fcgi(fcgiResponse("Status: 500 Internal Server Error\r\n\r\noops"))) {
            Result r = run("--probe", "fcgi://127.0.0.1:" + b.port() + "/health");
            assertEquals(ExitCode.NOT_2XX, r.exit());
            assertEquals("", r.stdout());
            assertTrue(r.stderr().contains("500 Internal Server Error"), r.stderr());
        }
        try (FakeBackend b = FakeBackend.fcgi(fcgiResponse("Location: /login\r\n\r\n"))) {
            assertEquals(ExitCode.NOT_2XX, run("--probe", "fcgi://127.0.0.1:" + b.port() + "/").exit());
        }
    }

    @Test
    void non2xxIsSuccessWithoutProbeOrFail() throws Exception {
        try (FakeBackend b = FakeBackend.fcgi(fcgiResponse("Status: 404 Not Found\r\n\r\nnope"))) {
            assertEquals(new Result(0, "nope", ""), run("fcgi://127.0.0.1:" + b.port() + "/x"));
        }
        try (FakeBackend b = FakeBackend.fcgi(fcgiResponse("Status: 404 Not Found\r\n\r\nnope"))) {
            Result r = run("-f", "fcgi://127.0.0.1:" + b.port() + "/x");
            assertEquals(ExitCode.NOT_2XX, r.exit());
            assertEquals("nope", r.stdout());
        }
    }

    @Test
    void refusedIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Result r = run("--probe", "fcgi://127.0.0.1:" + port + "/");
        assertEquals(ExitCode.UNREACHABLE, r.exit());
        assertTrue(r.stderr().contains("cannot connect to FastCGI backend 127.0.0.1:" + port), r.stderr());
    }

    @Test
    void missingSocketFileIsUnreachable(@TempDir Path dir) {
        String socket = dir.resolve("none.sock").toString().replace("/", "%2F");
        assertEquals(ExitCode.UNREACHABLE, run("--probe", "fcgi+unix://" + socket + "/").exit());
        assertEquals(ExitCode.UNREACHABLE, run("--probe", "scgi+unix://" + socket + "/").exit());
    }

    @Test
    void silentBackendTimesOut() throws Exception {
        try (FakeBackend b = FakeBackend.silent()) {
            Result r = run("--probe", "--timeout", "300ms", "fcgi://127.0.0.1:" + b.port() + "/");
            assertEquals(ExitCode.TIMED_OUT, r.exit());
            assertTrue(r.stderr().contains("timed out after 300ms waiting for the response"), r.stderr());
        }
    }

    @Test
    void protocolErrors() throws Exception {
        assertProtocolError(FakeBackend.fcgi("Status: 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
                "fcgi", "not a FastCGI record");
        byte[] cut = fcgiResponse("Status: 200 OK\r\n\r\nhello");
        assertProtocolError(FakeBackend.fcgi(java.util.Arrays.copyOf(cut, cut.length - 16)), "fcgi",
                "before FCGI_END_REQUEST");
        assertProtocolError(FakeBackend.fcgi(FcgiResponseDecoderTest.response(1, "", "", 0, FCGI_OVERLOADED)),
                "fcgi", "FCGI_OVERLOADED");
        assertProtocolError(FakeBackend.fcgi(fcgiResponse("Content-Length: 10\r\n\r\nshort")), "fcgi",
                "Content-Length 10 but the body had 5 bytes");
        assertProtocolError(FakeBackend.fcgi(fcgiResponse("")), "fcgi", "no response");
        assertProtocolError(FakeBackend.scgi(new byte[0]), "scgi", "without answering");
        assertProtocolError(FakeBackend.scgi("Status: 200 OK\r\n".getBytes(StandardCharsets.US_ASCII)), "scgi",
                "head did not end");
    }

    @Test
    void stderrRecordsGoToStderr() throws Exception {
        byte[] answer = FcgiResponseDecoderTest.response(1, "Status: 200 OK\r\n\r\nbody", "PHP message: careful", 0,
                0);
        try (FakeBackend b = FakeBackend.fcgi(answer)) {
            Result r = run("-v", "fcgi://127.0.0.1:" + b.port() + "/");
            assertEquals(0, r.exit());
            assertEquals("body", r.stdout());
            assertTrue(r.stderr().contains("PHP message: careful\n* status 200 from the Status header"), r.stderr());
            assertTrue(r.stderr().contains("> REQUEST_METHOD=GET"), r.stderr());
        }
    }

    @Test
    void valuesPrintsTheAnswer() throws Exception {
        byte[] answer = bytes(FcgiEncoder.getValuesResult(Map.of("FCGI_MPXS_CONNS", "0")));
        try (FakeBackend b = FakeBackend.values(answer)) {
            Result r = run("--values", "--time", "fcgi://127.0.0.1:" + b.port());
            assertEquals(0, r.exit(), r.stderr());
            assertEquals("FCGI_MPXS_CONNS=0\n", r.stdout());
            assertTrue(r.stderr().matches("connect=\\S+ms first_byte=\\S+ms total=\\S+ms sent=\\d+B received=\\d+B\n"),
                    r.stderr());
            assertEquals(java.util.List.of("FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"),
                    b.askedValues().get(10, java.util.concurrent.TimeUnit.SECONDS));
        }
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(ExitCode.USAGE, run().exit());
        assertEquals(ExitCode.USAGE, run("-d", "@/nonexistent/file", "fcgi://127.0.0.1/").exit());
        Result help = run("--help");
        assertEquals(0, help.exit());
        assertTrue(help.stdout().contains("fcgi+unix://%2Frun%2Fphp%2Fphp8.2-fpm.sock/status"));
    }

    private static void assertProtocolError(FakeBackend backend, String scheme, String messagePart) throws Exception {
        try (FakeBackend b = backend) {
            Result r = run("--probe", scheme + "://127.0.0.1:" + b.port() + "/");
            assertEquals(ExitCode.PROTOCOL_ERROR, r.exit(), r.stderr());
            assertTrue(r.stderr().contains(messagePart), r.stderr());
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }
}
