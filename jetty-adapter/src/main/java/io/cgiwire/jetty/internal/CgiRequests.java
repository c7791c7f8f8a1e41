package io.cgiwire.jetty.internal;

import io.cgiwire.core.IpLiterals;
import io.cgiwire.core.cgi.CgiRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;

/** Turns the core's request description into Jetty's request metadata. */
final class CgiRequests {
    private CgiRequests() {
    }

    /**
     * The request line, URI and headers as Jetty's own HTTP connector would have parsed them from the client: the
     * scheme and authority the client used go into the URI (Jetty derives isSecure, getServerName/Port and absolute
     * redirects from it), Content-Type and Content-Length come from CONTENT_TYPE and CONTENT_LENGTH.
     *
     * @throws IllegalArgumentException if Jetty refuses the target
     */
    static MetaData.Request toMetaData(CgiRequest request, long beginNanoTime) {
        HttpFields.Mutable fields = HttpFields.build(request.headerCount() + 2);
        for (int i = 0; i < request.headerCount(); i++) {
            fields.add(request.headerName(i), request.headerValue(i));
        }
        if (request.contentType() != null) {
            fields.put(HttpHeader.CONTENT_TYPE, request.contentType());
        }
        if (request.contentLength() >= 0) {
            fields.put(HttpHeader.CONTENT_LENGTH, Long.toString(request.contentLength()));
        }
        HttpURI.Mutable uri = HttpURI.build().scheme(request.scheme());
        if (request.serverName() != null) {
            uri.host(request.serverName());
            if (request.explicitPort()) {
                uri.port(request.serverPort());
            }
            // Jetty refuses a Host header that disagrees with the URI's authority.
            fields.put(HttpHeader.HOST, request.host());
        }
        String target = request.rawTarget();
        if (target.charAt(0) == '/') {
            uri.pathQuery(target);
        } else {
            // "*" (OPTIONS) or an absolute-form target: the mapper has split it already.
            uri.path(request.path());
            uri.query(request.query());
        }
        HttpVersion version = HttpVersion.fromString(request.protocol());
        return new MetaData.Request(beginNanoTime, request.method(), uri.asImmutable(),
                version != null ? version : HttpVersion.HTTP_1_1, fields.asImmutable(), request.contentLength());
    }

    /**
     * An address from a CGI variable without a DNS lookup: resolved when it is an IP literal, else unresolved with the
     * text as its host (nginx listening on a Unix socket sends REMOTE_ADDR "unix:"). Null when {@code host} is.
     */
    static InetSocketAddress address(String host, int port) {
        if (host == null || host.isEmpty()) {
            return null;
        }
        int p = port >= 0 && port <= 0xFFFF ? port : 0;
        InetAddress literal = IpLiterals.address(host);
        if (literal != null) {
            return new InetSocketAddress(literal, p);
        }
        return InetSocketAddress.createUnresolved(host, p);
    }
}
