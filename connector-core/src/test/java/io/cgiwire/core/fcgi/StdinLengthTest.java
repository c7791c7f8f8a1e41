package io.cgiwire.core.fcgi;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.Violation;
import org.junit.jupiter.api.Test;

class StdinLengthTest {
    @Test
    void exactlyContentLengthIsABody() {
        StdinLength length = new StdinLength(10);
        assertDoesNotThrow(() -> {
            length.received(3);
            length.received(7);
            length.ended();
        });
    }

    @Test
    void anEmptyBodyOfLengthZero() {
        assertDoesNotThrow(() -> new StdinLength(0).ended());
    }

    @Test
    void endingShortIsRefused() throws ProtocolException {
        StdinLength length = new StdinLength(10);
        length.received(3);
        ProtocolException e = assertThrows(ProtocolException.class, length::ended);
        assertEquals(Violation.FCGI_STDIN_LENGTH_MISMATCH, e.violation());
        assertEquals(400, e.statusHint());
        assertEquals("FCGI_STDIN_LENGTH_MISMATCH: FCGI_STDIN ended after 3 of CONTENT_LENGTH 10 bytes", e.getMessage());
    }

    @Test
    void oneByteTooManyIsRefusedWhenItArrives() throws ProtocolException {
        StdinLength length = new StdinLength(3);
        length.received(3);
        ProtocolException e = assertThrows(ProtocolException.class, () -> length.received(1));
        assertEquals(Violation.FCGI_STDIN_LENGTH_MISMATCH, e.violation());
    }

    @Test
    void withoutContentLengthTheStreamsEndIsTheBodysEnd() {
        StdinLength length = new StdinLength(-1);
        assertDoesNotThrow(() -> {
            length.received(65535);
            length.received(65535);
            length.ended();
        });
    }
}
