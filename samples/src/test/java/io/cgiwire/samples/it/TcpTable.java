package io.cgiwire.samples.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's table of TCP sockets (/proc/net/tcp and tcp6), read to see a backend's connections from outside:
 * no help from the backend itself.
 */
final class TcpTable {

    static final String ESTABLISHED = "01";
    private static final String LISTEN = "0A";

    private TcpTable() {}

    /**
     * The client-side ports of every connection to {@code serverPort} on this machine, in any state but LISTEN,
     * with the state (hex, as the kernel writes it) of the first socket seen for each. Both ends of a loopback
     * connection are in the table; a closed one stays there in TIME_WAIT for a while on the side that closed.
     */
    static Map<Integer, String> peersOf(int serverPort) {
        Map<Integer, String> peers = new HashMap<>();
        for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> rows;
            try {
                rows = Files.readAllLines(Path.of(file));
            } catch (IOException e) {
                if (file.endsWith("6")) {
                    continue;
                }
                throw new UncheckedIOException(e);
            }
            for (String row : rows.subList(1, rows.size())) {
                String[] f = row.trim().split("\\s+");
                int local = port(f[1]);
                int remote = port(f[2]);
                String state = f[3];
                if (state.equals(LISTEN)) {
                    continue;
                }
                if (remote == serverPort) {
                    peers.putIfAbsent(local, state);
                } else if (local == serverPort) {
                    peers.putIfAbsent(remote, state);
                }
            }
        }
        return peers;
    }

    private static int port(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
    }
}
