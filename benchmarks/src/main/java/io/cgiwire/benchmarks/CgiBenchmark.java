package io.cgiwire.benchmarks;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.cgi.CgiRequest;
import io.cgiwire.core.cgi.CgiRequestMapper;
import io.cgiwire.core.cgi.CgiResponseHead;
import io.cgiwire.core.scgi.ScgiDecoder;
import io.cgiwire.core.scgi.ScgiEvent;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
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
 * SCGI header decoding, the CGI mapping and the response head, each on what nginx sent for a real POST.
 * {@code scgiHeaders} creates its decoder per operation, as an adapter does per SCGI connection.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class CgiBenchmark {
    private final GatewayLimits limits = new GatewayLimits();
    private final CgiResponseHead head = new CgiResponseHead();
    private ByteBuffer scgiRequest;
    private CgiEnvironment env;
    private ByteBuffer out;

    @Setup
    public void setUp() {
        scgiRequest = ByteBuffer.wrap(Requests.nginxScgiPost());
        env = Requests.nginxPost();
        out = ByteBuffer.allocate(4096);
    }

    /** The header netstring of one SCGI request, up to the Headers event. */
    @Benchmark
    public ScgiEvent scgiHeaders() throws ProtocolException {
        return new ScgiDecoder(limits).decode(scgiRequest.duplicate());
    }

    /** CGI variables of a real nginx POST to a CgiRequest. */
    @Benchmark
    public CgiRequest mapping() throws ProtocolException {
        return CgiRequestMapper.map(env);
    }

    /** A typical response head, validated and written into a reused buffer by a reused builder. */
    @Benchmark
    public ByteBuffer responseHead() {
        head.reset();
        head.status(200, null)
                .add("Content-Type", "text/plain;charset=utf-8")
                .add("Content-Length", "13")
                .add("Set-Cookie", "JSESSIONID=node01abcdefghijklmnop0.node0; Path=/; HttpOnly")
                .add("Date", "Sat, 21 Nov 2026 09:00:00 GMT");
        ByteBuffer o = out.clear();
        head.writeTo(o);
        return o;
    }
}
