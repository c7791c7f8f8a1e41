package io.cgiwire.samples.it;

/** {@link LighttpdFcgiIT} with the demo on embedded Tomcat: lighttpd mod_fastcgi to FcgiNioProtocol. */
class TomcatLighttpdFcgiIT extends LighttpdFcgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
