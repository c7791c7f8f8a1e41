package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.ajax.JSON;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * cgiwire-cli's jar against the demo: FastCGI and SCGI, each over TCP and a Unix socket, every exit code from a
 * real backend. The exit codes are spelled as numbers, as the README documents them to users. A subclass picks the
 * container.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class CliSuite {

    static final String HELLO = "Hello from cgiwire\n";

    /** How the client reaches the demo. */
    enum Transport {
        FCGI_TCP, FCGI_UNIX, SCGI_TCP, SCGI_UNIX;

        boolean scgi() {
            return this == SCGI_TCP || this == SCGI_UNIX;
        }
    }

    WorkDir work;
    Backend demo;
    Path scgiSocket;

    /** The demo's command-line arguments that pick the container ({@code --container tomcat}, or none). */
    abstract List<String> containerArgs();

    /** Whether the container serves several requests of a FastCGI connection at once (FCGI_MPXS_CONNS=1). */
    abstract boolean multiplexes();

    @BeforeAll
    void start() {
        work = WorkDir.create("cli");
        scgiSocket = work.resolve("scgi.sock");
        List<String> extra = new ArrayList<>(containerArgs());
        extra.addAll(List.of("--scgi", "unix:" + scgiSocket));
        Path jar = Path.of(System.getProperty("cgiwire.demo.jar", "target/cgiwire-demo.jar"));
        demo = Demo.launcher(jar, extra.toArray(String[]::new)).start(work.path);
    }

    @AfterAll
    void stop() {
        if (demo != null) {
            demo.close();
        }
        if (work != null) {
            work.close();
        }
    }

    String url(Transport t, String pathAndQuery) {
        return switch (t) {
            case FCGI_TCP -> "fcgi://127.0.0.1:" + demo.endpoint(Protocol.FCGI, false).port() + pathAndQuery;
            case FCGI_UNIX -> "fcgi+unix://" + Cli.unixHost(demo.endpoint(Protocol.FCGI, true).unixSocket())
                    + pathAndQuery;
            case SCGI_TCP -> "scgi://127.0.0.1:" + demo.endpoint(Protocol.SCGI, false).port() + pathAndQuery;
            case SCGI_UNIX -> "scgi+unix://" + Cli.unixHost(scgiSocket) + pathAndQuery;
        };
    }

    Cli.Result cli(String... args) {
        return Cli.run(work.path, args);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void getHello(Transport t) {
        Cli.Result r = cli("get", url(t, "/hello"));
        assertEquals(0, r.exit(), r::toString);
        assertEquals(HELLO, r.stdout(), r::toString);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void postEchoesABinaryBody(Transport t) throws IOException {
        byte[] body = new byte[300_000];
        new Random(t.ordinal()).nextBytes(body);
        Path file = Files.write(work.resolve("body-" + t + ".bin"), body);
        Cli.Result r = cli("post", "-H", "Content-Type: application/octet-stream", "-d", "@" + file, url(t, "/echo"));
        assertEquals(0, r.exit(), r::toString);
        assertArrayEquals(body, r.stdoutBytes(), r::toString);

        Cli.Result head = cli("post", "-i", "-d", "small", url(t, "/echo"));
        assertTrue(head.stdout().startsWith("Status: 200 OK\r\n"), head::toString);
        assertTrue(head.stdout().contains("\r\nX-Request-Content-Length: 5\r\n"), head::toString);
        assertTrue(head.stdout().endsWith("\r\n\r\nsmall"), head::toString);
    }

    @ParameterizedTest
    @EnumSource(Transport.class)
    void probeIsZeroForA2xxAndSixOtherwise(Transport t) {
        Cli.Result ok = cli("--probe", "--timeout", "5s", url(t, "/hello"));
        assertEquals(0, ok.exit(), ok::toString);
        assertEquals("", ok.stdout(), ok::toString);

        Cli.Result thrown = cli("--probe", url(t, "/error"));
        assertEquals(6, thrown.exit(), thrown::toString);
        assertTrue(thrown.stderr().contains("500"), thrown::toString);

        Cli.Result unavailable = cli("--probe", url(t, "/status?code=503"));
        assertEquals(6, unavailable.exit(), unavailable::toString);
        assertTrue(unavailable.stderr().contains("503"), unavailable::toString);

        Cli.Result notFound = cli("--fail", url(t, "/no/such/route"));
        assertEquals(6, notFound.exit(), notFound::toString);
    }

    @Test
    void valuesOverTcpAndUnixSocket() {
        for (Transport t : List.of(Transport.FCGI_TCP, Transport.FCGI_UNIX)) {
            Cli.Result r = cli("--values", url(t, ""));
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.stdout().lines().toList().contains("FCGI_MPXS_CONNS=" + (multiplexes() ? 1 : 0)),
                    r::toString);
            for (String line : r.stdout().lines().toList()) {
                assertTrue(line.matches("FCGI_(MAX_CONNS|MAX_REQS|MPXS_CONNS)=\\d+"), r::toString);
            }
        }
    }

    @Test
    void theBackendSeesWhatNginxWouldSend() {
        Cli.Result r = cli("-H", "Host: shop.example:8443", "-H", "X-Trace: abc", url(Transport.FCGI_TCP,
                "/dump?a=1&b=two"));
        assertEquals(0, r.exit(), r::toString);
        @SuppressWarnings("unchecked")
        Map<String, Object> dump = (Map<String, Object>) new JSON().fromJSON(r.stdout());
        assertEquals("GET", dump.get("method"));
        assertEquals("/dump", dump.get("requestURI"));
        assertEquals("a=1&b=two", dump.get("queryString"));
        assertEquals("shop.example", dump.get("serverName"));
        assertEquals(8443L, ((Number) dump.get("serverPort")).longValue());
        assertEquals("127.0.0.1", dump.get("remoteAddr"));
        assertEquals("http", dump.get("scheme"));
        @SuppressWarnings("unchecked")
        Map<String, Object> headers = (Map<String, Object>) dump.get("headers");
        assertEquals("abc", ((Object[]) headers.get("X-Trace"))[0], r::toString);
    }

    @Test
    void theProcessEnvironmentIsNeverSent() {
        // cgi-fcgi would pass HTTP_X_LEAK on as a CGI variable, which a backend turns into an X-Leak header.
        Cli.Result r = Cli.run(work.path, Map.of("HTTP_X_LEAK", "secret", "SCRIPT_FILENAME", "/etc/passwd"),
                url(Transport.FCGI_TCP, "/dump"));
        assertEquals(0, r.exit(), r::toString);
        assertFalse(r.stdout().contains("secret"), r::toString);
        assertFalse(r.stdout().contains("X-Leak"), r::toString);
    }

    @Test
    void includeShowsTheHeadAndTheEndRequest() {
        Cli.Result r = cli("-i", url(Transport.FCGI_TCP, "/redirect"));
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("Status: 302 Found\r\n"), r::toString);
        assertTrue(r.stdout().contains("\r\nLocation: "), r::toString);
        assertTrue(r.stderr().contains("FCGI_END_REQUEST appStatus=0 protocolStatus=FCGI_REQUEST_COMPLETE"),
                r::toString);
    }

    @Test
    void fcgiStderrGoesToStderr() {
        Cli.Result r = cli(url(Transport.FCGI_TCP, "/stderr?msg=from-the-servlet"));
        assertEquals(0, r.exit(), r::toString);
        assertEquals("sent to stderr\n", r.stdout(), r::toString);
        assertTrue(r.stderr().contains("from-the-servlet"), r::toString);
    }

    @Test
    void timeShowsTheSteps() {
        Cli.Result r = cli("--time", url(Transport.FCGI_UNIX, "/hello"));
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stderr().matches("connect=\\S+ms first_byte=\\S+ms total=\\S+ms sent=\\d+B received=\\d+B\n"),
                r::toString);
    }

    @Test
    void refusedIsThree() throws IOException {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closed = s.getLocalPort();
        }
        Cli.Result tcp = cli("--probe", "fcgi://127.0.0.1:" + closed + "/hello");
        assertEquals(3, tcp.exit(), tcp::toString);
        Cli.Result unix = cli("--probe", "scgi+unix://" + Cli.unixHost(work.resolve("nobody.sock")) + "/hello");
        assertEquals(3, unix.exit(), unix::toString);
    }

    @Test
    void aSlowResponseTimesOutWithFour() {
        // /slow sends its first KiB, then waits 10 s before each next one
        Cli.Result r = cli("--probe", "--timeout", "1500ms", url(Transport.FCGI_TCP, "/slow?ms=10000&n=4096"));
        assertEquals(4, r.exit(), r::toString);
        assertTrue(r.stderr().contains("timed out after 1500ms"), r::toString);
    }

    @Test
    void aBackendThatNeverAnswersTimesOutWithFour() throws IOException {
        // a listening socket nobody accepts on: the kernel completes the connection, no one ever reads or answers
        try (ServerSocket deaf = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            Cli.Result r = cli("--probe", "--timeout", "1s", "fcgi://127.0.0.1:" + deaf.getLocalPort() + "/hello");
            assertEquals(4, r.exit(), r::toString);
        }
    }

    @Test
    void theWrongProtocolIsAProtocolErrorWithFive() {
        // FastCGI to the SCGI port: the demo answers an SCGI 400, which is no FastCGI record
        String fcgiToScgi = "fcgi://127.0.0.1:" + demo.endpoint(Protocol.SCGI, false).port() + "/hello";
        Cli.Result a = cli("--probe", fcgiToScgi);
        assertEquals(5, a.exit(), a::toString);
        assertTrue(a.stderr().contains("not a FastCGI record"), a::toString);
        // SCGI to the FastCGI port: the demo closes without a byte
        String scgiToFcgi = "scgi://127.0.0.1:" + demo.endpoint(Protocol.FCGI, false).port() + "/hello";
        Cli.Result b = cli("--probe", scgiToFcgi);
        assertEquals(5, b.exit(), b::toString);
    }
}
