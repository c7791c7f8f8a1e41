package io.cgiwire.samples.webapp;

/** The routes on Jetty's ee11 environment (Servlet 6.1), the demo's default. */
class Ee11RoutesTest extends RoutesTestBase {
    Ee11RoutesTest() {
        super("--ee", "ee11");
    }
}
