package io.cgiwire.samples.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A fresh folder under /tmp (short enough for Unix socket paths) that the front servers' workers can enter,
 * deleted on close.
 */
public final class WorkDir implements AutoCloseable {

    final Path path;

    private WorkDir(Path path) {
        this.path = path;
    }

    public static WorkDir create(String name) {
        try {
            Path p = Files.createTempDirectory(Path.of("/tmp"), "cgiwire-it-" + name + "-");
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            return new WorkDir(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path resolve(String name) {
        return path.resolve(name);
    }

    @Override
    public void close() {
        try (Stream<Path> all = Files.walk(path)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
