package io.cgiwire.jetty;

import java.util.regex.Pattern;

/**
 * What a connection does with each request's CGI variables beyond mapping them, fixed when the connection opens.
 *
 * @param requestAttributes the variables that become request attributes; null for none
 * @param trustRemoteUser whether REMOTE_USER and AUTH_TYPE become the authenticated user
 */
public record RequestOptions(Pattern requestAttributes, boolean trustRemoteUser) {
}
