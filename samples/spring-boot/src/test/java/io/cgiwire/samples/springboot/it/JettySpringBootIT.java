package io.cgiwire.samples.springboot.it;

/** The sample on Jetty: target/cgiwire-spring-boot-sample-jetty.jar. */
class JettySpringBootIT extends SpringBootSampleSuite {
    @Override
    String container() {
        return "jetty";
    }

    /** Boot's Jetty connection meters, one set per connector, tagged with the connector's name. */
    @Override
    String containerMeterPath(int fcgiPort) {
        return "jetty.connections.current?tag=connector.name:cgiwire-fcgi";
    }
}
