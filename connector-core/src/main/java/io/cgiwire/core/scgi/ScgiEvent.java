package io.cgiwire.core.scgi;

import io.cgiwire.core.cgi.CgiEnvironment;
import java.nio.ByteBuffer;
import java.util.Objects;

/** What {@link ScgiDecoder} reads from one SCGI connection: the headers, the body in slices, then the end. */
public sealed interface ScgiEvent {

    /**
     * The header netstring, validated: CONTENT_LENGTH came first and SCGI is 1.
     *
     * @param environment every header in wire order, repeated names kept
     * @param contentLength the body length announced by CONTENT_LENGTH, exactly what {@link Body} events will carry
     */
    record Headers(CgiEnvironment environment, long contentLength) implements ScgiEvent {
        public Headers {
            Objects.requireNonNull(environment, "environment");
        }
    }

    /**
     * Some body bytes.
     *
     * @param data a read-only slice of the decoder's input: no copy was made
     */
    record Body(ByteBuffer data) implements ScgiEvent {
        public Body {
            Objects.requireNonNull(data, "data");
        }
    }

    /** The body is complete: CONTENT_LENGTH bytes have been read. Anything after this is a violation. */
    record End() implements ScgiEvent {
    }
}
