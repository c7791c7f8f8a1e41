package io.cgiwire.core;

/**
 * The bounds on what a web server may make a connector buffer before a request exists: one object shared by both
 * protocols and both adapters, so a property is spelled the same in jetty.xml, a Jetty module's ini file and Tomcat's
 * server.xml (bean name {@code maxParamsBytes} is set by {@link #setMaxParamsBytes(int)} everywhere).
 *
 * <p>Setters validate and throw {@link IllegalArgumentException} naming the property. Decoders copy the values when
 * they are created, so changing a limits object later affects only connections opened after the change.
 *
 * <p>The defaults are sized from what the front servers themselves allow, so that nothing a correctly configured
 * nginx, httpd or lighttpd sends is refused, while no peer can make a connection hold more than a few hundred KiB.
 */
public final class GatewayLimits {
    /**
     * 64 KiB of FastCGI params per request. nginx puts all params in one record, so it never sends more than 65535
     * bytes; httpd splits into 16 KiB records. The client headers inside are already bounded by the front server
     * (nginx {@code large_client_header_buffers} 4 x 8 KiB, httpd {@code LimitRequestFieldSize} 8 KiB per field).
     */
    public static final int DEFAULT_MAX_PARAMS_BYTES = 64 * 1024;
    /** 512 pairs: about 25 CGI variables plus the client's headers; Tomcat allows 100 headers, httpd 100 fields. */
    public static final int DEFAULT_MAX_PARAMS_COUNT = 512;
    /** 1 KiB for a name: CGI names are short, header names too (nginx drops longer ones with its buffer size). */
    public static final int DEFAULT_MAX_PARAM_NAME_LENGTH = 1024;
    /** 32 KiB for one value: room for a large Cookie header, four times Tomcat's whole 8 KiB header default. */
    public static final int DEFAULT_MAX_PARAM_VALUE_LENGTH = 32 * 1024;
    /** 64 KiB for the SCGI header netstring: the same budget as FastCGI params, since it carries the same variables. */
    public static final int DEFAULT_MAX_SCGI_HEADER_BYTES = 64 * 1024;
    /**
     * 8 digits for the SCGI netstring length. Checked before the length is compared with
     * {@link #getMaxScgiHeaderBytes()}, so a malformed length is refused as such and can never overflow.
     */
    public static final int DEFAULT_MAX_NETSTRING_DIGITS = 8;
    /**
     * 16 FastCGI request ids active at once on one connection. nginx, httpd and lighttpd use only id 1; HAProxy
     * multiplexes when told to. An adapter that does not multiplex still needs room for the second id it refuses
     * with FCGI_CANT_MPX_CONN.
     */
    public static final int DEFAULT_MAX_MULTIPLEXED_REQUESTS = 16;
    /**
     * 10 s for a request's variables to arrive, from its first record (FastCGI) or the connection's opening (SCGI).
     * Front servers send them at once, in one write; httpd's mod_reqtimeout allows 20 s for a client's whole header.
     * Measured by the adapters (the core has no clock): a slow sender must not hold a connection and its buffers.
     */
    public static final int DEFAULT_HEADER_READ_TIMEOUT = 10_000;

    private int maxParamsBytes = DEFAULT_MAX_PARAMS_BYTES;
    private int maxParamsCount = DEFAULT_MAX_PARAMS_COUNT;
    private int maxParamNameLength = DEFAULT_MAX_PARAM_NAME_LENGTH;
    private int maxParamValueLength = DEFAULT_MAX_PARAM_VALUE_LENGTH;
    private int maxScgiHeaderBytes = DEFAULT_MAX_SCGI_HEADER_BYTES;
    private int maxNetstringDigits = DEFAULT_MAX_NETSTRING_DIGITS;
    private int maxMultiplexedRequests = DEFAULT_MAX_MULTIPLEXED_REQUESTS;
    private int headerReadTimeout = DEFAULT_HEADER_READ_TIMEOUT;

    /** Limits with every default. */
    public GatewayLimits() {
    }

    /** A copy of {@code other}, for a decoder that must not see later changes. */
    public GatewayLimits(GatewayLimits other) {
        this.maxParamsBytes = other.maxParamsBytes;
        this.maxParamsCount = other.maxParamsCount;
        this.maxParamNameLength = other.maxParamNameLength;
        this.maxParamValueLength = other.maxParamValueLength;
        this.maxScgiHeaderBytes = other.maxScgiHeaderBytes;
        this.maxNetstringDigits = other.maxNetstringDigits;
        this.maxMultiplexedRequests = other.maxMultiplexedRequests;
        this.headerReadTimeout = other.headerReadTimeout;
    }

    /** Bytes of FastCGI PARAMS content (pairs with their length prefixes) one request may send. */
    public int getMaxParamsBytes() {
        return maxParamsBytes;
    }

    /** @param maxParamsBytes at least 1 */
    public void setMaxParamsBytes(int maxParamsBytes) {
        this.maxParamsBytes = positive("maxParamsBytes", maxParamsBytes);
    }

    /** Name-value pairs one request may send, over FastCGI PARAMS or an SCGI header block. */
    public int getMaxParamsCount() {
        return maxParamsCount;
    }

    /** @param maxParamsCount at least 1 */
    public void setMaxParamsCount(int maxParamsCount) {
        this.maxParamsCount = positive("maxParamsCount", maxParamsCount);
    }

    /** Bytes in one parameter name. */
    public int getMaxParamNameLength() {
        return maxParamNameLength;
    }

    /** @param maxParamNameLength at least 1 */
    public void setMaxParamNameLength(int maxParamNameLength) {
        this.maxParamNameLength = positive("maxParamNameLength", maxParamNameLength);
    }

    /** Bytes in one parameter value. */
    public int getMaxParamValueLength() {
        return maxParamValueLength;
    }

    /** @param maxParamValueLength at least 1 */
    public void setMaxParamValueLength(int maxParamValueLength) {
        this.maxParamValueLength = positive("maxParamValueLength", maxParamValueLength);
    }

    /** Bytes in the SCGI header netstring (the length it announces, without its digits, colon and comma). */
    public int getMaxScgiHeaderBytes() {
        return maxScgiHeaderBytes;
    }

    /** @param maxScgiHeaderBytes at least 1 */
    public void setMaxScgiHeaderBytes(int maxScgiHeaderBytes) {
        this.maxScgiHeaderBytes = positive("maxScgiHeaderBytes", maxScgiHeaderBytes);
    }

    /** Digits in the SCGI netstring length. */
    public int getMaxNetstringDigits() {
        return maxNetstringDigits;
    }

    /** @param maxNetstringDigits 1 to 9, so that any accepted length fits an int */
    public void setMaxNetstringDigits(int maxNetstringDigits) {
        if (maxNetstringDigits < 1 || maxNetstringDigits > 9) {
            throw new IllegalArgumentException("maxNetstringDigits must be 1 to 9, not " + maxNetstringDigits);
        }
        this.maxNetstringDigits = maxNetstringDigits;
    }

    /** FastCGI request ids that may be active at once on one connection. */
    public int getMaxMultiplexedRequests() {
        return maxMultiplexedRequests;
    }

    /** @param maxMultiplexedRequests 1 to 65535, the number of non-null FastCGI request ids */
    public void setMaxMultiplexedRequests(int maxMultiplexedRequests) {
        if (maxMultiplexedRequests < 1 || maxMultiplexedRequests > 0xFFFF) {
            throw new IllegalArgumentException(
                    "maxMultiplexedRequests must be 1 to 65535, not " + maxMultiplexedRequests);
        }
        this.maxMultiplexedRequests = maxMultiplexedRequests;
    }

    /** Milliseconds a request's variables may take to arrive, once the request has begun. */
    public int getHeaderReadTimeout() {
        return headerReadTimeout;
    }

    /** @param headerReadTimeout milliseconds, at least 1 */
    public void setHeaderReadTimeout(int headerReadTimeout) {
        this.headerReadTimeout = positive("headerReadTimeout", headerReadTimeout);
    }

    private static int positive(String property, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(property + " must be at least 1, not " + value);
        }
        return value;
    }

    @Override
    public String toString() {
        return "GatewayLimits{maxParamsBytes=" + maxParamsBytes
                + ", maxParamsCount=" + maxParamsCount
                + ", maxParamNameLength=" + maxParamNameLength
                + ", maxParamValueLength=" + maxParamValueLength
                + ", maxScgiHeaderBytes=" + maxScgiHeaderBytes
                + ", maxNetstringDigits=" + maxNetstringDigits
                + ", maxMultiplexedRequests=" + maxMultiplexedRequests
                + ", headerReadTimeout=" + headerReadTimeout + '}';
    }
}
