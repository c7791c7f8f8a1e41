package io.cgiwire.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.RawClient;
import org.eclipse.jetty.server.ConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What the web server is trusted with: who may connect, which variables become attributes, who the user is. */
@Timeout(30)
class TrustOptionsTest extends ConnectionTestBase {
    private final FcgiConnectionFactory factory = new FcgiConnectionFactory();

    @Override
    protected ConnectionFactory factory() {
        return factory;
    }

    @Test
    void aPeerNotInTheListIsClosed() throws Exception {
        factory.setAllowedPeers("192.0.2.1, 10.0.0.0/8");
        try (RawClient c = client()) {
            c.write(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
            assertTrue(c.closedByServer());
        }
    }

    @Test
    void aPeerInARangeIsServed() throws Exception {
        factory.setAllowedPeers("192.0.2.1, 127.0.0.0/8");
        try (RawClient c = client()) {
            c.write(RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
            assertEquals(200, c.readResponse(1).status());
        }
    }

    /** Only the CGI variables the pattern names become attributes, under their own names. */
    @Test
    void allowedRequestAttributes() throws Exception {
        factory.setAllowedRequestAttributesPattern("SSL_.*|AUTH_TYPE");
        try (RawClient c = client()) {
            java.util.Map<String, String> params = RawClient.get("/attributes");
            params.put("SSL_CIPHER", "TLS_AES_128_GCM_SHA256");
            params.put("SSL_PROTOCOL", "TLSv1.3");
            params.put("AUTH_TYPE", "Basic");
            params.put("SECRET", "not for the app");
            c.write(RawClient.request(1, 0, params, new byte[0]));
            assertEquals("AUTH_TYPE=Basic\nSSL_CIPHER=TLS_AES_128_GCM_SHA256\nSSL_PROTOCOL=TLSv1.3\n",
                    c.readResponse(1).text());
        }
    }

    @Test
    void noAttributesByDefault() throws Exception {
        try (RawClient c = client()) {
            java.util.Map<String, String> params = RawClient.get("/attributes");
            params.put("SSL_CIPHER", "TLS_AES_128_GCM_SHA256");
            c.write(RawClient.request(1, 0, params, new byte[0]));
            assertEquals("", c.readResponse(1).text());
        }
    }

    /** nginx passes REMOTE_USER from any Basic header: it is nobody unless the web server is trusted with it. */
    @Test
    void remoteUserIsIgnoredUnlessTrusted() throws Exception {
        try (RawClient c = client()) {
            java.util.Map<String, String> params = RawClient.get("/user");
            params.put("REMOTE_USER", "alice");
            params.put("AUTH_TYPE", "Basic");
            c.write(RawClient.request(1, 0, params, new byte[0]));
            assertEquals("user=null\n", c.readResponse(1).text());
        }
    }

    @Test
    void trustedRemoteUserIsTheAuthenticatedUser() throws Exception {
        factory.setTrustRemoteUser(true);
        try (RawClient c = client()) {
            java.util.Map<String, String> params = RawClient.get("/user");
            params.put("REMOTE_USER", "alice");
            params.put("AUTH_TYPE", "Basic");
            c.write(RawClient.request(1, 0, params, new byte[0]));
            assertEquals("user=alice\n", c.readResponse(1).text());
        }
    }

    @Test
    void aMalformedListIsRefusedWhenSet() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> factory.setAllowedPeers("127.0.0.1, web-server"));
        assertTrue(e.getMessage().contains("web-server"), e.getMessage());
    }
}
