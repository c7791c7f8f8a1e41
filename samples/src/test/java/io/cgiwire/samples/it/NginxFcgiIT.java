package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.samples.it.FrontServer.Site;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** nginx fastcgi_pass to the backend's TCP port through an upstream with keepalive 8 and fastcgi_keep_conn on. */
class NginxFcgiIT extends GatewaySuite {

    NginxFcgiIT() {
        super(FrontServer.Kind.NGINX, Protocol.FCGI, false);
    }

    /**
     * 50 requests in a row go over the few connections of nginx's keepalive pool: counted from the kernel's TCP
     * table (every connection to the backend's port, closed ones included while in TIME_WAIT), not by the backend.
     */
    @Test
    void upstreamConnectionsAreKeptAlive() throws Exception {
        int backendPort = backend.endpoint(Protocol.FCGI, false).port();
        Map<Integer, String> before = TcpTable.peersOf(backendPort);
        Set<Integer> seen = ConcurrentHashMap.newKeySet();
        AtomicBoolean done = new AtomicBoolean();
        Thread watcher = new Thread(() -> {
            while (!done.get()) {
                seen.addAll(TcpTable.peersOf(backendPort).keySet());
                ChildProcess.sleep(5);
            }
        });
        watcher.start();
        try {
            for (int i = 0; i < 50; i++) {
                assertEquals(200, get(Site.PLAIN, "/hello").statusCode());
            }
        } finally {
            done.set(true);
            watcher.join();
        }
        seen.addAll(TcpTable.peersOf(backendPort).keySet());
        // connections that were already closed before the run did not carry any of its requests
        Map<Integer, String> used = new HashMap<>();
        for (int port : seen) {
            String state = before.get(port);
            if (state == null || state.equals(TcpTable.ESTABLISHED)) {
                used.put(port, state);
            }
        }
        System.out.println("nginx -> backend: 50 requests over " + used.size() + " connection(s): " + used.keySet());
        assertTrue(!used.isEmpty() && used.size() <= 8,
                "50 requests used " + used.size() + " upstream connections: " + used.keySet());
    }
}
