package io.cgiwire.core.fcgi;

import static io.cgiwire.core.Fuzzing.MAX_NAME_LENGTH;
import static io.cgiwire.core.Fuzzing.MAX_PARAMS_COUNT;
import static io.cgiwire.core.Fuzzing.MAX_VALUE_LENGTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cgiwire.core.Fuzzing;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.RetainedSize;
import io.cgiwire.core.Violation;
import io.cgiwire.core.cgi.CgiEnvironment;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * {@link NameValueCodec} on any bytes in any split (input layout: {@link Fuzzing}; the policy byte is unused).
 * Properties: only {@link ProtocolException} escapes; the same pairs and the same violation fed whole, in the
 * fuzzer's split and one byte at a time; every pair within the limits it was built with; its scratch never larger
 * than the longest field it allows; a reset codec decodes the same stream the same way again; and what it decoded
 * survives {@link NameValueCodec#encode} and a second decode unchanged.
 */
class NameValueCodecFuzzTest {
    static final int TIMEOUT_SECONDS = 10;
    /** Its scratch, the values it remembers (see {@link NameValueCodec#MAX_RECENT_BYTES}), slack for the fields. */
    static final long RETAINED_BOUND = MAX_VALUE_LENGTH + 1024 + NameValueCodec.MAX_RECENT_RETAINED;

    @Timeout(TIMEOUT_SECONDS)
    @FuzzTest(maxDuration = "25s")
    void decode(byte[] input) {
        Fuzzing.Input in = Fuzzing.Input.of(input);
        NameValueCodec codec = codec();
        Outcome whole = decode(codec, Fuzzing.cut(in.stream(), new int[0]));
        assertEquals(whole, decode(codec(), in.chunks()), "fuzzer's split");
        assertEquals(whole, decode(codec(), Fuzzing.cut(in.stream(), new int[] {1})), "one byte at a time");
        codec.reset();
        assertEquals(whole, decode(codec, in.chunks()), "after reset");

        if (whole.violation == null && whole.atBoundary) {
            Outcome again = decode(codec(), List.of(ByteBuffer.wrap(NameValueCodec.encode(whole.env))));
            assertEquals(whole.env, again.env, "encode then decode");
        }
    }

    private static NameValueCodec codec() {
        return new NameValueCodec(MAX_NAME_LENGTH, MAX_VALUE_LENGTH, MAX_PARAMS_COUNT);
    }

    private record Outcome(CgiEnvironment env, Violation violation, boolean atBoundary) {
    }

    private static Outcome decode(NameValueCodec codec, List<ByteBuffer> chunks) {
        CgiEnvironment env = new CgiEnvironment();
        try {
            for (int i = 0; i < chunks.size(); i++) {
                ByteBuffer chunk = chunks.get(i);
                codec.decode(chunk, env);
                assertEquals(0, chunk.remaining(), "decode must consume all it is given");
                if (!Fuzzing.measured(i, chunks.size())) {
                    continue;
                }
                long retained = RetainedSize.of(codec);
                assertTrue(retained <= RETAINED_BOUND, "the codec keeps " + retained + " bytes");
            }
        } catch (ProtocolException e) {
            assertEquals(env.size(), codec.count(), "count() after a violation");
            return new Outcome(env, e.violation(), false);
        }
        assertEquals(env.size(), codec.count(), "count()");
        assertTrue(env.size() <= MAX_PARAMS_COUNT, env.size() + " pairs");
        for (int i = 0; i < env.size(); i++) {
            assertTrue(!env.name(i).isEmpty() && env.name(i).length() <= MAX_NAME_LENGTH, "name length");
            assertTrue(env.value(i).length() <= MAX_VALUE_LENGTH, "value length");
            Fuzzing.assertLatin1("a name", env.name(i));
            Fuzzing.assertLatin1("a value", env.value(i));
        }
        return new Outcome(env, null, codec.atPairBoundary());
    }
}
