package io.cgiwire.tomcat;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_RESPONDER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cgiwire.core.HostileInputs.Hostile;
import io.cgiwire.core.RawClient;
import java.util.List;
import org.apache.catalina.connector.Connector;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each decoder violation through a real connection: the connection answers it with the violation's status where
 * the protocol still allows (else closes unanswered), ends, and logs it once; a request in flight on another
 * connection is not disturbed.
 */
@Timeout(60)
class HostileInputsTest {
    static void assertLoggedOnce(Hostile hostile, List<String> warnings) {
        assertEquals(1, warnings.stream().filter(m -> m.contains(hostile.violation().name() + ": ")).count(),
                warnings::toString);
    }

    @Nested
    class Fcgi extends ProtocolTestBase {
        @Override
        Class<FcgiNioProtocol> protocol() {
            return FcgiNioProtocol.class;
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.cgiwire.core.HostileInputs#fastCgi")
        void endsThatConnectionOnly(Hostile hostile) throws Exception {
            try (RawClient bad = client(); RawClient good = client()) {
                good.write(RawClient.begin(1, FCGI_RESPONDER, FCGI_KEEP_CONN));
                hostile.assertRefusedOn(bad);
                good.write(RawClient.params(1, RawClient.get("/hello")));
                good.write(RawClient.stream(FCGI_STDIN, 1, new byte[0]));
                assertEquals("Hello\n", good.readResponse(1).text());
            }
            assertLoggedOnce(hostile, warningMessages());
        }
    }

    /** The same on a connector that multiplexes: the violation is met by the connection's reader, not a request's. */
    @Nested
    class MultiplexedFcgi extends Fcgi {
        @Override
        void configure(Connector c) {
            c.setProperty("multiplexing", "true");
        }
    }

    @Nested
    class Scgi extends ProtocolTestBase {
        @Override
        Class<ScgiNioProtocol> protocol() {
            return ScgiNioProtocol.class;
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("io.cgiwire.core.HostileInputs#scgi")
        void endsThatConnectionOnly(Hostile hostile) throws Exception {
            try (RawClient bad = client(); RawClient good = client()) {
                byte[] request = RawClient.scgi(RawClient.get("/hello"), new byte[0]);
                good.write(java.util.Arrays.copyOf(request, 10));
                hostile.assertRefusedOn(bad);
                good.write(java.util.Arrays.copyOfRange(request, 10, request.length));
                assertEquals("Hello\n", good.readToEnd().text());
            }
            assertLoggedOnce(hostile, warningMessages());
        }
    }
}
