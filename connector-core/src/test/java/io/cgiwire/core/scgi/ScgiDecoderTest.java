package io.cgiwire.core.scgi;

import static io.cgiwire.core.DecoderAssertions.assertDecodes;
import static io.cgiwire.core.DecoderAssertions.assertRejects;
import static io.cgiwire.core.DecoderAssertions.assertRejectsAtEnd;
import static io.cgiwire.core.DecoderAssertions.bytes;
import static io.cgiwire.core.DecoderAssertions.concat;
import static io.cgiwire.core.DecoderAssertions.feedChunks;
import static io.cgiwire.core.DecoderAssertions.feedWhole;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.Violation;
import io.cgiwire.core.cgi.CgiEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ScgiDecoderTest {
    /** The SCGI spec's example; NUL as \u0000 since "\027" would be an octal escape. */
    private static final byte[] SPEC_EXAMPLE = bytes("70:CONTENT_LENGTH\u000027\u0000SCGI\u00001\u0000"
            + "REQUEST_METHOD\u0000POST\u0000REQUEST_URI\u0000/deepthought\u0000,What is the answer to life?");
    /** The smallest valid request: 24 header bytes, no body. */
    private static final byte[] SMALLEST = netstring("CONTENT_LENGTH", "0", "SCGI", "1");
    private static final List<ScgiEvent> SMALLEST_EVENTS = events(environment("CONTENT_LENGTH", "0", "SCGI", "1"), "");

    @Test
    void decodesTheSpecExample() throws ProtocolException {
        assertScgiDecodes(SPEC_EXAMPLE, events(environment("CONTENT_LENGTH", "27", "SCGI", "1",
                "REQUEST_METHOD", "POST", "REQUEST_URI", "/deepthought"), "What is the answer to life?"));
    }

    @Test
    void zeroContentLengthGivesHeadersThenEnd() throws ProtocolException {
        assertEquals(List.of(new ScgiEvent.Headers(environment("CONTENT_LENGTH", "0", "SCGI", "1"), 0),
                new ScgiEvent.End()), SMALLEST_EVENTS);
        assertScgiDecodes(SMALLEST, SMALLEST_EVENTS);
    }

    @Test
    void bodySplitAcrossManyCallsComesOutInSlices() throws ProtocolException {
        String body = "0123456789".repeat(300);
        String[] pairs = {"CONTENT_LENGTH", "3000", "SCGI", "1"};
        byte[] headers = netstring(pairs);
        byte[] input = concat(headers, bytes(body));
        assertScgiDecodes(input, events(environment(pairs), body));

        List<ScgiEvent> events = feedChunks(decoder(), input, 1000);
        assertEquals(List.of(1000 - headers.length, 1000, 1000, headers.length), events.subList(1, 5).stream()
                .map(event -> ((ScgiEvent.Body) event).data().remaining()).toList());
    }

    @Test
    void bodySlicesShareTheCallersBuffer() throws ProtocolException {
        byte[] input = concat(netstring("CONTENT_LENGTH", "3", "SCGI", "1"), bytes("abc"));
        ScgiDecoder decoder = decoder();
        ByteBuffer in = ByteBuffer.wrap(input);
        assertTrue(decoder.decode(in) instanceof ScgiEvent.Headers);
        ByteBuffer body = ((ScgiEvent.Body) decoder.decode(in)).data();

        input[input.length - 1] = 'z';
        assertEquals(ByteBuffer.wrap(bytes("abz")), body, "a view of the input, not a copy");
        assertTrue(body.isReadOnly());
    }

    @Test
    void decodesFromBuffersWithoutAnAccessibleArray() throws ProtocolException {
        List<ScgiEvent> expected = feedWhole(decoder(), SPEC_EXAMPLE);
        ByteBuffer direct = ByteBuffer.allocateDirect(SPEC_EXAMPLE.length).put(SPEC_EXAMPLE).flip();
        for (ByteBuffer in : List.of(direct, ByteBuffer.wrap(SPEC_EXAMPLE).asReadOnlyBuffer())) {
            ScgiDecoder decoder = decoder();
            List<ScgiEvent> events = new ArrayList<>();
            for (ScgiEvent event; (event = decoder.decode(in)) != null; ) {
                events.add(event);
            }
            assertEquals(expected, events);
        }
    }

    @Test
    void repeatedNamesAreKeptInWireOrder() throws ProtocolException {
        // nginx 1.22 sends a client header given twice as two HTTP_* pairs; merging them is the mapper's job.
        String[] pairs = {"CONTENT_LENGTH", "2", "SCGI", "1", "HTTP_COOKIE", "a=1", "HTTP_X", "x",
            "HTTP_COOKIE", "b=2", "CONTENT_LENGTH", "2", "SCGI", "1"};
        assertScgiDecodes(concat(netstring(pairs), bytes("hi")), events(environment(pairs), "hi"));
    }

    @Test
    void headersWaitForTheComma() throws ProtocolException {
        ScgiDecoder decoder = decoder();
        assertNull(decoder.decode(ByteBuffer.wrap(SMALLEST, 0, SMALLEST.length - 1)));
        assertTrue(decoder.decode(ByteBuffer.wrap(bytes(","))) instanceof ScgiEvent.Headers);
    }

    @Test
    void emptyBufferAfterEndGivesNull() throws ProtocolException {
        ScgiDecoder decoder = decoder();
        feedWhole(decoder, SMALLEST);
        assertNull(decoder.decode(ByteBuffer.allocate(0)));
        decoder.endOfInput();
    }

    @Test
    void endOfInputOnceTheBodyIsCompleteIsAccepted() throws ProtocolException {
        ScgiDecoder decoder = decoder();
        ByteBuffer in = ByteBuffer.wrap(concat(netstring("CONTENT_LENGTH", "1", "SCGI", "1"), bytes("a")));
        decoder.decode(in);
        assertTrue(decoder.decode(in) instanceof ScgiEvent.Body);
        decoder.endOfInput();
        assertEquals(new ScgiEvent.End(), decoder.decode(in));
    }

    @ParameterizedTest
    @ValueSource(strings = {"nginx_scgi-get.txt", "nginx_scgi-post.txt", "nginx_scgi-path.txt",
        "apache_scgi-get.txt", "apache_scgi-post.txt", "apache_scgi-path.txt",
        "lighttpd_scgi-get.txt", "lighttpd_scgi-post.txt", "lighttpd_scgi-path.txt"})
    void decodesWhatFrontServersSend(String capture) throws IOException {
        List<String> lines;
        try (InputStream in = getClass().getResourceAsStream("/captures/shared/" + capture)) {
            assertNotNull(in, capture);
            lines = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).lines().toList();
        }
        List<String> pairs = new ArrayList<>();
        for (String line : lines.subList(lines.indexOf("-- headers (wire order) --") + 1, lines.size())) {
            int equals = line.indexOf('=');
            pairs.add(line.substring(0, equals));
            pairs.add(line.substring(equals + 1));
        }
        // Its "netstring header bytes" is not checked: it counts the block as sent, before PATH and roots were edited.
        byte[] headers = netstring(pairs.toArray(String[]::new));
        String body = "x".repeat(Integer.parseInt(lines.get(4).substring("body bytes: ".length())));

        assertScgiDecodes(concat(headers, bytes(body)), events(environment(pairs.toArray(String[]::new)), body));
    }

    @Test
    void emptyNetstringLength() {
        assertRejects(ScgiDecoderTest::decoder, bytes(":"), Violation.SCGI_BAD_NETSTRING_LENGTH);
    }

    @Test
    void nonDigitInNetstringLength() {
        ProtocolException e = assertRejects(ScgiDecoderTest::decoder, bytes("7x"), Violation.SCGI_BAD_NETSTRING_LENGTH);
        assertTrue(e.getMessage().contains("non-digit 'x' (0x78) in netstring length"), e.getMessage());
    }

    @Test
    void leadingZeroInNetstringLength() {
        assertRejects(ScgiDecoderTest::decoder, bytes("07"), Violation.SCGI_BAD_NETSTRING_LENGTH);
    }

    @Test
    void zeroLengthNetstringHasNoContentLength() {
        ProtocolException e = assertRejects(ScgiDecoderTest::decoder, bytes("0:"),
                Violation.SCGI_MISSING_CONTENT_LENGTH);
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
    }

    @Test
    void netstringDigitsAtTheLimitAndOneOver() throws ProtocolException {
        assertScgiDecodes(limits(l -> l.setMaxNetstringDigits(2)), SMALLEST, SMALLEST_EVENTS);
        ProtocolException e = assertRejects(limits(l -> l.setMaxNetstringDigits(1)), SMALLEST,
                Violation.SCGI_BAD_NETSTRING_LENGTH);
        assertTrue(e.getMessage().contains("at most 1 allowed"), e.getMessage());
    }

    @Test
    void headerBytesAtTheLimitAndOneOver() throws ProtocolException {
        assertScgiDecodes(limits(l -> l.setMaxScgiHeaderBytes(24)), SMALLEST, SMALLEST_EVENTS);
        assertRejects(limits(l -> l.setMaxScgiHeaderBytes(23)), SMALLEST, Violation.SCGI_HEADERS_TOO_LARGE);
    }

    @Test
    void netstringLengthOverTheLimitIsRefusedBeforeItEnds() {
        assertRejects(ScgiDecoderTest::decoder, bytes("65537"), Violation.SCGI_HEADERS_TOO_LARGE);
        // Too large wins over too many digits: the length is refused at its sixth digit.
        assertRejects(ScgiDecoderTest::decoder, bytes("123456789"), Violation.SCGI_HEADERS_TOO_LARGE);
    }

    @Test
    void headerBlockNotNulTerminated() {
        assertRejects(ScgiDecoderTest::decoder, bytes("1:a"), Violation.SCGI_HEADERS_NOT_NUL_TERMINATED);
    }

    @Test
    void nameWithoutValue() {
        assertRejects(ScgiDecoderTest::decoder, bytes("1:\0"), Violation.SCGI_ODD_STRING_COUNT);
    }

    @Test
    void emptyName() {
        assertRejects(ScgiDecoderTest::decoder, bytes("3:\0v\0"), Violation.PARAM_NAME_EMPTY);
    }

    @Test
    void nameLengthAtTheLimitAndOneOver() throws ProtocolException {
        // CONTENT_LENGTH, 14 bytes, is the longest name.
        assertScgiDecodes(limits(l -> l.setMaxParamNameLength(14)), SMALLEST, SMALLEST_EVENTS);
        assertRejects(limits(l -> l.setMaxParamNameLength(13)), SMALLEST, Violation.PARAM_NAME_TOO_LONG);
    }

    @Test
    void valueLengthAtTheLimitAndOneOver() throws ProtocolException {
        byte[] input = netstring("CONTENT_LENGTH", "0", "SCGI", "1", "X", "ab");
        assertScgiDecodes(limits(l -> l.setMaxParamValueLength(2)), input,
                events(environment("CONTENT_LENGTH", "0", "SCGI", "1", "X", "ab"), ""));
        assertRejects(limits(l -> l.setMaxParamValueLength(1)), input, Violation.PARAM_VALUE_TOO_LONG);
    }

    /**
     * The header block is scanned for NUL eight bytes at a time: every NUL is found and counted wherever it falls in a
     * word, beside bytes whose high or low bit is set (0x80, 0xFF, 0x01: a borrow-based test would flag a 0x01 after
     * a NUL), with names and values of 0 to 17 bytes so that the block's start and its NULs take every offset.
     */
    @Test
    void findsAndCountsEveryNulWhereverItFallsInAWord() throws ProtocolException {
        for (String filler : new String[] {"\u0001", "\u0080", "\u00ff", "a"}) {
            for (int length = 0; length <= 17; length++) {
                String[] pairs = {"CONTENT_LENGTH", "0", "SCGI", "1", "X" + filler.repeat(length % 9),
                    filler.repeat(length), "Y", "\u0001" + filler.repeat(17 - length)};
                assertScgiDecodes(limits(l -> l.setMaxParamsCount(4)), netstring(pairs),
                        events(environment(pairs), ""));
                assertRejects(limits(l -> l.setMaxParamsCount(3)), netstring(pairs), Violation.TOO_MANY_PARAMS);
                String[] odd = Arrays.copyOf(pairs, pairs.length - 1);
                assertRejects(ScgiDecoderTest::decoder, netstring(odd), Violation.SCGI_ODD_STRING_COUNT);
            }
        }
    }

    @Test
    void paramsCountAtTheLimitAndOneOver() throws ProtocolException {
        assertScgiDecodes(limits(l -> l.setMaxParamsCount(2)), SMALLEST, SMALLEST_EVENTS);
        assertRejects(limits(l -> l.setMaxParamsCount(1)), SMALLEST, Violation.TOO_MANY_PARAMS);
    }

    @Test
    void contentLengthAbsent() {
        ProtocolException e = assertRejects(ScgiDecoderTest::decoder, netstring("SCGI", "1"),
                Violation.SCGI_MISSING_CONTENT_LENGTH);
        assertTrue(e.getMessage().contains("absent"), e.getMessage());
    }

    @Test
    void contentLengthNotFirst() {
        ProtocolException e = assertRejects(ScgiDecoderTest::decoder, netstring("SCGI", "1", "CONTENT_LENGTH", "0"),
                Violation.SCGI_MISSING_CONTENT_LENGTH);
        assertTrue(e.getMessage().contains("header 2, not the first"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-1", "+1", " 1", "1 ", "1.0", "0x1", "9223372036854775808"})
    void contentLengthNotADecimalNumber(String value) {
        assertRejects(ScgiDecoderTest::decoder, netstring("CONTENT_LENGTH", value, "SCGI", "1"),
                Violation.CGI_BAD_CONTENT_LENGTH);
    }

    @Test
    void contentLengthUpToLongMaxIsAccepted() throws ProtocolException {
        byte[] input = netstring("CONTENT_LENGTH", "9223372036854775807", "SCGI", "1");
        assertEquals(List.of(new ScgiEvent.Headers(environment("CONTENT_LENGTH", "9223372036854775807", "SCGI", "1"),
                Long.MAX_VALUE)), feedWhole(decoder(), input));
        assertRejectsAtEnd(ScgiDecoderTest::decoder, input, Violation.PREMATURE_END);
    }

    @Test
    void contentLengthRepeatedWithAnotherValue() {
        assertRejects(ScgiDecoderTest::decoder, netstring("CONTENT_LENGTH", "0", "SCGI", "1", "CONTENT_LENGTH", "1"),
                Violation.CGI_BAD_CONTENT_LENGTH);
    }

    @Test
    void scgiHeaderAbsent() {
        assertRejects(ScgiDecoderTest::decoder, netstring("CONTENT_LENGTH", "0"), Violation.SCGI_MISSING_SCGI);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "2", "1.0", " 1", "01"})
    void scgiVersionOtherThanOne(String version) {
        assertRejects(ScgiDecoderTest::decoder, netstring("CONTENT_LENGTH", "0", "SCGI", version),
                Violation.SCGI_BAD_SCGI_VERSION);
        assertRejects(ScgiDecoderTest::decoder, netstring("CONTENT_LENGTH", "0", "SCGI", "1", "SCGI", version),
                Violation.SCGI_BAD_SCGI_VERSION);
    }

    @Test
    void missingComma() {
        byte[] input = SMALLEST.clone();
        input[input.length - 1] = ';';
        ProtocolException e = assertRejects(ScgiDecoderTest::decoder, input, Violation.SCGI_MISSING_COMMA);
        assertTrue(e.getMessage().contains("found ';' (0x3B)"), e.getMessage());
    }

    @Test
    void dataAfterEnd() {
        assertRejects(ScgiDecoderTest::decoder, concat(SMALLEST, bytes("x")), Violation.SCGI_DATA_AFTER_END);
        assertRejects(ScgiDecoderTest::decoder, concat(netstring("CONTENT_LENGTH", "3", "SCGI", "1"), bytes("abcd")),
                Violation.SCGI_DATA_AFTER_END);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "24                                   | in the netstring length after 2 digits",
        "24:CONT                              | in the header block after 4 of 24 bytes",
        "24:CONTENT_LENGTH~0~SCGI~1~          | after the 24-byte header block, before its ','",
        "24:CONTENT_LENGTH~5~SCGI~1~,ab       | in the body after 2 of 5 bytes",
    })
    void prematureEnd(String input, String where) throws ProtocolException {
        ProtocolException e = assertRejectsAtEnd(ScgiDecoderTest::decoder, bytes(input.replace('~', '\0')),
                Violation.PREMATURE_END);
        assertEquals("PREMATURE_END: connection closed " + where, e.getMessage());
    }

    /** httpd opens a connection, then answers 411 to a chunked request and closes it without a byte. */
    @Test
    void closeBeforeAnyByteIsNotAViolation() throws ProtocolException {
        ScgiDecoder decoder = decoder();
        assertNull(decoder.decode(ByteBuffer.allocate(0)));
        decoder.endOfInput();
    }

    @Test
    void errorsAreSticky() throws ProtocolException {
        ScgiDecoder decoder = decoder();
        decoder.decode(ByteBuffer.wrap(bytes("24:")));
        ProtocolException e = assertThrows(ProtocolException.class, decoder::endOfInput);
        assertSame(e, assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(SMALLEST, 3, 22))));
        assertSame(e, assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.allocate(0))));
        assertSame(e, assertThrows(ProtocolException.class, decoder::endOfInput));
    }

    @Test
    void aClaimedLengthAllocatesNothingUntilItsBytesArrive() throws ProtocolException {
        Supplier<ScgiDecoder> decoders = limits(l -> l.setMaxScgiHeaderBytes(60000));
        byte[] input = bytes("59999:CONTENT_");
        feedWhole(decoders.get(), input);

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        ScgiDecoder decoder = decoders.get();
        assertNull(decoder.decode(ByteBuffer.wrap(input)));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        assertTrue(allocated < 8192, allocated + " bytes allocated for 8 header bytes");
        ProtocolException e = assertThrows(ProtocolException.class, decoder::endOfInput);
        assertEquals(Violation.PREMATURE_END, e.violation());
        assertTrue(e.getMessage().endsWith("after 8 of 59999 bytes"), e.getMessage());
    }

    @Test
    void mutatedRequestsGiveOneOutcomeHoweverSplit() {
        byte[] valid = concat(netstring("CONTENT_LENGTH", "3", "SCGI", "1", "X", "y"), bytes("abc"));
        byte[] interesting = bytes("\0:,019a");
        Random random = new Random(1);
        for (int round = 0; round < 5000; round++) {
            byte[] input = valid.clone();
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                byte b = random.nextBoolean()
                        ? interesting[random.nextInt(interesting.length)]
                        : (byte) random.nextInt();
                int at = random.nextInt(input.length);
                byte[] before = Arrays.copyOf(input, at);
                input = switch (random.nextInt(3)) {
                    case 0 -> concat(before, new byte[] {b}, Arrays.copyOfRange(input, at, input.length));
                    case 1 -> concat(before, Arrays.copyOfRange(input, at + 1, input.length));
                    default -> {
                        input[at] = b;
                        yield input;
                    }
                };
            }
            Object whole = outcome(input, Math.max(input.length, 1));
            String shown = new String(input, StandardCharsets.ISO_8859_1).replace('\0', '~');
            assertEquals(whole, outcome(input, 1), shown);
            assertEquals(whole, outcome(input, 1 + random.nextInt(Math.max(input.length, 1))), shown);
        }
    }

    /** The events, or the violation; anything but a ProtocolException escapes and fails the test. */
    private static Object outcome(byte[] input, int chunk) {
        ScgiDecoder decoder = decoder();
        try {
            List<ScgiEvent> events = feedChunks(decoder, input, chunk);
            decoder.endOfInput();
            return mergeBodies(events);
        } catch (ProtocolException e) {
            return e.violation();
        }
    }

    private static ScgiDecoder decoder() {
        return new ScgiDecoder(new GatewayLimits());
    }

    private static Supplier<ScgiDecoder> limits(Consumer<GatewayLimits> configure) {
        GatewayLimits limits = new GatewayLimits();
        configure.accept(limits);
        return () -> new ScgiDecoder(limits);
    }

    private static void assertScgiDecodes(byte[] input, List<ScgiEvent> expected) throws ProtocolException {
        assertScgiDecodes(ScgiDecoderTest::decoder, input, expected);
    }

    /** {@link io.cgiwire.core.DecoderAssertions#assertDecodes}, then: a byte after End is an error, not ignored. */
    private static void assertScgiDecodes(Supplier<ScgiDecoder> decoders, byte[] input, List<ScgiEvent> expected)
            throws ProtocolException {
        assertDecodes(decoders, input, expected, ScgiDecoderTest::mergeBodies);

        ScgiDecoder decoder = decoders.get();
        ByteBuffer in = ByteBuffer.wrap(concat(input, bytes("x")));
        for (ScgiEvent event = null; !(event instanceof ScgiEvent.End); ) {
            event = decoder.decode(in);
            assertNotNull(event, "End before the trailing byte");
        }
        ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.decode(in));
        assertEquals(Violation.SCGI_DATA_AFTER_END, e.violation(), e.getMessage());
    }

    /** Merges adjacent bodies, since how they are sliced depends on the split; checks each slice on the way. */
    private static List<ScgiEvent> mergeBodies(List<ScgiEvent> events) {
        List<ScgiEvent> merged = new ArrayList<>();
        ByteArrayOutputStream body = null;
        for (ScgiEvent event : events) {
            if (event instanceof ScgiEvent.Body slice) {
                assertTrue(slice.data().isReadOnly() && slice.data().hasRemaining(), "read-only, not empty");
                byte[] data = new byte[slice.data().remaining()];
                slice.data().duplicate().get(data);
                body = body == null ? new ByteArrayOutputStream() : body;
                body.writeBytes(data);
                continue;
            }
            if (body != null) {
                merged.add(new ScgiEvent.Body(ByteBuffer.wrap(body.toByteArray())));
                body = null;
            }
            merged.add(event);
        }
        if (body != null) {
            merged.add(new ScgiEvent.Body(ByteBuffer.wrap(body.toByteArray())));
        }
        return merged;
    }

    /** The header netstring of these names and values, comma included. */
    private static byte[] netstring(String... namesAndValues) {
        StringBuilder block = new StringBuilder();
        for (String string : namesAndValues) {
            block.append(string).append('\0');
        }
        return bytes(block.length() + ":" + block + ",");
    }

    private static CgiEnvironment environment(String... namesAndValues) {
        CgiEnvironment environment = new CgiEnvironment();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            environment.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return environment;
    }

    /** Headers framing {@code body}, the body in one piece if there is one, then End. */
    private static List<ScgiEvent> events(CgiEnvironment environment, String body) {
        List<ScgiEvent> events = new ArrayList<>();
        events.add(new ScgiEvent.Headers(environment, body.length()));
        if (!body.isEmpty()) {
            events.add(new ScgiEvent.Body(ByteBuffer.wrap(bytes(body))));
        }
        events.add(new ScgiEvent.End());
        return events;
    }
}
