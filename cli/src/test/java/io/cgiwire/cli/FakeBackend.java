package io.cgiwire.cli;

import io.cgiwire.core.GatewayLimits;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.FcgiDecoder;
import io.cgiwire.core.fcgi.FcgiEvent;
import io.cgiwire.core.scgi.ScgiDecoder;
import io.cgiwire.core.scgi.ScgiEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A backend in the test's JVM for one connection, for what a real one will not do on demand: read the request with
 * connector-core's own server-side decoders (so the test sees exactly what went on the wire), then answer bytes the
 * test chose, however wrong, or nothing at all.
 */
final class FakeBackend implements AutoCloseable {

    /** What the fake read. */
    record Received(CgiEnvironment env, byte[] body) {
    }

    private enum Mode { FCGI, SCGI, SCGI_LINGERING, VALUES, SILENT }

    private final ServerSocket server;
    private final CompletableFuture<Received> received = new CompletableFuture<>();
    private final CompletableFuture<List<String>> askedValues = new CompletableFuture<>();
    private final Thread thread;

    private FakeBackend(Mode mode, byte[] answer) throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        thread = new Thread(() -> serve(mode, answer), "fake-backend");
        thread.setDaemon(true);
        thread.start();
    }

    /** Reads one FastCGI request, writes {@code answer}, closes. */
    static FakeBackend fcgi(byte[] answer) throws IOException {
        return new FakeBackend(Mode.FCGI, answer);
    }

    /** Reads FCGI_GET_VALUES, writes {@code answer}, closes. */
    static FakeBackend values(byte[] answer) throws IOException {
        return new FakeBackend(Mode.VALUES, answer);
    }

    /** Reads one SCGI request, writes {@code answer}, closes. */
    static FakeBackend scgi(byte[] answer) throws IOException {
        return new FakeBackend(Mode.SCGI, answer);
    }

    /** Reads one SCGI request, writes {@code answer}, then keeps the connection open until the client closes it. */
    static FakeBackend scgiLingering(byte[] answer) throws IOException {
        return new FakeBackend(Mode.SCGI_LINGERING, answer);
    }

    /** Accepts, reads whatever comes, never answers, until closed. */
    static FakeBackend silent() throws IOException {
        return new FakeBackend(Mode.SILENT, null);
    }

    int port() {
        return server.getLocalPort();
    }

    Received received() throws Exception {
        return received.get(10, TimeUnit.SECONDS);
    }

    /** The names a FCGI_GET_VALUES asked for. */
    CompletableFuture<List<String>> askedValues() {
        return askedValues;
    }

    private void serve(Mode mode, byte[] answer) {
        try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            switch (mode) {
                case SILENT -> {
                    in.transferTo(OutputStream.nullOutputStream());
                    return;
                }
                case VALUES -> askedValues.complete(readGetValues(in));
                case SCGI, SCGI_LINGERING -> received.complete(readScgi(in));
                case FCGI -> received.complete(readFcgi(in));
            }
            s.getOutputStream().write(answer);
            s.getOutputStream().flush();
            if (mode == Mode.SCGI_LINGERING) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        } catch (IOException | RuntimeException e) {
            received.completeExceptionally(e);
            askedValues.completeExceptionally(e);
        }
    }

    private static Received readFcgi(InputStream in) throws IOException, ProtocolException {
        FcgiDecoder decoder = new FcgiDecoder(new GatewayLimits());
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        CgiEnvironment env = null;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int n = in.read(buffer.array(), buffer.position(), buffer.remaining());
            if (n < 0) {
                throw new IOException("the client closed before the empty FCGI_STDIN record");
            }
            buffer.position(buffer.position() + n).flip();
            for (FcgiEvent e; (e = decoder.decode(buffer)) != null; ) {
                if (e instanceof FcgiEvent.BeginRequest b && (b.requestId() != 1 || b.keepConn() || b.role() != 1)) {
                    throw new IOException("unexpected " + b);
                }
                if (e instanceof FcgiEvent.Params p) {
                    env = p.params();
                } else if (e instanceof FcgiEvent.Stdin d) {
                    byte[] bytes = new byte[d.data().remaining()];
                    d.data().get(bytes);
                    body.writeBytes(bytes);
                } else if (e instanceof FcgiEvent.StdinEnd) {
                    return new Received(env, body.toByteArray());
                }
            }
            buffer.compact();
        }
    }

    private static List<String> readGetValues(InputStream in) throws IOException, ProtocolException {
        FcgiDecoder decoder = new FcgiDecoder(new GatewayLimits());
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        while (true) {
            int n = in.read(buffer.array(), buffer.position(), buffer.remaining());
            if (n < 0) {
                throw new IOException("the client closed before a whole FCGI_GET_VALUES");
            }
            buffer.position(buffer.position() + n).flip();
            for (FcgiEvent e; (e = decoder.decode(buffer)) != null; ) {
                if (e instanceof FcgiEvent.GetValues v) {
                    return v.names();
                }
                throw new IOException("unexpected " + e);
            }
            buffer.compact();
        }
    }

    private static Received readScgi(InputStream in) throws IOException, ProtocolException {
        ScgiDecoder decoder = new ScgiDecoder(new GatewayLimits());
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        CgiEnvironment env = null;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            int n = in.read(buffer.array(), buffer.position(), buffer.remaining());
            if (n < 0) {
                throw new IOException("the client closed before the end of the SCGI body");
            }
            buffer.position(buffer.position() + n).flip();
            for (ScgiEvent e; (e = decoder.decode(buffer)) != null; ) {
                if (e instanceof ScgiEvent.Headers h) {
                    env = h.environment();
                } else if (e instanceof ScgiEvent.Body d) {
                    byte[] bytes = new byte[d.data().remaining()];
                    d.data().get(bytes);
                    body.writeBytes(bytes);
                } else if (e instanceof ScgiEvent.End) {
                    return new Received(env, body.toByteArray());
                }
            }
            buffer.compact();
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
