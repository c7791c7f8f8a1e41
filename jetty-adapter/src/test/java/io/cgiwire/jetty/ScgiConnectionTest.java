package io.cgiwire.jetty;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.GatewayParitySuite;
import io.cgiwire.core.RawClient;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import org.eclipse.jetty.server.ConnectionFactory;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SCGI connection on a real Jetty server over loopback: the parity suite, then the factory's peer check. */
@Timeout(30)
class ScgiConnectionTest extends ConnectionTestBase {
    @Override
    protected ConnectionFactory factory() {
        return new ScgiConnectionFactory();
    }

    @Nested
    class Parity extends GatewayParitySuite.Scgi {
        @Override
        protected RawClient client() throws IOException {
            return ScgiConnectionTest.this.client();
        }

        @Override
        protected BlockingQueue<Throwable> failures() {
            return handler.failures;
        }

        /** Jetty's connections log through Jetty's logger, which these tests do not capture. */
        @Override
        protected void assertLogged(String text, int times) {
        }

        @Override
        protected String clientsRequestInfo() {
            return "uri=http://example.com:8080/info\ncontentLength=0\n";
        }
    }

    @Test
    void aPeerNotInAllowedPeersIsClosedUnanswered() throws Exception {
        connector.getConnectionFactory(ScgiConnectionFactory.class).setAllowedPeers("192.0.2.1, 10.0.0.0/8");
        try (RawClient c = client()) {
            c.write(RawClient.scgi(RawClient.get("/hello"), new byte[0]));
            assertTrue(c.closedByServer());
        }
    }
}
