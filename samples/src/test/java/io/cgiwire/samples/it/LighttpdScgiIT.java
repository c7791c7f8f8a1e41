package io.cgiwire.samples.it;

/** lighttpd mod_scgi. */
class LighttpdScgiIT extends GatewaySuite {

    LighttpdScgiIT() {
        super(FrontServer.Kind.LIGHTTPD, Protocol.SCGI, false);
    }
}
