package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cgiwire.samples.it.FrontServer.Site;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What HAProxy fcgi-app (keep-conn, get-values, no mpxs-conns) does to the backend, over TCP or a Unix socket. */
abstract class HaproxyFcgiSuite extends GatewaySuite {

    /** @param unixSocket whether the front server reaches the backend over a Unix socket instead of TCP */
    HaproxyFcgiSuite(boolean unixSocket) {
        super(FrontServer.Kind.HAPROXY, Protocol.FCGI, unixSocket);
    }

    /**
     * What a user gets for a chunked upload: a body that fits HAProxy's 16 KiB buffer arrives whole, with the
     * CONTENT_LENGTH HAProxy counted; a 1 MiB one is refused by HAProxy itself with 400, also with
     * option http-buffer-request (the STREAMING site), and the backend stays fine.
     */
    @Test
    void chunkedUploadWorksUpToHaproxysBuffer() throws Exception {
        for (Site site : new Site[] {Site.PLAIN, Site.STREAMING}) {
            byte[] small = randomBytes(8000, 7);
            RawHttp.Response fits = RawHttp.postChunkedSlowly(front.port(site), "/digest", small);
            assertEquals(200, fits.status(), fits::toString);
            assertEquals(sha256(small) + " " + small.length + "\n", fits.text());
            RawHttp.Response large = RawHttp.postChunkedSlowly(front.port(site), "/digest", randomBytes(MIB, 8));
            assertEquals(400, large.status(), large::toString);
        }
        assertEquals(200, get(Site.PLAIN, "/hello").statusCode());
    }

    /** HAProxy sends SERVER_NAME=127.0.0.1:PORT: the port stays out of the server and local names. */
    @Test
    void serverNameWithItsPortIsSplit() throws Exception {
        int port = front.port(Site.PLAIN);
        Map<String, Object> dump = json(text(get(Site.PLAIN, "/dump")));
        assertAll(
                () -> assertEquals("127.0.0.1", dump.get("serverName")),
                () -> assertEquals("127.0.0.1", dump.get("localName")),
                () -> assertEquals(port, ((Number) dump.get("serverPort")).intValue()),
                () -> assertEquals(port, ((Number) dump.get("localPort")).intValue()),
                () -> assertEquals(List.of("127.0.0.1:" + port), values(dump, "headers", "Host")),
                () -> assertEquals("http://127.0.0.1:" + port + "/dump", dump.get("requestURL")));
    }
}
