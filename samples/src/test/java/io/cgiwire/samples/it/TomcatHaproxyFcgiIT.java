package io.cgiwire.samples.it;

/** {@link HaproxyFcgiIT} with the demo on embedded Tomcat: HAProxy fcgi-app over TCP to FcgiNioProtocol. */
class TomcatHaproxyFcgiIT extends HaproxyFcgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
