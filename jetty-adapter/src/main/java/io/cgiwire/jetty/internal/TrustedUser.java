package io.cgiwire.jetty.internal;

import java.security.Principal;
import javax.security.auth.Subject;
import org.eclipse.jetty.security.AuthenticationState;
import org.eclipse.jetty.security.UserIdentity;
import org.eclipse.jetty.security.authentication.LoginAuthenticator;
import org.eclipse.jetty.server.Request;

/**
 * The web server's REMOTE_USER as the request's authenticated user, as jetty-security would record a login: what a
 * servlet's getRemoteUser(), getUserPrincipal() and getAuthType() read. Its own class so that jetty-security loads
 * only when trustRemoteUser is on.
 */
final class TrustedUser {
    private TrustedUser() {
    }

    static void authenticate(Request request, String user, String authType) {
        Principal principal = new Name(user);
        UserIdentity identity = UserIdentity.from(new Subject(), principal);
        AuthenticationState.setAuthenticationState(request,
                new LoginAuthenticator.UserAuthenticationSucceeded(authType != null ? authType : "REMOTE_USER",
                        identity));
    }

    /** A user name as a principal. */
    private record Name(String getName) implements Principal {
    }
}
