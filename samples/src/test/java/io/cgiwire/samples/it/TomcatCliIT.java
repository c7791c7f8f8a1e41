package io.cgiwire.samples.it;

import java.util.List;

/** cgiwire-cli against the demo on embedded Tomcat. */
class TomcatCliIT extends CliSuite {
    @Override
    List<String> containerArgs() {
        return List.of("--container", "tomcat");
    }

    @Override
    boolean multiplexes() {
        return false;
    }
}
