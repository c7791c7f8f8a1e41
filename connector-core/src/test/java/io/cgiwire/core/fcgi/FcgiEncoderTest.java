package io.cgiwire.core.fcgi;

import static io.cgiwire.core.DecoderAssertions.assertDecodes;
import static io.cgiwire.core.DecoderAssertions.concat;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_CANT_MPX_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_PARAMS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDERR;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.FcgiFixtures.env;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.FcgiEvent.BeginRequest;
import io.cgiwire.core.fcgi.FcgiEvent.GetValues;
import io.cgiwire.core.fcgi.FcgiEvent.Params;
import io.cgiwire.core.fcgi.FcgiEvent.Stdin;
import io.cgiwire.core.fcgi.FcgiEvent.StdinEnd;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FcgiEncoderTest {
    private static byte[] bytes(ByteBuffer out) {
        return Arrays.copyOf(out.array(), out.position());
    }

    /** The bytes between a flipped buffer's position and limit. */
    private static byte[] remaining(ByteBuffer out) {
        return Arrays.copyOfRange(out.array(), out.position(), out.limit());
    }

    private static byte[] pattern(int length) {
        byte[] body = new byte[length];
        for (int i = 0; i < length; i++) {
            body[i] = (byte) (i % 251);
        }
        return body;
    }

    /** 66000 bytes go out as 65535 (padding 1) + 465 (padding 7), each record exactly laid out. */
    @Test
    void stdoutOf66000BytesSplitsAt65535() {
        byte[] body = pattern(66000);
        ByteBuffer out = ByteBuffer.allocate((int) FcgiEncoder.streamLength(body.length));
        FcgiEncoder.putStream(out, FCGI_STDOUT, 1, ByteBuffer.wrap(body));
        byte[] expected = concat(
                new byte[] {1, 6, 0, 1, (byte) 0xFF, (byte) 0xFF, 1, 0}, Arrays.copyOfRange(body, 0, 65535), new byte[1],
                new byte[] {1, 6, 0, 1, 0x01, (byte) 0xD1, 7, 0}, Arrays.copyOfRange(body, 65535, 66000), new byte[7]);
        assertEquals(8 + 65535 + 1 + 8 + 465 + 7, expected.length);
        assertArrayEquals(expected, bytes(out));
        assertEquals(expected.length, FcgiEncoder.streamLength(66000));
    }

    @Test
    void stderrAndTheEmptyRecordThatEndsAStream() {
        ByteBuffer out = ByteBuffer.allocate(64);
        FcgiEncoder.putStream(out, FCGI_STDERR, 258, ByteBuffer.wrap(new byte[] {'o', 'o', 'p', 's'}));
        FcgiEncoder.putStreamEnd(out, FCGI_STDOUT, 258);
        assertArrayEquals(new byte[] {1, 7, 1, 2, 0, 4, 4, 0, 'o', 'o', 'p', 's', 0, 0, 0, 0, 1, 6, 1, 2, 0, 0, 0, 0},
                bytes(out));
    }

    @Test
    void emptyContentWritesNoRecord() {
        ByteBuffer out = ByteBuffer.allocate(8);
        FcgiEncoder.putStream(out, FCGI_STDOUT, 1, ByteBuffer.allocate(0));
        assertEquals(0, out.position());
        assertEquals(0, FcgiEncoder.frameStream(FCGI_STDOUT, 1, ByteBuffer.allocate(0)).length);
        assertEquals(0, FcgiEncoder.streamLength(0));
    }

    @Test
    void endRequest() {
        ByteBuffer out = ByteBuffer.allocate(16);
        FcgiEncoder.putEndRequest(out, 1, 0x01020304, FCGI_CANT_MPX_CONN);
        assertArrayEquals(new byte[] {1, 3, 0, 1, 0, 8, 0, 0, 1, 2, 3, 4, 1, 0, 0, 0}, bytes(out));
    }

    @Test
    void unknownType() {
        ByteBuffer out = ByteBuffer.allocate(16);
        FcgiEncoder.putUnknownType(out, 42);
        assertArrayEquals(new byte[] {1, 11, 0, 0, 0, 8, 0, 0, 42, 0, 0, 0, 0, 0, 0, 0}, bytes(out));
    }

    @Test
    void getValuesResult() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put(Fcgi.FCGI_MPXS_CONNS, "0");
        ByteBuffer out = FcgiEncoder.getValuesResult(values);
        byte[] content = concat(new byte[] {15, 1}, FcgiFixtures.latin1("FCGI_MPXS_CONNS0"));
        assertArrayEquals(concat(new byte[] {1, 10, 0, 0, 0, 18, 6, 0}, content, new byte[6]),
                Arrays.copyOfRange(out.array(), out.position(), out.limit()));
    }

    /** The one GET_VALUES rule both containers answer with: no multiplexing, limits only when known. */
    @Test
    void getValuesAnsweredForOneRequestPerConnection() {
        List<String> names = List.of(Fcgi.FCGI_MAX_CONNS, "FCGI_UNHEARD_OF", Fcgi.FCGI_MAX_REQS, Fcgi.FCGI_MPXS_CONNS);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put(Fcgi.FCGI_MAX_CONNS, "10");
        expected.put(Fcgi.FCGI_MAX_REQS, "200");
        expected.put(Fcgi.FCGI_MPXS_CONNS, "0");
        assertArrayEquals(remaining(FcgiEncoder.getValuesResult(expected)),
                remaining(FcgiEncoder.getValuesResult(names, 10, 200)));

        Map<String, String> unknownLimits = Map.of(Fcgi.FCGI_MPXS_CONNS, "0");
        assertArrayEquals(remaining(FcgiEncoder.getValuesResult(unknownLimits)),
                remaining(FcgiEncoder.getValuesResult(names, -1, 0)));
    }

    @Test
    void newBufferFormsMatchThePutForms() {
        ByteBuffer end = ByteBuffer.allocate(16);
        FcgiEncoder.putEndRequest(end, 7, 3, FCGI_CANT_MPX_CONN);
        assertArrayEquals(remaining(end.flip()), remaining(FcgiEncoder.endRequest(7, 3, FCGI_CANT_MPX_CONN)));
        ByteBuffer unknown = ByteBuffer.allocate(16);
        FcgiEncoder.putUnknownType(unknown, 42);
        assertArrayEquals(remaining(unknown.flip()), remaining(FcgiEncoder.unknownType(42)));
    }

    /** STDOUT (cut into records), the empty STDOUT, END_REQUEST: in a buffer of exactly that size. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 65535, 70000})
    void completeResponse(int length) {
        byte[] stdout = new byte[length];
        new Random(length).nextBytes(stdout);
        ByteBuffer expected = ByteBuffer.allocate(200_000);
        FcgiEncoder.putStream(expected, FCGI_STDOUT, 5, ByteBuffer.wrap(stdout));
        FcgiEncoder.putStreamEnd(expected, FCGI_STDOUT, 5);
        FcgiEncoder.putEndRequest(expected, 5, 0, Fcgi.FCGI_REQUEST_COMPLETE);
        ByteBuffer actual = FcgiEncoder.completeResponse(5, stdout);
        assertEquals(actual.capacity(), actual.remaining(), "no slack");
        assertArrayEquals(remaining(expected.flip()), remaining(actual));
    }

    @Test
    void getValuesAnsweredAsAWebServerWouldAsk() throws ProtocolException {
        ByteBuffer query = FcgiEncoder.getValues(List.of(Fcgi.FCGI_MAX_CONNS, Fcgi.FCGI_MAX_REQS));
        byte[] input = Arrays.copyOfRange(query.array(), query.position(), query.limit());
        assertDecodes(() -> new FcgiDecoder(new GatewayLimits()), input,
                List.of(new GetValues(List.of("FCGI_MAX_CONNS", "FCGI_MAX_REQS"))), FcgiFixtures::mergeData);
    }

    @Test
    void headerRefusesWhatCannotBeEncoded() {
        ByteBuffer out = ByteBuffer.allocate(8);
        assertThrows(IllegalArgumentException.class, () -> FcgiEncoder.putHeader(out, FCGI_STDOUT, 1, 65536, 0));
        assertThrows(IllegalArgumentException.class, () -> FcgiEncoder.putHeader(out, FCGI_STDOUT, 65536, 0, 0));
    }

    /** The gathering form writes exactly the bytes of the copying form, and its body buffers are views. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 65535, 65536, 66000, 131070, 200000})
    void frameStreamMatchesPutStream(int length) {
        byte[] body = pattern(length);
        ByteBuffer copied = ByteBuffer.allocate((int) FcgiEncoder.streamLength(length));
        FcgiEncoder.putStream(copied, FCGI_STDOUT, 5, ByteBuffer.wrap(body));
        ByteBuffer content = ByteBuffer.wrap(body);
        ByteBuffer[] frames = FcgiEncoder.frameStream(FCGI_STDOUT, 5, content);
        assertEquals(0, content.remaining());
        // One byte of room beyond the expected length, so a missing or extra byte cannot hide in zeros.
        ByteBuffer gathered = ByteBuffer.allocate(copied.capacity() + 1);
        for (ByteBuffer frame : frames) {
            gathered.put(frame.duplicate());
        }
        assertEquals(copied.capacity(), gathered.position(), "bytes framed");
        assertArrayEquals(copied.array(), Arrays.copyOf(gathered.array(), copied.capacity()));
        assertEquals(body, frames[1].array(), "the body is framed, not copied");
    }

    /** Everything a web server sends, written by the encoder, reads back as the same request. */
    @Test
    void encoderToDecoderRoundTrip() throws ProtocolException {
        CgiEnvironment params = env("REQUEST_METHOD", "PUT", "REQUEST_URI", "/upload", "HTTP_COOKIE",
                "c=" + "z".repeat(70000 / 2), "HTTP_X_LONG", "q".repeat(30000));
        byte[] body = new byte[140000];
        new Random(42).nextBytes(body);
        byte[] paramBytes = NameValueCodec.encode(params);
        ByteBuffer out = ByteBuffer.allocate(16 + (int) FcgiEncoder.streamLength(paramBytes.length) + 8
                + (int) FcgiEncoder.streamLength(body.length) + 8);
        FcgiEncoder.putBeginRequest(out, 2, FCGI_RESPONDER, FCGI_KEEP_CONN);
        FcgiEncoder.putStream(out, FCGI_PARAMS, 2, ByteBuffer.wrap(paramBytes));
        FcgiEncoder.putStreamEnd(out, FCGI_PARAMS, 2);
        FcgiEncoder.putStream(out, FCGI_STDIN, 2, ByteBuffer.wrap(body));
        FcgiEncoder.putStreamEnd(out, FCGI_STDIN, 2);
        assertEquals(out.capacity(), out.position());
        GatewayLimits limits = new GatewayLimits();
        limits.setMaxParamsBytes(1 << 20);
        limits.setMaxParamValueLength(1 << 20);
        assertDecodes(() -> new FcgiDecoder(limits), out.array(), List.of(
                new BeginRequest(2, FCGI_RESPONDER, FCGI_KEEP_CONN),
                new Params(2, params),
                new Stdin(2, ByteBuffer.wrap(body)),
                new StdinEnd(2)), FcgiFixtures::mergeData);
    }
}
