package io.cgiwire.samples.it;

/**
 * NginxFcgiIT with the servlets on Jetty's ee10 environment (Servlet 6.0): the same webapp must run unchanged there too.
 * Together with the other ee10 classes, every front server and both protocols are covered on ee10.
 */
class NginxFcgiEe10IT extends NginxFcgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.jetty("ee10");
    }
}
