package io.cgiwire.samples.it;

import java.util.List;

/** {@link FailoverIT} with the demo on embedded Tomcat: FcgiNioProtocol behind nginx. */
class TomcatFailoverIT extends FailoverIT {
    @Override
    List<String> containerArgs() {
        return List.of("--container", "tomcat");
    }

    /** Printed by the demo itself: Tomcat's own lines about stopping are lost with the JVM's logging at shutdown. */
    @Override
    String stoppedMarker() {
        return "cgiwire demo: stopped";
    }
}
