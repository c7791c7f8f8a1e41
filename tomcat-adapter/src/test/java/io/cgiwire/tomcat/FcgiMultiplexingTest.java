package io.cgiwire.tomcat;

/**
 * Everything {@link FcgiNioProtocolTest} checks, the parity suite's multiplexing cases included, on a connector with
 * {@code multiplexing="true"}: each request id its own {@link MultiplexedStream}.
 */
class FcgiMultiplexingTest extends FcgiNioProtocolTest {
    @Override
    boolean multiplexing() {
        return true;
    }
}
