package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every file in samples/configs passes its front server's own checker (nginx -t, apache2 -t, lighttpd -tt,
 * haproxy -c, caddy validate), run by samples/configs/check.sh --strict: a missing front server fails the test.
 */
class SampleConfigsIT {

    @Test
    void everySampleConfigPassesItsServersCheck() throws Exception {
        Path configs = Path.of(System.getProperty("basedir", "."), "configs").toAbsolutePath().normalize();
        List<String> files;
        try (Stream<Path> all = Files.list(configs)) {
            files = all.map(p -> p.getFileName().toString()).filter(n -> !n.equals("check.sh")).sorted().toList();
        }
        assertTrue(files.contains("haproxy-fcgi.cfg") && files.contains("caddy-fcgi.Caddyfile"), files::toString);
        try (WorkDir work = WorkDir.create("configs")) {
            Path log = work.resolve("check.log");
            Process check = new ProcessBuilder("bash", configs.resolve("check.sh").toString(), "--strict")
                    .directory(work.path.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                assertTrue(check.waitFor(60, TimeUnit.SECONDS), "check.sh still running after 60 s");
            } finally {
                check.destroyForcibly();
            }
            String out = Files.readString(log);
            for (String file : files) {
                assertTrue(out.lines().anyMatch(l -> l.equals("ok    " + file)), () -> file + " not checked:\n" + out);
            }
            assertEquals(0, check.exitValue(), out);
        }
    }
}
