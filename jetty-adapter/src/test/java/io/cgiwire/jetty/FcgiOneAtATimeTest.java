package io.cgiwire.jetty;

/**
 * Every FastCGI connection test again with {@code multiplexing} off, for a web server that sends one request at a
 * time: FCGI_GET_VALUES answers FCGI_MPXS_CONNS=0, and a second id waits its turn.
 */
class FcgiOneAtATimeTest extends FcgiConnectionTest {
    @Override
    boolean multiplexing() {
        return false;
    }
}
