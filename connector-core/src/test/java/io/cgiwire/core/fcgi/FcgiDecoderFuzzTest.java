package io.cgiwire.core.fcgi;

import static io.cgiwire.core.Fuzzing.MAX_MULTIPLEXED_REQUESTS;
import static io.cgiwire.core.Fuzzing.MAX_NAME_LENGTH;
import static io.cgiwire.core.Fuzzing.MAX_PARAMS_BYTES;
import static io.cgiwire.core.Fuzzing.MAX_PARAMS_COUNT;
import static io.cgiwire.core.Fuzzing.MAX_VALUE_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FcgiDecoder} driven the way an adapter drives it, on any bytes in any split (input layout: {@link Fuzzing}).
 *
 * <p>The simulated adapter decodes until null after every read, reacts to events as the Jetty adapter does (ends a
 * request when it refuses it, when its params do not map, when its STDIN ends) or, as the policy byte says, earlier
 * or later: at its params, or between two reads while more of its records may still arrive. Properties:
 * <ul>
 * <li>only {@link ProtocolException} escapes, and it is sticky (the same instance from every later call);
 * <li>the same bytes give the same events however they are split: the fuzzer's split, the split only where the
 *     adapter ended requests between reads, and (for short inputs) one byte at a time, with the same ends at the same
 *     offsets, agree on the events (data merged) and on the violation;
 * <li>events respect the request life cycle: BeginRequest only for an inactive id, every other request event only
 *     for an id the adapter has not ended;
 * <li>memory is bounded by the limits: every Params environment within maxParamsBytes, maxParamsCount and the name
 *     and value lengths, at most maxMultiplexedRequests ids active, and what the decoder keeps between reads
 *     ({@link RetainedSize}) under a bound computed from the limits alone;
 * <li>no hang: each input has {@value #TIMEOUT_SECONDS} s, and a decoder never returns more events than bytes.
 * </ul>
 */
class FcgiDecoderFuzzTest {
    static final int TIMEOUT_SECONDS = 10;
    /** BeginRequest while another request is in service: refuse it (FCGI_CANT_MPX_CONN), as the Jetty adapter does. */
    static final int REFUSE_SECOND = 1;
    /** BeginRequest for a role other than FCGI_RESPONDER: refuse it (FCGI_UNKNOWN_ROLE). */
    static final int REFUSE_ROLES = 1 << 1;
    /** Params: the servlet answers without reading the body; the request ends before its STDIN does. */
    static final int END_AT_PARAMS = 1 << 2;
    /** StdinEnd: the response completes later, at the next read boundary, not at once. */
    static final int END_LATER = 1 << 3;
    /** Every read boundary: the oldest request in service completes, whatever its STDIN is doing. */
    static final int END_BETWEEN_READS = 1 << 4;
    /** AbortRequest: end the request (spec 5.4 still wants FCGI_END_REQUEST). */
    static final int END_AT_ABORT = 1 << 5;

    /**
     * What the decoder may keep between reads with {@link Fuzzing#limits()}: per request id its params (chars, an
     * array slot and a String per pair) and its codec's scratch and remembered values; one FCGI_GET_VALUES record (at
     * most 64 KiB); slack for the fixed fields. Nothing in it grows with the bytes a peer sends.
     */
    static final long RETAINED_BOUND = MAX_MULTIPLEXED_REQUESTS
            * (2L * MAX_PARAMS_BYTES + 96L * MAX_PARAMS_COUNT + MAX_VALUE_LENGTH + 1024
                    + NameValueCodec.MAX_RECENT_RETAINED)
            + 2 * 65536 + 96L * MAX_PARAMS_COUNT + 4096 + NameValueCodec.MAX_RECENT_RETAINED;
    /** Inputs up to this long are also fed one byte at a time. */
    static final int BYTEWISE_MAX = 4096;

    @Timeout(TIMEOUT_SECONDS)
    @FuzzTest(maxDuration = "25s")
    void decode(byte[] input) {
        Fuzzing.Input in = Fuzzing.Input.of(input);

        Adapter split = new Adapter(in, null);
        split.run(in.chunks());

        // The reference: cut only where the adapter ended requests between reads, doing the same there.
        TreeSet<Long> offsets = new TreeSet<>();
        for (long[] end : split.endsBetweenReads) {
            offsets.add(end[0]);
        }
        Adapter reference = new Adapter(in, split.endsBetweenReads);
        reference.run(Fuzzing.cutAt(in.stream(), new ArrayList<>(offsets)));
        assertSameOutcome(reference, split, "fuzzer's split");

        if (in.stream().length <= BYTEWISE_MAX) {
            Adapter bytewise = new Adapter(in, split.endsBetweenReads);
            bytewise.run(Fuzzing.cut(in.stream(), new int[] {1}));
            assertSameOutcome(reference, bytewise, "one byte at a time");
        }
    }

    private static void assertSameOutcome(Adapter expected, Adapter actual, String how) {
        assertEquals(merge(expected.events), merge(actual.events), how + ": events");
        assertEquals(violation(expected.failure), violation(actual.failure), how + ": violation");
        assertEquals(expected.failedAtEnd, actual.failedAtEnd, how + ": failed at end of input");
    }

    private static Violation violation(ProtocolException e) {
        return e == null ? null : e.violation();
    }

    /** The adapter's side: what it knows of each request id, and how it reacts. */
    private static final class Adapter {
        private final FcgiDecoder decoder = new FcgiDecoder(Fuzzing.limits());
        private final Fuzzing.Input input;
        /** Ends to replay at read boundaries ({offset, id}), or null to decide them by the policy and record them. */
        private final List<long[]> replay;
        final List<long[]> endsBetweenReads = new ArrayList<>();
        final List<FcgiEvent> events = new ArrayList<>();
        /** Ids whose BeginRequest came and that the adapter has not ended, in order. */
        private final Set<Integer> active = new LinkedHashSet<>();
        /** Active ids the adapter accepted and whose Params it mapped: a servlet is on them. */
        private final Set<Integer> serving = new LinkedHashSet<>();
        private final Set<Integer> refused = new LinkedHashSet<>();
        /** Serving ids whose STDIN ended, waiting to complete at the next read boundary (END_LATER). */
        private final Set<Integer> completing = new LinkedHashSet<>();
        private long offset;
        ProtocolException failure;
        boolean failedAtEnd;

        Adapter(Fuzzing.Input input, List<long[]> replay) {
            this.input = input;
            this.replay = replay;
        }

        void run(List<ByteBuffer> chunks) {
            try {
                for (int i = 0; i < chunks.size(); i++) {
                    read(chunks.get(i));
                    betweenReads();
                    if (replay == null && Fuzzing.measured(i, chunks.size())) {
                        long retained = RetainedSize.of(decoder);
                        assertTrue(retained <= RETAINED_BOUND, "the decoder keeps " + retained
                                + " bytes after " + offset + " bytes in, more than its limits allow: "
                                + RETAINED_BOUND);
                    }
                }
            } catch (ProtocolException e) {
                failure = e;
                assertSticky(e);
                return;
            }
            try {
                decoder.endOfInput();
            } catch (ProtocolException e) {
                failure = e;
                failedAtEnd = true;
                assertSticky(e);
            }
        }

        private void read(ByteBuffer chunk) throws ProtocolException {
            int length = chunk.remaining();
            int eventsBefore = events.size();
            for (FcgiEvent event; (event = decoder.decode(chunk)) != null; ) {
                events.add(event);
                onEvent(event);
                assertTrue(events.size() - eventsBefore <= length, "more events than bytes: a loop?");
            }
            assertEquals(0, chunk.remaining(), "null returned before the chunk was consumed");
            offset += length;
            assertTrue(decoder.activeRequests() <= MAX_MULTIPLEXED_REQUESTS, "too many active requests");
        }

        private void onEvent(FcgiEvent event) throws ProtocolException {
            int id = event.requestId();
            if (event instanceof FcgiEvent.BeginRequest begin) {
                assertTrue(id > 0 && !active.contains(id), "BeginRequest for an active id " + id);
                assertTrue(begin.role() >= 0 && begin.role() <= 0xFFFF && begin.flags() >= 0 && begin.flags() <= 0xFF);
                active.add(id);
                if (input.has(REFUSE_SECOND) && !serving.isEmpty()
                        || input.has(REFUSE_ROLES) && begin.role() != Fcgi.FCGI_RESPONDER) {
                    refused.add(id);
                    end(id);
                }
                return;
            }
            if (event instanceof FcgiEvent.GetValues values) {
                assertTrue(values.names().size() <= MAX_PARAMS_COUNT, "GetValues: too many names");
                for (String name : values.names()) {
                    assertTrue(!name.isEmpty() && name.length() <= MAX_NAME_LENGTH, "GetValues: name length");
                    Fuzzing.assertLatin1("a GetValues name", name);
                }
                return;
            }
            if (event instanceof FcgiEvent.UnknownType unknown) {
                assertTrue(id == 0 || active.contains(id), "UnknownType for an inactive id " + id);
                assertTrue(unknown.type() == 0 || unknown.type() > Fcgi.FCGI_UNKNOWN_TYPE, "a known type as unknown");
                return;
            }
            assertTrue(active.contains(id), event + " for an id that is not active");
            if (event instanceof FcgiEvent.Params params) {
                assertWithinLimits(params.params());
                if (refused.contains(id)) {
                    return;
                }
                try {
                    CgiRequestMapper.map(params.params());
                } catch (ProtocolException e) {
                    // The adapter answers 4xx itself and ends the request.
                    end(id);
                    return;
                }
                serving.add(id);
                if (input.has(END_AT_PARAMS)) {
                    end(id);
                }
            } else if (event instanceof FcgiEvent.Stdin stdin) {
                assertData(stdin.data());
            } else if (event instanceof FcgiEvent.Data data) {
                assertData(data.data());
            } else if (event instanceof FcgiEvent.StdinEnd) {
                if (serving.contains(id)) {
                    if (input.has(END_LATER)) {
                        completing.add(id);
                    } else {
                        end(id);
                    }
                }
            } else if (event instanceof FcgiEvent.AbortRequest) {
                if (input.has(END_AT_ABORT)) {
                    end(id);
                }
            }
        }

        /** A read boundary: where a response may complete on another thread. */
        private void betweenReads() {
            if (replay != null) {
                for (long[] end : replay) {
                    if (end[0] == offset) {
                        end((int) end[1]);
                    }
                }
                return;
            }
            for (Integer id : new ArrayList<>(completing)) {
                endBetweenReads(id);
            }
            if (input.has(END_BETWEEN_READS) && !serving.isEmpty()) {
                endBetweenReads(serving.iterator().next());
            }
        }

        private void endBetweenReads(int id) {
            endsBetweenReads.add(new long[] {offset, id});
            end(id);
        }

        private void end(int id) {
            assertTrue(decoder.endRequest(id), "endRequest(" + id + ") of an active id returned false");
            active.remove(id);
            serving.remove(id);
            refused.remove(id);
            completing.remove(id);
        }

        private void assertSticky(ProtocolException e) {
            assertSame(e, assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.allocate(0))));
            assertSame(e, assertThrows(ProtocolException.class, () -> decoder.decode(ByteBuffer.wrap(new byte[8]))));
            assertSame(e, assertThrows(ProtocolException.class, decoder::endOfInput));
        }
    }

    static void assertWithinLimits(CgiEnvironment env) {
        assertTrue(env.size() <= MAX_PARAMS_COUNT, "Params: " + env.size() + " pairs");
        long chars = 0;
        for (int i = 0; i < env.size(); i++) {
            String name = env.name(i);
            String value = env.value(i);
            assertTrue(!name.isEmpty() && name.length() <= MAX_NAME_LENGTH, "Params: name of " + name.length());
            assertTrue(value.length() <= MAX_VALUE_LENGTH, "Params: value of " + value.length());
            Fuzzing.assertLatin1("a Params name", name);
            Fuzzing.assertLatin1("a Params value", value);
            chars += name.length() + value.length();
        }
        assertTrue(chars <= MAX_PARAMS_BYTES, "Params: " + chars + " chars");
    }

    private static void assertData(ByteBuffer data) {
        assertTrue(data.isReadOnly(), "data must be a read-only view");
        assertTrue(data.hasRemaining() && data.remaining() <= Fcgi.FCGI_MAX_CONTENT_LENGTH, "data of "
                + data.remaining() + " bytes");
    }

    /** Adjacent data events of one stream merged: how bytes are sliced into them depends on the split. */
    static List<FcgiEvent> merge(List<FcgiEvent> events) {
        List<FcgiEvent> merged = new ArrayList<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        FcgiEvent last = null;
        for (FcgiEvent event : events) {
            boolean isData = event instanceof FcgiEvent.Stdin || event instanceof FcgiEvent.Data;
            if (last != null && !(isData && event.getClass() == last.getClass()
                    && event.requestId() == last.requestId())) {
                merged.add(withData(last, data));
                last = null;
            }
            if (isData) {
                data.writeBytes(Fuzzing.bytes(event instanceof FcgiEvent.Stdin s ? s.data()
                        : ((FcgiEvent.Data) event).data()));
                last = event;
            } else {
                merged.add(event);
            }
        }
        if (last != null) {
            merged.add(withData(last, data));
        }
        return merged;
    }

    private static FcgiEvent withData(FcgiEvent event, ByteArrayOutputStream data) {
        ByteBuffer bytes = ByteBuffer.wrap(data.toByteArray());
        data.reset();
        return event instanceof FcgiEvent.Stdin ? new FcgiEvent.Stdin(event.requestId(), bytes)
                : new FcgiEvent.Data(event.requestId(), bytes);
    }
}
