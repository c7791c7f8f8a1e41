package io.cgiwire.tomcat;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayParitySuite;
import io.cgiwire.core.RawClient;
import io.cgiwire.core.fcgi.Fcgi;
import io.cgiwire.core.fcgi.FcgiEncoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.util.ServerInfo;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * FcgiNioProtocol on an embedded Tomcat over loopback, driven the way a web server drives it: the parity suite both
 * adapters pass, then what is Tomcat's own (its version, connector attributes, the servlet API's request fields,
 * non-blocking and async IO, a header holding CR LF dropped, a configured limit, Unix sockets).
 */
@Timeout(30)
class FcgiNioProtocolTest extends ProtocolTestBase {
    @Override
    Class<FcgiNioProtocol> protocol() {
        return FcgiNioProtocol.class;
    }

    @Override
    void configure(Connector c) {
        // server.xml spelling, as on the Jetty side; read when a processor is created
        c.setProperty("maxParamValueLength", "20000");
    }

    @Nested
    class Parity extends GatewayParitySuite.Fcgi {
        @Override
        protected RawClient client() throws IOException {
            return FcgiNioProtocolTest.this.client();
        }

        /** Not until the processor-per-id is built (issue 13): ids wait their turn. */
        @Override
        protected boolean multiplexes() {
            return false;
        }

        @Override
        protected BlockingQueue<Throwable> failures() {
            return FAILURES;
        }

        @Override
        protected void assertLogged(String text, int times) {
            List<String> messages = warningMessages();
            assertEquals(times, messages.stream().filter(m -> m.contains(text)).count(), messages::toString);
        }

        /** The servlet's echo is buffered: the read may fail before anything was committed, so nothing more is sure. */
        @Override
        protected void assertStdinMismatchReply(String reply, boolean ended) {
        }

        @Override
        protected String clientsRequestInfo() {
            return String.join("\n",
                    "method=GET",
                    "scheme=https",
                    "url=https://www.example.com:8443/info/a%20b",
                    "uri=/info/a%20b",
                    "pathInfo=/a b",
                    "query=q=1",
                    "contentLength=-1",
                    "userAgent=raw",
                    "remoteUser=null",
                    "requestId=7",
                    "connection=fastcgi") + "\n";
        }
    }

    /** The build runs these tests on Tomcat 11 and on 10.1 (tomcat-adapter-10.1): make sure of which one this is. */
    @Test
    void runsOnTheTomcatTheBuildNames() {
        String expected = System.getProperty("cgiwire.tomcat.version");
        assertNotNull(expected, "the build sets cgiwire.tomcat.version");
        assertTrue(ServerInfo.getServerNumber().startsWith(expected + "."), ServerInfo.getServerInfo());
    }

    @Test
    void limitsAreConnectorAttributes() {
        FcgiNioProtocol protocol = (FcgiNioProtocol) connector.getProtocolHandler();
        assertEquals(20000, protocol.getMaxParamValueLength());
        assertEquals(20000, protocol.getLimits().getMaxParamValueLength());
        assertEquals("127.0.0.1", protocol.getAddress().getHostAddress(), "loopback unless told otherwise");
        assertEquals(-1, protocol.getKeepAliveTimeout());
    }

    /**
     * A kept connection between requests waits without a processor, as over Tomcat's HTTP connector: its session is
     * parked with the protocol, taken back by the processor that serves its next request, and forgotten once the web
     * server closes the connection.
     */
    @Test
    void anIdleKeptConnectionHoldsNoProcessor() throws Exception {
        FcgiNioProtocol protocol = (FcgiNioProtocol) connector.getProtocolHandler();
        try (RawClient c = client()) {
            for (int i = 1; i <= 3; i++) {
                c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/stderr"), new byte[0]));
                RawClient.Response r = c.readResponse(1);
                assertEquals(200, r.status());
                assertEquals("logged\n", r.stderr(), "request " + i);
                awaitParked(protocol, 1);
            }
        }
        awaitParked(protocol, 0);
    }

    private static void awaitParked(AbstractCgiProtocol<?> protocol, int expected) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (protocol.parked() != expected && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(expected, protocol.parked(), "connections parked between requests");
    }

    /** Debian's nginx sends HTTP_HOST without the port: the port the client used comes from SERVER_PORT. */
    @Test
    void hostWithoutPortTakesServerPort() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/info");
            params.put("HTTP_HOST", "127.0.0.1");
            params.put("SERVER_PORT", "8081");
            c.write(RawClient.request(1, 0, params, new byte[0]));
            String text = c.readResponse(1).text();
            assertTrue(text.contains("server=127.0.0.1:8081\n"), text);
            assertTrue(text.contains("host=127.0.0.1:8081\n"), text);
            assertTrue(text.contains("url=http://127.0.0.1:8081/info\n"), text);
        }
    }

    @Test
    void nonBlockingEcho() throws Exception {
        byte[] body = new byte[1024 * 1024 + 5];
        new Random(11).nextBytes(body);
        try (RawClient c = client()) {
            byte[] request = RawClient.request(1, FCGI_KEEP_CONN, RawClient.post("/nbio", body.length), body);
            RawClient.Response r = c.writeWhileReading(request, x -> x.readResponse(1));
            assertEquals(200, r.status());
            assertArrayEquals(body, r.body());
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/async"), new byte[0]));
            assertEquals("async\n", c.readResponse(1).text());
        }
        assertEquals(List.of(), List.copyOf(FAILURES));
    }

    /** With the body complete, FCGI_ABORT_REQUEST is noticed when the servlet writes next. */
    @Test
    void abortRequestFailsTheNextWrite() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/slow?n=500"), new byte[0]));
            RawClient.Record first = c.readRecord();
            assertEquals(Fcgi.FCGI_STDOUT, first.type());
            ByteBuffer abort = ByteBuffer.allocate(8);
            FcgiEncoder.putAbortRequest(abort, 1);
            c.write(abort.array());
            RawClient.Record last;
            do {
                last = c.readRecord();
            } while (last.type() == Fcgi.FCGI_STDOUT);
            assertEquals(Fcgi.FCGI_END_REQUEST, last.type());
            assertNotNull(FAILURES.poll(5, TimeUnit.SECONDS), "the servlet's write failed");
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            assertEquals("Hello\n", c.readResponse(1).text(), "kept-alive connection still serves");
        }
    }

    /** A response header holding CR LF never reaches the web server as a header line of its own. */
    @Test
    void aHeaderWithCrLfIsNeverWritten() throws Exception {
        try (RawClient c = client()) {
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/inject"), new byte[0]));
            RawClient.Response r = c.readResponse(1);
            // The Tomcat adapter drops the header, with a warning, and sends the rest of the response.
            assertEquals(200, r.status());
            assertFalse(r.headers().containsKey("x-injected"), r.headers().toString());
            assertFalse(r.headers().containsKey("x-echo"), r.headers().toString());
        }
        List<String> messages = warningMessages();
        assertEquals(1, messages.stream().filter(m -> m.contains("response header dropped: header X-Echo")).count(),
                messages::toString);
    }

    @Test
    void oversizedParamsAnswered431() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.get("/hello");
            params.put("HTTP_COOKIE", "x".repeat(20001));
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.writeBytes(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
            all.writeBytes(RawClient.params(1, params));
            c.write(all.toByteArray());
            RawClient.Response r = c.readResponse(1);
            assertEquals(431, r.status());
            assertTrue(r.text().contains("PARAM_VALUE_TOO_LONG"), r.text());
            assertTrue(c.closedByServer());
        }
    }

    /** The web server answers 100-continue itself: no interim response goes through CGI. */
    @Test
    void expectContinueSendsOnlyTheFinalResponse() throws Exception {
        try (RawClient c = client()) {
            Map<String, String> params = RawClient.post("/echo", 2);
            params.put("HTTP_EXPECT", "100-continue");
            c.write(RawClient.request(1, 0, params, new byte[] {'h', 'i'}));
            RawClient.Response r = c.readResponse(1);
            assertEquals(200, r.status());
            assertEquals("hi", r.text());
        }
    }

    @Test
    void servesOnAUnixSocket() throws Exception {
        try (RawClient c = new RawClient(unixSocket)) {
            Map<String, String> params = RawClient.get("/info");
            params.put("REMOTE_ADDR", "unix:");
            params.remove("REMOTE_PORT");
            c.write(RawClient.request(1, FCGI_KEEP_CONN, params, new byte[0]));
            String text = c.readResponse(1).text();
            assertTrue(text.contains("remote=unix::0\n"), text);
            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/hello"), new byte[0]));
            assertEquals("Hello\n", c.readResponse(1).text());
        }
    }
}
