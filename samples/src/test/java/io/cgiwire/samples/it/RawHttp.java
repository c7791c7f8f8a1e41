package io.cgiwire.samples.it;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/1.1 over a plain socket, where the test needs control over the bytes: exact request targets, the
 * client's local address, chunked bodies sent slowly, reading part of a response and going away.
 */
final class RawHttp implements AutoCloseable {

    static final int TIMEOUT_MILLIS = 30_000;

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:{@code port}, from {@code localAddress} when not null. */
    static RawHttp connect(int port, String localAddress) throws IOException {
        Socket s = new Socket();
        try {
            if (localAddress != null) {
                s.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
            }
            s.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
            s.setSoTimeout(TIMEOUT_MILLIS);
            return new RawHttp(s);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    static RawHttp connect(int port) throws IOException {
        return connect(port, null);
    }

    /** Sends {@code method target} with {@code Connection: close} and the extra header lines, no body. */
    RawHttp send(String method, String target, String... headers) throws IOException {
        write(head(method, target, headers));
        return this;
    }

    /** A request head with {@code Host: 127.0.0.1:PORT} and {@code Connection: close}. */
    String head(String method, String target, String... headers) {
        StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(socket.getPort()).append("\r\nConnection: close\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    void write(String text) throws IOException {
        write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends one chunk of a chunked body (an empty one ends the body). */
    void writeChunk(byte[] data, int off, int len) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(len + 16);
        b.writeBytes((Integer.toHexString(len) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        b.write(data, off, len);
        b.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        write(b.toByteArray());
    }

    /**
     * POSTs {@code body} with {@code Transfer-Encoding: chunked}: 8 KiB, a one-second pause, then the rest, so that
     * the body is still arriving when a front server that streams passes the request on.
     */
    static Response postChunkedSlowly(int port, String target, byte[] body) throws IOException, InterruptedException {
        try (RawHttp c = connect(port)) {
            c.write(c.head("POST", target, "Content-Type: application/octet-stream", "Transfer-Encoding: chunked"));
            try {
                int first = Math.min(8192, body.length);
                c.writeChunk(body, 0, first);
                Thread.sleep(1000);
                for (int off = first; off < body.length; off += 16384) {
                    c.writeChunk(body, off, Math.min(16384, body.length - off));
                }
                c.writeChunk(body, 0, 0);
            } catch (IOException refusedEarly) {
                // a front server that refuses the body may answer and close before it all went out
            }
            return c.read(false);
        }
    }

    InputStream input() {
        return in;
    }

    /** Reads a whole response; with {@code noBody} (HEAD, 204, 304) whatever follows the head until EOF is its body. */
    Response read(boolean noBody) throws IOException {
        String statusLine = line();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP status line: " + statusLine);
        }
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (String l = line(); !l.isEmpty(); l = line()) {
            int colon = l.indexOf(':');
            headers.computeIfAbsent(l.substring(0, colon).trim(), k -> new ArrayList<>())
                    .add(l.substring(colon + 1).trim());
        }
        Response head = new Response(Integer.parseInt(parts[1]), headers, new byte[0]);
        byte[] body;
        String te = head.header("Transfer-Encoding");
        String cl = head.header("Content-Length");
        if (noBody) {
            body = in.readAllBytes();
        } else if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            body = chunked();
        } else if (cl != null) {
            body = in.readNBytes(Integer.parseInt(cl));
        } else {
            body = in.readAllBytes();
        }
        return new Response(head.status(), headers, body);
    }

    private byte[] chunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = line();
            int semi = size.indexOf(';');
            int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (n == 0) {
                while (!line().isEmpty()) {
                    // trailers
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(n);
            if (chunk.length < n) {
                throw new EOFException("chunk cut short");
            }
            body.writeBytes(chunk);
            line();
        }
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException("connection closed after \"" + sb + "\"");
            }
            if (c != '\r') {
                sb.append((char) c);
            }
        }
        return sb.toString();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    record Response(int status, Map<String, List<String>> headers, byte[] body) {

        String header(String name) {
            List<String> v = headers.get(name);
            return v == null ? null : v.get(0);
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + (body.length > 500 ? body.length + " bytes" : text());
        }
    }
}
