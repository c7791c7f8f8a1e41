package io.cgiwire.samples.it;

/** {@link CaddyFcgiIT} with the demo on embedded Tomcat: Caddy transport fastcgi over TCP to FcgiNioProtocol. */
class TomcatCaddyFcgiIT extends CaddyFcgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
