package io.cgiwire.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TargetTest {

    @Test
    void tcpUrls() throws CliException {
        assertEquals(new Target(false, "127.0.0.1", 9000, null, "/hello", null),
                Target.parse("fcgi://127.0.0.1:9000/hello"));
        assertEquals(new Target(true, "backend.internal", 4001, null, "/a/b%20c", "x=1&y=%2F"),
                Target.parse("scgi://backend.internal:4001/a/b%20c?x=1&y=%2F"));
        assertEquals(new Target(false, "::1", 9001, null, "/", ""), Target.parse("fcgi://[::1]:9001?"));
        assertEquals(new Target(false, "localhost", 9000, null, "/", null), Target.parse("FCGI://localhost"));
    }

    @Test
    void defaultPortsAreCgiwiresAndPhpFpms() throws CliException {
        assertEquals(9000, Target.parse("fcgi://127.0.0.1/").port());
        assertEquals(4000, Target.parse("scgi://127.0.0.1/").port());
    }

    @Test
    void unixSocketIsThePercentEncodedHost() throws CliException {
        Target t = Target.parse("fcgi+unix://%2Frun%2Fphp%2Fphp8.2-fpm.sock/status?full");
        assertEquals(Path.of("/run/php/php8.2-fpm.sock"), t.unixSocket());
        assertEquals("/status", t.rawPath());
        assertEquals("full", t.query());
        assertEquals("unix:/run/php/php8.2-fpm.sock", t.where());
        Target scgi = Target.parse("scgi+unix://%2ftmp%2Fa%20b.sock");
        assertTrue(scgi.scgi());
        assertEquals(Path.of("/tmp/a b.sock"), scgi.unixSocket());
        assertEquals("/", scgi.rawPath());
    }

    @Test
    void mistakesAreUsageErrorsThatSayWhatToWrite() {
        assertUsage("fcgi+unix:///run/x.sock/path", "%2Frun%2Fapp.sock");
        assertUsage("fcgi://127.0.0.1:0/", "1 to 65535");
        assertUsage("fcgi://127.0.0.1:65536/", "1 to 65535");
        assertUsage("fcgi://127.0.0.1:x/", "1 to 65535");
        assertUsage("fcgi://::1:9000/", "brackets");
        assertUsage("http://127.0.0.1/", "unknown scheme http");
        assertUsage("127.0.0.1:9000/hello", "not a URL");
        assertUsage("fcgi://127.0.0.1/a#frag", "fragment");
        assertUsage("fcgi://127.0.0.1/a b", "percent-encode");
        assertUsage("fcgi://:9000/", "no host");
        assertUsage("fcgi+unix://%2Ftmp%2/x", "incomplete percent escape");
        assertUsage("fcgi+unix://%2Ftmp%2Gx/", "bad percent escape %2G");
    }

    @Test
    void pathDecodingKeepsBytes() throws CliException {
        assertEquals("/caf\u00c3\u00a9 x", new String(Target.percentDecodeBytes("/caf%C3%A9%20x", "u"),
                java.nio.charset.StandardCharsets.ISO_8859_1));
        assertUsage("fcgi+unix://%2/", "incomplete percent escape");
    }

    private static void assertUsage(String url, String messagePart) {
        CliException e = assertThrows(CliException.class, () -> Target.parse(url));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }
}
