package io.cgiwire.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cgiwire.core.GatewayParitySuite;
import io.cgiwire.core.RawClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A real Jetty server with one of our factories on loopback and a core handler with a few routes. */
abstract class ConnectionTestBase {
    protected final ArrayByteBufferPool.Tracking pool = new ArrayByteBufferPool.Tracking();
    protected final TestHandler handler = new TestHandler();
    protected Server server;
    protected ServerConnector connector;

    protected abstract ConnectionFactory factory();

    @BeforeEach
    void start() throws Exception {
        server = new Server();
        connector = new ServerConnector(server, null, null, pool, 1, 1, factory());
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(handler);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.stop();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!pool.getLeaks().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(0, pool.getLeaks().size(), () -> "leaked buffers: " + pool.dumpLeaks());
    }

    protected RawClient client() throws IOException {
        return new RawClient(connector.getLocalPort());
    }

    static final class TestHandler extends Handler.Abstract {
        final LinkedBlockingQueue<Throwable> failures = new LinkedBlockingQueue<>();

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            String path = request.getHttpURI().getPath();
            if (path.startsWith("/echo")) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                Content.copy(request, response, Callback.from(callback::succeeded, x -> {
                    failures.add(x);
                    callback.failed(x);
                }));
                return true;
            }
            if (path.startsWith("/barrier")) {
                Fields query = Request.extractQueryParameters(request);
                if (!GatewayParitySuite.Barrier.await(query.getValue("key"),
                        Integer.parseInt(query.getValue("parties")))) {
                    response.setStatus(HttpStatus.GATEWAY_TIMEOUT_504);
                    Content.Sink.write(response, true, "barrier timed out\n", callback);
                    return true;
                }
                if (query.getValue("cut") != null) {
                    Content.Sink.write(response, false, "partial\n",
                            Callback.from(() -> callback.failed(new IOException("cut short")), callback::failed));
                    return true;
                }
                try (InputStream body = Content.Source.asInputStream(request)) {
                    body.transferTo(OutputStream.nullOutputStream());
                } catch (IOException x) {
                    failures.add(x);
                    callback.failed(x);
                    return true;
                }
                Content.Sink.write(response, true, "passed\n", callback);
                return true;
            }
            if (path.startsWith("/info")) {
                StringBuilder s = new StringBuilder();
                s.append("remote=").append(Request.getRemoteAddr(request)).append(':')
                        .append(Request.getRemotePort(request)).append('\n');
                s.append("local=").append(Request.getLocalAddr(request)).append(':')
                        .append(Request.getLocalPort(request)).append('\n');
                s.append("secure=").append(request.isSecure()).append('\n');
                s.append("server=").append(Request.getServerName(request)).append(':')
                        .append(Request.getServerPort(request)).append('\n');
                s.append("protocol=").append(request.getConnectionMetaData().getProtocol()).append('\n');
                s.append("host=").append(request.getHeaders().get(HttpHeader.HOST)).append('\n');
                s.append("contentType=").append(request.getHeaders().get(HttpHeader.CONTENT_TYPE)).append('\n');
                // Jetty's own from here on (GatewayParitySuite): the whole URI, the header as received.
                s.append("uri=").append(request.getHttpURI()).append('\n');
                s.append("contentLength=").append(request.getHeaders().get(HttpHeader.CONTENT_LENGTH)).append('\n');
                Content.Source.consumeAll(request);
                Content.Sink.write(response, true, s.toString(), callback);
                return true;
            }
            if (path.startsWith("/stderr")) {
                ((PrintStream) request.getAttribute(FcgiConnectionFactory.STDERR_ATTRIBUTE)).println("logged");
                Content.Sink.write(response, true, "ok\n", callback);
                return true;
            }
            if (path.startsWith("/user")) {
                java.security.Principal user = Request.getAuthenticationState(request).getUserPrincipal();
                Content.Sink.write(response, true, "user=" + (user == null ? null : user.getName()) + "\n",
                        callback);
                return true;
            }
            if (path.startsWith("/attributes")) {
                StringBuilder s = new StringBuilder();
                for (String name : new java.util.TreeSet<>(request.getAttributeNameSet())) {
                    if (!name.startsWith("org.eclipse.jetty.") && !name.startsWith("io.cgiwire.")) {
                        s.append(name).append('=').append(request.getAttribute(name)).append('\n');
                    }
                }
                Content.Sink.write(response, true, s.toString(), callback);
                return true;
            }
            if (path.startsWith("/headers")) {
                StringBuilder s = new StringBuilder();
                for (HttpField f : request.getHeaders()) {
                    s.append(f.getName()).append(": ").append(f.getValue()).append('\n');
                }
                Content.Sink.write(response, true, s.toString(), callback);
                return true;
            }
            if (path.startsWith("/inject")) {
                // An application that copies request data into a response header unchecked.
                response.getHeaders().put("X-Echo", "a\r\nX-Injected: 1");
                Content.Sink.write(response, true, "injected\n", callback);
                return true;
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            response.write(true, ByteBuffer.wrap("Hello\n".getBytes(StandardCharsets.US_ASCII)), callback);
            return true;
        }
    }
}
