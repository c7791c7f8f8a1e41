package io.cgiwire.core.fcgi;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cgiwire.core.Fuzzing;
import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.GatewaySessionFuzzing;
import io.cgiwire.core.GatewayTrust;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FcgiSession} driven as an adapter drives it, on any bytes in any split: the properties of
 * {@link GatewaySessionFuzzing} (input layout: {@link Fuzzing}; policy bits: the constants there). Shares its seeds
 * with {@link FcgiDecoderFuzzTest}, whose inputs have the same layout.
 */
class FcgiSessionFuzzTest {
    static final int TIMEOUT_SECONDS = 10;

    @Timeout(TIMEOUT_SECONDS)
    @FuzzTest(maxDuration = "25s")
    void serve(byte[] input) {
        GatewaySessionFuzzing.check(input,
                () -> new FcgiSession(Fuzzing.limits(), new GatewayTrust(), new GatewayMetrics("FastCGI"), null,
                        null, () -> 0L, 10, 20), true);
    }
}
