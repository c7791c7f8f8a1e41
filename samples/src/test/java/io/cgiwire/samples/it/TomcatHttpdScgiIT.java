package io.cgiwire.samples.it;

/** {@link HttpdScgiIT} with the demo on embedded Tomcat: httpd mod_proxy_scgi to ScgiNioProtocol. */
class TomcatHttpdScgiIT extends HttpdScgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcat();
    }
}
