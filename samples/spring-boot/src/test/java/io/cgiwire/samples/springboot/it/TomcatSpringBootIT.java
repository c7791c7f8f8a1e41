package io.cgiwire.samples.springboot.it;

/** The sample on Tomcat: target/cgiwire-spring-boot-sample.jar. */
class TomcatSpringBootIT extends SpringBootSampleSuite {
    @Override
    String container() {
        return "tomcat";
    }

    /** Tomcat's per-connector meters (its MBean registry is on in the sample), tagged with the protocol's name. */
    @Override
    String containerMeterPath(int fcgiPort) {
        return "tomcat.global.request?tag=name:fcgi-nio-127.0.0.1-" + fcgiPort;
    }
}
