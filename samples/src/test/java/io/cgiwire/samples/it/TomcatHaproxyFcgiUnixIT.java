package io.cgiwire.samples.it;

/**
 * {@link HaproxyFcgiUnixIT} with the demo on embedded Tomcat: HAProxy fcgi-app over a Unix socket to
 * FcgiNioProtocol.
 */
class TomcatHaproxyFcgiUnixIT extends HaproxyFcgiUnixIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
