package io.cgiwire.samples.webapp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webapp is built against the Servlet 6.1 API but must run on Servlet 6.0 containers (Jetty ee10, Tomcat 10.1):
 * compile its sources against the 6.0 API jar (copied to target/ by the build) to prove it uses nothing newer.
 */
class Servlet60CompatibilityTest {
    @TempDir
    Path classes;

    @Test
    void theWebappCompilesAgainstServlet60() throws Exception {
        Path api = Path.of("target/servlet-api-6.0/jakarta.servlet-api-6.0.jar");
        assertTrue(Files.isRegularFile(api), api + " is missing: the build copies it (maven-dependency-plugin)");
        List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-implicit:none",
                "-classpath", api.toString(), "-d", classes.toString()));
        try (Stream<Path> sources = Files.list(Path.of("src/main/java/io/cgiwire/samples/webapp"))) {
            sources.filter(path -> path.toString().endsWith(".java")).map(Path::toString).sorted().forEach(args::add);
        }
        StringWriter output = new StringWriter();
        PrintWriter out = new PrintWriter(output);
        int status = ToolProvider.findFirst("javac").orElseThrow().run(out, out, args.toArray(String[]::new));
        out.flush();
        assertEquals(0, status, "the webapp does not compile against Servlet 6.0:\n" + output);
        assertTrue(Files.isRegularFile(classes.resolve("io/cgiwire/samples/webapp/SampleApp.class")));
    }
}
