package io.cgiwire.samples.it;

import java.util.List;

/** {@link SoakIT} with the demo on embedded Tomcat: FcgiNioProtocol behind nginx. */
class TomcatSoakIT extends SoakIT {
    @Override
    List<String> containerArgs() {
        return List.of("--container", "tomcat");
    }
}
