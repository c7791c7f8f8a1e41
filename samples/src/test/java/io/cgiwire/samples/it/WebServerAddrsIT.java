package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.Fcgi;
import io.cgiwire.core.fcgi.FcgiEncoder;
import io.cgiwire.core.fcgi.NameValueCodec;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * FastCGI's own convention for naming the web servers (spec 3.2): whoever starts the application puts their
 * addresses in FCGI_WEB_SERVER_ADDRS, and a connection from anywhere else is closed unanswered. The demo on each
 * container, started with it as its environment.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebServerAddrsIT {
    private static final Path JAR = Path.of(System.getProperty("cgiwire.demo.jar", "target/cgiwire-demo.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void onlyTheNamedWebServersAreServed(String container) throws Exception {
        assertEquals(-1, answer(container, "192.0.2.1,10.0.0.1"), "a peer the variable does not name");
        assertEquals(200, answer(container, "192.0.2.1,127.0.0.1"), "a peer the variable names");
    }

    /** The status the demo answers /hello with, or -1 if it closes the connection without answering. */
    private static int answer(String container, String webServerAddrs) throws Exception {
        try (WorkDir work = WorkDir.create("WebServerAddrsIT-" + container)) {
            int port = FreePorts.take(1)[0];
            List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toAbsolutePath().toString(),
                    "--fcgi", "127.0.0.1:" + port, "--container", container));
            try (ChildProcess demo = ChildProcess.start("demo", command, Files.createDirectories(work.resolve("demo")),
                    Map.of("FCGI_WEB_SERVER_ADDRS", webServerAddrs))) {
                demo.awaitReady("ready", Duration.ofSeconds(60), c -> c.stdout().contains("cgiwire demo: ready"));
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                    s.setSoTimeout(10000);
                    s.getOutputStream().write(request());
                    byte[] reply = readAll(s.getInputStream());
                    if (reply.length == 0) {
                        return -1;
                    }
                    String text = new String(reply, StandardCharsets.ISO_8859_1);
                    assertTrue(text.contains("Hello from cgiwire"), text);
                    return Integer.parseInt(text.substring(text.indexOf("Status: ") + 8).substring(0, 3));
                }
            }
        }
    }

    private static byte[] request() {
        CgiEnvironment env = new CgiEnvironment();
        env.add("REQUEST_METHOD", "GET");
        env.add("REQUEST_URI", "/hello");
        env.add("SERVER_PROTOCOL", "HTTP/1.1");
        env.add("REMOTE_ADDR", "127.0.0.1");
        byte[] pairs = NameValueCodec.encode(env);
        ByteBuffer out = ByteBuffer.allocate(16 + (int) FcgiEncoder.streamLength(pairs.length) + 16);
        FcgiEncoder.putBeginRequest(out, 1, Fcgi.FCGI_RESPONDER, 0);
        FcgiEncoder.putStream(out, Fcgi.FCGI_PARAMS, 1, ByteBuffer.wrap(pairs));
        FcgiEncoder.putStreamEnd(out, Fcgi.FCGI_PARAMS, 1);
        FcgiEncoder.putStreamEnd(out, Fcgi.FCGI_STDIN, 1);
        return java.util.Arrays.copyOf(out.array(), out.position());
    }

    /** Everything until the demo closes the connection (it does, without FCGI_KEEP_CONN). */
    private static byte[] readAll(InputStream in) throws Exception {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the demo neither answered nor closed: " + all.size() + " bytes", e);
        } catch (java.net.SocketException e) {
            // Reset: closed unanswered.
        }
        return all.toByteArray();
    }
}
