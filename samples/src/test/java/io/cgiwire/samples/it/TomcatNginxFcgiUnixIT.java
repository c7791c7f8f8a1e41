package io.cgiwire.samples.it;

/** {@link NginxFcgiUnixIT} with the demo on embedded Tomcat: nginx fastcgi_pass over a Unix socket. */
class TomcatNginxFcgiUnixIT extends NginxFcgiUnixIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
