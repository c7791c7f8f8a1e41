package io.cgiwire.jetty;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.junit.jupiter.api.Test;

/**
 * Each connection reads into a buffer from the connector's pool. A size the pool does not keep is allocated and
 * zeroed for every read: at 64 KiB + 512 that cost nginx → FastCGI more than half its throughput on small requests.
 */
class InputBufferSizeTest {
    private final int pooled = new ArrayByteBufferPool().getMaxCapacity();

    @Test
    void fastCgiReadsIntoBuffersTheDefaultPoolKeeps() {
        int size = new FcgiConnectionFactory().getInputBufferSize();
        assertTrue(size <= pooled, size + " > " + pooled);
    }

    @Test
    void scgiReadsIntoBuffersTheDefaultPoolKeeps() {
        int size = new ScgiConnectionFactory().getInputBufferSize();
        assertTrue(size <= pooled, size + " > " + pooled);
    }
}
