package io.cgiwire.samples.it;

/** {@link HttpdFcgiIT} with the demo on embedded Tomcat: httpd mod_proxy_fcgi to FcgiNioProtocol. */
class TomcatHttpdFcgiIT extends HttpdFcgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
