package io.cgiwire.cli;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_OVERLOADED;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDERR;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.FcgiEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FcgiResponseDecoderTest {

    /** Everything the listener saw, as text. */
    static final class Recorder implements FcgiResponseDecoder.Listener {
        final StringBuilder stdout = new StringBuilder();
        final StringBuilder stderr = new StringBuilder();
        final List<String> events = new ArrayList<>();

        @Override
        public void stdout(ByteBuffer data) {
            stdout.append(StandardCharsets.ISO_8859_1.decode(data));
        }

        @Override
        public void stderr(ByteBuffer data) {
            stderr.append(StandardCharsets.ISO_8859_1.decode(data));
        }

        @Override
        public void endRequest(long appStatus, int protocolStatus) {
            events.add("end " + appStatus + " " + protocolStatus);
        }

        @Override
        public void values(CgiEnvironment values) {
            events.add("values " + values.toMap());
        }
    }

    static byte[] response(int requestId, String stdout, String stderr, long appStatus, int protocolStatus) {
        ByteBuffer out = ByteBuffer.allocate(1 << 20);
        FcgiEncoder.putStream(out, FCGI_STDERR, requestId, ascii(stderr));
        FcgiEncoder.putStream(out, FCGI_STDOUT, requestId, ascii(stdout));
        FcgiEncoder.putStreamEnd(out, FCGI_STDOUT, requestId);
        FcgiEncoder.putEndRequest(out, requestId, (int) appStatus, protocolStatus);
        return bytes(out.flip());
    }

    @Test
    void sameEventsWholeOrByteByByte() throws CliException {
        String body = "Status: 200 OK\r\n\r\n" + "x".repeat(70_000);
        byte[] wire = response(1, body, "warning\n", 0xFFFFFFFFL, 0);
        for (int step : new int[] {wire.length, 1, 7, 8, 9, 4096}) {
            Recorder r = new Recorder();
            FcgiResponseDecoder d = new FcgiResponseDecoder(1, r);
            for (int i = 0; i < wire.length; i += step) {
                assertFalse(d.finished());
                d.decode(ByteBuffer.wrap(wire, i, Math.min(step, wire.length - i)));
            }
            assertTrue(d.finished(), "step " + step);
            assertEquals(body, r.stdout.toString());
            assertEquals("warning\n", r.stderr.toString());
            assertEquals(List.of("end 4294967295 0"), r.events);
            d.endOfInput("FCGI_END_REQUEST");
        }
    }

    @Test
    void refusalIsReportedWithItsProtocolStatus() throws CliException {
        Recorder r = new Recorder();
        FcgiResponseDecoder d = new FcgiResponseDecoder(1, r);
        d.decode(FcgiEncoder.endRequest(1, 0, FCGI_OVERLOADED));
        assertEquals(List.of("end 0 2"), r.events);
    }

    @Test
    void getValuesResult() throws CliException {
        Recorder r = new Recorder();
        FcgiResponseDecoder d = new FcgiResponseDecoder(-1, r);
        d.decode(FcgiEncoder.getValuesResult(Map.of("FCGI_MPXS_CONNS", "0")));
        assertTrue(d.finished());
        assertEquals(List.of("values {FCGI_MPXS_CONNS=0}"), r.events);
    }

    @Test
    void violations() {
        assertViolation("Status: 200\r\n\r\n".getBytes(StandardCharsets.US_ASCII), "is this an SCGI or HTTP port?");
        assertViolation(response(2, "x", "", 0, 0), "on request 2, but the request sent was 1");
        assertViolation(bytes(FcgiEncoder.unknownType(9)), "FCGI_UNKNOWN_TYPE to FCGI_GET_VALUES");
        ByteBuffer begin = ByteBuffer.allocate(16);
        FcgiEncoder.putBeginRequest(begin, 1, 1, 0);
        assertViolation(bytes(begin.flip()), "FCGI_BEGIN_REQUEST on request 1: an application never sends it");
        ByteBuffer shortEnd = ByteBuffer.allocate(12);
        FcgiEncoder.putHeader(shortEnd, 3, 1, 4, 0);
        assertViolation(bytes(shortEnd.putInt(0).flip()), "FCGI_END_REQUEST with 4 content bytes");
        ByteBuffer afterEnd = ByteBuffer.allocate(64);
        FcgiEncoder.putStreamEnd(afterEnd, FCGI_STDOUT, 1);
        FcgiEncoder.putStream(afterEnd, FCGI_STDOUT, 1, ascii("late"));
        assertViolation(bytes(afterEnd.flip()), "after the empty record");
    }

    @Test
    void closingBeforeTheEndIsAProtocolError() throws CliException {
        byte[] wire = response(1, "Status: 200 OK\r\n\r\nhello", "", 0, 0);
        for (int cut : new int[] {0, 3, 8, 20, wire.length - 16, wire.length - 1}) {
            FcgiResponseDecoder d = new FcgiResponseDecoder(1, new Recorder());
            d.decode(ByteBuffer.wrap(wire, 0, cut));
            CliException e = assertThrows(CliException.class, () -> d.endOfInput("FCGI_END_REQUEST"));
            assertEquals(ExitCode.PROTOCOL_ERROR, e.exitCode());
            assertTrue(e.getMessage().contains("before FCGI_END_REQUEST"), e.getMessage());
        }
    }

    private static void assertViolation(byte[] wire, String messagePart) {
        CliException e = assertThrows(CliException.class,
                () -> new FcgiResponseDecoder(1, new Recorder()).decode(ByteBuffer.wrap(wire)));
        assertEquals(ExitCode.PROTOCOL_ERROR, e.exitCode());
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }
}
