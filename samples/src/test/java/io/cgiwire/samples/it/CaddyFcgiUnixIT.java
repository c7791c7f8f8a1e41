package io.cgiwire.samples.it;

/** Caddy reverse_proxy with transport fastcgi to the backend's FastCGI Unix socket (a connection per request). */
class CaddyFcgiUnixIT extends CaddyFcgiSuite {
    CaddyFcgiUnixIT() {
        super(true);
    }
}
