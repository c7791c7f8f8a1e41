package io.cgiwire.samples.it;

/** {@link NginxFcgiIT} with the demo on embedded Tomcat: nginx fastcgi_pass over TCP to FcgiNioProtocol. */
class TomcatNginxFcgiIT extends NginxFcgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
