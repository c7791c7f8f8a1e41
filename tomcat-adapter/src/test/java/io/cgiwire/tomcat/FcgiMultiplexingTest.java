package io.cgiwire.tomcat;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_KEEP_CONN;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cgiwire.core.RawClient;
import java.util.Map;
import org.apache.coyote.Request;
import org.junit.jupiter.api.Test;

/**
 * Everything {@link FcgiNioProtocolTest} checks, the parity suite's multiplexing cases included, on a connector with
 * {@code multiplexing="true"}: each request id its own {@link MultiplexedStream}.
 */
class FcgiMultiplexingTest extends FcgiNioProtocolTest {
    /** CoyoteAdapter's note holding the container's request ({@code CoyoteAdapter.ADAPTER_NOTES}). */
    private static final int ADAPTER_NOTES = 1;

    @Override
    boolean multiplexing() {
        return true;
    }

    /**
     * A completed request's coyote pair, with the container's request in its notes, serves the next request, and the
     * next sees nothing of the last: not its query, headers, content type or path.
     */
    @Test
    void aRecycledRequestCarriesNothingIntoTheNext() throws Exception {
        FcgiNioProtocol protocol = (FcgiNioProtocol) connector.getProtocolHandler();
        try (RawClient c = client()) {
            Map<String, String> first = RawClient.get("/info/first?secret=1");
            first.put("HTTP_USER_AGENT", "first-agent");
            first.put("CONTENT_TYPE", "text/x-first");
            c.write(RawClient.request(1, FCGI_KEEP_CONN, first, new byte[0]));
            String firstInfo = c.readResponse(1).text();
            assertTrue(firstInfo.contains("userAgent=first-agent\n"), firstInfo);

            // The pair goes back to the pool after the response is out; left there, the only one, for the next.
            Request recycled = recycledPair(protocol);
            assertNull(recycled.getHeader("User-Agent"), "recycled: no header of the last request");
            Object containerRequest = recycled.getNote(ADAPTER_NOTES);
            protocol.pushRequest(recycled);

            c.write(RawClient.request(1, FCGI_KEEP_CONN, RawClient.get("/info/second"), new byte[0]));
            String secondInfo = c.readResponse(1).text();
            assertTrue(secondInfo.contains("uri=/info/second\n"), secondInfo);
            assertTrue(secondInfo.contains("query=null\n"), secondInfo);
            assertTrue(secondInfo.contains("userAgent=null\n"), secondInfo);
            assertTrue(secondInfo.contains("contentType=null\n"), secondInfo);
            assertFalse(secondInfo.contains("first"), secondInfo);
            Request again = recycledPair(protocol);
            assertSame(containerRequest, again.getNote(ADAPTER_NOTES), "the second request ran on the same pair");
            protocol.pushRequest(again);
        }
    }

    /** The pool's recycled pair, once a completed request has put it back (a new pair has no container request). */
    private static Request recycledPair(FcgiNioProtocol protocol) throws InterruptedException {
        for (int i = 0; i < 500; i++) {
            Request r = protocol.popRequest();
            if (r.getNote(ADAPTER_NOTES) != null) {
                return r;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no request's pair was recycled");
    }
}
