package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.reflect.Method;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rules the bounded fuzzing run of {@code mvn verify} relies on: Jazzer 0.24 fuzzes only the first
 * {@code @FuzzTest} of a JVM, so each {@code *FuzzTest} class holds exactly one (and the build forks a JVM per class);
 * each has a per-input {@code @Timeout}, which Jazzer takes as its hang limit; and each has a corpus in the repository.
 */
class FuzzTargetsTest {
    @Test
    void everyFuzzTestClassHasOneTargetWithATimeoutAndACorpus() throws Exception {
        List<Class<?>> classes = fuzzTestClasses();
        assertTrue(classes.size() >= 6, "fuzz test classes: " + classes);
        for (Class<?> c : classes) {
            List<Method> targets = Arrays.stream(c.getDeclaredMethods())
                    .filter(m -> m.isAnnotationPresent(FuzzTest.class)).toList();
            assertEquals(1, targets.size(), c.getName() + " must hold exactly one @FuzzTest");
            Method target = targets.get(0);
            assertNotNull(target.getAnnotation(Timeout.class), target + " needs a @Timeout: the per-input limit");
            URL corpus = c.getResource(c.getSimpleName() + "Inputs/" + target.getName());
            assertNotNull(corpus, c.getName() + " has no corpus directory");
            try (Stream<Path> inputs = Files.list(Path.of(corpus.toURI()))) {
                assertFalse(inputs.findAny().isEmpty(), c.getName() + " has an empty corpus");
            }
        }
    }

    private static List<Class<?>> fuzzTestClasses() throws Exception {
        Path root = Path.of(FuzzTargetsTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (Stream<Path> files = Files.walk(root)) {
            return files.map(p -> root.relativize(p).toString())
                    .filter(name -> name.endsWith("FuzzTest.class"))
                    .<Class<?>>map(name -> load(name.substring(0, name.length() - ".class".length()).replace('/', '.')))
                    .toList();
        }
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
