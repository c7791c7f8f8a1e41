package io.cgiwire.core.scgi;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cgiwire.core.Fuzzing;
import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.GatewaySessionFuzzing;
import io.cgiwire.core.GatewayTrust;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ScgiSession} driven as an adapter drives it, on any bytes in any split: the properties of
 * {@link GatewaySessionFuzzing} (input layout: {@link Fuzzing}; policy bits: the constants there). Shares its seeds
 * with {@link ScgiDecoderFuzzTest}, whose inputs have the same layout.
 */
class ScgiSessionFuzzTest {
    static final int TIMEOUT_SECONDS = 10;

    @Timeout(TIMEOUT_SECONDS)
    @FuzzTest(maxDuration = "25s")
    void serve(byte[] input) {
        GatewaySessionFuzzing.check(input,
                () -> new ScgiSession(Fuzzing.limits(), new GatewayTrust(), new GatewayMetrics("SCGI"), null,
                        null, () -> 0L), false);
    }
}
