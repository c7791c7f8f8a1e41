package io.cgiwire.samples.it;

/** nginx fastcgi_pass to the backend over a Unix socket, kept alive. */
class NginxFcgiUnixIT extends GatewaySuite {

    NginxFcgiUnixIT() {
        super(FrontServer.Kind.NGINX, Protocol.FCGI, true);
    }
}
