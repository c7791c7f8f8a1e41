package io.cgiwire.samples.it;

/** {@link NginxScgiIT} with the demo on embedded Tomcat: nginx scgi_pass to ScgiNioProtocol. */
class TomcatNginxScgiIT extends NginxScgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
