package io.cgiwire.core.cgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.DictionaryFile;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cgiwire.core.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Timeout;

/**
 * {@link CgiRequestMapper#map} on environments decoded from fuzz input: the bytes are an SCGI-style header block,
 * {@code NAME NUL VALUE NUL ...} read as ISO-8859-1 (a last name without its NUL gets an empty value; empty names
 * are dropped, as both decoders refuse them). The seeds are the environments nginx, httpd and lighttpd really sent;
 * the dictionary holds the variable names and values the mapper looks for. Properties: only
 * {@link ProtocolException} escapes; a request that maps holds what the class javadoc promises: a token method, a
 * target without control bytes, spaces or non-ASCII, a path starting with '/' (or "*"), a valid protocol, ports in
 * range, header names that are tokens with values free of control chars, none of the dropped headers, repeated ones
 * merged, and a host from a Host header that is a valid host.
 */
class CgiRequestMapperFuzzTest {
    static final int TIMEOUT_SECONDS = 10;
    private static final Set<String> DROPPED = Set.of("content-length", "transfer-encoding", "expect", "proxy",
            "connection", "keep-alive", "proxy-connection", "te", "upgrade");

    @Timeout(TIMEOUT_SECONDS)
    @DictionaryFile(resourcePath = "cgi.dict")
    @FuzzTest(maxDuration = "25s")
    void map(byte[] input) {
        CgiEnvironment env = environment(input);
        CgiRequest request;
        try {
            request = CgiRequestMapper.map(env);
        } catch (ProtocolException e) {
            assertNotNull(e.violation());
            return;
        }
        assertTrue(CgiRequestMapper.isToken(request.method()), "method " + request.method());
        String target = request.rawTarget();
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            assertTrue(c > 0x20 && c < 0x7F, "target char " + (int) c);
        }
        assertTrue(request.path().startsWith("/") || request.path().equals("*"), "path " + request.path());
        assertFalse(request.path().indexOf('?') >= 0, "a '?' in the path " + request.path());
        assertTrue(request.protocol().matches("HTTP/[0-9](\\.[0-9])?"), "protocol " + request.protocol());
        assertEquals(request.scheme().equals("https"), request.secure());
        assertTrue(request.scheme().equals("http") || request.scheme().equals("https"));
        assertTrue(request.serverPort() >= 0 && request.serverPort() <= 0xFFFF, "server port");
        assertTrue(request.localPort() >= -1 && request.localPort() <= 0xFFFF, "local port");
        assertTrue(request.remotePort() >= -1 && request.remotePort() <= 0xFFFF, "remote port");
        assertTrue(request.contentLength() >= -1, "content length");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < request.headerCount(); i++) {
            String name = request.headerName(i);
            assertTrue(CgiRequestMapper.isToken(name), "header name " + name);
            assertTrue(names.add(name.toLowerCase(Locale.ROOT)), "header " + name + " not merged");
            assertFalse(DROPPED.contains(name.toLowerCase(Locale.ROOT)), "header " + name + " must be dropped");
            assertFieldValue(request.headerValue(i));
        }
        if (request.contentType() != null) {
            assertFieldValue(request.contentType());
        }
        if (request.header("Host") != null || target.regionMatches(true, 0, "http", 0, 4)) {
            // The host came from the Host header or the absolute-form target, both checked.
            String host = request.serverName();
            assertEquals(host.length(), CgiRequestMapper.authorityHostEnd(host), "host " + host);
        }
    }

    /** The environment the bytes describe; see the class javadoc. */
    static CgiEnvironment environment(byte[] input) {
        String block = new String(input, StandardCharsets.ISO_8859_1);
        CgiEnvironment env = new CgiEnvironment();
        int at = 0;
        while (at < block.length()) {
            int nameEnd = block.indexOf('\0', at);
            if (nameEnd < 0) {
                nameEnd = block.length();
            }
            int valueEnd = nameEnd < block.length() ? block.indexOf('\0', nameEnd + 1) : -1;
            if (valueEnd < 0) {
                valueEnd = block.length();
            }
            String name = block.substring(at, nameEnd);
            String value = nameEnd < block.length() ? block.substring(nameEnd + 1, valueEnd) : "";
            if (!name.isEmpty()) {
                env.add(name, value);
            }
            at = valueEnd + 1;
        }
        return env;
    }

    private static void assertFieldValue(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            assertTrue((c >= 0x20 || c == '\t') && c != 0x7F && c <= 0xFF, "field value char " + (int) c);
        }
    }
}
