package io.cgiwire.samples.it;

import java.util.List;

/** cgiwire-cli against the demo on embedded Tomcat. */
class TomcatCliIT extends CliSuite {
    @Override
    List<String> containerArgs() {
        return List.of("--container", "tomcat");
    }

    /** Tomcat's FastCGI connector serves one request of a connection at a time unless told to multiplex. */
    @Override
    boolean multiplexes() {
        return false;
    }
}
