package io.cgiwire.samples.it;

/** HAProxy fcgi-app (keep-conn, get-values, no mpxs-conns) to the backend's FastCGI TCP port. */
class HaproxyFcgiIT extends HaproxyFcgiSuite {
    HaproxyFcgiIT() {
        super(false);
    }
}
