package io.cgiwire.samples.it;

/**
 * {@link NginxFcgiIT} with Tomcat's FastCGI connector multiplexing (the demo's --multiplex): nginx sends one request
 * at a time, and each still runs as a MultiplexedStream, so a connector set for HAProxy serves nginx as well.
 */
class TomcatMultiplexingNginxFcgiIT extends NginxFcgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcatMultiplexing();
    }
}
