package io.cgiwire.core.cgi;

import io.cgiwire.core.IpLiterals;
import io.cgiwire.core.ProtocolException;
import io.cgiwire.core.Violation;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * CGI variables to an HTTP request: one pure function, as Go's {@code cgi.RequestFromMap}, with one rule set for
 * every front server (nginx, Apache httpd, lighttpd, HAProxy, Caddy), whatever the protocol that carried the
 * variables.
 *
 * <p>The rules, each the answer to what a front server really sends:
 * <ul>
 * <li><b>Target</b>: REQUEST_URI, raw, when present and non-empty (all three servers send it). Else SCRIPT_NAME +
 *     PATH_INFO, else DOCUMENT_URI: decoded values (nginx's DOCUMENT_URI is also normalized), so they are
 *     percent-encoded again, then "?" + QUERY_STRING is appended if that is non-empty. The target must start with
 *     '/', be "*" for OPTIONS, or be absolute ("http://host/path", RFC 9112 3.2.2, whose authority then replaces
 *     the Host header as that section requires); it must hold no control byte, space or byte above 0x7F, which no
 *     request line may carry (RFC 9112 3.2) and which a front server would have had to let through unchecked.
 * <li><b>Method</b>: REQUEST_METHOD, required, an HTTP token (RFC 9110 9.1).
 * <li><b>Protocol</b>: SERVER_PROTOCOL as HTTP/digit[.digit]; nginx sends "HTTP/2.0" for h2 clients. Absent or
 *     empty means "HTTP/1.1": front servers send unset variables empty, and every server we know speaks 1.1.
 * <li><b>Scheme</b>: https when HTTPS is "on" (any case) or "1", or REQUEST_SCHEME is "https" (any case);
 *     "off", "" and absence mean http. nginx sends HTTPS only when on; httpd sends REQUEST_SCHEME.
 * <li><b>Host</b>: the Host header (HTTP_HOST) first, as the client sent it and as Tomcat and Jetty read it; a
 *     host without a port gets SERVER_PORT, the port the client was accepted on (the Servlet spec's getServerPort;
 *     Debian's nginx sends HTTP_HOST as $host, port dropped), or the scheme's default when SERVER_PORT is unknown
 *     too. Without HTTP_HOST: SERVER_NAME (or
 *     SERVER_ADDR when SERVER_NAME is missing, empty or nginx's catch-all "_") and SERVER_PORT. A SERVER_NAME with
 *     a port (HAProxy sends the Host header's "host:port") counts as its host, with that port in place of
 *     SERVER_PORT for the Host; the local name never carries a port.
 * <li><b>Ports</b>: REMOTE_PORT and SERVER_PORT absent or empty are -1 (unknown), else 0 to 65535.
 * <li><b>Headers</b>: every {@code HTTP_*} variable, renamed ("HTTP_USER_AGENT" becomes "User-Agent"). Repeated
 *     ones (nginx 1.22 sends a repeated header as two pairs) are merged at the first one's place, joined with ", "
 *     (RFC 9110 5.3), or "; " for Cookie (RFC 6265 5.4). Never headers: the HTTP_ copies of Content-Length and
 *     Content-Type that nginx and lighttpd add (the real ones are CONTENT_LENGTH and CONTENT_TYPE),
 *     Transfer-Encoding (the front server de-chunked the body), Expect (it already answered 100-continue), Proxy
 *     (httpoxy, CVE-2016-5385), and the hop-by-hop Connection, Keep-Alive, Proxy-Connection, TE and Upgrade
 *     (RFC 9110 7.6.1: they describe the client's connection to the front server, not ours).
 * <li><b>Body</b>: CONTENT_LENGTH only frames it; empty, negative or absent means unknown, read to the end (nginx
 *     sends it empty for GET and for streamed chunked bodies; httpd omits it for chunked ones; Caddy sends -1 for
 *     them). Repeated CONTENT_LENGTH pairs must agree. CONTENT_TYPE, else HTTP_CONTENT_TYPE, gives the media type.
 * <li>Any other repeated variable: the last one counts, as {@link CgiEnvironment#get(String)} and PHP-FPM do.
 * </ul>
 *
 * <p>Every failure is a {@link ProtocolException} with the specific {@code CGI_*} {@link Violation}, naming the
 * variable and its value (shown escaped and shortened, so a message is always one safe log line). Header values are
 * the exception: they may carry credentials, so only the offending char and its index are shown.
 */
public final class CgiRequestMapper {
    private static final String HTTP = "http";
    private static final String HTTPS = "https";
    private static final String HTTP_PREFIX = "HTTP_";
    private static final String HOST = "Host";
    private static final String COOKIE = "Cookie";
    private static final String DEFAULT_PROTOCOL = "HTTP/1.1";
    private static final int MAX_QUOTED = 80;
    /** Header slots a mapping starts with: curl sends 3 headers, browsers 8 to 15. */
    private static final int INITIAL_HEADER_CAPACITY = 8;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /**
     * Header names of the variables browsers, curl and proxies send most, converted once at start-up so that mapping
     * a typical request allocates no name. Built by the same conversion as any other name, so it cannot disagree.
     */
    static final Map<String, String> COMMON_HEADER_NAMES = commonHeaderNames(
            "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING", "HTTP_ACCEPT_LANGUAGE",
            "HTTP_ACCEPT_CHARSET", "HTTP_COOKIE", "HTTP_REFERER", "HTTP_AUTHORIZATION", "HTTP_CACHE_CONTROL",
            "HTTP_PRAGMA", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH",
            "HTTP_IF_RANGE", "HTTP_RANGE", "HTTP_ORIGIN", "HTTP_DNT", "HTTP_PRIORITY", "HTTP_VIA", "HTTP_FORWARDED",
            "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT",
            "HTTP_X_REAL_IP", "HTTP_X_REQUESTED_WITH", "HTTP_UPGRADE_INSECURE_REQUESTS", "HTTP_SEC_FETCH_SITE",
            "HTTP_SEC_FETCH_MODE", "HTTP_SEC_FETCH_DEST", "HTTP_SEC_FETCH_USER", "HTTP_SEC_CH_UA",
            "HTTP_SEC_CH_UA_MOBILE", "HTTP_SEC_CH_UA_PLATFORM", "HTTP_ACCESS_CONTROL_REQUEST_METHOD",
            "HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "HTTP_CONTENT_ENCODING", "HTTP_X_CSRF_TOKEN");

    /**
     * The headers map() drops (see the class javadoc), as converted names: the switch there matches the usual
     * spelling of their variables, and this catches every other spelling that converts to the same header.
     */
    private static final Set<String> DROPPED_HEADER_NAMES = Set.of(headerName("HTTP_CONTENT_LENGTH"),
            headerName("HTTP_TRANSFER_ENCODING"), headerName("HTTP_EXPECT"), headerName("HTTP_PROXY"),
            headerName("HTTP_CONNECTION"), headerName("HTTP_KEEP_ALIVE"), headerName("HTTP_PROXY_CONNECTION"),
            headerName("HTTP_TE"), headerName("HTTP_UPGRADE"));

    private CgiRequestMapper() {
    }

    /**
     * Maps the variables of one request.
     *
     * @param env the variables in wire order; read, never changed, and kept by the result as
     *     {@link CgiRequest#environment()}
     * @return the validated request
     * @throws ProtocolException with a {@code CGI_*} violation if a variable breaks the rules in the class javadoc
     */
    public static CgiRequest map(CgiEnvironment env) throws ProtocolException {
        Objects.requireNonNull(env, "env");
        String method = null;
        String requestUri = null;
        String scriptName = null;
        String pathInfo = null;
        String documentUri = null;
        String queryString = null;
        String serverProtocol = null;
        String https = null;
        String requestScheme = null;
        String serverName = null;
        String serverAddr = null;
        String serverPort = null;
        String remoteAddr = null;
        String remotePort = null;
        String contentType = null;
        String httpContentType = null;
        String contentLengthValue = null;
        long contentLength = -1;
        String remoteUser = null;
        String authType = null;
        String remoteHost = null;
        int size = env.size();
        // Grown as needed up to one per variable, never trimmed: a front server's variables are mostly not headers.
        int capacity = Math.min(size, INITIAL_HEADER_CAPACITY);
        String[] headerNames = new String[capacity];
        String[] headerValues = new String[capacity];
        int headerCount = 0;

        // One pass with a switch: this runs per request, where a get() per variable would scan the pairs a dozen times.
        for (int i = 0; i < size; i++) {
            String name = env.name(i);
            String value = env.value(i);
            switch (name) {
                case "REQUEST_METHOD" -> method = value;
                case "REQUEST_URI" -> requestUri = value;
                case "SCRIPT_NAME" -> scriptName = value;
                case "PATH_INFO" -> pathInfo = value;
                case "DOCUMENT_URI" -> documentUri = value;
                case "QUERY_STRING" -> queryString = value;
                case "SERVER_PROTOCOL" -> serverProtocol = value;
                case "HTTPS" -> https = value;
                case "REQUEST_SCHEME" -> requestScheme = value;
                case "SERVER_NAME" -> serverName = value;
                case "SERVER_ADDR" -> serverAddr = value;
                case "SERVER_PORT" -> serverPort = value;
                case "REMOTE_ADDR" -> remoteAddr = value;
                case "REMOTE_PORT" -> remotePort = value;
                case "CONTENT_TYPE" -> contentType = value;
                case "REMOTE_USER" -> remoteUser = value;
                case "AUTH_TYPE" -> authType = value;
                case "REMOTE_HOST" -> remoteHost = value;
                case "CONTENT_LENGTH" -> {
                    long length = contentLength(value);
                    // Two lengths that disagree make the framing ambiguous: refuse rather than pick one (RFC 9112 6.3).
                    if (contentLengthValue != null && length != contentLength) {
                        throw new ProtocolException(Violation.CGI_BAD_CONTENT_LENGTH, "CONTENT_LENGTH "
                                + quote(value) + " disagrees with an earlier CONTENT_LENGTH " + quote(contentLengthValue));
                    }
                    contentLengthValue = value;
                    contentLength = length;
                }
                case "HTTP_CONTENT_TYPE" -> httpContentType = value;
                case "HTTP_CONTENT_LENGTH", "HTTP_TRANSFER_ENCODING", "HTTP_EXPECT", "HTTP_PROXY", "HTTP_CONNECTION",
                        "HTTP_KEEP_ALIVE", "HTTP_PROXY_CONNECTION", "HTTP_TE", "HTTP_UPGRADE" -> {
                    // Dropped: see the class javadoc for why each of these must not reach the container.
                }
                default -> {
                    if (name.startsWith(HTTP_PREFIX)) {
                        if (headerCount == headerNames.length) {
                            int grown = Math.min(size, 2 * headerCount);
                            headerNames = Arrays.copyOf(headerNames, grown);
                            headerValues = Arrays.copyOf(headerValues, grown);
                        }
                        headerCount = addHeader(headerNames, headerValues, headerCount, name, value);
                    }
                }
            }
        }

        if (method == null || method.isEmpty()) {
            throw new ProtocolException(Violation.CGI_BAD_METHOD, "REQUEST_METHOD is missing");
        }
        if (!isToken(method)) {
            throw new ProtocolException(Violation.CGI_BAD_METHOD, "REQUEST_METHOD " + quote(method)
                    + " is not an HTTP token");
        }
        String protocol = protocol(serverProtocol);
        boolean secure = "on".equalsIgnoreCase(https) || "1".equals(https) || HTTPS.equalsIgnoreCase(requestScheme);
        String scheme = secure ? HTTPS : HTTP;
        int defaultPort = secure ? 443 : 80;
        int localPort = port("SERVER_PORT", serverPort);
        // HAProxy sends SERVER_NAME as the Host header, port and all ("127.0.0.1:8080"): the name is the host part,
        // and the port, the one the client asked for, serves only where the Host header would have.
        int serverNamePort = -1;
        int serverNameEnd = serverName == null ? -1 : authorityHostEnd(serverName);
        if (serverNameEnd > 0 && serverNameEnd < serverName.length()) {
            if (serverNameEnd + 1 < serverName.length()) {
                serverNamePort = Integer.parseInt(serverName, serverNameEnd + 1, serverName.length(), 10);
            }
            serverName = serverName.substring(0, serverNameEnd);
        }

        String rawTarget = rawTarget(requestUri, scriptName, pathInfo, documentUri, queryString);
        String path;
        String query = null;
        // An origin-form target with a query is split when its path or query is asked for (Jetty takes it whole).
        int queryStart = -1;
        String authority = null;
        int hostEnd = -1;
        if (rawTarget.charAt(0) == '/') {
            queryStart = rawTarget.indexOf('?');
            path = queryStart < 0 ? rawTarget : null;
        } else if (rawTarget.equals("*")) {
            // The asterisk form names the server itself and exists only for OPTIONS (RFC 9112 3.2.4).
            if (!method.equals("OPTIONS")) {
                throw new ProtocolException(Violation.CGI_BAD_REQUEST_TARGET, "REQUEST_URI \"*\" with REQUEST_METHOD "
                        + quote(method) + ": the asterisk form is only for OPTIONS");
            }
            path = rawTarget;
        } else {
            int authorityStart = absoluteFormAuthorityStart(rawTarget);
            int pathStart = authorityStart;
            while (pathStart < rawTarget.length() && rawTarget.charAt(pathStart) != '/'
                    && rawTarget.charAt(pathStart) != '?') {
                pathStart++;
            }
            authority = rawTarget.substring(authorityStart, pathStart);
            hostEnd = authorityHostEnd(authority);
            if (hostEnd < 0) {
                throw new ProtocolException(Violation.CGI_BAD_REQUEST_TARGET, "REQUEST_URI " + quote(rawTarget)
                        + " has no valid host[:port] after the scheme");
            }
            int q = rawTarget.indexOf('?', pathStart);
            int pathEnd = q < 0 ? rawTarget.length() : q;
            // An absolute URI with an empty path means "/" (RFC 9110 4.2.3).
            path = pathEnd == pathStart ? "/" : rawTarget.substring(pathStart, pathEnd);
            query = q < 0 ? null : rawTarget.substring(q + 1);
        }

        String hostName;
        int hostPort;
        // A Host without a port: the Servlet spec's getServerPort is "the server port where the client connection
        // was accepted on", SERVER_PORT here, as Tomcat does for HTTP and AJP. That matters behind Debian's nginx,
        // whose fastcgi_params and scgi_params send HTTP_HOST as $host, without the port the client used
        // (captures/raw). An absolute-form target without a port means the scheme's default (RFC 9110 4.2).
        int portWithoutOne = authority != null || localPort < 0 ? defaultPort : localPort;
        if (authority == null) {
            authority = headerValue(headerNames, headerValues, headerCount, HOST);
            hostEnd = authority == null ? -1 : authorityHostEnd(authority);
            if (authority != null && hostEnd < 0) {
                throw new ProtocolException(Violation.CGI_BAD_HOST, "HTTP_HOST " + quote(authority)
                        + " is not a valid host[:port]");
            }
        }
        if (authority != null) {
            hostName = authority.substring(0, hostEnd);
            hostPort = hostEnd + 1 < authority.length() ? Integer.parseInt(authority, hostEnd + 1,
                    authority.length(), 10) : portWithoutOne;
        } else {
            // SERVER_NAME is the front server's configured name: nginx's catch-all "_" or a regular expression is no
            // host. Then SERVER_ADDR, if it is an address; else no name at all (never an unchecked one).
            boolean named = isHost(serverName) && !serverName.equals("_");
            hostName = named ? serverName : IpLiterals.parse(serverAddr) != null ? bracketed(serverAddr) : null;
            hostPort = named && serverNamePort >= 0 ? serverNamePort : portWithoutOne;
        }

        // CONTENT_TYPE is what CGI defines (RFC 3875 4.1.3); HTTP_CONTENT_TYPE is the copy nginx and lighttpd add,
        // worth taking only when a user's params left CONTENT_TYPE out or empty.
        String mediaType = emptyToNull(contentType);
        String mediaTypeVariable = "CONTENT_TYPE";
        if (mediaType == null) {
            mediaType = emptyToNull(httpContentType);
            mediaTypeVariable = "HTTP_CONTENT_TYPE";
        }
        if (mediaType != null) {
            checkHeaderValue(mediaTypeVariable, mediaType);
        }

        return new CgiRequest(method, rawTarget, path, query, queryStart, protocol, scheme, hostName, hostPort,
                remoteAddr, port("REMOTE_PORT", remotePort), serverAddr, localPort, serverName, emptyToNull(remoteHost),
                headerNames, headerValues, headerCount, mediaType, contentLength, emptyToNull(remoteUser),
                emptyToNull(authType), env);
    }

    private static String protocol(String value) throws ProtocolException {
        if (value == null || value.isEmpty()) {
            return DEFAULT_PROTOCOL;
        }
        // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3), case-sensitive; nginx writes HTTP/2.0 and HTTP/3.0,
        // and a bare major version ("HTTP/2", RFC 9113's own spelling) is accepted too.
        int length = value.length();
        boolean valid = (length == 6 || length == 8) && value.startsWith("HTTP/") && isDigit(value.charAt(5))
                && (length == 6 || value.charAt(6) == '.' && isDigit(value.charAt(7)));
        if (!valid) {
            throw new ProtocolException(Violation.CGI_BAD_PROTOCOL, "SERVER_PROTOCOL " + quote(value)
                    + " is not HTTP/<digit>[.<digit>]");
        }
        return value;
    }

    /** The target as sent, or rebuilt from the decoded variables, checked but not yet split. */
    private static String rawTarget(String requestUri, String scriptName, String pathInfo, String documentUri,
            String queryString) throws ProtocolException {
        if (requestUri != null && !requestUri.isEmpty()) {
            checkRaw("REQUEST_URI", requestUri);
            return requestUri;
        }
        String decoded;
        String source;
        if (scriptName != null && !scriptName.isEmpty() || pathInfo != null && !pathInfo.isEmpty()) {
            decoded = scriptName == null ? pathInfo : pathInfo == null ? scriptName : scriptName + pathInfo;
            source = "SCRIPT_NAME + PATH_INFO";
        } else if (documentUri != null && !documentUri.isEmpty()) {
            decoded = documentUri;
            source = "DOCUMENT_URI";
        } else {
            throw new ProtocolException(Violation.CGI_BAD_REQUEST_TARGET,
                    "no REQUEST_URI, SCRIPT_NAME, PATH_INFO or DOCUMENT_URI to build the request target from");
        }
        if (decoded.charAt(0) != '/') {
            throw new ProtocolException(Violation.CGI_BAD_REQUEST_TARGET, source + " " + quote(decoded)
                    + " does not start with '/'");
        }
        boolean hasQuery = queryString != null && !queryString.isEmpty();
        if (hasQuery) {
            checkRaw("QUERY_STRING", queryString);
        }
        int first = firstToEncode(decoded, source);
        if (first < 0 && !hasQuery) {
            return decoded;
        }
        StringBuilder target = new StringBuilder(decoded.length() + 16 + (hasQuery ? queryString.length() : 0));
        if (first < 0) {
            target.append(decoded);
        } else {
            target.append(decoded, 0, first);
            for (int i = first; i < decoded.length(); i++) {
                char c = decoded.charAt(i);
                if (mustEncode(c)) {
                    target.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
                } else {
                    target.append(c);
                }
            }
        }
        if (hasQuery) {
            target.append('?').append(queryString);
        }
        return target.toString();
    }

    /** The index of the first char of a decoded path that must be percent-encoded, or -1 if there is none. */
    private static int firstToEncode(String decoded, String source) throws ProtocolException {
        int first = -1;
        for (int i = decoded.length() - 1; i >= 0; i--) {
            char c = decoded.charAt(i);
            if (c > 0xFF) {
                // The decoders give one char per byte; anything else was not read off the wire.
                throw new ProtocolException(Violation.CGI_BAD_REQUEST_TARGET, source + " " + quote(decoded)
                        + " holds a char above 0xFF at index " + i + ": not a byte");
            }
            if (mustEncode(c)) {
                first = i;
            }
        }
        return first;
    }

    /**
     * Whether a byte of a decoded path must be percent-encoded to appear in a request target: '%' itself, '?' and
     * '#' (they would end the path), and what RFC 3986 does not allow raw (CTLs, space, '"', '<', '>', '\', '^', '`',
     * '{', '|', '}', bytes above 0x7E). Everything else, ';' and '=' included, stays as the client most likely sent it.
     */
    private static boolean mustEncode(char c) {
        return c <= 0x20 || c >= 0x7F || "\"#%<>?\\^`{|}".indexOf(c) >= 0;
    }

    /** Refuses a raw target or query holding a control byte, a space or a byte above 0x7E (RFC 9112 3.2). */
    private static void checkRaw(String variable, String value) throws ProtocolException {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c <= 0x20 || c >= 0x7F) {
                throw new ProtocolException(Violation.CGI_BAD_REQUEST_TARGET, variable + " " + quote(value)
                        + " holds " + describe(c) + " at index " + i + ", which no request target may hold");
            }
        }
    }

    /**
     * The index where the authority of an absolute-form target starts ("http://" or "https://", any case), after
     * refusing anything else that does not start with '/'.
     */
    private static int absoluteFormAuthorityStart(String target) throws ProtocolException {
        // Only http and https: RFC 9110 4.2 defines no other scheme for an HTTP server to answer.
        for (String prefix : new String[] {"http://", "https://"}) {
            if (target.regionMatches(true, 0, prefix, 0, prefix.length())) {
                return prefix.length();
            }
        }
        throw new ProtocolException(Violation.CGI_BAD_REQUEST_TARGET, "REQUEST_URI " + quote(target)
                + " is neither a path starting with '/', nor \"*\", nor an absolute http(s) URI");
    }

    /**
     * The index where the host of {@code authority} ends (its length, or the index of the ':' before the port), or
     * -1 if it is not a valid {@code host [ ":" port ]} (RFC 9110 7.2, RFC 3986 3.2.2): a non-empty reg-name or IPv4
     * address, or an IP literal in brackets, then an optional port of 0 to 65535 (empty after ':' means the default,
     * RFC 3986 3.2.3). A userinfo '@' is refused with every other char no host may hold.
     */
    /** True if {@code name} is a host an authority may carry, without a port. */
    private static boolean isHost(String name) {
        return name != null && !name.isEmpty() && authorityHostEnd(name) == name.length();
    }

    static int authorityHostEnd(String authority) {
        int length = authority.length();
        int end;
        if (length > 0 && authority.charAt(0) == '[') {
            end = authority.indexOf(']');
            if (end < 2) {
                return -1;
            }
            for (int i = 1; i < end; i++) {
                char c = authority.charAt(i);
                if (!isRegNameChar(c) && c != ':') {
                    return -1;
                }
            }
            end++;
        } else {
            end = 0;
            while (end < length && isRegNameChar(authority.charAt(end))) {
                end++;
            }
            if (end == 0) {
                return -1;
            }
        }
        if (end == length) {
            return end;
        }
        if (authority.charAt(end) != ':') {
            return -1;
        }
        int port = 0;
        for (int i = end + 1; i < length; i++) {
            char c = authority.charAt(i);
            port = port * 10 + (c - '0');
            if (!isDigit(c) || port > 0xFFFF) {
                return -1;
            }
        }
        return end;
    }

    /** unreserved, sub-delims and '%' (RFC 3986 3.2.2): what a reg-name, an IPv4 address or a zone id holds. */
    private static boolean isRegNameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || "-._~%!$&'()*+,;=".indexOf(c) >= 0;
    }

    /**
     * REMOTE_PORT or SERVER_PORT: -1 if absent or empty (unknown; an adapter may fill in the socket's own), else
     * decimal 0 to 65535.
     */
    private static int port(String variable, String value) throws ProtocolException {
        if (value == null || value.isEmpty()) {
            return -1;
        }
        int port = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            port = port * 10 + (c - '0');
            if (!isDigit(c) || port > 0xFFFF) {
                throw new ProtocolException(Violation.CGI_BAD_PORT, variable + " " + quote(value)
                        + " is not a port number from 0 to 65535");
            }
        }
        return port;
    }

    /**
     * CONTENT_LENGTH: -1 if empty or negative (unknown), else ASCII digits that fit a long; no '+', no spaces.
     * Caddy sends Go's "unknown" length, -1, for a chunked body (then the body runs to the end of FCGI_STDIN); SCGI
     * needs a real length, which {@code ScgiDecoder} checks before this runs.
     */
    private static long contentLength(String value) throws ProtocolException {
        if (value.isEmpty()) {
            return -1;
        }
        boolean negative = value.charAt(0) == '-';
        long length = 0;
        for (int i = negative ? 1 : 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!isDigit(c) || length > (Long.MAX_VALUE - (c - '0')) / 10) {
                throw new ProtocolException(Violation.CGI_BAD_CONTENT_LENGTH, "CONTENT_LENGTH " + quote(value)
                        + " is not a decimal number of bytes that fits a long");
            }
            length = length * 10 + (c - '0');
        }
        if (negative) {
            // "-" alone and "-0" are no number of bytes, unknown or not.
            if (length == 0) {
                throw new ProtocolException(Violation.CGI_BAD_CONTENT_LENGTH, "CONTENT_LENGTH " + quote(value)
                        + " is not a decimal number of bytes that fits a long");
            }
            return -1;
        }
        return length;
    }

    /** Adds or merges one {@code HTTP_*} variable and returns the new header count. */
    private static int addHeader(String[] names, String[] values, int count, String variable, String value)
            throws ProtocolException {
        String name = COMMON_HEADER_NAMES.get(variable);
        if (name == null) {
            name = headerName(variable);
            if (name == null) {
                throw new ProtocolException(Violation.CGI_BAD_HEADER, "variable " + quote(variable)
                        + " does not convert to an HTTP field name (a token, RFC 9110 5.1)");
            }
            // HTTP_proxy or HTTP_Content-Length convert to the same names as the variables dropped in map()'s switch.
            if (DROPPED_HEADER_NAMES.contains(name)) {
                return count;
            }
        }
        checkHeaderValue(variable, value);
        for (int i = 0; i < count; i++) {
            // Converted names are canonical ("X-A" from HTTP_X_A and HTTP_x_a alike), so equals finds repeats.
            if (names[i].equals(name)) {
                // RFC 9110 5.3: a repeated field is the comma-joined list, in order. Cookie is joined with "; ", as
                // the client would have sent one Cookie line (RFC 6265 5.4) and as nginx joins it itself.
                values[i] = values[i] + (name.equals(COOKIE) ? "; " : ", ") + value;
                return count;
            }
        }
        names[count] = name;
        values[count] = value;
        return count + 1;
    }

    /**
     * The header name for an {@code HTTP_*} variable, or null if it is not a token: "HTTP_" stripped, '_' turned
     * into '-', and each dash-separated word title-cased ("HTTP_X_FORWARDED_FOR" becomes "X-Forwarded-For"), the
     * spelling containers and applications expect, although field names are case-insensitive (RFC 9110 5.1).
     */
    static String headerName(String variable) {
        int length = variable.length() - HTTP_PREFIX.length();
        if (length <= 0) {
            return null;
        }
        char[] name = new char[length];
        boolean wordStart = true;
        for (int i = 0; i < length; i++) {
            char c = variable.charAt(HTTP_PREFIX.length() + i);
            if (c == '_' || c == '-') {
                name[i] = '-';
                wordStart = true;
                continue;
            }
            if (!isTchar(c)) {
                return null;
            }
            if (wordStart && c >= 'a' && c <= 'z') {
                c -= 'a' - 'A';
            } else if (!wordStart && c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            name[i] = c;
            wordStart = false;
        }
        return new String(name);
    }

    /** Refuses a field value holding a control byte other than HTAB (RFC 9110 5.5), or a char that is not a byte. */
    private static void checkHeaderValue(String variable, String value) throws ProtocolException {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7F || c > 0xFF) {
                // The value itself is not shown: Authorization and Cookie carry credentials.
                throw new ProtocolException(Violation.CGI_BAD_HEADER, variable + " holds " + describe(c)
                        + " at index " + i + " of its " + value.length() + " chars, which no field value may hold");
            }
        }
    }

    private static String headerValue(String[] names, String[] values, int count, String name) {
        for (int i = 0; i < count; i++) {
            if (names[i].equals(name)) {
                return values[i];
            }
        }
        return null;
    }

    private static String emptyToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }

    /** An IPv6 SERVER_ADDR in brackets, so it reads like a host from a Host header ("[::1]"). */
    private static String bracketed(String address) {
        return address != null && address.indexOf(':') >= 0 && address.charAt(0) != '[' ? "[" + address + "]"
                : address;
    }

    /** Whether {@code s} is a non-empty token (RFC 9110 5.6.2). */
    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** tchar (RFC 9110 5.6.2): a visible ASCII char that is not a delimiter. */
    static boolean isTchar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** A value for an exception message: quoted, control and non-ASCII chars escaped, shortened past 80 chars. */
    static String quote(String value) {
        StringBuilder s = new StringBuilder(Math.min(value.length(), MAX_QUOTED) + 16).append('"');
        for (int i = 0; i < value.length() && i < MAX_QUOTED; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c >= 0x7F) {
                s.append(c > 0xFF ? String.format("\\u%04X", (int) c) : String.format("\\x%02X", (int) c));
            } else {
                s.append(c == '"' || c == '\\' ? "\\" + c : String.valueOf(c));
            }
        }
        s.append('"');
        if (value.length() > MAX_QUOTED) {
            s.append("... (").append(value.length()).append(" chars)");
        }
        return s.toString();
    }

    private static String describe(char c) {
        return c == ' ' ? "a space" : c > 0xFF ? String.format("U+%04X", (int) c) : String.format("byte 0x%02X",
                (int) c);
    }

    private static Map<String, String> commonHeaderNames(String... variables) {
        Map<String, String> names = new HashMap<>();
        for (String variable : variables) {
            names.put(variable, headerName(variable));
        }
        return Map.copyOf(names);
    }
}
