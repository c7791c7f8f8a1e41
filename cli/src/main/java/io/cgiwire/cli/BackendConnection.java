package io.cgiwire.cli;

import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;

/**
 * One connection to the backend, TCP or Unix socket, every step bounded by one deadline: connect, then write the
 * request while reading the response (a backend may answer, and close, before it has read the whole body; writing
 * it all first could block forever on a full socket buffer).
 */
final class BackendConnection implements Closeable {

    /** Takes the response bytes as they arrive. */
    interface ResponseReader {
        /** Consumes all of {@code in}. */
        void read(ByteBuffer in) throws CliException;

        /** True when the response is complete and the connection need not be read further. */
        boolean done();

        /** The backend closed the connection. */
        void endOfInput() throws CliException;
    }

    private final Target target;
    private final SocketChannel channel;
    private final Selector selector;
    private final long deadline;
    private final String timeoutText;
    long connectedNanos;
    long firstByteNanos;
    long bytesSent;
    long bytesReceived;

    private BackendConnection(Target target, SocketChannel channel, Selector selector, long deadline,
            String timeoutText) {
        this.target = target;
        this.channel = channel;
        this.selector = selector;
        this.deadline = deadline;
        this.timeoutText = timeoutText;
    }

    /** Connects to {@code target} by {@code deadline} (System.nanoTime()). */
    static BackendConnection open(Target target, long deadline, String timeoutText) throws CliException {
        SocketAddress address = target.socketAddress();
        if (address instanceof InetSocketAddress inet && inet.isUnresolved()) {
            throw new CliException(ExitCode.UNREACHABLE, "cannot resolve host " + target.host());
        }
        SocketChannel channel = null;
        Selector selector = null;
        try {
            channel = target.isUnix() ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
            channel.configureBlocking(false);
            selector = Selector.open();
            BackendConnection c = new BackendConnection(target, channel, selector, deadline, timeoutText);
            SelectionKey key = channel.register(selector, 0);
            if (!channel.connect(address)) {
                key.interestOps(SelectionKey.OP_CONNECT);
                while (!channel.finishConnect()) {
                    c.select("connecting to " + target.where());
                }
            }
            c.connectedNanos = System.nanoTime();
            return c;
        } catch (IOException e) {
            closeQuietly(selector);
            closeQuietly(channel);
            String reason = e instanceof ConnectException && e.getMessage() == null ? "refused" : e.getMessage();
            throw new CliException(ExitCode.UNREACHABLE, "cannot connect to " + target.protocolName() + " backend "
                    + target.where() + ": " + reason, e);
        } catch (CliException e) {
            closeQuietly(selector);
            closeQuietly(channel);
            throw e;
        }
    }

    /** This side's address of the connection, and its port (-1 over a Unix socket). */
    InetSocketAddress localInetAddress() throws CliException {
        try {
            SocketAddress local = channel.getLocalAddress();
            return local instanceof InetSocketAddress inet ? inet : null;
        } catch (IOException e) {
            throw new CliException(ExitCode.UNREACHABLE, "connection to " + target.where() + " lost: " + e.getMessage(),
                    e);
        }
    }

    /** Writes all of {@code request} while handing every byte read to {@code reader}, until it is done. */
    void exchange(ByteBuffer request, ResponseReader reader) throws CliException {
        ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        SelectionKey key = channel.keyFor(selector);
        IOException writeFailure = null;
        try {
            while (!reader.done()) {
                boolean writing = request.hasRemaining() && writeFailure == null;
                key.interestOps(SelectionKey.OP_READ | (writing ? SelectionKey.OP_WRITE : 0));
                if (!select(request.hasRemaining() ? "sending the request" : bytesReceived == 0
                        ? "waiting for the response" : "reading the response")) {
                    continue;
                }
                if (writing && key.isWritable()) {
                    try {
                        bytesSent += channel.write(request);
                    } catch (IOException e) {
                        // Read on: the backend may have answered (an error, say) before closing.
                        writeFailure = e;
                    }
                }
                if (!key.isReadable()) {
                    continue;
                }
                int n;
                try {
                    n = channel.read(in.clear());
                } catch (IOException e) {
                    throw CliException.protocol("the backend reset the connection" + (bytesReceived == 0
                            ? " before answering" : " after " + bytesReceived + " bytes of the response")
                            + " (" + e.getMessage() + ")");
                }
                if (n < 0) {
                    try {
                        reader.endOfInput();
                    } catch (CliException e) {
                        if (writeFailure != null || request.hasRemaining()) {
                            throw CliException.protocol(e.getMessage() + "; it stopped reading after " + bytesSent
                                    + " of " + request.limit() + " request bytes"
                                    + (writeFailure != null ? " (" + writeFailure.getMessage() + ")" : ""));
                        }
                        throw e;
                    }
                    return;
                }
                if (n > 0) {
                    if (bytesReceived == 0) {
                        firstByteNanos = System.nanoTime();
                    }
                    bytesReceived += n;
                    reader.read(in.flip());
                }
            }
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "I/O error on the connection to " + target.where() + ": "
                    + e.getMessage(), e);
        }
    }

    /** Waits for the channel to be ready, at most until the deadline; false when it woke up for nothing. */
    private boolean select(String doing) throws IOException, CliException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw timedOut(doing);
        }
        selector.selectedKeys().clear();
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        if (!selector.selectedKeys().isEmpty()) {
            return true;
        }
        if (deadline - System.nanoTime() <= 0) {
            throw timedOut(doing);
        }
        return false;
    }

    private CliException timedOut(String doing) {
        return new CliException(ExitCode.TIMED_OUT, "timed out after " + timeoutText + " " + doing + " ("
                + target.protocolName() + " backend " + target.where() + "; " + bytesSent + " bytes sent, "
                + bytesReceived + " received)");
    }

    @Override
    public void close() {
        closeQuietly(selector);
        closeQuietly(channel);
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // closing after the exchange ended or failed: nothing more to learn
            }
        }
    }
}
