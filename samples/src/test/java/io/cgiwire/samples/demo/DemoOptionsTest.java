package io.cgiwire.samples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.samples.demo.DemoOptions.Container;
import io.cgiwire.samples.demo.DemoOptions.Ee;
import io.cgiwire.samples.demo.ListenAddress.Tcp;
import io.cgiwire.samples.demo.ListenAddress.Unix;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {
    @Test
    void defaults() {
        DemoOptions options = DemoOptions.parse();
        assertEquals(List.of(new Tcp("127.0.0.1", 9000)), options.fcgi());
        assertEquals(List.of(new Tcp("127.0.0.1", 4000)), options.scgi());
        assertEquals(List.of(), options.http());
        assertEquals(Container.JETTY, options.container());
        assertEquals(Ee.EE11, options.ee());
        assertEquals(null, options.authorizerPath(), "the Authorizer role is off by default");
        assertEquals(0, options.maxConnections(), "the container's own limit");
        assertFalse(options.help());
    }

    @Test
    void givenListenersReplaceTheDefaultAndRepeat() {
        DemoOptions options = DemoOptions.parse("--fcgi", "127.0.0.1:9001", "--fcgi", "unix:/run/cgiwire/fcgi.sock",
                "--http", "127.0.0.1:0");
        assertEquals(List.of(new Tcp("127.0.0.1", 9001), new Unix(Path.of("/run/cgiwire/fcgi.sock"))),
                options.fcgi());
        assertEquals(List.of(DemoOptions.DEFAULT_SCGI), options.scgi());
        assertEquals(List.of(new Tcp("127.0.0.1", 0)), options.http());
    }

    @Test
    void everyOption() {
        DemoOptions options = DemoOptions.parse("--scgi", "localhost:4001", "--container", "jetty", "--ee", "ee10",
                "--http", "[::1]:8080");
        assertEquals(List.of(new Tcp("localhost", 4001)), options.scgi());
        assertEquals(List.of(new Tcp("::1", 8080)), options.http());
        assertEquals(Ee.EE10, options.ee());
        assertEquals("[::1]:8080", options.http().get(0).toString());
    }

    @Test
    void maxConnectionsIsTomcats() {
        assertEquals(12000, DemoOptions.parse("--container", "tomcat", "--max-connections", "12000").maxConnections());
        assertEquals(20, DemoOptions.parse("--max-connections=20", "--container=tomcat").maxConnections());
    }

    @Test
    void multiplexIsTomcats() {
        assertTrue(DemoOptions.parse("--container", "tomcat", "--multiplex").multiplex());
        assertFalse(DemoOptions.parse("--container", "tomcat").multiplex(), "one at a time unless asked");
        assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse("--multiplex"));
    }

    @Test
    void equalsForm() {
        DemoOptions options = DemoOptions.parse("--fcgi=unix:/tmp/a.sock", "--ee=ee10", "--container=jetty");
        assertEquals(List.of(new Unix(Path.of("/tmp/a.sock"))), options.fcgi());
        assertEquals(Ee.EE10, options.ee());
        assertEquals(Container.JETTY, options.container());
        assertEquals(Container.TOMCAT, DemoOptions.parse("--container=tomcat").container());
    }

    @Test
    void tomcatTakesTheSameListeners() {
        DemoOptions options = DemoOptions.parse("--container", "tomcat", "--fcgi", "unix:/tmp/f.sock",
                "--http", "127.0.0.1:8080");
        assertEquals(Container.TOMCAT, options.container());
        assertEquals(List.of(new Unix(Path.of("/tmp/f.sock"))), options.fcgi());
        assertEquals(List.of(DemoOptions.DEFAULT_SCGI), options.scgi());
        assertEquals(List.of(new Tcp("127.0.0.1", 8080)), options.http());
    }

    @Test
    void authorizerPath() {
        assertEquals("/authorize", DemoOptions.parse("--authorizer-path", "/authorize").authorizerPath());
        assertEquals("/a", DemoOptions.parse("--authorizer-path=/a", "--container", "tomcat").authorizerPath());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DemoOptions.parse("--authorizer-path", "authorize"));
        assertEquals("--authorizer-path: 'authorize' is not a path such as /authorize", e.getMessage());
    }

    @Test
    void help() {
        assertTrue(DemoOptions.parse("--help").help());
        assertTrue(DemoOptions.parse("--fcgi", "127.0.0.1:1", "-h").help());
    }

    @Test
    void badArguments() {
        assertBad("unknown option 'fcgi'", "fcgi");
        assertBad("unknown option '--port'", "--port", "9000");
        assertBad("--fcgi needs a value", "--fcgi");
        assertBad("--fcgi: expected HOST:PORT or unix:PATH, got '9000'", "--fcgi", "9000");
        assertBad("--fcgi: bad port in '127.0.0.1:65536': 0..65535 (0 picks a free port)", "--fcgi",
                "127.0.0.1:65536");
        assertBad("--scgi: bad port in 'localhost:x': 0..65535 (0 picks a free port)", "--scgi", "localhost:x");
        assertBad("--scgi: bad port in 'localhost:': 0..65535 (0 picks a free port)", "--scgi", "localhost:");
        assertBad("--fcgi: missing host in ':9000' (e.g. 127.0.0.1:9000)", "--fcgi", ":9000");
        assertBad("--fcgi: put an IPv6 address in brackets, e.g. [::1]:9000, got '::1:9000'", "--fcgi", "::1:9000");
        assertBad("--fcgi: unix: needs a path, e.g. unix:/run/cgiwire/fcgi.sock", "--fcgi", "unix:");
        assertBad("--http: a Unix socket is not supported here: unix:/tmp/h.sock", "--http", "unix:/tmp/h.sock");
        assertBad("--ee: unknown environment 'ee9' (ee10 or ee11)", "--ee", "ee9");
        assertBad("--container: unknown container 'undertow' (jetty or tomcat)", "--container", "undertow");
        assertBad("--ee applies to Jetty only (Tomcat 11 is Servlet 6.1)", "--container", "tomcat", "--ee", "ee11");
        assertBad("--ee applies to Jetty only (Tomcat 11 is Servlet 6.1)", "--ee=ee10", "--container=tomcat");
        assertBad("--help takes no value", "--help=yes");
        assertBad("--max-connections: '0' is not a positive number", "--container", "tomcat", "--max-connections",
                "0");
        assertBad("--max-connections: 'many' is not a positive number", "--max-connections=many");
        assertBad("--max-connections applies to Tomcat only (Jetty's has no limit here)", "--max-connections", "5");
    }

    private static void assertBad(String message, String... args) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DemoOptions.parse(args));
        assertEquals(message, e.getMessage());
    }
}
