package io.cgiwire.samples.it;

/** nginx scgi_pass to the backend's SCGI port. */
class NginxScgiIT extends GatewaySuite {

    NginxScgiIT() {
        super(FrontServer.Kind.NGINX, Protocol.SCGI, false);
    }
}
