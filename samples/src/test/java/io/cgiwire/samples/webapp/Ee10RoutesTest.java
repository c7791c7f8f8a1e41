package io.cgiwire.samples.webapp;

/** The routes on Jetty's ee10 environment (Servlet 6.0). */
class Ee10RoutesTest extends RoutesTestBase {
    Ee10RoutesTest() {
        super("--ee", "ee10");
    }
}
