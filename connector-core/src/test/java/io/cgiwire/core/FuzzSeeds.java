package io.cgiwire.core;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.FcgiDecoder;
import io.cgiwire.core.fcgi.FcgiEvent;
import io.cgiwire.core.scgi.ScgiDecoder;
import io.cgiwire.core.scgi.ScgiEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes the seed corpus of the fuzz tests: the raw captures (all but the 20 KB and 100 KB bodies, which add bytes,
 * not paths) and small hand-made edge cases, in Jazzer's layout
 * ({@code src/test/resources/<package>/<Class>Inputs/<method>/}). Files it did not write (inputs Jazzer found and
 * someone kept) are left alone; seeds are named {@code seed-*}. Run from connector-core after test-compile:
 * <pre>
 * java -cp target/classes:target/test-classes io.cgiwire.core.FuzzSeeds
 * </pre>
 */
public final class FuzzSeeds {
    private static final Path RESOURCES = Path.of("src/test/resources");
    private static final Path RAW = RESOURCES.resolve("captures/raw");
    private static final int MAX_CAPTURE_BYTES = 4096;

    // The FcgiDecoderFuzzTest policy bits, spelled out here so the seeds do not depend on that class.
    private static final int REFUSE_SECOND = 1;
    private static final int REFUSE_ROLES = 1 << 1;
    private static final int END_AT_PARAMS = 1 << 2;
    private static final int END_LATER = 1 << 3;
    private static final int END_BETWEEN_READS = 1 << 4;
    private static final int END_AT_ABORT = 1 << 5;

    private FuzzSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path fcgi = inputs("io/cgiwire/core/fcgi/FcgiDecoderFuzzTest", "decode");
        Path codec = inputs("io/cgiwire/core/fcgi/NameValueCodecFuzzTest", "decode");
        Path scgi = inputs("io/cgiwire/core/scgi/ScgiDecoderFuzzTest", "decode");
        Path mapper = inputs("io/cgiwire/core/cgi/CgiRequestMapperFuzzTest", "map");
        Path allowlist = inputs("io/cgiwire/core/PeerAllowlistFuzzTest", "parseAndCheck");
        // The session fuzz tests read the decoders' layout: they start from the same seeds, plus their own.
        Path fcgiSession = inputs("io/cgiwire/core/fcgi/FcgiSessionFuzzTest", "serve");
        Path scgiSession = inputs("io/cgiwire/core/scgi/ScgiSessionFuzzTest", "serve");

        for (Path capture : captures()) {
            String name = capture.getFileName().toString().replace(".bin", "");
            byte[] bytes = Files.readAllBytes(capture);
            if (name.contains("_scgi-")) {
                for (Path dir : List.of(scgi, scgiSession)) {
                    write(dir, name, Fuzzing.input(0, new int[0], bytes));
                    write(dir, name + "-split", Fuzzing.input(0, new int[] {3, 1, 17, 64, 0}, bytes));
                }
                CgiEnvironment env = scgiHeaders(bytes);
                if (env != null) {
                    write(mapper, name, nulBlock(env));
                }
            } else {
                for (Path dir : List.of(fcgi, fcgiSession)) {
                    write(dir, name, Fuzzing.input(0, new int[0], bytes));
                    write(dir, name + "-late-split", Fuzzing.input(REFUSE_SECOND | REFUSE_ROLES | END_LATER
                            | END_AT_ABORT, new int[] {5, 3, 1, 200, 7}, bytes));
                }
                byte[] params = fcgiParamsContent(bytes);
                write(codec, name, Fuzzing.input(0, new int[0], params));
                write(codec, name + "-split", Fuzzing.input(0, new int[] {1, 2, 3, 5, 8, 13}, params));
            }
        }
        fcgiEdgeCases(fcgi);
        fcgiEdgeCases(fcgiSession);
        fcgiSessionEdgeCases(fcgiSession);
        codecEdgeCases(codec);
        scgiEdgeCases(scgi);
        scgiEdgeCases(scgiSession);
        scgiSessionEdgeCases(scgiSession);
        mapperEdgeCases(mapper);
        allowlistEdgeCases(allowlist);
    }

    private static void fcgiEdgeCases(Path dir) throws IOException {
        byte[] get = pairs("REQUEST_METHOD", "GET", "REQUEST_URI", "/", "HTTP_HOST", "example");
        byte[] request1 = cat(begin(1, 1, 1), record(4, 1, get, 0), record(4, 1, new byte[0], 0),
                record(5, 1, bytes("a=1"), 5), record(5, 1, new byte[0], 0));
        write(dir, "seed-multiplexed", Fuzzing.input(0, new int[0], cat(begin(1, 1, 1), begin(2, 1, 1),
                record(4, 2, get, 3), record(4, 1, get, 0), record(4, 1, new byte[0], 0), record(4, 2, new byte[0], 2),
                record(5, 2, bytes("two"), 0), record(5, 1, bytes("one"), 1), record(5, 1, new byte[0], 0),
                record(5, 2, new byte[0], 0))));
        write(dir, "seed-multiplexed-refused", Fuzzing.input(REFUSE_SECOND | END_BETWEEN_READS, new int[] {9, 24},
                cat(begin(1, 1, 1), record(4, 1, get, 0), record(4, 1, new byte[0], 0), begin(2, 1, 1),
                        record(4, 2, get, 0), record(5, 1, bytes("body"), 0), record(4, 2, new byte[0], 0),
                        record(5, 1, new byte[0], 0))));
        write(dir, "seed-keepalive-same-id", Fuzzing.input(0, new int[0], cat(request1, request1)));
        write(dir, "seed-end-at-params", Fuzzing.input(END_AT_PARAMS, new int[] {30}, cat(request1, request1)));
        write(dir, "seed-get-values", Fuzzing.input(0, new int[0], cat(record(9, 0, pairs("FCGI_MAX_CONNS", "",
                "FCGI_MAX_REQS", "", "FCGI_MPXS_CONNS", ""), 6), record(9, 0, new byte[0], 0))));
        write(dir, "seed-unknown-types", Fuzzing.input(0, new int[0], cat(record(12, 0, bytes("x"), 0),
                begin(1, 1, 0), record(200, 1, bytes("yz"), 6), record(0, 0, new byte[0], 0),
                record(12, 9, bytes("skipped"), 0))));
        write(dir, "seed-abort", Fuzzing.input(END_AT_ABORT, new int[0], cat(begin(1, 1, 1), record(4, 1, get, 0),
                record(2, 1, new byte[0], 7), record(4, 1, new byte[0], 0))));
        write(dir, "seed-filter-role", Fuzzing.input(REFUSE_ROLES, new int[0], cat(begin(1, 3, 0), begin(2, 3, 0),
                record(4, 2, get, 0), record(4, 2, new byte[0], 0), record(5, 2, new byte[0], 0),
                record(8, 2, bytes("file"), 4), record(8, 2, new byte[0], 0))));
        write(dir, "seed-pairs-long-form-across-records", Fuzzing.input(0, new int[] {2, 1}, cat(begin(1, 1, 0),
                record(4, 1, bytes("\u0080\u0000\u0000\u000e\u0003REQUEST_"), 0),
                record(4, 1, bytes("METHODGET"), 0), record(4, 1, new byte[0], 0))));
        write(dir, "seed-params-over-limit", Fuzzing.input(0, new int[0], cat(begin(1, 1, 0),
                record(4, 1, pairs("HTTP_X", "v".repeat(1000), "HTTP_Y", "v".repeat(1000), "HTTP_Z",
                        "v".repeat(1000), "HTTP_W", "v".repeat(1000)), 0),
                record(4, 1, pairs("HTTP_V", "v".repeat(200)), 0))));
        write(dir, "seed-bad-version", Fuzzing.input(0, new int[0], bytes("\u0002\u0001\u0000\u0001\u0000\u0000\u0000\u0000")));
        write(dir, "seed-stdout-from-server", Fuzzing.input(0, new int[0], record(6, 1, bytes("x"), 0)));
        write(dir, "seed-cut-in-padding", Fuzzing.input(0, new int[] {1}, cat(begin(1, 1, 0),
                record(4, 1, get, 0), record(4, 1, new byte[0], 200))));
    }

    /** What only a session does: holding a pipelined request, abort, refusals, STDIN against CONTENT_LENGTH. */
    private static void fcgiSessionEdgeCases(Path dir) throws IOException {
        // The GatewaySessionFuzzing policy bits, spelled out for the same reason as the decoder's above.
        int respondAtRequest = 1;
        int refuseAtRequest = 1 << 1;
        int failAtAbort = 1 << 2;
        int completeBetweenReads = 1 << 3;
        int useEnd = 1 << 4;
        int stderr = 1 << 5;
        int hold = 1 << 6;
        byte[] get = pairs("REQUEST_METHOD", "GET", "REQUEST_URI", "/", "HTTP_HOST", "example");
        byte[] post = pairs("REQUEST_METHOD", "POST", "REQUEST_URI", "/p", "CONTENT_LENGTH", "3");
        byte[] kept = cat(begin(1, 1, 1), record(4, 1, get, 0), record(4, 1, new byte[0], 0),
                record(5, 1, new byte[0], 0));
        byte[] posted = cat(begin(1, 1, 1), record(4, 1, post, 5), record(4, 1, new byte[0], 0),
                record(5, 1, bytes("abc"), 5), record(5, 1, new byte[0], 0));
        write(dir, "seed-session-pipelined-held", Fuzzing.input(respondAtRequest, new int[0], cat(kept, posted)));
        write(dir, "seed-session-held-stays", Fuzzing.input(respondAtRequest | hold, new int[] {40}, cat(kept, kept)));
        write(dir, "seed-session-abort-in-flight", Fuzzing.input(failAtAbort, new int[0], cat(begin(1, 1, 1),
                record(4, 1, post, 5), record(4, 1, new byte[0], 0), record(2, 1, new byte[0], 0), kept)));
        write(dir, "seed-session-abort-then-end", Fuzzing.input(useEnd, new int[] {7}, cat(begin(1, 1, 1),
                record(4, 1, post, 5), record(4, 1, new byte[0], 0), record(2, 1, new byte[0], 0),
                record(5, 1, bytes("abc"), 5), record(5, 1, new byte[0], 0))));
        write(dir, "seed-session-abort-begun", Fuzzing.input(0, new int[0], cat(begin(1, 1, 1), record(4, 1, get, 0),
                record(2, 1, new byte[0], 0), kept)));
        write(dir, "seed-session-stdin-longer", Fuzzing.input(stderr, new int[] {3}, cat(begin(1, 1, 0),
                record(4, 1, post, 5), record(4, 1, new byte[0], 0), record(5, 1, bytes("abcd"), 4))));
        write(dir, "seed-session-stdin-shorter", Fuzzing.input(stderr, new int[0], cat(begin(1, 1, 0),
                record(4, 1, post, 5), record(4, 1, new byte[0], 0), record(5, 1, bytes("ab"), 6),
                record(5, 1, new byte[0], 0))));
        write(dir, "seed-session-refused", Fuzzing.input(refuseAtRequest, new int[0], cat(kept, kept)));
        write(dir, "seed-session-bad-host", Fuzzing.input(0, new int[0], cat(begin(1, 1, 1),
                record(4, 1, pairs("REQUEST_METHOD", "GET", "REQUEST_URI", "/", "HTTP_HOST", "bad host"), 0),
                record(4, 1, new byte[0], 0), record(5, 1, new byte[0], 0), kept)));
        write(dir, "seed-session-between-reads", Fuzzing.input(completeBetweenReads, new int[] {20},
                cat(posted, kept)));
        write(dir, "seed-session-second-id", Fuzzing.input(0, new int[0], cat(begin(1, 1, 1), record(4, 1, post, 5),
                record(4, 1, new byte[0], 0), begin(2, 1, 1), record(5, 1, bytes("abc"), 5),
                record(5, 1, new byte[0], 0))));
    }

    private static void scgiSessionEdgeCases(Path dir) throws IOException {
        write(dir, "seed-session-answer-early", Fuzzing.input(1, new int[] {5}, netstring(
                "CONTENT_LENGTH\u00005\u0000SCGI\u00001\u0000REQUEST_METHOD\u0000POST\u0000REQUEST_URI\u0000/\u0000",
                "hello")));
        write(dir, "seed-session-bad-host", Fuzzing.input(0, new int[0], netstring(
                "CONTENT_LENGTH\u00002\u0000SCGI\u00001\u0000REQUEST_METHOD\u0000GET\u0000REQUEST_URI\u0000/\u0000"
                        + "HTTP_HOST\u0000bad host\u0000", "ab")));
    }

    private static void codecEdgeCases(Path dir) throws IOException {
        write(dir, "seed-all-length-forms", Fuzzing.input(0, new int[] {3}, cat(pairs("A", ""),
                bytes("\u0080\u0000\u0000\u0001\u0080\u0000\u0000\u0001BC"), bytes("\u0001\u0080\u0000\u0000\u0000D"),
                pairs("N".repeat(127), "v".repeat(128)))));
        write(dir, "seed-max-length", Fuzzing.input(0, new int[0], bytes("\u0001\u00ff\u00ff\u00ff\u00ffN")));
        write(dir, "seed-empty-name", Fuzzing.input(0, new int[0], bytes("\u0000\u0001v")));
    }

    private static void scgiEdgeCases(Path dir) throws IOException {
        write(dir, "seed-minimal", Fuzzing.input(0, new int[0], netstring("CONTENT_LENGTH\u00000\u0000SCGI\u00001\u0000", "")));
        write(dir, "seed-body-split", Fuzzing.input(0, new int[] {1, 2, 30}, netstring(
                "CONTENT_LENGTH\u00005\u0000SCGI\u00001\u0000REQUEST_METHOD\u0000POST\u0000", "hello")));
        write(dir, "seed-data-after-end", Fuzzing.input(0, new int[0], netstring(
                "CONTENT_LENGTH\u00001\u0000SCGI\u00001\u0000", "xy")));
        write(dir, "seed-leading-zero", Fuzzing.input(0, new int[0], bytes("012:")));
        write(dir, "seed-too-large", Fuzzing.input(0, new int[0], bytes("99999:")));
        write(dir, "seed-no-comma", Fuzzing.input(0, new int[0], bytes("3:a\u0000\u0000;")));
        write(dir, "seed-duplicate-content-length", Fuzzing.input(0, new int[0], netstring(
                "CONTENT_LENGTH\u00001\u0000SCGI\u00001\u0000CONTENT_LENGTH\u00002\u0000", "x")));
    }

    private static void mapperEdgeCases(Path dir) throws IOException {
        write(dir, "seed-script-name-path-info", bytes("REQUEST_METHOD\u0000GET\u0000SCRIPT_NAME\u0000/a b\u0000"
                + "PATH_INFO\u0000/%?#\u0000QUERY_STRING\u0000x=1\u0000SERVER_NAME\u0000_\u0000SERVER_ADDR\u0000::1\u0000"
                + "SERVER_PORT\u00008080\u0000"));
        write(dir, "seed-absolute-form", bytes("REQUEST_METHOD\u0000GET\u0000REQUEST_URI\u0000https://h:1/p?q\u0000"
                + "HTTP_HOST\u0000other\u0000HTTPS\u0000on\u0000"));
        write(dir, "seed-asterisk", bytes("REQUEST_METHOD\u0000OPTIONS\u0000REQUEST_URI\u0000*\u0000"
                + "SERVER_PROTOCOL\u0000HTTP/2\u0000"));
        write(dir, "seed-repeated-headers", bytes("REQUEST_METHOD\u0000GET\u0000REQUEST_URI\u0000/\u0000"
                + "HTTP_COOKIE\u0000a=1\u0000HTTP_COOKIE\u0000b=2\u0000HTTP_X_A\u00001\u0000HTTP_x_a\u00002\u0000"
                + "HTTP_PROXY\u0000evil\u0000CONTENT_LENGTH\u00003\u0000CONTENT_LENGTH\u00003\u0000"
                + "HTTP_HOST\u0000[::1]:8080\u0000"));
    }

    private static void allowlistEdgeCases(Path dir) throws IOException {
        byte[] peers = {0, 127, 0, 0, 1, 0, 10, 1, 2, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        write(dir, "seed-mixed", cat(bytes("127.0.0.1, 10.0.0.0/8 ::1\u0000"), peers));
        write(dir, "seed-fcgi-web-server-addrs", cat(bytes("192.168.1.1,192.168.1.2\u0000"), peers));
        write(dir, "seed-prefixes", cat(bytes("0.0.0.0/0 ::/0 fe80::/10 ::ffff:127.0.0.1/128 10.1.2.3/31\u0000"),
                peers));
        write(dir, "seed-bad-prefix", cat(bytes("10.0.0.0/33\u0000"), peers));
    }

    /** The content of every PARAMS record of the first request, concatenated: the pairs as one stream. */
    private static byte[] fcgiParamsContent(byte[] capture) throws IOException {
        FcgiDecoder decoder = new FcgiDecoder(new GatewayLimits());
        ByteBuffer in = ByteBuffer.wrap(capture);
        for (FcgiEvent event; (event = decoder.decode(in)) != null; ) {
            if (event instanceof FcgiEvent.Params params) {
                return io.cgiwire.core.fcgi.NameValueCodec.encode(params.params());
            }
        }
        throw new IOException("no params");
    }

    private static CgiEnvironment scgiHeaders(byte[] capture) throws IOException {
        if (capture.length == 0) {
            return null;
        }
        ScgiEvent event = new ScgiDecoder(new GatewayLimits()).decode(ByteBuffer.wrap(capture));
        return ((ScgiEvent.Headers) event).environment();
    }

    private static byte[] nulBlock(CgiEnvironment env) {
        StringBuilder block = new StringBuilder();
        for (int i = 0; i < env.size(); i++) {
            block.append(env.name(i)).append('\0').append(env.value(i)).append('\0');
        }
        return bytes(block.toString());
    }

    private static List<Path> captures() throws IOException {
        List<Path> captures = new ArrayList<>();
        try (Stream<Path> files = Files.list(RAW)) {
            files.filter(p -> p.toString().endsWith(".bin")).sorted().forEach(captures::add);
        }
        captures.removeIf(p -> {
            try {
                return Files.size(p) > MAX_CAPTURE_BYTES;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        return captures;
    }

    private static Path inputs(String testClass, String method) throws IOException {
        Path dir = RESOURCES.resolve(testClass + "Inputs").resolve(method);
        Files.createDirectories(dir);
        return dir;
    }

    private static void write(Path dir, String name, byte[] bytes) throws IOException {
        Files.write(dir.resolve(name.startsWith("seed-") ? name : "seed-" + name), bytes);
    }

    static byte[] record(int type, int id, byte[] content, int padding) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {1, (byte) type, (byte) (id >> 8), (byte) id, (byte) (content.length >> 8),
            (byte) content.length, (byte) padding, 0});
        out.writeBytes(content);
        out.writeBytes(new byte[padding]);
        return out.toByteArray();
    }

    static byte[] begin(int id, int role, int flags) {
        return record(1, id, new byte[] {0, (byte) role, (byte) flags, 0, 0, 0, 0, 0}, 0);
    }

    static byte[] pairs(String... namesAndValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            for (int j = 0; j < 2; j++) {
                int length = namesAndValues[i + j].length();
                if (length < 128) {
                    out.write(length);
                } else {
                    out.writeBytes(new byte[] {(byte) (0x80 | length >> 24), (byte) (length >> 16),
                        (byte) (length >> 8), (byte) length});
                }
            }
            out.writeBytes(bytes(namesAndValues[i] + namesAndValues[i + 1]));
        }
        return out.toByteArray();
    }

    static byte[] netstring(String headers, String body) {
        return bytes(headers.length() + ":" + headers + "," + body);
    }

    static byte[] bytes(String latin1) {
        return latin1.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
