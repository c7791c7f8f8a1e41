package io.cgiwire.samples.it;

/** Apache httpd mod_proxy_fcgi with enablereuse=on. */
class HttpdFcgiIT extends GatewaySuite {

    HttpdFcgiIT() {
        super(FrontServer.Kind.HTTPD, Protocol.FCGI, false);
    }
}
