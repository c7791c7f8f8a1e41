package io.cgiwire.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cgiwire.core.GatewaySession.AfterResponse;
import io.cgiwire.core.GatewaySession.Completion;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What every adapter does with a connection once a response is out: {@link Completion#after}. */
class AfterResponseTest {

    @ParameterizedTest(name = "kept {0}, input complete {1}, cut short {2}, sound {3}, stopping {4}, unread {5}: {6}")
    @CsvSource({
        // The session keeps it, and nothing on the adapter's side stops that.
        "true,  false, false, true,  false, false, KEEP",
        "true,  false, false, true,  false, true,  KEEP",
        // A connector that stops takes no new request: the connection ends gracefully.
        "true,  false, false, true,  true,  false, DRAIN",
        // A broken connection (a failure or violation on it, its input ended, closed) closes, kept or not.
        "true,  false, false, false, false, false, CLOSE",
        "false, false, false, false, false, false, CLOSE",
        // Not kept after a whole response: the web server may still send, and its bytes are read until it closes...
        "false, false, false, true,  false, false, DRAIN",
        // ...unless it can send nothing more and nothing read is left (SCGI after its body, FastCGI without
        // FCGI_KEEP_CONN after its stdin): then a read event is saved.
        "false, true,  false, true,  false, false, CLOSE",
        "false, true,  false, true,  false, true,  DRAIN",
        "false, true,  false, true,  true,  false, CLOSE",
        // A response cut short ends the connection at once: the web server sees the request end without it.
        "false, false, true,  true,  false, false, CLOSE",
        "false, false, true,  true,  false, true,  CLOSE",
    })
    void after(boolean kept, boolean inputComplete, boolean cutShort, boolean sound, boolean stopping,
            boolean unread, AfterResponse expected) {
        assertEquals(expected, new Completion(null, kept, inputComplete, cutShort).after(sound, stopping, unread));
    }
}
