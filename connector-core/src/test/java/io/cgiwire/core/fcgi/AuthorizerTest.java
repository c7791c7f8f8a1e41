package io.cgiwire.core.fcgi;

import static io.cgiwire.core.GatewaySessionAssertions.assertSession;
import static io.cgiwire.core.GatewaySessionAssertions.bodyEnd;
import static io.cgiwire.core.GatewaySessionAssertions.completed;
import static io.cgiwire.core.GatewaySessionAssertions.concat;
import static io.cgiwire.core.GatewaySessionAssertions.request;
import static io.cgiwire.core.GatewaySessionAssertions.write;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_AUTHORIZER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_FILTER;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_STDIN;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_UNKNOWN_ROLE;
import static io.cgiwire.core.fcgi.FcgiFixtures.endRequest;
import static io.cgiwire.core.fcgi.FcgiFixtures.latin1;
import static io.cgiwire.core.fcgi.FcgiFixtures.record;
import static io.cgiwire.core.fcgi.FcgiFixtures.response;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.GatewayMetrics;
import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySessionAssertions.Adapter;
import io.cgiwire.core.GatewaySessionAssertions.Driver;
import io.cgiwire.core.GatewaySessionAssertions.FakeClock;
import io.cgiwire.core.GatewayTrust;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.RawClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** FastCGI's Authorizer role: dispatched to the authorizer path as a bodiless GET, what it asks about as attributes. */
class AuthorizerTest {
    private static final Supplier<FcgiSession> AUTHORIZING = () -> session("/authz");

    private static FcgiSession session(String authorizerPath) {
        GatewayTrust trust = new GatewayTrust();
        trust.setAuthorizerPath(authorizerPath);
        return new FcgiSession(new GatewayLimits(), trust, new GatewayMetrics("FastCGI"), null, null,
                new FakeClock(), 1, 1);
    }

    /** Answers "ok" once the body ends, as the container answers a GET. */
    private static final Adapter SERVE = (event, d) -> {
        if (event instanceof GatewayEvent.BodyEnd) {
            d.respond("ok");
            d.complete(false);
        }
    };

    /** What mod_authnz_fcgi sends: the request's variables without CONTENT_LENGTH, SCRIPT_NAME and PATH_INFO. */
    private static Map<String, String> apacheAuthenticator() {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("REQUEST_METHOD", "POST");
        params.put("REQUEST_URI", "/static/private.txt?x=1");
        params.put("QUERY_STRING", "x=1");
        params.put("SERVER_PROTOCOL", "HTTP/1.1");
        params.put("REMOTE_ADDR", "203.0.113.7");
        params.put("SERVER_NAME", "example.com");
        params.put("SERVER_PORT", "8080");
        params.put("HTTP_HOST", "example.com:8080");
        params.put("HTTP_AUTHORIZATION", "Basic YWxpY2U6c2VjcmV0");
        params.put("HTTP_CONTENT_LENGTH", "12");
        params.put("CONTENT_TYPE", "text/plain");
        params.put("REMOTE_USER", "alice");
        params.put("REMOTE_PASSWD", "secret");
        params.put("AUTH_TYPE", "Basic");
        params.put("FCGI_ROLE", "AUTHORIZER");
        params.put("FCGI_APACHE_ROLE", "AUTHENTICATOR");
        return params;
    }

    private static byte[] begin(int flags) {
        return RawClient.begin(1, FCGI_AUTHORIZER, flags);
    }

    @Test
    void anAuthorizerRequestIsABodilessGetOfTheAuthorizerPath() throws ProtocolException {
        byte[] input = concat(begin(0), RawClient.params(1, apacheAuthenticator()));
        assertSession(AUTHORIZING, SERVE, input,
                List.of(request(1, false, "GET", "/authz"), bodyEnd(), completed(false)), response(1, "ok"));
    }

    @Test
    void whatItAsksAboutIsInAttributesAndTheBodyFramingIsGone() throws ProtocolException {
        List<GatewayRequest> seen = new ArrayList<>();
        Driver d = new Driver(AUTHORIZING.get(), (event, driver) -> {
            if (event instanceof GatewayEvent.Request r) {
                seen.add(r.request());
            }
        });
        d.read(concat(begin(0), RawClient.params(1, apacheAuthenticator())));
        GatewayRequest r = seen.get(0);
        assertEquals(Map.of(
                GatewayTrust.AUTHORIZER_METHOD, "POST",
                GatewayTrust.AUTHORIZER_URI, "/static/private.txt?x=1",
                GatewayTrust.AUTHORIZER_PREFIX + "REMOTE_USER", "alice",
                GatewayTrust.AUTHORIZER_PREFIX + "REMOTE_PASSWD", "secret",
                GatewayTrust.AUTHORIZER_PREFIX + "FCGI_APACHE_ROLE", "AUTHENTICATOR",
                GatewayTrust.AUTHORIZER_PREFIX + "AUTH_TYPE", "Basic"), r.attributes());
        assertEquals(0, r.contentLength());
        assertNull(r.contentType());
        assertNull(r.query());
        assertEquals("example.com:8080", r.host());
        assertEquals("203.0.113.7", r.remoteAddr());
        assertNull(r.remoteUser(), "REMOTE_USER is no authenticated user unless trusted");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < r.headerCount(); i++) {
            names.add(r.headerName(i));
        }
        assertEquals(List.of("Host", "Authorization", "Content-Length"), names);
        assertEquals("0", r.headerValue(2));
    }

    @Test
    void stdinSentAnywayIsSkippedAndTheKeptConnectionGoesOn() throws ProtocolException {
        byte[] input = concat(begin(FCGI_KEEP_CONN), RawClient.params(1, apacheAuthenticator()),
                record(FCGI_STDIN, 1, latin1("ignored")), RawClient.stream(FCGI_STDIN, 1, new byte[0]),
                RawClient.request(1, 0, RawClient.get("/hello"), new byte[0]));
        assertSession(AUTHORIZING, SERVE, input,
                List.of(request(1, true, "GET", "/authz"), bodyEnd(), completed(true),
                        request(1, false, "GET", "/hello"), bodyEnd(), completed(false)),
                concat(response(1, "ok"), response(1, "ok")));
    }

    @Test
    void withoutAnAuthorizerPathTheRoleIsRefusedAndFilterAlways() throws ProtocolException {
        byte[] authorizer = concat(begin(0), RawClient.params(1, apacheAuthenticator()));
        assertSession(() -> session(null), SERVE, authorizer,
                List.of(write(endRequest(1, FCGI_UNKNOWN_ROLE), false, false)), endRequest(1, FCGI_UNKNOWN_ROLE));
        byte[] filter = concat(RawClient.begin(1, FCGI_FILTER, 0), RawClient.params(1, RawClient.get("/f")));
        assertSession(AUTHORIZING, SERVE, filter,
                List.of(write(endRequest(1, FCGI_UNKNOWN_ROLE), false, false)), endRequest(1, FCGI_UNKNOWN_ROLE));
    }

    @Test
    void theAuthorizerPathMustBeAnAbsolutePath() {
        GatewayTrust trust = new GatewayTrust();
        for (String bad : List.of("authz", "/a?b", "/a b", "/a#b")) {
            assertThrows(IllegalArgumentException.class, () -> trust.setAuthorizerPath(bad), bad);
        }
        trust.setAuthorizerPath(" /authz ");
        assertEquals("/authz", trust.getAuthorizerPath());
        trust.setAuthorizerPath("");
        assertNull(trust.getAuthorizerPath());
    }
}
