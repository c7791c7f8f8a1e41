package io.cgiwire.tomcat;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.RawClient;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.catalina.AccessLog;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The MBeans Tomcat registers for every protocol handler count our connections too (GlobalRequestProcessor,
 * ThreadPool), and cgiwire's own counters are in JMX from init() to destroy().
 */
@Timeout(30)
class MetricsTest {
    private static final MBeanServer JMX = ManagementFactory.getPlatformMBeanServer();

    @Nested
    class Fcgi extends ProtocolTestBase {
        @Override
        Class<FcgiNioProtocol> protocol() {
            return FcgiNioProtocol.class;
        }

        @Test
        void tomcatsOwnMBeansCountOurRequests() throws Exception {
            AbstractCgiProtocol<?> handler = (AbstractCgiProtocol<?>) connector.getProtocolHandler();
            // Registered under the handler's name at init(), before the port was known.
            ObjectName processor = only(handler.getDomain() + ":type=GlobalRequestProcessor,*");
            ObjectName threads = only(handler.getDomain() + ":type=ThreadPool,*");
            byte[] body = "hello".getBytes();
            try (RawClient c = client()) {
                for (int i = 0; i < 3; i++) {
                    c.write(RawClient.request(1, 1, RawClient.post("/echo", body.length), body));
                    assertEquals("hello", c.readResponse(1).text());
                }
            }
            awaitRequestCount(processor, 3);
            assertEquals(15L, JMX.getAttribute(processor, "bytesSent"));
            assertEquals(15L, JMX.getAttribute(processor, "bytesReceived"));
            assertEquals(0, JMX.getAttribute(processor, "errorCount"));
            assertTrue((Integer) JMX.getAttribute(threads, "currentThreadCount") > 0);
            assertTrue(((String) JMX.getAttribute(threads, "name")).startsWith("fcgi-nio-127.0.0.1"));
        }

        /**
         * The access log's bytes sent (Tomcat's {@code %b}) count what went on the wire: a body the response may not
         * carry (a HEAD's, written by a servlet that serves every method alike) is swallowed and not counted, as
         * Tomcat's HTTP connector does not count it, whichever processor serves the request.
         */
        @Test
        void aSwallowedBodyIsNotLoggedAsSent() throws Exception {
            BytesLog log = new BytesLog();
            tomcat.getHost().getPipeline().addValve(log);
            Map<String, String> head = RawClient.get("/info/head");
            head.put("REQUEST_METHOD", "HEAD");
            try (RawClient c = client()) {
                c.write(RawClient.request(1, FCGI_KEEP_CONN, head, new byte[0]));
                RawClient.Response response = c.readResponse(1);
                assertEquals(200, response.status());
                assertEquals("", response.text());
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                assertEquals("Hello\n", c.readResponse(1).text());
            }
            // On a multiplexing connector each request is logged on its own thread: the order is not the requests'.
            assertEquals(Set.of("HEAD /info/head 0", "GET /hello 6"), Set.copyOf(log.await(2)));
        }

        /**
         * Each request is counted once, also when its coyote request and response are recycled ones (multiplexing):
         * the counts of a recycled pair start again from zero, as Tomcat's HTTP/2 streams' do. The pauses let each
         * request's pair go back to the pool before the next request takes one.
         */
        @Test
        void eachRequestIsCountedOnce() throws Exception {
            AbstractCgiProtocol<?> handler = (AbstractCgiProtocol<?>) connector.getProtocolHandler();
            ObjectName processor = only(handler.getDomain() + ":type=GlobalRequestProcessor,*");
            try (RawClient c = client()) {
                for (int i = 0; i < 10; i++) {
                    c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
                    assertEquals("Hello\n", c.readResponse(1).text());
                    Thread.sleep(20);
                }
            }
            awaitRequestCount(processor, 10);
            assertEquals(60L, JMX.getAttribute(processor, "bytesSent"));
        }

        @Test
        void cgiwireCountersAreRegisteredFromInitToDestroy() throws Exception {
            AbstractCgiProtocol<?> handler = (AbstractCgiProtocol<?>) connector.getProtocolHandler();
            String tomcatName = only(handler.getDomain() + ":type=GlobalRequestProcessor,*").getKeyProperty("name");
            ObjectName name = GatewayMetrics.objectName("FastCGI", tomcatName.replace("\"", ""));
            assertTrue(JMX.isRegistered(name), name + " registered under the name of Tomcat's own MBeans");
            byte[] badVersion = RawClient.begin(1, 1, 0);
            badVersion[0] = 9;
            try (RawClient c = client()) {
                c.write(RawClient.request(1, 1, RawClient.get("/hello"), new byte[0]));
                assertEquals(200, c.readResponse(1).status());
                c.write(badVersion);
                assertTrue(c.closedByServer());
            }
            assertEquals(1L, JMX.getAttribute(name, "Connections"));
            assertEquals(1L, JMX.getAttribute(name, "Requests"));
            assertEquals(1L, JMX.getAttribute(name, "Violations"));
            assertEquals(Map.of("FCGI_BAD_VERSION", 1L), handler.getMetrics().getViolationsByKind());
            tomcat.getService().removeConnector(connector);
            connector.destroy();
            assertFalse(JMX.isRegistered(name), name + " unregistered with its connector");
        }
    }

    /** The same, each request on its own stream. */
    @Nested
    class MultiplexedFcgi extends Fcgi {
        @Override
        void configure(Connector c) {
            c.setProperty("multiplexing", "true");
        }
    }

    /** An access log that keeps each request's method, URI and bytes sent (as {@code %b} reads them). */
    static final class BytesLog extends ValveBase implements AccessLog {
        private final List<String> entries = new CopyOnWriteArrayList<>();

        BytesLog() {
            super(true);
        }

        @Override
        public void invoke(Request request, Response response) throws IOException, ServletException {
            getNext().invoke(request, response);
        }

        @Override
        public void log(Request request, Response response, long time) {
            entries.add(request.getMethod() + " " + request.getRequestURI() + " " + response.getBytesWritten(false));
        }

        @Override
        public void setRequestAttributesEnabled(boolean enabled) {
        }

        @Override
        public boolean getRequestAttributesEnabled() {
            return false;
        }

        /** The first {@code count} entries, once they are logged (after their response is out). */
        List<String> await(int count) throws InterruptedException {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (entries.size() < count && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return entries.subList(0, Math.min(count, entries.size()));
        }
    }

    /** Tomcat counts a request once its response is out: the last one may still be counting. */
    static void awaitRequestCount(ObjectName processor, int count) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!Integer.valueOf(count).equals(JMX.getAttribute(processor, "requestCount"))
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(count, JMX.getAttribute(processor, "requestCount"));
    }

    /** The one MBean of {@code pattern}'s that names an FastCGI handler on loopback. */
    static ObjectName only(String pattern) throws Exception {
        Set<ObjectName> names = JMX.queryNames(new ObjectName(pattern), null);
        names.removeIf(n -> !n.getKeyProperty("name").startsWith("\"fcgi-nio-127.0.0.1"));
        assertEquals(1, names.size(), names.toString());
        return names.iterator().next();
    }

    @Nested
    class RefusedPeer extends ProtocolTestBase {
        @Override
        Class<ScgiNioProtocol> protocol() {
            return ScgiNioProtocol.class;
        }

        @Override
        void configure(Connector c) {
            c.setProperty("allowedPeers", "192.0.2.1");
        }

        @Test
        void aRefusedPeerIsCounted() throws Exception {
            AbstractCgiProtocol<?> handler = (AbstractCgiProtocol<?>) connector.getProtocolHandler();
            ObjectName name = GatewayMetrics.objectName("SCGI", "scgi-nio-127.0.0.1-auto-" + handler.getNameIndex());
            try (RawClient c = client()) {
                c.write(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
                assertTrue(c.closedByServer());
            }
            assertEquals(1L, JMX.getAttribute(name, "RefusedPeers"));
            assertEquals(0L, JMX.getAttribute(name, "Connections"));
            assertEquals("SCGI", JMX.getAttribute(name, "Protocol"));
        }
    }
}
