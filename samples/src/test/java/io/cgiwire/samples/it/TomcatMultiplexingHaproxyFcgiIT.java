package io.cgiwire.samples.it;

/**
 * {@link HaproxyFcgiIT} with Tomcat's FastCGI connector multiplexing (the demo's --multiplex): HAProxy reads
 * FCGI_MPXS_CONNS=1 from get-values and multiplexes, so every case (bodies both ways, chunked, non-blocking IO, the
 * /dump checks) runs on MultiplexedStream.
 */
class TomcatMultiplexingHaproxyFcgiIT extends HaproxyFcgiIT {
    @Override
    Backend.Launcher backendLauncher() {
        return Demo.tomcatMultiplexing();
    }
}
