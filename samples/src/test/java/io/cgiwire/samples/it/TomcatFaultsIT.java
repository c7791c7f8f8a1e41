package io.cgiwire.samples.it;

import java.util.List;

/** {@link FaultsIT} with the demo on embedded Tomcat: FcgiNioProtocol behind nginx. */
class TomcatFaultsIT extends FaultsIT {
    @Override
    List<String> containerArgs() {
        return List.of("--container", "tomcat");
    }
}
