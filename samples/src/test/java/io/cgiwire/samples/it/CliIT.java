package io.cgiwire.samples.it;

import java.util.List;

/** cgiwire-cli against the demo on embedded Jetty. */
class CliIT extends CliSuite {
    @Override
    List<String> containerArgs() {
        String ee = System.getProperty("cgiwire.demo.ee", "");
        return ee.isEmpty() ? List.of() : List.of("--ee", ee);
    }

    @Override
    boolean multiplexes() {
        return true;
    }
}
