package io.cgiwire.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.junit.jupiter.api.Test;

/**
 * Each connection reads into a buffer from the connector's pool. A size the pool does not keep is allocated and
 * zeroed for every read: at 64 KiB + 512 that cost nginx → FastCGI more than half its throughput on small requests.
 * And a Unix-domain connection writes through a send buffer the kernel never grows by itself.
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

    @Test
    void unixSocketConnectionsGetALargeSendBuffer() {
        Connector connector = CgiConnectors.newConnector(new Server(), new FcgiConnectionFactory(), 1, 1, null, 0,
                "/tmp/cgiwire-never-bound.sock", "", false, 1000, 0, 0);
        assertEquals(1024 * 1024, ((UnixDomainServerConnector) connector).getAcceptedSendBufferSize());
    }
}
