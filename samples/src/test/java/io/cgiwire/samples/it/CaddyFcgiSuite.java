package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cgiwire.samples.it.FrontServer.Site;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What Caddy reverse_proxy with transport fastcgi does to the backend (a connection per request), over TCP or a
 * Unix socket.
 */
abstract class CaddyFcgiSuite extends GatewaySuite {

    /** @param unixSocket whether the front server reaches the backend over a Unix socket instead of TCP */
    CaddyFcgiSuite(boolean unixSocket) {
        super(FrontServer.Kind.CADDY, Protocol.FCGI, unixSocket);
    }

    /** Caddy 2.6 sends a chunked upload with CONTENT_LENGTH=-1: the servlet reads all of it, to the end of STDIN. */
    @Test
    void chunkedMebibyteUpload() throws Exception {
        byte[] body = randomBytes(MIB, 9);
        RawHttp.Response r = RawHttp.postChunkedSlowly(front.port(Site.PLAIN), "/digest", body);
        assertEquals(200, r.status(), r::toString);
        assertEquals(sha256(body) + " " + body.length + "\n", r.text());
    }

    /**
     * Caddy's SERVER_PORT is the Host header's port, not the port the client connected to: with a Host naming
     * another port, the servlet sees that port as its local port too. The server name and port are right.
     */
    @Test
    void serverPortComesFromTheHostHeader() throws Exception {
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
            c.write("GET /dump HTTP/1.1\r\nHost: 127.0.0.1:1234\r\nConnection: close\r\n\r\n");
            RawHttp.Response r = c.read(false);
            assertEquals(200, r.status(), r::toString);
            Map<String, Object> dump = json(r.text());
            assertAll(
                    () -> assertEquals("127.0.0.1", dump.get("serverName")),
                    () -> assertEquals(1234, ((Number) dump.get("serverPort")).intValue()),
                    () -> assertEquals(1234, ((Number) dump.get("localPort")).intValue()),
                    () -> assertEquals("127.0.0.1", dump.get("localName")),
                    () -> assertEquals("http://127.0.0.1:1234/dump", dump.get("requestURL")));
        }
    }
}
