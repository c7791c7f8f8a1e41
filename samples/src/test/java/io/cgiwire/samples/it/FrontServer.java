package io.cgiwire.samples.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A real front web server (nginx, Apache httpd, lighttpd, HAProxy, Caddy) as a child process in the foreground, with a config
 * generated in its own folder, proxying "/" to one backend endpoint. It listens on three free ports of 127.0.0.1,
 * one per {@link Site}. It also knows the documented behaviour of its server that the tests assert.
 */
abstract class FrontServer implements AutoCloseable {

    /** One server block / virtual host / socket of the front server, all proxying "/" to the same backend. */
    enum Site {
        /** The stock setup. */
        PLAIN,
        /** As PLAIN, and the front server sends HTTPS=on, as it would behind TLS. */
        HTTPS_ON,
        /** Request bodies streamed to the backend where the server can (nginx: *_request_buffering off). */
        STREAMING
    }

    /** What happens to a chunked request body on its way to the backend. */
    enum ChunkedUpload {
        /** Reaches the backend intact (buffered with a length, or streamed without one). */
        INTACT,
        /** The front server answers 411 Length Required itself. */
        LENGTH_REQUIRED,
        /** The front server answers 400 itself (HAProxy: the body does not fit the buffer it counts it in). */
        BAD_REQUEST
    }

    enum Kind {
        NGINX,
        HTTPD,
        LIGHTTPD,
        HAPROXY,
        CADDY;

        FrontServer create(Path dir, Protocol protocol, Endpoint backend) {
            return switch (this) {
                case NGINX -> new Nginx(dir, protocol, backend);
                case HTTPD -> new Httpd(dir, protocol, backend);
                case LIGHTTPD -> new Lighttpd(dir, protocol, backend);
                case HAPROXY -> new Haproxy(dir, protocol, backend);
                case CADDY -> new Caddy(dir, protocol, backend);
            };
        }
    }

    /** Front servers drop root for their workers, as packaged; the tests then run them as this user. */
    static final String WORKER_USER = "www-data";
    static final boolean ROOT = "root".equals(System.getProperty("user.name"));
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    final Path dir;
    final Protocol protocol;
    final Endpoint backend;
    private final Map<Site, Integer> ports = new EnumMap<>(Site.class);
    private ChildProcess process;

    FrontServer(Path dir, Protocol protocol, Endpoint backend) {
        this.dir = dir;
        this.protocol = protocol;
        this.backend = backend;
        int[] free = FreePorts.take(Site.values().length);
        for (Site s : Site.values()) {
            ports.put(s, free[s.ordinal()]);
        }
    }

    abstract String name();

    /** Writes the config and makes the folders it names; returns the command line. */
    abstract List<String> prepare() throws IOException;

    abstract Path errorLogFile();

    /** What the server does with a chunked request body sent to {@code site}. */
    abstract ChunkedUpload chunkedUpload(Site site);

    /** The text the server writes beside a line a FastCGI backend sent on FCGI_STDERR; null if it drops them. */
    abstract String fcgiStderrMarker();

    /** Environment variables the server needs besides PATH and LANG. */
    Map<String, String> environment() {
        return Map.of();
    }

    /** False where the server drops the backend's Content-Length, so that a HEAD response has none. */
    boolean keepsContentLengthOfHead() {
        return true;
    }

    /** True where a client that goes away makes the server close the upstream connection at once. */
    boolean closesUpstreamOnClientAbort() {
        return false;
    }

    /** Starts the server and waits until every site accepts connections. */
    FrontServer start() {
        List<String> command;
        try {
            Files.createDirectories(dir);
            command = prepare();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        process = ChildProcess.start(name(), command, dir, environment());
        try {
            process.awaitReady("listening on " + ports.values(), START_TIMEOUT,
                    p -> ports.values().stream().allMatch(FrontServer::accepts));
        } catch (RuntimeException e) {
            String log = errorLog();
            close();
            throw new IllegalStateException(e.getMessage() + "--- " + name() + " error log ---\n" + log, e);
        }
        return this;
    }

    int port(Site site) {
        return ports.get(site);
    }

    URI uri(Site site, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port(site) + pathAndQuery);
    }

    String errorLog() {
        return ChildProcess.read(errorLogFile());
    }

    /** The config, output and error log, for failure messages. */
    String diagnostics() {
        String out = process == null ? "" : process.output();
        return out + "--- " + name() + " error log ---\n" + ChildProcess.tail(errorLog());
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
        }
    }

    @Override
    public String toString() {
        return name() + "(" + protocol + " -> " + backend + ", ports " + ports + ")";
    }

    String listen(Site site) {
        return "127.0.0.1:" + port(site);
    }

    /** The directories the workers write to (temp files, and for lighttpd its log) must be theirs. */
    void makeWorkerDirs(Path... dirs) throws IOException {
        for (Path d : dirs) {
            Files.createDirectories(d);
            if (ROOT) {
                UserPrincipalLookupService users = d.getFileSystem().getUserPrincipalLookupService();
                GroupPrincipal group = users.lookupPrincipalByGroupName(WORKER_USER);
                Files.setOwner(d, users.lookupPrincipalByName(WORKER_USER));
                Files.getFileAttributeView(d, PosixFileAttributeView.class).setGroup(group);
            }
        }
    }

    static String lines(String... lines) {
        return Arrays.stream(lines).collect(Collectors.joining("\n", "", "\n"));
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
