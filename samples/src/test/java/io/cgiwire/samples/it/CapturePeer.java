package io.cgiwire.samples.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A stand-in backend: tools/capture/capture_peer.py, which answers every FastCGI / SCGI request with 200 "ok" and
 * writes a listing of each request (params in wire order) it got. It checks the front-server setups
 * independently of cgiwire.
 */
final class CapturePeer implements Backend {

    private final ChildProcess fcgiPeer;
    private final ChildProcess scgiPeer;
    private final Endpoint fcgi;
    private final Endpoint fcgiUnix;
    private final Endpoint scgi;
    private final Path fcgiOut;
    private final Path scgiOut;
    private final Path label;

    private CapturePeer(ChildProcess fcgiPeer, ChildProcess scgiPeer, Endpoint fcgi, Endpoint fcgiUnix,
            Endpoint scgi, Path fcgiOut, Path scgiOut, Path label) {
        this.fcgiPeer = fcgiPeer;
        this.scgiPeer = scgiPeer;
        this.fcgi = fcgi;
        this.fcgiUnix = fcgiUnix;
        this.scgi = scgi;
        this.fcgiOut = fcgiOut;
        this.scgiOut = scgiOut;
        this.label = label;
    }

    static Backend.Launcher launcher() {
        return CapturePeer::start;
    }

    static CapturePeer start(Path dir) {
        Path script = Path.of(System.getProperty("basedir", "."), "..", "tools", "capture", "capture_peer.py")
                .toAbsolutePath().normalize();
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("no capture peer at " + script);
        }
        int[] ports = FreePorts.take(2);
        Endpoint fcgi = Endpoint.tcp("127.0.0.1", ports[0]);
        Endpoint scgi = Endpoint.tcp("127.0.0.1", ports[1]);
        Endpoint fcgiUnix = Endpoint.unix(dir.resolve("fcgi.sock"));
        Path label = dir.resolve("label");
        Path fcgiOut = dir.resolve("cap-fcgi");
        Path scgiOut = dir.resolve("cap-scgi");
        try {
            Files.writeString(label, "none");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChildProcess f = peer("peer-fcgi", script, "fcgi", fcgiOut, label, dir,
                "tcp:" + fcgi.cliArg(), fcgiUnix.cliArg());
        ChildProcess s;
        try {
            s = peer("peer-scgi", script, "scgi", scgiOut, label, dir, "tcp:" + scgi.cliArg());
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
        return new CapturePeer(f, s, fcgi, fcgiUnix, scgi, fcgiOut, scgiOut, label);
    }

    private static ChildProcess peer(String name, Path script, String proto, Path out, Path label, Path dir,
            String... listen) {
        List<String> cmd = new java.util.ArrayList<>(List.of("python3", script.toString(), "serve", "--proto", proto,
                "--out", out.toString(), "--label-file", label.toString()));
        for (String l : listen) {
            cmd.add("--listen");
            cmd.add(l);
        }
        ChildProcess p = ChildProcess.start(name, cmd, dir, Map.of());
        try {
            p.awaitReady("listening", Duration.ofSeconds(20), c -> c.stdout().contains("listening on"));
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /**
     * Names the captures of the requests that start from now on. The peer reads the file when a request's first
     * byte arrives, so it is replaced whole (renamed over), never seen half written.
     */
    void label(String name) {
        Path tmp = label.resolveSibling(label.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, name);
            Files.move(tmp, label, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the peer captured for the request that started under {@code label}. */
    Capture capture(Protocol protocol, String label) {
        Path dir = protocol == Protocol.FCGI ? fcgiOut : scgiOut;
        return new Capture(label, dir, ChildProcess.read(dir.resolve(label + ".txt")));
    }

    /** The listing of one captured request; empty when no request started under its label. */
    record Capture(String label, Path dir, String listing) {

        boolean contains(String text) {
            return listing.contains(text);
        }

        /** A failure message: the capture file looked at, what it should hold, what it holds, what else came. */
        String mismatch(String expected) {
            Path file = dir.resolve(label + ".txt");
            return "capture of label " + label + ": expected " + expected + " in " + file + ", found "
                    + (Files.exists(file) ? "this listing:\n" + listing : "no such file (no request under this label)")
                    + "\nall captures so far (" + dir.resolve("index.tsv") + ": label, connection, request on it,"
                    + " bytes):\n" + ChildProcess.read(dir.resolve("index.tsv"));
        }
    }

    @Override
    public Endpoint endpoint(Protocol protocol, boolean unixSocket) {
        if (protocol == Protocol.SCGI) {
            return scgi;
        }
        return unixSocket ? fcgiUnix : fcgi;
    }

    @Override
    public URI http() {
        return null;
    }

    @Override
    public String output() {
        return fcgiPeer.output() + scgiPeer.output();
    }

    @Override
    public void close() {
        fcgiPeer.close();
        scgiPeer.close();
    }
}
