package io.cgiwire.core;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * The error stream a request is handed ({@link GatewaySession#errorStream}), lent for the request's lifetime from a
 * pool the whole JVM shares, and given back when the request completes.
 *
 * <p>A PrintStream costs about 24 KiB however it is made (its encoder's 8 KiB byte buffer and its writer's 8 Ki
 * chars): one kept by each connection made an idle FastCGI connection cost seven times an idle HTTP one, and one made
 * for each request cost more than the rest of a small request. Lent, there are as many as requests in flight, and
 * a connection between requests holds none. Streams are alike: only the session they write for differs.
 *
 * <p>What is written while the stream is given back, or lent to no one, is dropped, as lines written between
 * requests always were.
 */
final class ErrorStream extends OutputStream {
    /**
     * Free streams kept for later requests: a burst of more requests at once than this makes new ones, which are
     * garbage afterwards. 64 keep 1.5 MiB at most.
     */
    private static final int MAX_FREE = 64;
    private static final ArrayDeque<ErrorStream> FREE = new ArrayDeque<>();

    /** What the request is handed: lines, and each flush, are one write to {@link #owner}. */
    final PrintStream stream = new PrintStream(this, true, StandardCharsets.UTF_8);
    /** Whom the stream writes for while lent. */
    private record Lease(GatewaySession session, GatewayRequest request) {
    }

    /** The request the stream writes for, and its session, while lent; null while free. */
    private volatile Lease owner;

    private ErrorStream() {
    }

    /** A free stream, now writing for {@code request} of {@code session}. */
    static ErrorStream lend(GatewaySession session, GatewayRequest request) {
        ErrorStream lent;
        synchronized (FREE) {
            lent = FREE.pollFirst();
        }
        if (lent == null) {
            lent = new ErrorStream();
        }
        lent.owner = new Lease(session, request);
        return lent;
    }

    /** The request it was lent for is complete: from now on it writes for no one until it is lent again. */
    void giveBack() {
        owner = null;
        synchronized (FREE) {
            if (FREE.size() < MAX_FREE) {
                FREE.addFirst(this);
            }
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
        Lease lease = owner;
        if (lease != null) {
            lease.session.writeStderr(lease.request,
                    ByteBuffer.wrap(Arrays.copyOfRange(bytes, offset, offset + length)));
        }
    }
}
