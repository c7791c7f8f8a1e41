package io.cgiwire.core.fcgi;

import static io.cgiwire.core.DecoderAssertions.assertDecodes;
import static io.cgiwire.core.DecoderAssertions.assertRejects;
import static io.cgiwire.core.DecoderAssertions.assertRejectsAtEnd;
import static io.cgiwire.core.DecoderAssertions.concat;
import static io.cgiwire.core.DecoderAssertions.feedWhole;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_ABORT_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_AUTHORIZER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_BEGIN_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_DATA;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_END_REQUEST;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_FILTER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_GET_VALUES_RESULT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_PARAMS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDERR;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDOUT;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_TYPE;
import static io.cgiwire.core.fcgi.FcgiFixtures.begin;
import static io.cgiwire.core.fcgi.FcgiFixtures.buffer;
import static io.cgiwire.core.fcgi.FcgiFixtures.empty;
import static io.cgiwire.core.fcgi.FcgiFixtures.env;
import static io.cgiwire.core.fcgi.FcgiFixtures.latin1;
import static io.cgiwire.core.fcgi.FcgiFixtures.pairs;
import static io.cgiwire.core.fcgi.FcgiFixtures.record;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.Violation;
import io.cgiwire.core.fcgi.FcgiEvent.AbortRequest;
import io.cgiwire.core.fcgi.FcgiEvent.BeginRequest;
import io.cgiwire.core.fcgi.FcgiEvent.Data;
import io.cgiwire.core.fcgi.FcgiEvent.DataEnd;
import io.cgiwire.core.fcgi.FcgiEvent.GetValues;
import io.cgiwire.core.fcgi.FcgiEvent.Params;
import io.cgiwire.core.fcgi.FcgiEvent.Stdin;
import io.cgiwire.core.fcgi.FcgiEvent.StdinEnd;
import io.cgiwire.core.fcgi.FcgiEvent.UnknownType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FcgiDecoderTest {
    private static final Supplier<FcgiDecoder> DEFAULTS = () -> new FcgiDecoder(new GatewayLimits());

    private static void assertFcgi(byte[] input, FcgiEvent... expected) throws ProtocolException {
        assertFcgi(DEFAULTS, input, expected);
    }

    private static void assertFcgi(Supplier<FcgiDecoder> decoders, byte[] input, FcgiEvent... expected)
            throws ProtocolException {
        assertDecodes(decoders, input, List.of(expected), FcgiFixtures::mergeData);
    }

    private static Supplier<FcgiDecoder> with(java.util.function.Consumer<GatewayLimits> setting) {
        return () -> {
            GatewayLimits limits = new GatewayLimits();
            setting.accept(limits);
            return new FcgiDecoder(limits);
        };
    }

    /** What nginx 1.22 sent for POST /hello?dump=1 (captures/nginx_fastcgi-post.txt), params shortened. */
    @Test
    void nginxStylePost() throws ProtocolException {
        byte[] params = pairs("REQUEST_METHOD", "POST", "REQUEST_URI", "/hello?dump=1", "CONTENT_LENGTH", "7");
        byte[] input = concat(
                begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
                record(FCGI_PARAMS, 1, params, Fcgi.paddingFor(params.length)),
                empty(FCGI_PARAMS, 1),
                record(FCGI_STDIN, 1, latin1("a=1&b=2"), 1),
                empty(FCGI_STDIN, 1));
        assertFcgi(input,
                new BeginRequest(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
                new Params(1, env("REQUEST_METHOD", "POST", "REQUEST_URI", "/hello?dump=1", "CONTENT_LENGTH", "7")),
                new Stdin(1, buffer(latin1("a=1&b=2"))),
                new StdinEnd(1));
    }

    @Test
    void beginRequestReportsRoleAndKeepConn() throws ProtocolException {
        assertFcgi(begin(1, FCGI_RESPONDER, 0), new BeginRequest(1, FCGI_RESPONDER, 0));
        assertFcgi(begin(65535, FCGI_AUTHORIZER, FCGI_KEEP_CONN), new BeginRequest(65535, FCGI_AUTHORIZER, 1));
        assertFcgi(begin(7, 0x1234, 0xFF), new BeginRequest(7, 0x1234, 0xFF));
        assertTrue(new BeginRequest(1, FCGI_RESPONDER, FCGI_KEEP_CONN).keepConn());
        assertFalse(new BeginRequest(1, FCGI_RESPONDER, 0).keepConn());
    }

    /** Go's sizeTests: a value of each length decodes from its exact encoding, in both length forms. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 127, 128, 1000, 20000})
    void valueLengths(int length) throws ProtocolException {
        String value = "v".repeat(length);
        byte[] params = pairs("X", value);
        assertEquals(length < 128 ? 1 + 1 + 1 + length : 1 + 4 + 1 + length, params.length);
        assertFcgi(concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, params), empty(FCGI_PARAMS, 1)),
                new BeginRequest(1, FCGI_RESPONDER, 0), new Params(1, env("X", value)));
    }

    /** The four-byte form is legal for a short length too (spec 3.4 only requires it above 127). */
    @Test
    void fourByteFormForShortLengths() throws ProtocolException {
        byte[] params = concat(new byte[] {(byte) 0x80, 0, 0, 4, (byte) 0x80, 0, 0, 2}, latin1("NAMEok"));
        assertFcgi(concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, params), empty(FCGI_PARAMS, 1)),
                new BeginRequest(1, FCGI_RESPONDER, 0), new Params(1, env("NAME", "ok")));
    }

    /** 0x1FFFFFF and 0x7FFFFFFF decode to those lengths: shown by the limit message, before any byte is buffered. */
    @Test
    void largestLengthsDecodeExactly() throws ProtocolException {
        byte[] big = {1, (byte) 0x81, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 'X'};
        ProtocolException e = assertRejects(DEFAULTS,
                concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, big)), Violation.PARAM_VALUE_TOO_LONG);
        assertTrue(e.getMessage().contains("value of 33554431 bytes"), e.getMessage());
        byte[] max = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0};
        e = assertRejects(DEFAULTS, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, max)),
                Violation.PARAM_NAME_TOO_LONG);
        assertTrue(e.getMessage().contains("name of 2147483647 bytes"), e.getMessage());
    }

    /** httpd cuts params into records at pair boundaries, nginx sends one record; a peer may cut anywhere. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 5, 8, 13, 64})
    void pairsStraddleParamsRecords(int recordSize) throws ProtocolException {
        String longValue = "x".repeat(300);
        byte[] params = pairs("SCRIPT_NAME", "/a", "HTTP_COOKIE", longValue, "EMPTY", "", "Z", "z");
        List<byte[]> parts = new ArrayList<>();
        parts.add(begin(3, FCGI_RESPONDER, 0));
        for (int from = 0; from < params.length; from += recordSize) {
            byte[] chunk = Arrays.copyOfRange(params, from, Math.min(params.length, from + recordSize));
            parts.add(record(FCGI_PARAMS, 3, chunk, from % 7));
        }
        parts.add(empty(FCGI_PARAMS, 3));
        assertFcgi(concat(parts.toArray(new byte[0][])), new BeginRequest(3, FCGI_RESPONDER, 0),
                new Params(3, env("SCRIPT_NAME", "/a", "HTTP_COOKIE", longValue, "EMPTY", "", "Z", "z")));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 100, 255})
    void anyPaddingIsSkipped(int padding) throws ProtocolException {
        byte[] input = concat(
                begin(1, FCGI_RESPONDER, 0),
                record(FCGI_PARAMS, 1, pairs("A", "b"), padding),
                record(FCGI_PARAMS, 1, new byte[0], padding),
                record(FCGI_STDIN, 1, latin1("body"), padding),
                record(FCGI_STDIN, 1, new byte[0], padding));
        assertFcgi(input, new BeginRequest(1, FCGI_RESPONDER, 0), new Params(1, env("A", "b")),
                new Stdin(1, buffer(latin1("body"))), new StdinEnd(1));
    }

    /** HAProxy multiplexes: records of two requests interleave and must be kept apart. */
    @Test
    void interleavedRequestsKeptApart() throws ProtocolException {
        byte[] input = concat(
                begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN),
                begin(2, FCGI_RESPONDER, FCGI_KEEP_CONN),
                record(FCGI_PARAMS, 2, pairs("ID", "two", "LONG", "y".repeat(200)).clone()),
                record(FCGI_PARAMS, 1, Arrays.copyOfRange(pairs("ID", "one"), 0, 3)),
                record(FCGI_PARAMS, 1, Arrays.copyOfRange(pairs("ID", "one"), 3, 7)),
                empty(FCGI_PARAMS, 2),
                record(FCGI_STDIN, 2, latin1("22")),
                empty(FCGI_PARAMS, 1),
                record(FCGI_STDIN, 1, latin1("1")),
                empty(FCGI_STDIN, 2),
                empty(FCGI_STDIN, 1));
        assertFcgi(input,
                new BeginRequest(1, FCGI_RESPONDER, 1),
                new BeginRequest(2, FCGI_RESPONDER, 1),
                new Params(2, env("ID", "two", "LONG", "y".repeat(200))),
                new Stdin(2, buffer(latin1("22"))),
                new Params(1, env("ID", "one")),
                new Stdin(1, buffer(latin1("1"))),
                new StdinEnd(2),
                new StdinEnd(1));
    }

    /** A Filter gets DATA after STDIN; the two streams end independently. */
    @Test
    void filterDataStream() throws ProtocolException {
        byte[] input = concat(begin(1, FCGI_FILTER, 0), empty(FCGI_PARAMS, 1), empty(FCGI_STDIN, 1),
                record(FCGI_DATA, 1, latin1("file"), 4), empty(FCGI_DATA, 1));
        assertFcgi(input, new BeginRequest(1, FCGI_FILTER, 0), new Params(1, env()), new StdinEnd(1),
                new Data(1, buffer(latin1("file"))), new DataEnd(1));
    }

    @Test
    void stdinOf66000BytesInTwoRecords() throws ProtocolException {
        byte[] body = new byte[66000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) (i % 251);
        }
        byte[] input = concat(begin(1, FCGI_RESPONDER, 0), empty(FCGI_PARAMS, 1),
                record(FCGI_STDIN, 1, Arrays.copyOfRange(body, 0, 65535), 1),
                record(FCGI_STDIN, 1, Arrays.copyOfRange(body, 65535, 66000), 7),
                empty(FCGI_STDIN, 1));
        assertFcgi(input, new BeginRequest(1, FCGI_RESPONDER, 0), new Params(1, env()),
                new Stdin(1, buffer(body)), new StdinEnd(1));
    }

    @Test
    void stdinSlicesAreReadOnlyViewsOfTheInput() throws ProtocolException {
        byte[] input = concat(begin(1, FCGI_RESPONDER, 0), empty(FCGI_PARAMS, 1), record(FCGI_STDIN, 1, latin1("abc")));
        ByteBuffer in = ByteBuffer.wrap(input);
        FcgiDecoder decoder = DEFAULTS.get();
        decoder.decode(in);
        decoder.decode(in);
        Stdin stdin = (Stdin) decoder.decode(in);
        assertTrue(stdin.data().isReadOnly());
        input[input.length - 1] = 'Z';
        assertEquals(buffer(latin1("abZ")), stdin.data(), "a view, not a copy");
    }

    /**
     * A kept connection's next request gets the last one's String for a value it repeats (NameValueCodec remembers
     * it); after a request without FCGI_KEEP_CONN none follows, so its values are not kept for one.
     */
    @Test
    void valuesAreRememberedOnlyWhereTheConnectionIsKept() throws ProtocolException {
        for (int flags : new int[] {FCGI_KEEP_CONN, 0}) {
            FcgiDecoder decoder = DEFAULTS.get();
            List<String> roots = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                ByteBuffer in = buffer(concat(begin(1, FCGI_RESPONDER, flags),
                        record(FCGI_PARAMS, 1, pairs("DOCUMENT_ROOT", "/srv/www")), empty(FCGI_PARAMS, 1)));
                for (FcgiEvent event; (event = decoder.decode(in)) != null; ) {
                    if (event instanceof Params params) {
                        roots.add(params.params().value(0));
                    }
                }
                assertTrue(decoder.endRequest(1));
            }
            assertEquals(List.of("/srv/www", "/srv/www"), roots);
            assertEquals(flags != 0, roots.get(0) == roots.get(1), "the same String, flags " + flags);
        }
    }

    @Test
    void getValuesOnTheNullId() throws ProtocolException {
        byte[] query = pairs(Fcgi.FCGI_MAX_CONNS, "", Fcgi.FCGI_MAX_REQS, "", Fcgi.FCGI_MPXS_CONNS, "");
        assertFcgi(record(FCGI_GET_VALUES, 0, query, Fcgi.paddingFor(query.length)),
                new GetValues(List.of("FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS")));
        assertFcgi(empty(FCGI_GET_VALUES, 0), new GetValues(List.of()));
    }

    @Test
    void unknownTypeOnTheNullIdAndOnActiveRequests() throws ProtocolException {
        assertFcgi(record(12, 0, latin1("whatever"), 3), new UnknownType(0, 12));
        assertFcgi(concat(begin(1, FCGI_RESPONDER, 0), record(200, 1, latin1("x"))),
                new BeginRequest(1, FCGI_RESPONDER, 0), new UnknownType(1, 200));
    }

    /** Spec 3.3: while an id is inactive, its records are ignored. */
    @Test
    void recordsForInactiveIdsAreSkipped() throws ProtocolException {
        byte[] input = concat(record(FCGI_PARAMS, 9, pairs("A", "b"), 3), empty(FCGI_STDIN, 9),
                record(FCGI_ABORT_REQUEST, 9, new byte[0], 0), record(77, 9, latin1("x")), begin(1, FCGI_RESPONDER, 0));
        assertFcgi(input, new BeginRequest(1, FCGI_RESPONDER, 0));
    }

    @Test
    void abortRequestForAnActiveRequest() throws ProtocolException {
        assertFcgi(concat(begin(1, FCGI_RESPONDER, 0), empty(FCGI_PARAMS, 1), empty(FCGI_ABORT_REQUEST, 1)),
                new BeginRequest(1, FCGI_RESPONDER, 0), new Params(1, env()), new AbortRequest(1));
    }

    @Test
    void endRequestMakesTheIdInactiveAndReusable() throws ProtocolException {
        FcgiDecoder decoder = DEFAULTS.get();
        List<FcgiEvent> events = feedWhole(decoder, concat(begin(1, FCGI_RESPONDER, 1), empty(FCGI_PARAMS, 1)));
        assertEquals(2, events.size());
        assertEquals(1, decoder.activeRequests());
        assertTrue(decoder.endRequest(1));
        assertFalse(decoder.endRequest(1), "already inactive");
        assertEquals(0, decoder.activeRequests());
        // The rest of the old request is ignored; the id then starts afresh.
        events = feedWhole(decoder, concat(record(FCGI_STDIN, 1, latin1("late")), empty(FCGI_STDIN, 1),
                begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, pairs("N", "2")), empty(FCGI_PARAMS, 1)));
        assertEquals(List.of(new BeginRequest(1, FCGI_RESPONDER, 0), new Params(1, env("N", "2"))), events);
    }

    /** The application may end a request while its STDIN record is half read: the rest of it is skipped. */
    @Test
    void endRequestInTheMiddleOfARecord() throws ProtocolException {
        FcgiDecoder decoder = DEFAULTS.get();
        byte[] stdin = record(FCGI_STDIN, 1, latin1("0123456789"), 6);
        feedWhole(decoder, concat(begin(1, FCGI_RESPONDER, 1), empty(FCGI_PARAMS, 1)));
        ByteBuffer first = buffer(Arrays.copyOfRange(stdin, 0, 12));
        assertEquals(new Stdin(1, buffer(latin1("0123"))), decoder.decode(first));
        decoder.endRequest(1);
        List<FcgiEvent> events = feedWhole(decoder,
                concat(Arrays.copyOfRange(stdin, 12, stdin.length), empty(FCGI_STDIN, 1), begin(2, FCGI_RESPONDER, 0)));
        assertEquals(List.of(new BeginRequest(2, FCGI_RESPONDER, 0)), events);
    }

    /** The StdinEnd of a request that already ended must not surface after its id became inactive. */
    @Test
    void endRequestDropsAPendingEventOfThatRequest() throws ProtocolException {
        FcgiDecoder decoder = DEFAULTS.get();
        feedWhole(decoder, concat(begin(1, FCGI_RESPONDER, 1), empty(FCGI_PARAMS, 1)));
        byte[] end = record(FCGI_STDIN, 1, new byte[0], 8);
        assertNull(decoder.decode(buffer(Arrays.copyOfRange(end, 0, 10))));
        decoder.endRequest(1);
        assertNull(decoder.decode(buffer(Arrays.copyOfRange(end, 10, end.length))));
    }

    @Test
    void cleanCloseBetweenRecords() throws ProtocolException {
        FcgiDecoder decoder = DEFAULTS.get();
        decoder.endOfInput();
        feedWhole(decoder, concat(begin(1, FCGI_RESPONDER, 0), empty(FCGI_PARAMS, 1)));
        decoder.endOfInput();
    }

    // Violations: the smallest input that shows each, fed whole and byte by byte, the error sticky.

    @Test
    void badVersion() {
        byte[] input = begin(1, FCGI_RESPONDER, 0);
        input[0] = 2;
        ProtocolException e = assertRejects(DEFAULTS, input, Violation.FCGI_BAD_VERSION);
        assertTrue(e.getMessage().contains("version 2"), e.getMessage());
        assertEquals(400, e.statusHint());
    }

    @Test
    void beginRequestWithWrongLength() {
        assertRejects(DEFAULTS, record(FCGI_BEGIN_REQUEST, 1, new byte[7]), Violation.FCGI_BAD_RECORD_LENGTH);
        assertRejects(DEFAULTS, record(FCGI_BEGIN_REQUEST, 1, new byte[9]), Violation.FCGI_BAD_RECORD_LENGTH);
    }

    @Test
    void abortRequestWithContent() {
        assertRejects(DEFAULTS, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_ABORT_REQUEST, 1, new byte[1])),
                Violation.FCGI_BAD_RECORD_LENGTH);
    }

    @ParameterizedTest
    @ValueSource(ints = {FCGI_PARAMS, FCGI_STDIN, FCGI_DATA, FCGI_ABORT_REQUEST})
    void applicationRecordOnNullId(int type) {
        assertRejects(DEFAULTS, empty(type, 0), Violation.FCGI_APPLICATION_RECORD_ON_NULL_ID);
    }

    @Test
    void beginRequestOnNullId() {
        assertRejects(DEFAULTS, begin(0, FCGI_RESPONDER, 0), Violation.FCGI_APPLICATION_RECORD_ON_NULL_ID);
    }

    @Test
    void getValuesOnARequestId() {
        assertRejects(DEFAULTS, empty(FCGI_GET_VALUES, 1), Violation.FCGI_MANAGEMENT_RECORD_ON_REQUEST_ID);
    }

    @ParameterizedTest
    @ValueSource(ints = {FCGI_END_REQUEST, FCGI_STDOUT, FCGI_STDERR, FCGI_GET_VALUES_RESULT, FCGI_UNKNOWN_TYPE})
    void recordsOnlyAnApplicationSends(int type) {
        assertRejects(DEFAULTS, empty(type, 1), Violation.FCGI_UNEXPECTED_RECORD_TYPE);
    }

    @Test
    void duplicateRequestId() {
        assertRejects(DEFAULTS, concat(begin(1, FCGI_RESPONDER, 0), begin(1, FCGI_RESPONDER, 0)),
                Violation.FCGI_DUPLICATE_REQUEST_ID);
    }

    @Test
    void tooManyRequests() throws ProtocolException {
        Supplier<FcgiDecoder> two = with(l -> l.setMaxMultiplexedRequests(2));
        assertFcgi(two, concat(begin(1, FCGI_RESPONDER, 0), begin(2, FCGI_RESPONDER, 0)),
                new BeginRequest(1, FCGI_RESPONDER, 0), new BeginRequest(2, FCGI_RESPONDER, 0));
        assertRejects(two, concat(begin(1, FCGI_RESPONDER, 0), begin(2, FCGI_RESPONDER, 0),
                begin(3, FCGI_RESPONDER, 0)), Violation.FCGI_TOO_MANY_REQUESTS);
    }

    @Test
    void stdinBeforeParamsEnded() {
        assertRejects(DEFAULTS, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_STDIN, 1, latin1("x"))),
                Violation.FCGI_STREAM_OUT_OF_ORDER);
    }

    @Test
    void paramsAfterTheirEnd() {
        assertRejects(DEFAULTS, concat(begin(1, FCGI_RESPONDER, 0), empty(FCGI_PARAMS, 1), empty(FCGI_PARAMS, 1)),
                Violation.FCGI_STREAM_OUT_OF_ORDER);
    }

    @Test
    void stdinAfterItsEnd() {
        assertRejects(DEFAULTS, concat(begin(1, FCGI_RESPONDER, 0), empty(FCGI_PARAMS, 1), empty(FCGI_STDIN, 1),
                record(FCGI_STDIN, 1, latin1("x"))), Violation.FCGI_STREAM_OUT_OF_ORDER);
    }

    @Test
    void dataAfterItsEnd() {
        assertRejects(DEFAULTS, concat(begin(1, FCGI_FILTER, 0), empty(FCGI_PARAMS, 1), empty(FCGI_DATA, 1),
                empty(FCGI_DATA, 1)), Violation.FCGI_STREAM_OUT_OF_ORDER);
    }

    @Test
    void paramsEndInTheMiddleOfAPair() {
        byte[] cut = Arrays.copyOf(pairs("NAME", "value"), 6);
        assertRejects(DEFAULTS, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, cut), empty(FCGI_PARAMS, 1)),
                Violation.FCGI_PARAMS_TRUNCATED);
        byte[] halfLength = {(byte) 0x80, 0};
        assertRejects(DEFAULTS, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, halfLength),
                empty(FCGI_PARAMS, 1)), Violation.FCGI_PARAMS_TRUNCATED);
    }

    @Test
    void getValuesEndInTheMiddleOfAPair() {
        assertRejects(DEFAULTS, record(FCGI_GET_VALUES, 0, new byte[] {5, 0, 'A'}), Violation.FCGI_PARAMS_TRUNCATED);
    }

    /** Refused from the record header: not one byte of the oversized content needs to arrive or be buffered. */
    @Test
    void paramsTooLarge() throws ProtocolException {
        Supplier<FcgiDecoder> small = with(l -> l.setMaxParamsBytes(16));
        byte[] sixteen = pairs("ABCDEFGHIJKLM", "o");
        assertEquals(16, sixteen.length);
        assertFcgi(small, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, sixteen), empty(FCGI_PARAMS, 1)),
                new BeginRequest(1, FCGI_RESPONDER, 0), new Params(1, env("ABCDEFGHIJKLM", "o")));
        byte[] header = Arrays.copyOf(record(FCGI_PARAMS, 1, new byte[17]), 8);
        ProtocolException e = assertRejects(small, concat(begin(1, FCGI_RESPONDER, 0), header),
                Violation.PARAMS_TOO_LARGE);
        assertEquals(431, e.statusHint());
        // Counted across records, too.
        assertRejects(small, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, sixteen),
                Arrays.copyOf(record(FCGI_PARAMS, 1, new byte[1]), 8)), Violation.PARAMS_TOO_LARGE);
    }

    @Test
    void tooManyParams() throws ProtocolException {
        Supplier<FcgiDecoder> two = with(l -> l.setMaxParamsCount(2));
        assertFcgi(two, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, pairs("A", "1", "B", "2")),
                empty(FCGI_PARAMS, 1)), new BeginRequest(1, FCGI_RESPONDER, 0), new Params(1, env("A", "1", "B", "2")));
        ProtocolException e = assertRejects(two, concat(begin(1, FCGI_RESPONDER, 0),
                record(FCGI_PARAMS, 1, pairs("A", "1", "B", "2", "C", "3"))), Violation.TOO_MANY_PARAMS);
        assertEquals(431, e.statusHint());
    }

    @Test
    void nameTooLong() throws ProtocolException {
        Supplier<FcgiDecoder> four = with(l -> l.setMaxParamNameLength(4));
        assertFcgi(four, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, pairs("ABCD", "")),
                empty(FCGI_PARAMS, 1)), new BeginRequest(1, FCGI_RESPONDER, 0), new Params(1, env("ABCD", "")));
        assertRejects(four, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, pairs("ABCDE", ""))),
                Violation.PARAM_NAME_TOO_LONG);
    }

    @Test
    void valueTooLong() throws ProtocolException {
        Supplier<FcgiDecoder> four = with(l -> l.setMaxParamValueLength(4));
        assertFcgi(four, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, pairs("A", "1234")),
                empty(FCGI_PARAMS, 1)), new BeginRequest(1, FCGI_RESPONDER, 0), new Params(1, env("A", "1234")));
        assertRejects(four, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, pairs("A", "12345"))),
                Violation.PARAM_VALUE_TOO_LONG);
    }

    @Test
    void emptyName() {
        assertRejects(DEFAULTS, concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, new byte[] {0, 1, 'x'})),
                Violation.PARAM_NAME_EMPTY);
    }

    @Test
    void closedInTheMiddleOfAHeader() throws ProtocolException {
        ProtocolException e = assertRejectsAtEnd(DEFAULTS, Arrays.copyOf(begin(1, FCGI_RESPONDER, 0), 5),
                Violation.PREMATURE_END);
        assertTrue(e.getMessage().contains("after 5 of 8 bytes of a record header"), e.getMessage());
    }

    @Test
    void closedInTheMiddleOfContent() throws ProtocolException {
        byte[] input = concat(begin(1, FCGI_RESPONDER, 0), empty(FCGI_PARAMS, 1),
                Arrays.copyOf(record(FCGI_STDIN, 1, latin1("abcdef")), 11));
        ProtocolException e = assertRejectsAtEnd(DEFAULTS, input, Violation.PREMATURE_END);
        assertTrue(e.getMessage().contains("after 3 of 6 content bytes of an FCGI_STDIN record of request 1"),
                e.getMessage());
        assertRejectsAtEnd(DEFAULTS, Arrays.copyOf(begin(1, FCGI_RESPONDER, 0), 12), Violation.PREMATURE_END);
    }

    @Test
    void closedInTheMiddleOfPadding() throws ProtocolException {
        byte[] input = Arrays.copyOf(concat(begin(1, FCGI_RESPONDER, 0), record(FCGI_PARAMS, 1, pairs("A", "b"), 5)),
                16 + 8 + 3 + 2);
        ProtocolException e = assertRejectsAtEnd(DEFAULTS, input, Violation.PREMATURE_END);
        assertTrue(e.getMessage().contains("padding"), e.getMessage());
    }

    @Test
    void errorsAreSticky() {
        FcgiDecoder decoder = DEFAULTS.get();
        byte[] bad = begin(1, FCGI_RESPONDER, 0);
        bad[0] = 0;
        ProtocolException first = assertThrows(ProtocolException.class, () -> decoder.decode(buffer(bad)));
        ByteBuffer good = buffer(begin(2, FCGI_RESPONDER, 0));
        assertEquals(first, assertThrows(ProtocolException.class, () -> decoder.decode(good)));
        assertEquals(16, good.remaining(), "nothing more is consumed after a violation");
    }
}
