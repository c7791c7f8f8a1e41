package io.cgiwire.samples.it;

/** Caddy reverse_proxy with transport fastcgi to the backend's FastCGI TCP port (a connection per request). */
class CaddyFcgiIT extends CaddyFcgiSuite {
    CaddyFcgiIT() {
        super(false);
    }
}
