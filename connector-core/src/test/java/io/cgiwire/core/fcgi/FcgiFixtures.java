package io.cgiwire.core.fcgi;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.FcgiEvent.Data;
import io.cgiwire.core.fcgi.FcgiEvent.Stdin;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Exact FastCGI bytes for tests, written out by hand rather than by the encoder under test. */
final class FcgiFixtures {
    private FcgiFixtures() {
    }

    /** One record with {@code padding} bytes of 0xAA padding (padding content is arbitrary on the wire). */
    static byte[] record(int type, int requestId, byte[] content, int padding) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(1);
        out.write(type);
        out.write(requestId >> 8);
        out.write(requestId & 0xFF);
        out.write(content.length >> 8);
        out.write(content.length & 0xFF);
        out.write(padding);
        out.write(0);
        out.writeBytes(content);
        byte[] pad = new byte[padding];
        Arrays.fill(pad, (byte) 0xAA);
        out.writeBytes(pad);
        return out.toByteArray();
    }

    static byte[] record(int type, int requestId, byte[] content) {
        return record(type, requestId, content, 0);
    }

    /** One record padded to a multiple of 8 with zeros, as an application's records must be. */
    static byte[] zeroPadded(int type, int requestId, byte[] content) {
        byte[] header = record(type, requestId, content, 0);
        int padding = -content.length & 7;
        header[6] = (byte) padding;
        return Arrays.copyOf(header, header.length + padding);
    }

    /** FCGI_END_REQUEST with appStatus 0 and {@code protocolStatus}. */
    static byte[] endRequest(int requestId, int protocolStatus) {
        return record(Fcgi.FCGI_END_REQUEST, requestId, new byte[] {0, 0, 0, 0, (byte) protocolStatus, 0, 0, 0});
    }

    /** A whole response as an application writes it: STDOUT padded with zeros, its empty record, END_REQUEST. */
    static byte[] response(int requestId, String stdout) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        if (!stdout.isEmpty()) {
            out.writeBytes(zeroPadded(Fcgi.FCGI_STDOUT, requestId, latin1(stdout)));
        }
        out.writeBytes(empty(Fcgi.FCGI_STDOUT, requestId));
        out.writeBytes(endRequest(requestId, Fcgi.FCGI_REQUEST_COMPLETE));
        return out.toByteArray();
    }

    static byte[] empty(int type, int requestId) {
        return record(type, requestId, new byte[0], 0);
    }

    static byte[] begin(int requestId, int role, int flags) {
        return record(Fcgi.FCGI_BEGIN_REQUEST, requestId, new byte[] {(byte) (role >> 8), (byte) role, (byte) flags,
            0, 0, 0, 0, 0});
    }

    /** Name-value pairs with lengths in the short form when they fit, as nginx writes them. */
    static byte[] pairs(String... namesAndValues) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            byte[] name = latin1(namesAndValues[i]);
            byte[] value = latin1(namesAndValues[i + 1]);
            length(out, name.length);
            length(out, value.length);
            out.writeBytes(name);
            out.writeBytes(value);
        }
        return out.toByteArray();
    }

    static void length(ByteArrayOutputStream out, int length) {
        if (length < 128) {
            out.write(length);
        } else {
            out.write((length >>> 24) | 0x80);
            out.write(length >>> 16);
            out.write(length >>> 8);
            out.write(length);
        }
    }

    static byte[] latin1(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    static CgiEnvironment env(String... namesAndValues) {
        CgiEnvironment env = new CgiEnvironment();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            env.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return env;
    }

    /** Merges adjacent STDIN (or DATA) events of one request: how body bytes are sliced depends on the split. */
    static List<FcgiEvent> mergeData(List<FcgiEvent> events) {
        List<FcgiEvent> merged = new ArrayList<>();
        for (FcgiEvent event : events) {
            FcgiEvent last = merged.isEmpty() ? null : merged.get(merged.size() - 1);
            if (event instanceof Stdin && last instanceof Stdin && last.requestId() == event.requestId()) {
                merged.set(merged.size() - 1, new Stdin(event.requestId(),
                        join(((Stdin) last).data(), ((Stdin) event).data())));
            } else if (event instanceof Data && last instanceof Data && last.requestId() == event.requestId()) {
                merged.set(merged.size() - 1, new Data(event.requestId(),
                        join(((Data) last).data(), ((Data) event).data())));
            } else {
                merged.add(event);
            }
        }
        return merged;
    }

    private static ByteBuffer join(ByteBuffer a, ByteBuffer b) {
        ByteBuffer joined = ByteBuffer.allocate(a.remaining() + b.remaining());
        joined.put(a.duplicate()).put(b.duplicate());
        return joined.flip();
    }

    static ByteBuffer buffer(byte[] bytes) {
        return ByteBuffer.wrap(bytes);
    }
}
