package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.samples.it.FrontServer.ChunkedUpload;
import io.cgiwire.samples.it.FrontServer.Site;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The harness itself, without cgiwire: each front-server setup of the matrix starts, proxies every site to a
 * stand-in backend (tools/capture/capture_peer.py, which answers "ok" and records what it got) and sends what
 * the site is for (HTTPS=on, a streamed body). When a {@link GatewaySuite} class fails and this one passes, look
 * at the backend.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FrontServerSetupIT {

    private WorkDir work;
    private CapturePeer peer;

    @BeforeAll
    void startPeer() throws IOException {
        work = WorkDir.create("setup");
        peer = CapturePeer.start(Files.createDirectories(work.resolve("peer")));
    }

    @AfterAll
    void stopPeer() {
        try {
            if (peer != null) {
                peer.close();
            }
        } finally {
            work.close();
        }
    }

    static Stream<Arguments> stacks() {
        return Stream.of(
                Arguments.of(FrontServer.Kind.NGINX, Protocol.FCGI, false),
                Arguments.of(FrontServer.Kind.NGINX, Protocol.FCGI, true),
                Arguments.of(FrontServer.Kind.NGINX, Protocol.SCGI, false),
                Arguments.of(FrontServer.Kind.HTTPD, Protocol.FCGI, false),
                Arguments.of(FrontServer.Kind.HTTPD, Protocol.SCGI, false),
                Arguments.of(FrontServer.Kind.LIGHTTPD, Protocol.FCGI, false),
                Arguments.of(FrontServer.Kind.LIGHTTPD, Protocol.SCGI, false),
                Arguments.of(FrontServer.Kind.HAPROXY, Protocol.FCGI, false),
                Arguments.of(FrontServer.Kind.CADDY, Protocol.FCGI, false));
    }

    @ParameterizedTest(name = "{0} {1} unix={2}")
    @MethodSource("stacks")
    void proxiesEverySite(FrontServer.Kind kind, Protocol protocol, boolean unix) throws Exception {
        String stack = kind + "-" + protocol + (unix ? "-unix" : "");
        try (FrontServer front = kind.create(work.resolve(stack), protocol, peer.endpoint(protocol, unix)).start()) {
            try {
                check(front, stack, kind, protocol);
            } catch (AssertionError | Exception e) {
                System.err.println("==== " + stack + " failed\n" + front.diagnostics() + peer.output());
                throw e;
            }
        }
    }

    private void check(FrontServer front, String stack, FrontServer.Kind kind, Protocol protocol) throws Exception {
        for (Site site : Site.values()) {
            String label = stack + "-" + site + "-get";
            peer.label(label);
            RawHttp.Response r = GatewaySuite.raw(front.port(site), "GET", "/hello?x=1");
            assertEquals(200, r.status(), r::toString);
            assertEquals("ok", r.text());
            CapturePeer.Capture got = peer.capture(protocol, label);
            assertTrue(got.contains("REQUEST_URI=/hello?x=1\n"), () -> got.mismatch("REQUEST_URI=/hello?x=1"));
            assertEquals(site == Site.HTTPS_ON, got.contains("\nHTTPS=on\n"),
                    () -> got.mismatch(site == Site.HTTPS_ON ? "HTTPS=on" : "no HTTPS=on"));
        }
        for (Site site : new Site[] {Site.PLAIN, Site.STREAMING}) {
            String label = stack + "-" + site + "-chunked";
            peer.label(label);
            byte[] body = GatewaySuite.randomBytes(100_000, 5);
            RawHttp.Response r = RawHttp.postChunkedSlowly(front.port(site), "/digest", body);
            CapturePeer.Capture got = peer.capture(protocol, label);
            if (front.chunkedUpload(site) == ChunkedUpload.INTACT) {
                assertEquals(200, r.status(), r::toString);
                assertTrue(got.contains("stdin bytes: 100000 ") || got.contains("body bytes: 100000\n"),
                        () -> got.mismatch("the 100000-byte body"));
                // the streamed cases the suite relies on do stream: no length to read up to
                if (kind == FrontServer.Kind.NGINX && protocol == Protocol.FCGI && site == Site.STREAMING) {
                    assertTrue(got.contains("\nCONTENT_LENGTH=\n"), () -> got.mismatch("CONTENT_LENGTH= (empty)"));
                }
                if (kind == FrontServer.Kind.HTTPD && protocol == Protocol.FCGI) {
                    assertFalse(got.contains("\nCONTENT_LENGTH="), () -> got.mismatch("no CONTENT_LENGTH"));
                }
                if (kind == FrontServer.Kind.CADDY) {
                    assertTrue(got.contains("\nCONTENT_LENGTH=-1\n"), () -> got.mismatch("CONTENT_LENGTH=-1"));
                }
            } else {
                assertEquals(front.chunkedUpload(site) == ChunkedUpload.LENGTH_REQUIRED ? 411 : 400, r.status(),
                        r::toString);
                assertFalse(got.contains("REQUEST_URI="),
                        () -> got.mismatch("no request: the front server refuses the upload itself"));
            }
        }
        String label = stack + "-big";
        peer.label(label);
        try (RawHttp c = RawHttp.connect(front.port(Site.PLAIN))) {
            byte[] body = GatewaySuite.randomBytes(10 * GatewaySuite.MIB, 6);
            c.write(c.head("POST", "/digest", "Content-Type: application/octet-stream",
                    "Content-Length: " + body.length));
            c.write(body);
            RawHttp.Response r = c.read(false);
            assertEquals(200, r.status(), r::toString);
        }
        CapturePeer.Capture got = peer.capture(protocol, label);
        assertTrue(got.contains("CONTENT_LENGTH=" + 10 * GatewaySuite.MIB + "\n"),
                () -> got.mismatch("CONTENT_LENGTH=" + 10 * GatewaySuite.MIB));
        peer.label("none");
    }
}
