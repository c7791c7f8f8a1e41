package io.cgiwire.cli;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The CGI response head a backend sent (RFC 3875 6.2), read as nginx reads it.
 *
 * @param status the code: the Status header's; else 302 with a Location (RFC 3875 6.2.3, as nginx and lighttpd
 *     do); else 200
 * @param reason the Status header's reason phrase, or the standard one
 * @param headers every other header in the order sent, as {name, value}
 * @param statusFrom how the code was found, for {@code -v}
 */
record ResponseHead(int status, String reason, List<String[]> headers, String statusFrom) {

    boolean is2xx() {
        return status >= 200 && status <= 299;
    }

    /** The first value of header {@code name}, or null. */
    String header(String name) {
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                return h[1];
            }
        }
        return null;
    }

    /**
     * The head as {@code -i} prints it, lines ending in CRLF as curl's {@code -i} prints them: a Status line with
     * the code the client gets (also when the backend sent none), then the backend's headers, then an empty line.
     */
    byte[] format() {
        StringBuilder b = new StringBuilder("Status: ").append(status);
        if (!reason.isEmpty()) {
            b.append(' ').append(reason);
        }
        b.append("\r\n");
        for (String[] h : headers) {
            b.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    static String standardReason(int code) {
        return switch (code) {
            case 100 -> "Continue";
            case 200 -> "OK";
            case 201 -> "Created";
            case 202 -> "Accepted";
            case 204 -> "No Content";
            case 206 -> "Partial Content";
            case 301 -> "Moved Permanently";
            case 302 -> "Found";
            case 303 -> "See Other";
            case 304 -> "Not Modified";
            case 307 -> "Temporary Redirect";
            case 308 -> "Permanent Redirect";
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 413 -> "Content Too Large";
            case 414 -> "URI Too Long";
            case 415 -> "Unsupported Media Type";
            case 429 -> "Too Many Requests";
            case 431 -> "Request Header Fields Too Large";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "";
        };
    }
}
