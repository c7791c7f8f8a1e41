package io.cgiwire.samples.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** target/cgiwire-samples.war: web.xml and the webapp's classes, nothing else (runs in the package phase). */
class WarContentsTest {
    private static final Path WAR = Path.of("target/cgiwire-samples.war");
    private static final String CLASSES = "WEB-INF/classes/";
    private static final String WEBAPP = "io/cgiwire/samples/webapp/";

    @Test
    void holdsWebXmlAndTheWebappClassesOnly() throws Exception {
        Set<String> files = new TreeSet<>();
        try (ZipFile war = new ZipFile(WAR.toFile())) {
            war.stream().filter(entry -> !entry.isDirectory()).map(ZipEntry::getName).forEach(files::add);
        }
        Set<String> expected = new TreeSet<>(List.of("META-INF/MANIFEST.MF", "WEB-INF/web.xml"));
        try (Stream<Path> classes = Files.list(Path.of("target/classes").resolve(WEBAPP))) {
            classes.map(path -> CLASSES + WEBAPP + path.getFileName()).forEach(expected::add);
        }
        assertTrue(expected.contains(CLASSES + WEBAPP + "SampleApp.class"));
        assertEquals(expected, files);
    }

    @Test
    void webXmlDeclaresOnlyTheListener() throws Exception {
        String webXml;
        try (ZipFile war = new ZipFile(WAR.toFile())) {
            webXml = new String(war.getInputStream(war.getEntry("WEB-INF/web.xml")).readAllBytes(),
                    StandardCharsets.UTF_8);
        }
        assertTrue(webXml.contains("version=\"6.0\""), webXml);
        assertTrue(webXml.contains("metadata-complete=\"true\""), webXml);
        assertTrue(webXml.contains("web-app_6_0.xsd"), webXml);
        assertTrue(webXml.contains("<listener-class>io.cgiwire.samples.webapp.SampleApp</listener-class>"), webXml);
        assertEquals(1, webXml.split("<listener>", -1).length - 1);
        assertTrue(!webXml.contains("<servlet>") && !webXml.contains("<filter>"), webXml);
    }
}
