package io.cgiwire.samples.it;

/** Apache httpd mod_proxy_scgi. */
class HttpdScgiIT extends GatewaySuite {

    HttpdScgiIT() {
        super(FrontServer.Kind.HTTPD, Protocol.SCGI, false);
    }
}
