package io.cgiwire.samples.webapp;

/** The routes on embedded Tomcat 11 (Servlet 6.1), through Tomcat's own HTTP/1.1 connector. */
class TomcatRoutesTest extends RoutesTestBase {
    TomcatRoutesTest() {
        super("--container", "tomcat");
    }
}
