package io.cgiwire.core.cgi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads the captured requests in {@code src/test/resources/captures/shared/} (see the README there). */
final class CgiCaptures {
    static final String DIRECTORY = "/captures/shared/";
    private static final String FCGI_SECTION = "-- params (wire order) --";
    private static final String SCGI_SECTION = "-- headers (wire order) --";

    private CgiCaptures() {
    }

    /** The variables of capture {@code file}, in wire order: one {@code NAME=value} a line after the section line. */
    static CgiEnvironment environment(String file) {
        String text = read(file);
        String section = text.contains(FCGI_SECTION) ? FCGI_SECTION : SCGI_SECTION;
        int at = text.indexOf(section);
        if (at < 0) {
            throw new IllegalArgumentException(file + " has no params or headers section");
        }
        CgiEnvironment env = new CgiEnvironment();
        for (String line : text.substring(at + section.length()).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw new IllegalArgumentException(file + ": not NAME=value: " + line);
            }
            env.add(line.substring(0, equals), line.substring(equals + 1));
        }
        return env;
    }

    private static String read(String file) {
        try (InputStream in = CgiCaptures.class.getResourceAsStream(DIRECTORY + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no capture " + DIRECTORY + file);
            }
            // ISO-8859-1, as the decoders read the wire: one char per byte.
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
