package io.cgiwire.core.scgi;

import static io.cgiwire.core.Fuzzing.MAX_NAME_LENGTH;
import static io.cgiwire.core.Fuzzing.MAX_PARAMS_BYTES;
import static io.cgiwire.core.Fuzzing.MAX_PARAMS_COUNT;
import static io.cgiwire.core.Fuzzing.MAX_VALUE_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cgiwire.core.Fuzzing;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.RetainedSize;
import io.cgiwire.core.Violation;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.cgi.CgiRequestMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ScgiDecoder} on any bytes in any split (input layout: {@link Fuzzing}; the policy byte is unused), driven as
 * the Jetty adapter drives it: decode until null after every read, map the headers, end of input after the last read.
 * Properties:
 * <ul>
 * <li>only {@link ProtocolException} escapes, and it is sticky;
 * <li>the same bytes give the same events (body merged) and the same violation fed whole, in the fuzzer's split and
 *     (for short inputs) one byte at a time;
 * <li>the events are Headers, then Body slices adding up to exactly CONTENT_LENGTH, then End, and nothing after;
 * <li>memory is bounded by the limits: the header block within maxScgiHeaderBytes, maxParamsCount and the name and
 *     value lengths, with CONTENT_LENGTH first and SCGI=1, and what the decoder keeps between reads
 *     ({@link RetainedSize}) under a bound computed from the limits alone;
 * <li>no hang: each input has {@value #TIMEOUT_SECONDS} s, and a decoder never returns more events than bytes + 1.
 * </ul>
 */
class ScgiDecoderFuzzTest {
    static final int TIMEOUT_SECONDS = 10;
    /** The header block (twice: a scratch copy may still be held when its strings are made), a String per header. */
    static final long RETAINED_BOUND = 2L * MAX_PARAMS_BYTES + 2 * 96L * MAX_PARAMS_COUNT + 4096;
    static final int BYTEWISE_MAX = 4096;

    @Timeout(TIMEOUT_SECONDS)
    @FuzzTest(maxDuration = "25s")
    void decode(byte[] input) {
        Fuzzing.Input in = Fuzzing.Input.of(input);
        Run whole = new Run(true);
        whole.run(Fuzzing.cut(in.stream(), new int[0]));
        Run split = new Run(true);
        split.run(in.chunks());
        assertSameOutcome(whole, split, "fuzzer's split");
        if (in.stream().length <= BYTEWISE_MAX) {
            Run bytewise = new Run(false);
            bytewise.run(Fuzzing.cut(in.stream(), new int[] {1}));
            assertSameOutcome(whole, bytewise, "one byte at a time");
        }
    }

    private static void assertSameOutcome(Run expected, Run actual, String how) {
        assertEquals(merge(expected.events), merge(actual.events), how + ": events");
        assertEquals(violation(expected.failure), violation(actual.failure), how + ": violation");
        assertEquals(expected.failedAtEnd, actual.failedAtEnd, how + ": failed at end of input");
    }

    private static Violation violation(ProtocolException e) {
        return e == null ? null : e.violation();
    }

    private static final class Run {
        private final ScgiDecoder decoder = new ScgiDecoder(Fuzzing.limits());
        private final boolean measure;
        final List<ScgiEvent> events = new ArrayList<>();
        private long contentLength = -1;
        private long bodyBytes;
        private boolean ended;
        ProtocolException failure;
        boolean failedAtEnd;

        Run(boolean measure) {
            this.measure = measure;
        }

        void run(List<ByteBuffer> chunks) {
            long offset = 0;
            try {
                for (int i = 0; i < chunks.size(); i++) {
                    ByteBuffer chunk = chunks.get(i);
                    int length = chunk.remaining();
                    int eventsBefore = events.size();
                    for (ScgiEvent event; (event = decoder.decode(chunk)) != null; ) {
                        events.add(event);
                        onEvent(event);
                        assertTrue(events.size() - eventsBefore <= length + 1, "more events than bytes: a loop?");
                    }
                    assertEquals(0, chunk.remaining(), "null returned before the chunk was consumed");
                    offset += length;
                    if (measure && Fuzzing.measured(i, chunks.size())) {
                        long retained = RetainedSize.of(decoder);
                        assertTrue(retained <= RETAINED_BOUND, "the decoder keeps " + retained + " bytes after "
                                + offset + " bytes in, more than its limits allow: " + RETAINED_BOUND);
                    }
                }
            } catch (ProtocolException e) {
                failure = e;
                assertSticky(e);
                return;
            }
            try {
                decoder.endOfInput();
                assertTrue(events.isEmpty() || ended, "end of input accepted before the body was complete");
            } catch (ProtocolException e) {
                failure = e;
                failedAtEnd = true;
                assertEquals(Violation.PREMATURE_END, e.violation());
                assertSticky(e);
            }
        }

        private void onEvent(ScgiEvent event) {
            assertTrue(!ended, "an event after End: " + event);
            if (event instanceof ScgiEvent.Headers headers) {
                assertEquals(-1, contentLength, "a second Headers");
                contentLength = headers.contentLength();
                assertTrue(contentLength >= 0);
                CgiEnvironment env = headers.environment();
                assertWithinLimits(env);
                assertEquals("CONTENT_LENGTH", env.name(0));
                assertEquals("1", env.get("SCGI"));
                try {
                    CgiRequestMapper.map(env);
                } catch (ProtocolException e) {
                    // The adapter answers 4xx and closes; the decoder is still fed here, to reach its later states.
                }
                return;
            }
            assertTrue(contentLength >= 0, "a body event before the headers");
            if (event instanceof ScgiEvent.Body body) {
                assertTrue(body.data().isReadOnly() && body.data().hasRemaining(), "a Body slice");
                bodyBytes += body.data().remaining();
                assertTrue(bodyBytes <= contentLength, "more body than CONTENT_LENGTH");
            } else {
                assertInstanceOf(ScgiEvent.End.class, event);
                assertEquals(contentLength, bodyBytes, "End before CONTENT_LENGTH bytes");
                ended = true;
            }
        }

        private void assertSticky(ProtocolException e) {
            assertSame(e, assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.allocate(0))));
            assertSame(e, assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(new byte[1]))));
            assertSame(e, assertThrows(ProtocolException.class, decoder::endOfInput));
        }
    }

    private static void assertWithinLimits(CgiEnvironment env) {
        assertTrue(env.size() >= 2 && env.size() <= MAX_PARAMS_COUNT, "Headers: " + env.size() + " pairs");
        long bytes = 0;
        for (int i = 0; i < env.size(); i++) {
            String name = env.name(i);
            String value = env.value(i);
            assertTrue(!name.isEmpty() && name.length() <= MAX_NAME_LENGTH, "Headers: name of " + name.length());
            assertTrue(value.length() <= MAX_VALUE_LENGTH, "Headers: value of " + value.length());
            assertTrue(name.indexOf('\0') < 0 && value.indexOf('\0') < 0, "Headers: a NUL inside a string");
            Fuzzing.assertLatin1("a header name", name);
            Fuzzing.assertLatin1("a header value", value);
            bytes += name.length() + value.length() + 2;
        }
        assertTrue(bytes <= MAX_PARAMS_BYTES, "Headers: " + bytes + " bytes");
    }

    /** Adjacent Body events merged: how the body is sliced depends on the split. */
    static List<ScgiEvent> merge(List<ScgiEvent> events) {
        List<ScgiEvent> merged = new ArrayList<>();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (ScgiEvent event : events) {
            if (event instanceof ScgiEvent.Body b) {
                body.writeBytes(Fuzzing.bytes(b.data()));
                continue;
            }
            if (body.size() > 0) {
                merged.add(new ScgiEvent.Body(ByteBuffer.wrap(body.toByteArray())));
                body.reset();
            }
            merged.add(event);
        }
        if (body.size() > 0) {
            merged.add(new ScgiEvent.Body(ByteBuffer.wrap(body.toByteArray())));
        }
        return merged;
    }
}
