package io.cgiwire.benchmarks;

import io.cgiwire.core.Gateway;
import io.cgiwire.core.GatewayEvent;
import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.GatewayRequest;
import io.cgiwire.core.GatewaySession;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.jetty.internal.JettyRequestView;
import io.cgiwire.tomcat.TomcatRequestView;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.coyote.http11.Http11RequestView;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.server.HttpConfiguration;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole request view, bytes to the container's request, per request on a kept connection: a GET as nginx sends
 * it over FastCGI (BEGIN_REQUEST, 22 params, the ends of PARAMS and STDIN) through the session and each adapter's
 * glue, against the same request as a client sends it over HTTP/1.1 through each container's own parser.
 *
 * Jetty reads into direct buffers by default ({@code HttpConfiguration.isUseInputDirectByteBuffers}) and the Tomcat
 * adapter into a heap array, so the Jetty pair decodes from a direct buffer and the Tomcat pair from a heap one.
 *
 * <ul>
 *   <li>{@code fcgiSession}: records to the {@link GatewayRequest}, the part both adapters share; the session then
 *       ends and completes the request, as an adapter does before the next one.</li>
 *   <li>{@code fcgiJetty}: that, then Jetty's {@code MetaData.Request} and the channel's connection view, as
 *       {@code GatewayConnection.startRequest} builds them. {@code httpJetty}: Jetty's {@code HttpParser} with a
 *       handler that builds the same {@code MetaData.Request} as Jetty's HTTP/1.1 connection (URI, fields).</li>
 *   <li>{@code fcgiTomcat}: the session, then the recycled coyote {@code Request} filled by the adapter.
 *       {@code httpTomcat}: Tomcat's {@code Http11InputBuffer} parsing the request line and headers into a
 *       recycled coyote {@code Request} (without {@code Http11Processor.prepareRequest}'s Host parsing, so it is if
 *       anything cheaper than Tomcat's whole HTTP path).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class RequestViewBenchmark {
    private ByteBuffer fcgi;
    private ByteBuffer fcgiDirect;
    private GatewaySession session;
    private final JettyRequestView jetty = new JettyRequestView();
    private final TomcatRequestView tomcat = new TomcatRequestView();
    private ByteBuffer http;
    private ByteBuffer httpDirect;
    private HttpParser jettyParser;
    private JettyHandler jettyHandler;
    private Http11RequestView tomcatParser;

    @Setup
    public void setUp() throws Exception {
        fcgi = ByteBuffer.wrap(Requests.nginxFcgiGet());
        fcgiDirect = direct(fcgi);
        Gateway gateway = Gateway.fastCgi(new GatewayLimits(), Map.of());
        session = gateway.newSession(new InetSocketAddress("127.0.0.1", 40000),
                new InetSocketAddress("127.0.0.1", 9000), System::nanoTime, 0, 0);
        byte[] httpBytes = Requests.httpGet();
        http = ByteBuffer.wrap(httpBytes);
        httpDirect = direct(http);
        jettyHandler = new JettyHandler();
        jettyParser = new HttpParser(jettyHandler);
        // As Jetty's HttpConnection configures its parser.
        jettyParser.setHeaderCacheSize(new HttpConfiguration().getHeaderCacheSize());
        jettyHandler.parser = jettyParser;
        tomcatParser = new Http11RequestView(httpBytes);
        // Fail here rather than measure something else.
        if (!fcgiJetty().getHttpURI().getPath().equals("/hello") || !httpJetty().getHttpURI().getPath().equals("/hello")
                || !fcgiTomcat().requestURI().toString().equals("/hello")
                || !httpTomcat().requestURI().toString().equals("/hello")) {
            throw new IllegalStateException("not the same request");
        }
    }

    private static ByteBuffer direct(ByteBuffer bytes) {
        return ByteBuffer.allocateDirect(bytes.remaining()).put(bytes.duplicate()).flip();
    }

    /** FastCGI records to the GatewayRequest, through a session kept across requests (a heap buffer, as Tomcat's). */
    @Benchmark
    public GatewayRequest fcgiSession() throws ProtocolException {
        return session(fcgi);
    }

    private GatewayRequest session(ByteBuffer records) throws ProtocolException {
        ByteBuffer in = records.duplicate();
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

    /** FastCGI records to Jetty's MetaData.Request, from a direct buffer as Jetty's connections read into. */
    @Benchmark
    public MetaData.Request fcgiJetty() throws ProtocolException {
        return jetty.view(session(fcgiDirect));
    }

    /** HTTP/1.1 bytes to Jetty's MetaData.Request, through Jetty's HttpParser, from a direct buffer too. */
    @Benchmark
    public MetaData.Request httpJetty() {
        jettyParser.reset();
        jettyParser.parseNext(httpDirect.duplicate());
        return jettyHandler.request;
    }

    /** FastCGI records to Tomcat's coyote Request. */
    @Benchmark
    public org.apache.coyote.Request fcgiTomcat() throws ProtocolException {
        return tomcat.view(fcgiSession());
    }

    /** HTTP/1.1 bytes to Tomcat's coyote Request, through Http11InputBuffer. */
    @Benchmark
    public org.apache.coyote.Request httpTomcat() throws IOException {
        return tomcatParser.view();
    }

    /** What Jetty's HTTP/1.1 connection does with its parser's callbacks up to the request's metadata. */
    private static final class JettyHandler implements HttpParser.RequestHandler {
        HttpParser parser;
        MetaData.Request request;
        private String method;
        private HttpURI.Mutable uri;
        private HttpVersion version;
        private HttpFields.Mutable fields;

        @Override
        public void startRequest(String method, String target, HttpVersion version) {
            this.method = method;
            this.uri = HttpURI.build().pathQuery(target);
            this.version = version;
            this.fields = HttpFields.build();
        }

        @Override
        public void parsedHeader(HttpField field) {
            fields.add(field);
        }

        @Override
        public boolean headerComplete() {
            request = new MetaData.Request(parser.getBeginNanoTime(), method, uri.asImmutable(), version,
                    fields.asImmutable(), parser.getContentLength());
            return false;
        }

        @Override
        public boolean content(ByteBuffer content) {
            return false;
        }

        @Override
        public boolean contentComplete() {
            return false;
        }

        @Override
        public boolean messageComplete() {
            return true;
        }

        @Override
        public void earlyEOF() {
        }
    }
}
