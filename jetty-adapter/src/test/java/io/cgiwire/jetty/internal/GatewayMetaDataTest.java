package io.cgiwire.jetty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.cgiwire.core.Gateway;
import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.fcgi.Fcgi;
import io.cgiwire.core.fcgi.FcgiEncoder;
import io.cgiwire.core.fcgi.NameValueCodec;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.util.Attributes;
import org.junit.jupiter.api.Test;

/** One connection's requests in a row: what the next request shares with the last is reused, and only that. */
class GatewayMetaDataTest {
    private final GatewaySession session = Gateway.fastCgi(new GatewayLimits(), Map.of())
            .newSession(new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 9000),
                    System::nanoTime, 0, 0);
    private final GatewayMetaData metaData = new GatewayMetaData(new Socket());

    private static Map<String, String> nginx(String target, String remotePort, String userAgent) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("REQUEST_METHOD", "GET");
        env.put("REQUEST_URI", target);
        env.put("SERVER_PROTOCOL", "HTTP/1.1");
        env.put("REMOTE_ADDR", "10.1.2.3");
        env.put("REMOTE_PORT", remotePort);
        env.put("SERVER_ADDR", "127.0.0.1");
        env.put("SERVER_PORT", "8080");
        env.put("SERVER_NAME", "example.org");
        env.put("HTTP_HOST", "example.org:8080");
        env.put("HTTP_USER_AGENT", userAgent);
        env.put("HTTP_ACCEPT", "*/*");
        return env;
    }

    private GatewayRequest next(Map<String, String> env) throws ProtocolException {
        return next(session, env);
    }

    private static GatewayRequest next(GatewaySession session, Map<String, String> env) throws ProtocolException {
        ByteBuffer params = ByteBuffer.allocate(4096);
        env.forEach((name, value) -> {
            NameValueCodec.putLength(params, name.length());
            NameValueCodec.putLength(params, value.length());
            params.put(name.getBytes(StandardCharsets.ISO_8859_1)).put(value.getBytes(StandardCharsets.ISO_8859_1));
        });
        ByteBuffer in = ByteBuffer.allocate(8192);
        FcgiEncoder.putBeginRequest(in, 1, Fcgi.FCGI_RESPONDER, Fcgi.FCGI_KEEP_CONN);
        FcgiEncoder.putStream(in, Fcgi.FCGI_PARAMS, 1, params.flip());
        FcgiEncoder.putStreamEnd(in, Fcgi.FCGI_PARAMS, 1);
        FcgiEncoder.putStreamEnd(in, Fcgi.FCGI_STDIN, 1);
        in.flip();
        GatewayRequest request = null;
        GatewayEvent event;
        while ((event = session.next(in)) != null) {
            if (event instanceof GatewayEvent.Request r) {
                request = r.request();
            }
        }
        session.end();
        session.complete(false);
        return request;
    }

    private MetaData.Request view(GatewayRequest request) {
        MetaData.Request m = metaData.toMetaData(request, 1L);
        metaData.update(request);
        return m;
    }

    private static List<String> fields(MetaData.Request m) {
        List<String> list = new ArrayList<>();
        for (HttpField field : m.getHttpFields()) {
            list.add(field.getName() + ": " + field.getValue());
        }
        return list;
    }

    @Test
    void aRepeatedRequestSharesItsFieldsUriAndAddresses() throws ProtocolException {
        MetaData.Request first = view(next(nginx("/hello?a=1", "50000", "curl/8")));
        SocketAddress remote = metaData.getRemoteSocketAddress();
        SocketAddress local = metaData.getLocalSocketAddress();
        MetaData.Request second = view(next(nginx("/hello?a=1", "50000", "curl/8")));

        assertEquals(List.of("Host: example.org:8080", "User-Agent: curl/8", "Accept: */*"), fields(second));
        for (int i = 0; i < 3; i++) {
            assertSame(first.getHttpFields().getField(i), second.getHttpFields().getField(i));
        }
        assertSame(first.getHttpURI(), second.getHttpURI());
        assertEquals("http://example.org:8080/hello?a=1", second.getHttpURI().toString());
        assertSame(remote, metaData.getRemoteSocketAddress());
        assertSame(local, metaData.getLocalSocketAddress());
        assertEquals(new InetSocketAddress("10.1.2.3", 50000), remote);
        assertEquals(HttpVersion.HTTP_1_1, second.getHttpVersion());
        assertEquals("example.org", metaData.getServerAuthority().getHost());
        assertEquals(8080, metaData.getServerAuthority().getPort());
    }

    @Test
    void whatChangesIsNew() throws ProtocolException {
        MetaData.Request first = view(next(nginx("/hello?a=1", "50000", "curl/8")));
        SocketAddress remote = metaData.getRemoteSocketAddress();
        Map<String, String> env = nginx("/other", "50001", "wget/1");
        env.put("SERVER_PROTOCOL", "HTTP/1.0");
        env.put("HTTP_X_EXTRA", "x");
        env.put("HTTP_HOST", "example.net");
        MetaData.Request second = view(next(env));

        assertEquals(List.of("Host: example.net:8080", "User-Agent: wget/1", "Accept: */*", "X-Extra: x"),
                fields(second));
        assertNotSame(first.getHttpFields().getField(0), second.getHttpFields().getField(0));
        assertSame(first.getHttpFields().getField(2), second.getHttpFields().getField(2));
        assertEquals("http://example.net:8080/other", second.getHttpURI().toString());
        assertEquals(new InetSocketAddress("10.1.2.3", 50001), metaData.getRemoteSocketAddress());
        assertNotSame(remote, metaData.getRemoteSocketAddress());
        assertSame(((InetSocketAddress) remote).getAddress(),
                ((InetSocketAddress) metaData.getRemoteSocketAddress()).getAddress(), "the same address, parsed once");
        assertEquals(HttpVersion.HTTP_1_0, second.getHttpVersion());
        assertEquals("HTTP/1.0", metaData.getProtocol());
        assertEquals("example.net", metaData.getServerAuthority().getHost());
    }

    @Test
    void anotherClientAddressIsParsedAgain() throws ProtocolException {
        view(next(nginx("/hello", "50000", "curl/8")));
        InetSocketAddress remote = (InetSocketAddress) metaData.getRemoteSocketAddress();
        Map<String, String> env = nginx("/hello", "50000", "curl/8");
        env.put("REMOTE_ADDR", "2001:db8::7");
        view(next(env));
        assertEquals(new InetSocketAddress("2001:db8::7", 50000), metaData.getRemoteSocketAddress());
        view(next(nginx("/hello", "50002", "curl/8")));
        assertEquals(new InetSocketAddress("10.1.2.3", 50002), metaData.getRemoteSocketAddress());
        assertNotSame(remote.getAddress(), ((InetSocketAddress) metaData.getRemoteSocketAddress()).getAddress());
    }

    /** nginx on a Unix socket sends REMOTE_ADDR "unix:": an unresolved address, reused the same way. */
    @Test
    void anUnresolvedClientIsReusedToo() throws ProtocolException {
        Map<String, String> env = nginx("/hello", "", "curl/8");
        env.put("REMOTE_ADDR", "unix:");
        view(next(env));
        SocketAddress remote = metaData.getRemoteSocketAddress();
        view(next(env));
        assertSame(remote, metaData.getRemoteSocketAddress());
        assertEquals(InetSocketAddress.createUnresolved("unix:", 0), remote);
    }

    /**
     * HAProxy or Caddy on a Unix socket: no SERVER_ADDR and no socket address, so the local side is SERVER_NAME and
     * SERVER_PORT, as Tomcat has them, not the Unix socket's path (getLocalName() null, getLocalPort() -1).
     */
    @Test
    void onAUnixSocketWithoutServerAddrTheLocalSideIsTheServerName() throws ProtocolException {
        GatewaySession unix = Gateway.fastCgi(new GatewayLimits(), Map.of()).newSession(null, null, System::nanoTime,
                0, 0);
        Map<String, String> env = nginx("/dump", "50000", "curl/8");
        env.remove("SERVER_ADDR");
        env.put("SERVER_NAME", "127.0.0.1");
        env.put("SERVER_PORT", "8110");
        view(next(unix, env));
        assertEquals(new InetSocketAddress("127.0.0.1", 8110), metaData.getLocalSocketAddress());
    }

    private static final class Socket extends Attributes.Mapped implements ConnectionMetaData {
        @Override
        public String getId() {
            return "test";
        }

        @Override
        public HttpConfiguration getHttpConfiguration() {
            return new HttpConfiguration();
        }

        @Override
        public HttpVersion getHttpVersion() {
            return HttpVersion.HTTP_1_1;
        }

        @Override
        public String getProtocol() {
            return "HTTP/1.1";
        }

        @Override
        public Connection getConnection() {
            return null;
        }

        @Override
        public Connector getConnector() {
            return null;
        }

        @Override
        public boolean isPersistent() {
            return true;
        }

        @Override
        public SocketAddress getRemoteSocketAddress() {
            return new InetSocketAddress("127.0.0.1", 40000);
        }

        @Override
        public SocketAddress getLocalSocketAddress() {
            return new InetSocketAddress("127.0.0.1", 9000);
        }
    }
}
