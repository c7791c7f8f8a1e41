package io.cgiwire.core.cgi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the captured requests in {@code src/test/resources/captures/shared/}, and the listings beside the raw bytes
 * in {@code captures/raw/} (see the README in each).
 */
final class CgiCaptures {
    static final String DIRECTORY = "/captures/shared/";
    static final String RAW_DIRECTORY = "/captures/raw/";
    private static final String FCGI_SECTION = "-- params (wire order) --";
    private static final String SCGI_SECTION = "-- headers (wire order) --";

    private CgiCaptures() {
    }

    /** The variables of capture {@code file}, in wire order: one {@code NAME=value} a line after the section line. */
    static CgiEnvironment environment(String file) {
        return environment(DIRECTORY, file);
    }

    /** As {@link #environment(String)}, for a file of {@code directory}. */
    static CgiEnvironment environment(String directory, String file) {
        String text = read(directory, file);
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

    private static String read(String directory, String file) {
        try (InputStream in = CgiCaptures.class.getResourceAsStream(directory + file)) {
            if (in == null) {
                throw new IllegalArgumentException("no capture " + directory + file);
            }
            // ISO-8859-1, as the decoders read the wire: one char per byte.
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
