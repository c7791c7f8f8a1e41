package io.cgiwire.core;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_BEGIN_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_PARAMS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.fcgi.FcgiEncoder;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The smallest input of each decoder violation, as a web server could send it on a new connection: what this
 * module's unit tests assert against the decoders, for the adapters' tests to send through a real connection (this
 * module's test jar).
 */
public final class HostileInputs {
    private HostileInputs() {
    }

    /**
     * One hostile input, the violation it must end in, and whether the connection answers it (with the violation's
     * status) before closing: FastCGI can once a request has begun, SCGI always can.
     */
    public record Hostile(String what, Violation violation, boolean answered, byte[] bytes) {
        /**
         * Sends the input on {@code bad} and reads until the server closes: the violation's status and name if the
         * input is one the connection answers, else nothing.
         */
        public void assertRefusedOn(RawClient bad) throws IOException {
            bad.write(bytes);
            String reply = new String(bad.readUntilClosed(), StandardCharsets.ISO_8859_1);
            if (answered) {
                int status = violation.statusHint();
                assertTrue(reply.contains("Status: " + status + " ") && reply.contains(status + " " + violation.name()),
                        reply);
            } else {
                assertEquals("", reply);
            }
        }

        @Override
        public String toString() {
            return what;
        }
    }

    /** FastCGI inputs, each on a connection of its own. */
    public static List<Hostile> fastCgi() {
        byte[] version = RawClient.begin(1, FCGI_RESPONDER, 0);
        version[0] = 9;
        byte[] nullId = RawClient.begin(0, FCGI_RESPONDER, 0);
        ByteBuffer shortBegin = ByteBuffer.allocate(16);
        FcgiEncoder.putHeader(shortBegin, FCGI_BEGIN_REQUEST, 1, 7, 1);
        byte[] getValuesOnId1 = array(FcgiEncoder.getValues(List.of("FCGI_MPXS_CONNS")));
        getValuesOnId1[3] = 1;
        return List.of(
                new Hostile("record version 9", Violation.FCGI_BAD_VERSION, false, version),
                new Hostile("BEGIN_REQUEST of 7 bytes", Violation.FCGI_BAD_RECORD_LENGTH, false, shortBegin.array()),
                new Hostile("BEGIN_REQUEST on id 0", Violation.FCGI_APPLICATION_RECORD_ON_NULL_ID, false, nullId),
                new Hostile("GET_VALUES on id 1", Violation.FCGI_MANAGEMENT_RECORD_ON_REQUEST_ID, false, getValuesOnId1),
                new Hostile("STDOUT sent to the application", Violation.FCGI_UNEXPECTED_RECORD_TYPE, true,
                        concat(begin(), RawClient.stream(FCGI_STDOUT, 1, new byte[0]))),
                new Hostile("BEGIN_REQUEST twice for id 1", Violation.FCGI_DUPLICATE_REQUEST_ID, true,
                        concat(begin(), begin())),
                new Hostile("STDIN before the params ended", Violation.FCGI_STREAM_OUT_OF_ORDER, true,
                        concat(begin(), RawClient.stream(FCGI_STDIN, 1, new byte[] {'x'}))),
                new Hostile("params ending inside a pair", Violation.FCGI_PARAMS_TRUNCATED, true,
                        concat(begin(), RawClient.stream(FCGI_PARAMS, 1, new byte[] {4, 10, 'N', 'A', 'M', 'E'}))),
                new Hostile("a pair with an empty name", Violation.PARAM_NAME_EMPTY, true,
                        concat(begin(), RawClient.stream(FCGI_PARAMS, 1, new byte[] {0, 1, 'x'}))),
                new Hostile("a name of 1025 bytes", Violation.PARAM_NAME_TOO_LONG, true,
                        concat(begin(), RawClient.params(1, Map.of("N".repeat(1025), "v")))),
                new Hostile("513 pairs", Violation.TOO_MANY_PARAMS, true, concat(begin(), manyPairs(513))));
    }

    /** SCGI inputs, each on a connection of its own. */
    public static List<Hostile> scgi() {
        return List.of(
                new Hostile("a length that is no number", Violation.SCGI_BAD_NETSTRING_LENGTH, true, latin1("x:")),
                new Hostile("a length with a leading zero", Violation.SCGI_BAD_NETSTRING_LENGTH, true, latin1("01:")),
                new Hostile("headers of 65537 bytes", Violation.SCGI_HEADERS_TOO_LARGE, true, latin1("65537:")),
                new Hostile("no comma after the headers", Violation.SCGI_MISSING_COMMA, true,
                        netstring("CONTENT_LENGTH\0000\000SCGI\0001\000", ';')),
                new Hostile("headers not ending in NUL", Violation.SCGI_HEADERS_NOT_NUL_TERMINATED, true,
                        netstring("CONTENT_LENGTH\0000\000SCGI\0001", ',')),
                new Hostile("a name without a value", Violation.SCGI_ODD_STRING_COUNT, true,
                        netstring("CONTENT_LENGTH\0000\000SCGI\000", ',')),
                new Hostile("CONTENT_LENGTH not first", Violation.SCGI_MISSING_CONTENT_LENGTH, true,
                        netstring("SCGI\0001\000CONTENT_LENGTH\0000\000", ',')),
                new Hostile("no SCGI header", Violation.SCGI_MISSING_SCGI, true,
                        netstring("CONTENT_LENGTH\0000\000REQUEST_METHOD\000GET\000", ',')),
                new Hostile("SCGI version 2", Violation.SCGI_BAD_SCGI_VERSION, true,
                        netstring("CONTENT_LENGTH\0000\000SCGI\0002\000", ',')),
                new Hostile("CONTENT_LENGTH of -1", Violation.CGI_BAD_CONTENT_LENGTH, true,
                        netstring("CONTENT_LENGTH\000-1\000SCGI\0001\000", ',')));
    }

    private static byte[] begin() {
        return RawClient.begin(1, FCGI_RESPONDER, 0);
    }

    private static byte[] manyPairs(int count) {
        ByteArrayOutputStream pairs = new ByteArrayOutputStream();
        for (int i = 0; i < count; i++) {
            byte[] name = ("X" + i).getBytes(StandardCharsets.ISO_8859_1);
            pairs.write(name.length);
            pairs.write(1);
            pairs.writeBytes(name);
            pairs.write('v');
        }
        return RawClient.stream(FCGI_PARAMS, 1, pairs.toByteArray());
    }

    private static byte[] netstring(String block, char end) {
        return latin1(block.length() + ":" + block + end);
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] array(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }
}
