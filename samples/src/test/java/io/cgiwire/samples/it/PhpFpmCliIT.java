package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * cgiwire-cli against a FastCGI backend that is not cgiwire: Debian's php-fpm, started in the foreground from a
 * generated config, one pool on a TCP port and one on a Unix socket. Fails (does not skip) without php-fpm: CI
 * installs php8.2-fpm.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PhpFpmCliIT {

    private static final List<String> PHP_FPM = List.of("/usr/sbin/php-fpm8.2", "/usr/sbin/php-fpm");

    WorkDir work;
    Path docroot;
    Path socket;
    int port;
    ChildProcess fpm;

    @BeforeAll
    void start() throws IOException {
        String binary = PHP_FPM.stream().filter(p -> Files.isExecutable(Path.of(p))).findFirst()
                .orElseThrow(() -> new IllegalStateException("php-fpm is not installed (none of " + PHP_FPM
                        + "): install php8.2-fpm, as .ci/run does"));
        work = WorkDir.create("php-fpm");
        docroot = Files.createDirectory(work.resolve("www"));
        socket = work.resolve("fpm.sock");
        port = FreePorts.take(1)[0];
        script("hello.php", "<?php header('Content-Type: text/plain'); echo \"hello from php-fpm\\n\";");
        script("echo.php", "<?php header('Content-Type: application/octet-stream');"
                + " echo file_get_contents('php://input');");
        script("fail.php", "<?php http_response_code(500); error_log('failing on purpose'); echo \"failed\\n\";");
        script("redirect.php", "<?php header('Location: /hello.php');");
        script("server.php", "<?php header('Content-Type: text/plain'); foreach (['REQUEST_METHOD', 'REQUEST_URI',"
                + " 'SCRIPT_NAME', 'SCRIPT_FILENAME', 'QUERY_STRING', 'CONTENT_TYPE', 'CONTENT_LENGTH', 'HTTP_HOST',"
                + " 'HTTP_X_TRACE', 'REMOTE_ADDR', 'SERVER_NAME', 'GATEWAY_INTERFACE', 'HTTP_X_LEAK'] as $n)"
                + " { echo $n, '=', $_SERVER[$n] ?? '(unset)', \"\\n\"; }");
        script("sleep.php", "<?php sleep(5); echo \"late\\n\";");
        boolean root = "root".equals(System.getProperty("user.name"));
        String user = root ? "user = root\ngroup = root\n" : "";
        String pool = "pm = static\npm.max_children = 2\ncatch_workers_output = yes\n" + user;
        Files.writeString(work.resolve("php-fpm.conf"), "[global]\n"
                + "error_log = " + work.resolve("php-fpm.log") + "\n"
                + "daemonize = no\n"
                + "[tcp]\nlisten = 127.0.0.1:" + port + "\n" + pool
                + "[unix]\nlisten = " + socket + "\nlisten.mode = 0600\n" + pool);
        fpm = ChildProcess.start("php-fpm", List.of(binary, "-F", "-R", "-y", work.resolve("php-fpm.conf").toString(),
                "-p", work.path.toString()), work.path, Map.of());
        fpm.awaitReady("ready (\"ready to handle connections\" in php-fpm.log)", Duration.ofSeconds(30),
                c -> ChildProcess.read(work.resolve("php-fpm.log")).contains("ready to handle connections")
                        && Files.exists(socket));
    }

    @AfterAll
    void stop() {
        if (fpm != null) {
            fpm.close();
        }
        if (work != null) {
            work.close();
        }
    }

    private void script(String name, String php) {
        try {
            Files.writeString(docroot.resolve(name), php + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Stream<String> urls(String path) {
        return Stream.of("fcgi://127.0.0.1:" + port + path, "fcgi+unix://" + Cli.unixHost(socket) + path);
    }

    private Cli.Result cli(String... args) {
        Cli.Result r = Cli.run(work.path, args);
        System.out.println(r);
        return r;
    }

    private String diagnostics() {
        return fpm.output() + ChildProcess.tail(ChildProcess.read(work.resolve("php-fpm.log")));
    }

    @Test
    void getAScript() {
        urls("/hello.php").forEach(url -> {
            Cli.Result r = cli("-i", "--root", docroot.toString(), url);
            assertEquals(0, r.exit(), () -> r + diagnostics());
            assertTrue(r.stdout().startsWith("Status: 200 OK\r\n"), r::toString);
            assertTrue(r.stdout().endsWith("\r\n\r\nhello from php-fpm\n"), r::toString);
        });
    }

    @Test
    void phpSeesNginxsVariables() {
        Cli.Result r = cli("--root", docroot.toString(), "-H", "X-Trace: 42", "-H", "Content-Type: text/plain", "-X",
                "PUT", "-d", "abc", "fcgi://127.0.0.1:" + port + "/server.php?q=1");
        assertEquals(0, r.exit(), () -> r + diagnostics());
        assertEquals(List.of("REQUEST_METHOD=PUT", "REQUEST_URI=/server.php?q=1", "SCRIPT_NAME=/server.php",
                "SCRIPT_FILENAME=" + docroot.resolve("server.php"), "QUERY_STRING=q=1", "CONTENT_TYPE=text/plain",
                "CONTENT_LENGTH=3", "HTTP_HOST=localhost", "HTTP_X_TRACE=42", "REMOTE_ADDR=127.0.0.1",
                "SERVER_NAME=localhost", "GATEWAY_INTERFACE=CGI/1.1", "HTTP_X_LEAK=(unset)"),
                r.stdout().lines().toList(), r::toString);
    }

    @Test
    void theProcessEnvironmentIsNeverSent() {
        Cli.Result r = Cli.run(work.path, Map.of("HTTP_X_LEAK", "secret"), "--root", docroot.toString(),
                "fcgi://127.0.0.1:" + port + "/server.php");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().contains("HTTP_X_LEAK=(unset)\n"), r::toString);
    }

    @Test
    void postABody() throws IOException {
        byte[] body = new byte[200_000];
        new Random(7).nextBytes(body);
        Path file = Files.write(work.resolve("body.bin"), body);
        urls("/echo.php").forEach(url -> {
            Cli.Result r = cli("post", "--root", docroot.toString(), "-d", "@" + file, url);
            assertEquals(0, r.exit(), () -> r + diagnostics());
            assertArrayEquals(body, r.stdoutBytes(), r::toString);
        });
    }

    @Test
    void values() {
        urls("").forEach(url -> {
            Cli.Result r = cli("--values", url);
            assertEquals(0, r.exit(), () -> r + diagnostics());
            // php-fpm answers FCGI_MPXS_CONNS only
            assertTrue(r.stdout().lines().toList().contains("FCGI_MPXS_CONNS=0"), r::toString);
        });
    }

    @Test
    void probe() {
        urls("/hello.php").forEach(url -> {
            Cli.Result ok = cli("--probe", "--root", docroot.toString(), url);
            assertEquals(0, ok.exit(), () -> ok + diagnostics());
            Cli.Result failing = cli("--probe", "--root", docroot.toString(), url.replace("hello", "fail"));
            assertEquals(6, failing.exit(), () -> failing + diagnostics());
            assertTrue(failing.stderr().contains("500 Internal Server Error"), failing::toString);
            // php-fpm's error_log() comes back as FCGI_STDERR
            assertTrue(failing.stderr().contains("failing on purpose"), failing::toString);
        });
        // without SCRIPT_FILENAME php-fpm answers 404 "File not found."
        Cli.Result noScript = cli("--probe", "fcgi://127.0.0.1:" + port + "/hello.php");
        assertEquals(6, noScript.exit(), noScript::toString);
        assertTrue(noScript.stderr().contains("404"), noScript::toString);
    }

    @Test
    void locationWithoutStatusIs302() {
        Cli.Result r = cli("-i", "--root", docroot.toString(), "fcgi://127.0.0.1:" + port + "/redirect.php");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().startsWith("Status: 302 Found\r\n"), r::toString);
        Cli.Result probe = cli("--probe", "--root", docroot.toString(), "fcgi://127.0.0.1:" + port + "/redirect.php");
        assertEquals(6, probe.exit(), probe::toString);
    }

    @Test
    void aSlowScriptTimesOut() {
        Cli.Result r = cli("--probe", "--timeout", "1s", "--root", docroot.toString(),
                "fcgi://127.0.0.1:" + port + "/sleep.php");
        assertEquals(4, r.exit(), r::toString);
    }

    @Test
    void scgiToPhpFpmIsAProtocolError() {
        // php-fpm reads "NNN:CONTENT_LENGTH..." as a FastCGI header of version '3'..'9' and drops the connection
        Cli.Result r = cli("--probe", "--timeout", "5s", "scgi://127.0.0.1:" + port + "/hello.php");
        assertEquals(5, r.exit(), r::toString);
    }
}
