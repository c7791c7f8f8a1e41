package io.cgiwire.core;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.Fcgi;
import io.cgiwire.core.fcgi.FcgiEncoder;
import io.cgiwire.core.fcgi.NameValueCodec;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A web server's side of FastCGI and SCGI over a plain socket or a Unix socket, written with the core's encoder: the
 * raw client both adapters' tests drive their connections with (this module's test jar).
 */
public final class RawClient implements Closeable {
    private final Socket socket;
    private final SocketChannel channel;
    private final DataInputStream in;
    private final OutputStream out;

    public RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(10000);
        channel = null;
        in = new DataInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** A client of a Unix socket; reads block without a timeout, so tests bound them with @Timeout. */
    public RawClient(Path unixSocket) throws IOException {
        socket = null;
        channel = SocketChannel.open(UnixDomainSocketAddress.of(unixSocket));
        in = new DataInputStream(Channels.newInputStream(channel));
        out = Channels.newOutputStream(channel);
    }

    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /**
     * Writes {@code bytes} from another thread while {@code read} reads here: a large body streamed both ways would
     * fill both sockets' buffers if it were written first. A write failure is the writer thread's, as with a web
     * server whose upload is cut short.
     */
    public <T> T writeWhileReading(byte[] bytes, Read<T> read) throws IOException, InterruptedException {
        Thread writer = new Thread(() -> {
            try {
                write(bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        writer.start();
        T result = read.from(this);
        writer.join();
        return result;
    }

    /** What {@link #writeWhileReading} reads. */
    @FunctionalInterface
    public interface Read<T> {
        T from(RawClient client) throws IOException;
    }

    public static Map<String, String> get(String uri) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("REQUEST_METHOD", "GET");
        params.put("REQUEST_URI", uri);
        params.put("SERVER_PROTOCOL", "HTTP/1.1");
        params.put("REMOTE_ADDR", "203.0.113.7");
        params.put("REMOTE_PORT", "40001");
        params.put("SERVER_ADDR", "127.0.0.1");
        params.put("SERVER_PORT", "8080");
        params.put("SERVER_NAME", "localhost");
        params.put("HTTP_HOST", "example.com:8080");
        return params;
    }

    public static Map<String, String> post(String uri, int length) {
        Map<String, String> params = get(uri);
        params.put("REQUEST_METHOD", "POST");
        params.put("CONTENT_LENGTH", Integer.toString(length));
        params.put("CONTENT_TYPE", "application/octet-stream");
        return params;
    }

    public static byte[] begin(int id, int role, int flags) {
        ByteBuffer b = ByteBuffer.allocate(16);
        FcgiEncoder.putBeginRequest(b, id, role, flags);
        return b.array();
    }

    public static byte[] params(int id, Map<String, String> params) {
        CgiEnvironment env = new CgiEnvironment();
        params.forEach(env::add);
        return stream(Fcgi.FCGI_PARAMS, id, NameValueCodec.encode(env));
    }

    /** A whole stream: its records and the empty one that ends it. */
    public static byte[] stream(int type, int id, byte[] content) {
        ByteBuffer b = ByteBuffer.allocate((int) FcgiEncoder.streamLength(content.length) + 8);
        FcgiEncoder.putStream(b, type, id, ByteBuffer.wrap(content));
        FcgiEncoder.putStreamEnd(b, type, id);
        return b.array();
    }

    public static byte[] request(int id, int flags, Map<String, String> params, byte[] body) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes(begin(id, Fcgi.FCGI_RESPONDER, flags));
        all.writeBytes(params(id, params));
        all.writeBytes(stream(Fcgi.FCGI_STDIN, id, body));
        return all.toByteArray();
    }

    /** One record: type, request id, content and the padding after it. */
    public record Record(int type, int requestId, byte[] content, byte[] padding) {
    }

    public Record readRecord() throws IOException {
        byte[] header = new byte[8];
        in.readFully(header);
        int length = ((header[4] & 0xFF) << 8) | (header[5] & 0xFF);
        byte[] content = new byte[length];
        in.readFully(content);
        byte[] padding = new byte[header[6] & 0xFF];
        in.readFully(padding);
        return new Record(header[1] & 0xFF, ((header[2] & 0xFF) << 8) | (header[3] & 0xFF), content, padding);
    }

    /** A FastCGI response: STDOUT and STDERR bytes of one request and its FCGI_END_REQUEST. */
    public record Response(int status, Map<String, String> headers, byte[] body, String stderr, int appStatus,
            int protocolStatus) {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public Response readResponse(int id) throws IOException {
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        while (true) {
            Record r = readRecord();
            if (r.requestId() != id) {
                throw new IOException("record for request " + r.requestId() + " while reading " + id);
            }
            if (r.type() == Fcgi.FCGI_STDOUT) {
                stdout.writeBytes(r.content());
            } else if (r.type() == Fcgi.FCGI_STDERR) {
                stderr.writeBytes(r.content());
            } else if (r.type() == Fcgi.FCGI_END_REQUEST) {
                ByteBuffer b = ByteBuffer.wrap(r.content());
                int appStatus = b.getInt();
                int protocolStatus = b.get() & 0xFF;
                return parse(stdout.toByteArray(), stderr.toString(StandardCharsets.UTF_8), appStatus,
                        protocolStatus);
            } else {
                throw new IOException("unexpected record type " + r.type());
            }
        }
    }

    /**
     * The responses of {@code ids}, whose records may come interleaved and in any order (a multiplexing
     * application), by id.
     */
    public java.util.Map<Integer, Response> readResponses(int... ids) throws IOException {
        java.util.Map<Integer, ByteArrayOutputStream> stdout = new java.util.HashMap<>();
        java.util.Map<Integer, ByteArrayOutputStream> stderr = new java.util.HashMap<>();
        java.util.Map<Integer, Response> done = new java.util.TreeMap<>();
        for (int id : ids) {
            stdout.put(id, new ByteArrayOutputStream());
            stderr.put(id, new ByteArrayOutputStream());
        }
        while (done.size() < ids.length) {
            Record r = readRecord();
            if (!stdout.containsKey(r.requestId()) || done.containsKey(r.requestId())) {
                throw new IOException("record for request " + r.requestId() + " while reading " + stdout.keySet());
            }
            if (r.type() == Fcgi.FCGI_STDOUT) {
                stdout.get(r.requestId()).writeBytes(r.content());
            } else if (r.type() == Fcgi.FCGI_STDERR) {
                stderr.get(r.requestId()).writeBytes(r.content());
            } else if (r.type() == Fcgi.FCGI_END_REQUEST) {
                ByteBuffer b = ByteBuffer.wrap(r.content());
                int appStatus = b.getInt();
                int protocolStatus = b.get() & 0xFF;
                done.put(r.requestId(), parse(stdout.get(r.requestId()).toByteArray(),
                        stderr.get(r.requestId()).toString(StandardCharsets.UTF_8), appStatus, protocolStatus));
            } else {
                throw new IOException("unexpected record type " + r.type());
            }
        }
        return done;
    }

    /** Every byte until the server closes the connection, or resets it. */
    public byte[] readUntilClosed() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
            }
        } catch (java.net.SocketException e) {
            // Reset by the server: what arrived before is the answer.
        }
        return all.toByteArray();
    }

    /** Every byte until FCGI_END_REQUEST of any request, or until the server closes or resets the connection. */
    public byte[] readUntilClosedOrEnded() throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try {
            while (true) {
                Record r = readRecord();
                all.writeBytes(r.content());
                if (r.type() == Fcgi.FCGI_END_REQUEST) {
                    break;
                }
            }
        } catch (EOFException | java.net.SocketException e) {
            // Closed: what arrived before is the answer.
        }
        return all.toByteArray();
    }

    /** An SCGI response: everything until the server closes the connection. */
    public Response readToEnd() throws IOException {
        return parse(in.readAllBytes(), "", 0, 0);
    }

    public static Response parse(byte[] bytes, String stderr, int appStatus, int protocolStatus) {
        if (bytes.length == 0) {
            return new Response(-1, Map.of(), bytes, stderr, appStatus, protocolStatus);
        }
        String all = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : all.substring(0, end).split("\r\n")) {
            int colon = line.indexOf(':');
            headers.merge(line.substring(0, colon).toLowerCase(), line.substring(colon + 1).trim(),
                    (a, b) -> a + ", " + b);
        }
        int status = Integer.parseInt(headers.get("status").split(" ")[0]);
        byte[] body = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
        return new Response(status, headers, body, stderr, appStatus, protocolStatus);
    }

    /** True if the server closed the connection (EOF) within the socket timeout. */
    public boolean closedByServer() throws IOException {
        return closedByServer(10000);
    }

    /** True if the server closed the connection (EOF) within {@code millis}. */
    public boolean closedByServer(int millis) throws IOException {
        if (socket == null) {
            throw new IllegalStateException("timeouts need a TCP socket");
        }
        socket.setSoTimeout(millis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (EOFException | java.net.SocketException e) {
            return true;
        }
    }

    /**
     * After the server's EOF: true if the server closed its socket whole, so that what is sent from here is reset;
     * false if it still reads what comes for {@code millis}, as a connection that shut its output and drains does.
     */
    public boolean closedWhole(int millis) throws IOException, InterruptedException {
        if (socket == null) {
            throw new IllegalStateException("timeouts need a TCP socket");
        }
        socket.setSoTimeout(10);
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            while (System.nanoTime() < deadline) {
                out.write(0);
                out.flush();
                try {
                    in.read();
                } catch (SocketTimeoutException e) {
                    // Nothing back yet: a reset takes a round trip.
                }
                Thread.sleep(10);
            }
            return false;
        } catch (java.net.SocketException e) {
            return true;
        }
    }

    public static byte[] scgi(Map<String, String> headers, byte[] body) {
        StringBuilder block = new StringBuilder();
        block.append("CONTENT_LENGTH").append('\0').append(body.length).append('\0');
        block.append("SCGI").append('\0').append('1').append('\0');
        headers.forEach((k, v) -> {
            if (!k.equals("CONTENT_LENGTH")) {
                block.append(k).append('\0').append(v).append('\0');
            }
        });
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.writeBytes((block.length() + ":" + block + ",").getBytes(StandardCharsets.ISO_8859_1));
        all.writeBytes(body);
        return all.toByteArray();
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
        } else {
            channel.close();
        }
    }

    /** Closes our sending side only, as a web server that has sent its whole request may. */
    public void shutdownOutput() throws IOException {
        if (socket != null) {
            socket.shutdownOutput();
        } else {
            channel.shutdownOutput();
        }
    }
}
