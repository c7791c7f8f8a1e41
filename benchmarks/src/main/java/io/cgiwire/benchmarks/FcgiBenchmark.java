package io.cgiwire.benchmarks;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.Fcgi;
import io.cgiwire.core.fcgi.FcgiDecoder;
import io.cgiwire.core.fcgi.FcgiEncoder;
import io.cgiwire.core.fcgi.FcgiEvent;
import io.cgiwire.core.fcgi.NameValueCodec;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * FastCGI decoding and encoding. {@code stdinFraming} decodes one request with a 1 MiB body in 65535-byte STDIN
 * records (the size nginx and httpd write): bytes per second = ops/s x 1 MiB. {@code paramsDecoding} decodes the
 * params nginx sent for a real POST; with {@code -prof gc}, compare its gc.alloc.rate.norm with
 * {@link Requests#stringBytes} (printed at setup).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class FcgiBenchmark {
    static final int BODY = 1 << 20;

    @Param({"heap", "direct"})
    public String buffer;

    private final GatewayLimits limits = new GatewayLimits();
    private ByteBuffer stdinRequest;
    private ByteBuffer paramsRequest;
    private ByteBuffer body;
    private ByteBuffer out;
    private FcgiDecoder decoder;
    private ByteBuffer copyTarget;
    private byte[] paramBytes;
    private int[] fieldOffsets;

    @Setup
    public void setUp() {
        byte[] params = NameValueCodec.encode(Requests.nginxPost());
        ByteBuffer request = ByteBuffer.allocate(16 + 8 + 8 + (int) FcgiEncoder.streamLength(BODY) + 8);
        FcgiEncoder.putBeginRequest(request, 1, Fcgi.FCGI_RESPONDER, Fcgi.FCGI_KEEP_CONN);
        FcgiEncoder.putStreamEnd(request, Fcgi.FCGI_PARAMS, 1);
        FcgiEncoder.putStream(request, Fcgi.FCGI_STDIN, 1, ByteBuffer.wrap(new byte[BODY]));
        FcgiEncoder.putStreamEnd(request, Fcgi.FCGI_STDIN, 1);
        stdinRequest = place(request.flip());

        ByteBuffer p = ByteBuffer.allocate(16 + (int) FcgiEncoder.streamLength(params.length) + 8);
        FcgiEncoder.putBeginRequest(p, 1, Fcgi.FCGI_RESPONDER, Fcgi.FCGI_KEEP_CONN);
        FcgiEncoder.putStream(p, Fcgi.FCGI_PARAMS, 1, ByteBuffer.wrap(params));
        FcgiEncoder.putStreamEnd(p, Fcgi.FCGI_PARAMS, 1);
        paramsRequest = place(p.flip());

        decoder = new FcgiDecoder(limits);
        copyTarget = place(ByteBuffer.allocate(BODY));
        paramBytes = params;
        fieldOffsets = fieldOffsets(params);
        body = place(ByteBuffer.wrap(new byte[64 * 1024]));
        out = place(ByteBuffer.allocate((int) FcgiEncoder.streamLength(64 * 1024)));
        System.out.println("\nparams: " + params.length + " bytes on the wire, " + Requests.nginxPost().size()
                + " pairs, Strings " + Requests.stringBytes(Requests.nginxPost()) + " bytes");
    }

    private ByteBuffer place(ByteBuffer heap) {
        if (buffer.equals("heap")) {
            return heap;
        }
        return ByteBuffer.allocateDirect(heap.remaining()).put(heap).flip();
    }

    /** One request with a 1 MiB body on a kept-alive connection: BEGIN_REQUEST, empty PARAMS, 17 STDIN records, empty STDIN. */
    @Benchmark
    public long stdinFraming() throws ProtocolException {
        ByteBuffer in = stdinRequest.duplicate();
        long bytes = 0;
        for (FcgiEvent event; (event = decoder.decode(in)) != null; ) {
            if (event instanceof FcgiEvent.Stdin) {
                bytes += ((FcgiEvent.Stdin) event).data().remaining();
            }
        }
        decoder.endRequest(1);
        return bytes;
    }

    /** BEGIN_REQUEST and the 24 params of a real nginx POST on a kept-alive connection, up to the Params event. */
    @Benchmark
    public CgiEnvironment paramsDecoding() throws ProtocolException {
        ByteBuffer in = paramsRequest.duplicate();
        decoder.decode(in);
        CgiEnvironment params = ((FcgiEvent.Params) decoder.decode(in)).params();
        decoder.endRequest(1);
        return params;
    }

    /** Baseline for stdinFraming: copying the 1 MiB body once, the least a decoder that copies would do. */
    @Benchmark
    public ByteBuffer baselineCopyBody() {
        ByteBuffer target = copyTarget.clear();
        ByteBuffer source = stdinRequest.duplicate();
        source.limit(source.position() + BODY);
        return target.put(source);
    }

    /** Baseline for paramsDecoding: one new String per name and value of the same params, nothing else. */
    @Benchmark
    public void baselineParamStrings(Blackhole bh) {
        for (int i = 0; i < fieldOffsets.length; i += 2) {
            bh.consume(new String(paramBytes, fieldOffsets[i], fieldOffsets[i + 1],
                    java.nio.charset.StandardCharsets.ISO_8859_1));
        }
    }

    /** Offset and length of every name and value in encoded pairs (all lengths below 128 here). */
    private static int[] fieldOffsets(byte[] pairs) {
        java.util.List<Integer> fields = new java.util.ArrayList<>();
        for (int at = 0; at < pairs.length; ) {
            int nameLength = pairs[at];
            int valueLength = pairs[at + 1];
            fields.add(at + 2);
            fields.add(nameLength);
            fields.add(at + 2 + nameLength);
            fields.add(valueLength);
            at += 2 + nameLength + valueLength;
        }
        return fields.stream().mapToInt(Integer::intValue).toArray();
    }

    /** 64 KiB of response body copied into STDOUT records. */
    @Benchmark
    public ByteBuffer stdoutCopy() {
        ByteBuffer o = out.clear();
        FcgiEncoder.putStream(o, Fcgi.FCGI_STDOUT, 1, body.duplicate());
        return o;
    }

    /** 64 KiB of response body framed for a gathering write, without copying. */
    @Benchmark
    public void stdoutFrame(Blackhole bh) {
        bh.consume(FcgiEncoder.frameStream(Fcgi.FCGI_STDOUT, 1, body.duplicate()));
    }
}
