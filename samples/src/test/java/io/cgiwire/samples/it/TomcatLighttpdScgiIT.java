package io.cgiwire.samples.it;

/** {@link LighttpdScgiIT} with the demo on embedded Tomcat: lighttpd mod_scgi to ScgiNioProtocol. */
class TomcatLighttpdScgiIT extends LighttpdScgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
