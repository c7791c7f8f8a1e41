package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cgiwire.core.HostileInputs.Hostile;
import io.cgiwire.core.cgi.CgiRequestMapper;
import io.cgiwire.core.fcgi.FcgiDecoder;
import io.cgiwire.core.fcgi.FcgiEvent;
import io.cgiwire.core.scgi.ScgiDecoder;
import io.cgiwire.core.scgi.ScgiEvent;
import java.nio.ByteBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each input the adapters' tests send ends in its violation, decoded and mapped as an adapter does. */
class HostileInputsTest {
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.cgiwire.core.HostileInputs#fastCgi")
    void fastCgi(Hostile hostile) {
        FcgiDecoder decoder = new FcgiDecoder(new GatewayLimits());
        ByteBuffer in = ByteBuffer.wrap(hostile.bytes());
        ProtocolException e = assertThrows(ProtocolException.class, () -> {
            for (FcgiEvent event; (event = decoder.decode(in)) != null; ) {
                if (event instanceof FcgiEvent.Params params) {
                    CgiRequestMapper.map(params.params());
                }
            }
        });
        assertEquals(hostile.violation(), e.violation());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.cgiwire.core.HostileInputs#scgi")
    void scgi(Hostile hostile) {
        ScgiDecoder decoder = new ScgiDecoder(new GatewayLimits());
        ByteBuffer in = ByteBuffer.wrap(hostile.bytes());
        ProtocolException e = assertThrows(ProtocolException.class, () -> {
            for (ScgiEvent event; (event = decoder.decode(in)) != null; ) {
                if (event instanceof ScgiEvent.Headers headers) {
                    CgiRequestMapper.map(headers.environment());
                }
                if (event instanceof ScgiEvent.End) {
                    break;
                }
            }
        });
        assertEquals(hostile.violation(), e.violation());
    }
}
