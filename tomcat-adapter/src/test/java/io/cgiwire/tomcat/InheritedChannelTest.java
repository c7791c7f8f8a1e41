package io.cgiwire.tomcat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.RawClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * FcgiNioProtocol with {@code useInheritedChannel="true"}: the listening socket comes from the process that started
 * the JVM (inetd, systemd), as stdin. A small Python script plays that process; the server is {@link Main}.
 */
@Timeout(60)
class InheritedChannelTest {
    @TempDir
    Path dir;

    @Test
    void servesOnTheInheritedSocket() throws Exception {
        Path script = Path.of(getClass().getResource("/inherit-listener.py").toURI());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process process = new ProcessBuilder(List.of("python3", script.toString(), java, "-cp", classPath,
                Main.class.getName(), dir.toString()))
                .redirectError(dir.resolve("stderr.txt").toFile())
                .start();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            int port = Integer.parseInt(out.readLine().trim());
            assertEquals("ready", out.readLine(), () -> stderr());
            try (RawClient c = new RawClient(port)) {
                c.write(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
                RawClient.Response r = c.readResponse(1);
                assertEquals(200, r.status());
                assertEquals("Hello\n", r.text());
            }
        } finally {
            process.destroy();
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "the server did not stop on SIGTERM");
        }
    }

    private String stderr() {
        try {
            return Files.readString(dir.resolve("stderr.txt"));
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The server: Tomcat with an FcgiNioProtocol on the inherited channel and one servlet; "ready" once started. */
    public static final class Main {
        public static void main(String[] args) throws Exception {
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(args[0]);
            Connector connector = new Connector(FcgiNioProtocol.class.getName());
            connector.setProperty("useInheritedChannel", "true");
            tomcat.getService().addConnector(connector);
            Context context = tomcat.addContext("", null);
            Tomcat.addServlet(context, "hello", new ProtocolTestBase.HelloServlet());
            context.addServletMapping("/hello", "hello");
            tomcat.start();
            if (!connector.getState().isAvailable()) {
                throw new IllegalStateException("the connector did not start on the inherited channel");
            }
            System.out.println("ready");
            System.out.flush();
            tomcat.getServer().await();
        }
    }
}
