package io.cgiwire.samples.it;

/** HAProxy fcgi-app (keep-conn, get-values, no mpxs-conns) to the backend's FastCGI Unix socket. */
class HaproxyFcgiUnixIT extends HaproxyFcgiSuite {
    HaproxyFcgiUnixIT() {
        super(true);
    }
}
