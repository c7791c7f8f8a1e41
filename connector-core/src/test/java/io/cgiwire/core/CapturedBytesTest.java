package io.cgiwire.core;

import static io.cgiwire.core.DecoderAssertions.assertDecodes;
import static io.cgiwire.core.DecoderAssertions.feedWhole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.Fcgi;
import io.cgiwire.core.fcgi.FcgiDecoder;
import io.cgiwire.core.fcgi.FcgiEvent;
import io.cgiwire.core.scgi.ScgiDecoder;
import io.cgiwire.core.scgi.ScgiEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every byte nginx, httpd, lighttpd, HAProxy and Caddy really sent (captures/raw, see its README) decodes the same
 * however it is split, into complete requests whose bodies are exactly what curl sent.
 */
class CapturedBytesTest {
    private static final Path RAW = resource("/captures/raw");

    static Stream<String> fastcgi() throws IOException {
        return captures().filter(name -> name.contains("_fcgi-") || name.contains("_fastcgi-"));
    }

    static Stream<String> scgi() throws IOException {
        return captures().filter(name -> name.contains("_scgi-"));
    }

    @ParameterizedTest
    @MethodSource("fastcgi")
    void fastcgiCapture(String name) throws Exception {
        byte[] bytes = Files.readAllBytes(RAW.resolve(name));
        List<FcgiEvent> events = feedWhole(new EndingDecoder(), bytes);
        assertDecodes(EndingDecoder::new, bytes, mergeStdin(events), CapturedBytesTest::mergeStdin);

        List<FcgiEvent> merged = mergeStdin(events);
        if (name.startsWith("haproxy")) {
            // `option get-values`: HAProxy asks FCGI_MAX_REQS and FCGI_MPXS_CONNS on every new connection first.
            assertEquals(new FcgiEvent.GetValues(List.of("FCGI_MAX_REQS", "FCGI_MPXS_CONNS")), merged.remove(0));
        }
        int requests = name.contains("keepalive") ? 2 : 1;
        assertEquals(4 * requests, merged.size(), merged.toString());
        for (int r = 0; r < requests; r++) {
            FcgiEvent.BeginRequest begin = assertInstanceOf(FcgiEvent.BeginRequest.class, merged.get(4 * r));
            assertEquals(1, begin.requestId(), "every front server uses request id 1");
            assertEquals(Fcgi.FCGI_RESPONDER, begin.role());
            assertEquals(!name.startsWith("lighttpd") && !name.startsWith("caddy"), begin.keepConn(),
                    "lighttpd and Caddy never keep the connection");
            CgiEnvironment params = assertInstanceOf(FcgiEvent.Params.class, merged.get(4 * r + 1)).params();
            ByteBuffer body = ((FcgiEvent.Stdin) merged.get(4 * r + 2)).data();
            assertInstanceOf(FcgiEvent.StdinEnd.class, merged.get(4 * r + 3));
            assertBody(name + " request " + r, params, body);
        }
    }

    @ParameterizedTest
    @MethodSource("scgi")
    void scgiCapture(String name) throws Exception {
        byte[] bytes = Files.readAllBytes(RAW.resolve(name));
        if (bytes.length == 0) {
            // httpd opened the connection, then answered 411 to the chunked request and closed it unused.
            assertEquals("apache_scgi-chunked.bin", name);
            new ScgiDecoder(new GatewayLimits()).endOfInput();
            return;
        }
        List<ScgiEvent> events = feedWhole(new ScgiDecoder(new GatewayLimits()), bytes);
        assertDecodes(() -> new ScgiDecoder(new GatewayLimits()), bytes, mergeBody(events),
                CapturedBytesTest::mergeBody);
        List<ScgiEvent> merged = mergeBody(events);
        ScgiEvent.Headers headers = assertInstanceOf(ScgiEvent.Headers.class, merged.get(0));
        assertEquals("CONTENT_LENGTH", headers.environment().name(0));
        assertEquals("1", headers.environment().get("SCGI"));
        ByteBuffer body = merged.size() == 3 ? ((ScgiEvent.Body) merged.get(1)).data() : ByteBuffer.allocate(0);
        assertInstanceOf(ScgiEvent.End.class, merged.get(merged.size() - 1));
        assertEquals(headers.contentLength(), body.remaining());
        assertBody(name, headers.environment(), body);
    }

    /**
     * The bodies curl sent: "a=1&b=2" for post, bytes i % 251 for big-post, chunked and small-chunked, nothing
     * otherwise. A negative CONTENT_LENGTH (Caddy's -1 for a chunked body) frames nothing, as an empty one.
     */
    private static void assertBody(String name, CgiEnvironment params, ByteBuffer body) {
        String method = params.get("REQUEST_METHOD");
        assertNotNull(method, name);
        String contentLength = params.get("CONTENT_LENGTH");
        if (contentLength != null && !contentLength.isEmpty() && !contentLength.startsWith("-")) {
            assertEquals(Long.parseLong(contentLength), body.remaining(), name + ": CONTENT_LENGTH frames the body");
        }
        if (name.contains("big-post")) {
            assertPattern(name, body, 100000);
        } else if (name.contains("small-chunked")) {
            assertPattern(name, body, 8000);
        } else if (name.contains("chunked") && !name.contains("request 1") && method.equals("POST")) {
            assertPattern(name, body, 20000);
        } else if (name.contains("-post") || name.contains("request 1")) {
            assertEquals(ByteBuffer.wrap("a=1&b=2".getBytes(java.nio.charset.StandardCharsets.US_ASCII)), body, name);
        } else {
            assertEquals(0, body.remaining(), name);
        }
    }

    private static void assertPattern(String name, ByteBuffer body, int length) {
        assertEquals(length, body.remaining(), name);
        for (int i = 0; i < length; i++) {
            if (body.get(body.position() + i) != (byte) (i % 251)) {
                throw new AssertionError(name + ": body byte " + i + " differs");
            }
        }
    }

    /** The decoder as an adapter drives it: the request ends once its STDIN has, freeing id 1 for the next. */
    private static final class EndingDecoder implements Decoder<FcgiEvent> {
        private final FcgiDecoder decoder = new FcgiDecoder(new GatewayLimits());

        @Override
        public FcgiEvent decode(ByteBuffer in) throws ProtocolException {
            FcgiEvent event = decoder.decode(in);
            if (event instanceof FcgiEvent.StdinEnd) {
                assertTrue(decoder.endRequest(event.requestId()));
            }
            return event;
        }

        @Override
        public void endOfInput() throws ProtocolException {
            decoder.endOfInput();
        }
    }

    /** STDIN slices merged per request; a request with no body gets an empty Stdin so every request has four events. */
    static List<FcgiEvent> mergeStdin(List<FcgiEvent> events) {
        List<FcgiEvent> merged = new ArrayList<>();
        ByteArrayOutputStream body = null;
        for (FcgiEvent event : events) {
            if (event instanceof FcgiEvent.Stdin) {
                ByteBuffer data = ((FcgiEvent.Stdin) event).data().duplicate();
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                body.writeBytes(bytes);
                continue;
            }
            if (event instanceof FcgiEvent.Params) {
                body = new ByteArrayOutputStream();
            }
            if (event instanceof FcgiEvent.StdinEnd) {
                merged.add(new FcgiEvent.Stdin(event.requestId(), ByteBuffer.wrap(body.toByteArray())));
            }
            merged.add(event);
        }
        return merged;
    }

    static List<ScgiEvent> mergeBody(List<ScgiEvent> events) {
        List<ScgiEvent> merged = new ArrayList<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (ScgiEvent event : events) {
            if (event instanceof ScgiEvent.Body) {
                ByteBuffer data = ((ScgiEvent.Body) event).data().duplicate();
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                body.writeBytes(bytes);
                continue;
            }
            if (event instanceof ScgiEvent.End && body.size() > 0) {
                merged.add(new ScgiEvent.Body(ByteBuffer.wrap(body.toByteArray())));
            }
            merged.add(event);
        }
        return merged;
    }

    private static Stream<String> captures() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> files = Files.list(RAW)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".bin")).sorted().forEach(names::add);
        }
        assertTrue(names.size() >= 40, "the raw captures are missing: " + names);
        return names.stream();
    }

    private static Path resource(String name) {
        try {
            return Path.of(CapturedBytesTest.class.getResource(name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
