package io.cgiwire.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CliOptionsTest {

    @Test
    void getIsTheDefaultAndDataMakesAPost() throws CliException {
        assertEquals("GET", CliOptions.parse("fcgi://h/").method);
        assertEquals("GET", CliOptions.parse("get", "fcgi://h/").method);
        assertEquals("POST", CliOptions.parse("-d", "x", "fcgi://h/").method);
        assertEquals("POST", CliOptions.parse("post", "fcgi://h/").method);
        assertEquals("PUT", CliOptions.parse("-X", "PUT", "-d", "x", "fcgi://h/").method);
        assertEquals("DELETE", CliOptions.parse("post", "--request=DELETE", "fcgi://h/").method);
    }

    @Test
    void optionsInAnyOrder() throws CliException {
        CliOptions o = CliOptions.parse("fcgi://h/x", "-i", "--time", "-H", "Accept: text/plain", "--param",
                "A=1", "--param=B", "--timeout=1500ms", "--root", "/srv", "-v", "--probe", "-f");
        assertTrue(o.include && o.time && o.verbose && o.probe && o.fail);
        assertEquals(List.of(new CliOptions.Header("Accept", "text/plain")), o.headers);
        assertEquals(List.of(new CliOptions.Param("A", "1"), new CliOptions.Param("B", null)), o.params);
        assertEquals(Duration.ofMillis(1500), o.timeout);
        assertEquals("/srv", o.root);
        assertEquals("/x", o.target.rawPath());
    }

    @Test
    void defaults() throws CliException {
        CliOptions o = CliOptions.parse("fcgi://h/");
        assertFalse(o.include || o.time || o.verbose || o.probe || o.fail || o.values);
        assertEquals(Duration.ofSeconds(10), o.timeout);
        assertNull(o.data);
        assertNull(o.root);
    }

    @Test
    void values() throws CliException {
        assertTrue(CliOptions.parse("--values", "fcgi://h").values);
        assertTrue(CliOptions.parse("values", "fcgi://h").values);
        assertUsage("SCGI has nothing like it", "--values", "scgi://h");
        assertUsage("sends no request", "--values", "-d", "x", "fcgi://h");
    }

    @Test
    void durations() throws CliException {
        assertEquals(Duration.ofMillis(500), CliOptions.duration("500ms"));
        assertEquals(Duration.ofSeconds(2), CliOptions.duration("2s"));
        assertEquals(Duration.ofSeconds(3), CliOptions.duration("3"));
        assertEquals(Duration.ofMillis(1500), CliOptions.duration("1.5s"));
        assertEquals(Duration.ofMinutes(1), CliOptions.duration("1m"));
        for (String bad : new String[] {"0", "-1s", "abc", "", "0.1ms", "1e3", "NaN", "Infinity", "25h", "+1"}) {
            assertThrows(CliException.class, () -> CliOptions.duration(bad), bad);
        }
    }

    @Test
    void usageErrors() {
        assertUsage("no URL", "-i");
        assertUsage("unknown option --nope", "--nope", "fcgi://h/");
        assertUsage("needs a value", "fcgi://h/", "-H");
        assertUsage("one URL per command", "fcgi://h/", "fcgi://g/");
        assertUsage("unknown command fetch", "fetch", "fcgi://h/");
        assertUsage("expected 'Name: value'", "-H", "NoColon", "fcgi://h/");
        assertUsage("is not a header name", "-H", "Bad Name: x", "fcgi://h/");
        assertUsage("--param CONTENT_LENGTH", "-H", "Content-Length: 3", "fcgi://h/");
        assertUsage("expected NAME=VALUE", "--param", "=x", "fcgi://h/");
        assertUsage("HTTP token", "-X", "GE T", "fcgi://h/");
        assertUsage("-d given twice", "-d", "a", "-d", "b", "fcgi://h/");
        assertUsage("takes no value", "--probe=yes", "fcgi://h/");
    }

    @Test
    void helpNeedsNoUrl() throws CliException {
        assertTrue(CliOptions.parse("--help").help);
        assertTrue(CliOptions.parse("-h", "nonsense://").help);
    }

    private static void assertUsage(String messagePart, String... args) {
        CliException e = assertThrows(CliException.class, () -> CliOptions.parse(args));
        assertEquals(ExitCode.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }
}
