package io.cgiwire.samples.it;

/** lighttpd mod_fastcgi. */
class LighttpdFcgiIT extends GatewaySuite {

    LighttpdFcgiIT() {
        super(FrontServer.Kind.LIGHTTPD, Protocol.FCGI, false);
    }
}
