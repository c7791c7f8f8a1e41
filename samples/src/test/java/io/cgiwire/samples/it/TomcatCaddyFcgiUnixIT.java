package io.cgiwire.samples.it;

/**
 * {@link CaddyFcgiUnixIT} with the demo on embedded Tomcat: Caddy transport fastcgi over a Unix socket to
 * FcgiNioProtocol.
 */
class TomcatCaddyFcgiUnixIT extends CaddyFcgiUnixIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
