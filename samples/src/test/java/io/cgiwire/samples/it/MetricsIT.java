package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.samples.it.FrontServer.Site;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * cgiwire's counters read over JMX from outside the demo's JVM, on Jetty and on Tomcat alike, after real requests
 * through nginx and a protocol violation sent straight to the FastCGI port; on Tomcat also Tomcat's own
 * GlobalRequestProcessor for the same connector.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricsIT {
    @ParameterizedTest
    @ValueSource(strings = {"jetty", "tomcat"})
    void countersAreReadableOverJmx(String container) throws Exception {
        try (WorkDir work = WorkDir.create("MetricsIT-" + container);
                Demo demo = (Demo) (container.equals("jetty") ? Demo.jetty() : Demo.tomcat()).start(
                        Files.createDirectories(work.resolve("demo")));
                FrontServer nginx = FrontServer.Kind.NGINX.create(work.resolve("nginx"), Protocol.FCGI,
                        demo.endpoint(Protocol.FCGI, false)).start();
                Jmx jmx = Jmx.attach(demo.pid())) {
            Endpoint fcgi = demo.endpoint(Protocol.FCGI, false);
            ObjectName counters = one(jmx, "io.cgiwire:type=GatewayMetrics,protocol=fcgi,*", fcgi.port());
            long requestsBefore = jmx.getLong(counters, "Requests");
            int requests = 3;
            for (int i = 0; i < requests; i++) {
                try (RawHttp c = RawHttp.connect(nginx.port(Site.PLAIN))) {
                    RawHttp.Response r = c.send("GET", "/hello").read(false);
                    assertEquals(200, r.status(), () -> r + "\n" + nginx.diagnostics() + demo.output());
                }
            }
            // A record of FastCGI version 9: the connection is closed, and counted as a violation.
            try (Socket raw = new Socket("127.0.0.1", fcgi.port())) {
                raw.setSoTimeout(10_000);
                OutputStream out = raw.getOutputStream();
                out.write(new byte[] {9, 1, 0, 1, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0});
                out.flush();
                InputStream in = raw.getInputStream();
                assertEquals(-1, in.read(), "closed without an answer");
            }

            assertEquals(requestsBefore + requests, jmx.getLong(counters, "Requests"));
            assertEquals("FastCGI", jmx.get(counters, "Protocol"));
            assertTrue(jmx.getLong(counters, "Connections") >= 2, "nginx's connection and ours");
            assertEquals(List.of("FCGI_BAD_VERSION=1"), jmx.entries(counters, "ViolationsByKind"));
            assertEquals(1, jmx.getLong(counters, "Violations"));
            assertEquals(0, jmx.getLong(counters, "RefusedPeers"));

            ObjectName scgi = one(jmx, "io.cgiwire:type=GatewayMetrics,protocol=scgi,*",
                    demo.endpoint(Protocol.SCGI, false).port());
            assertEquals("SCGI", jmx.get(scgi, "Protocol"));
            assertEquals(0, jmx.getLong(scgi, "Requests"));

            if (container.equals("tomcat")) {
                ObjectName processor = one(jmx, "*:type=GlobalRequestProcessor,*", fcgi.port());
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (jmx.getLong(processor, "requestCount") < requests && System.nanoTime() < deadline) {
                    ChildProcess.sleep(20);
                }
                assertEquals(requests, jmx.getLong(processor, "requestCount"));
                assertTrue(jmx.getLong(processor, "bytesSent")
                        >= requests * "Hello from cgiwire\n".getBytes(StandardCharsets.US_ASCII).length);
            }
        }
    }

    /** The one MBean of {@code pattern} whose name holds {@code port}: the TCP connector's, not the Unix socket's. */
    private static ObjectName one(Jmx jmx, String pattern, int port) throws Exception {
        Set<ObjectName> names = jmx.names(pattern);
        names.removeIf(n -> !n.getKeyProperty("name").contains(Integer.toString(port)));
        assertEquals(1, names.size(), () -> pattern + " for port " + port + ": " + names);
        return names.iterator().next();
    }
}
