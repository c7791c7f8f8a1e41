# cgiwire: FastCGI and SCGI for Jetty. See README-cgiwire.md beside these files.

[description]
Enables a FastCGI connector (cgiwire) so that nginx fastcgi_pass, Apache httpd mod_proxy_fcgi and lighttpd mod_fastcgi
can serve this server's web applications. Requests reach the webapps as ordinary HTTP requests: the client's
address, HTTPS and the Host the client used come from the CGI variables the web server sends.

[tags]
connector
cgiwire
fcgi

[depend]
server

[before]
# So that jetty-home's statistics module, which adds its ConnectionStatistics to the connectors that exist when it
# is applied, counts this one too.
statistics

[lib]
lib/cgiwire/*.jar
lib/jetty-unixdomain-server-${jetty.version}.jar

[xml]
etc/cgiwire-fcgi.xml

[ini-template]
### cgiwire FastCGI connector

## The address to bind to. Only the web server should reach this port: the default is loopback. To listen on
## another interface, also set allowedPeers below: without it the connector refuses to start there.
# jetty.cgiwire.fcgi.host=127.0.0.1

## The TCP port to listen on.
# jetty.cgiwire.fcgi.port=9000

## A Unix-domain socket to listen on instead of host and port (the web server then connects to unix:PATH).
## The web server's worker user needs write permission on the socket file.
# jetty.cgiwire.fcgi.unixSocketPath=

## The socket file's permissions once it exists, as ls shows them. The web server's worker user needs write
## permission to connect: e.g. rw-rw---- with the socket's group shared with the web server. Empty keeps the umask's.
# jetty.cgiwire.fcgi.unixSocketPermissions=

## Accept on the listening socket this process inherited as file descriptor 0 (FastCGI's FCGI_LISTENSOCK_FILENO),
## as spawn-fcgi and systemd socket activation (StandardInput=socket) pass it. Host and port are then not bound.
# jetty.cgiwire.fcgi.inheritChannel=false

## The peers allowed to connect: IP addresses and CIDR ranges, comma-separated, e.g. 127.0.0.1, 10.0.0.0/8.
## Empty allows any peer that can reach the socket.
## FCGI_WEB_SERVER_ADDRS in the environment, if set, is used when this is not.
# jetty.cgiwire.fcgi.allowedPeers=

## The CGI variables that become request attributes (a regular expression on the whole name, e.g. SSL_.*), named as
## the variables. Empty: none. The web server decides what they say: allow only what it sets itself.
# jetty.cgiwire.fcgi.allowedRequestAttributesPattern=

## Take REMOTE_USER and AUTH_TYPE as the authenticated user (getRemoteUser()), for a web server that authenticates
## users itself. Off by default: nginx fills REMOTE_USER from any Basic Authorization header, checked or not.
# jetty.cgiwire.fcgi.trustRemoteUser=false

## Play FastCGI's Authorizer role (httpd's mod_authnz_fcgi, lighttpd's "mode" => "authorizer"): such a request
## is dispatched as a GET without a body to this path of the webapp, whose 200 grants access (its Variable-NAME
## headers become variables of the web server's request) and any other status denies. Empty: the role is refused.
# jetty.cgiwire.fcgi.authorizerPath=

## Milliseconds a connection may stay silent while a request is in flight. A kept-alive connection waiting for its
## next request is never closed for being idle: the web server closes it (nginx would answer 502 if we raced it).
# jetty.cgiwire.fcgi.idleTimeout=60000

## The number of acceptors (-1 picks a default based on the number of cores).
# jetty.cgiwire.fcgi.acceptors=1

## The number of selectors (-1 picks a default based on the number of cores).
# jetty.cgiwire.fcgi.selectors=-1

## Pending connections the kernel may hold (0: 1024). A front server opens one connection per concurrent request
## beyond its keepalive pool, so bursts are normal; the platform default of 50 drops them.
# jetty.cgiwire.fcgi.acceptQueueSize=1024

## The most connections served at once; further ones wait in the accept queue. 0: no limit.
# jetty.cgiwire.fcgi.maxConnections=0

## Limits on what the web server may send before a request exists (io.cgiwire.core.GatewayLimits). A peer that
## exceeds one gets a specific error: 431 or 400 where the protocol still allows an answer, else the connection
## is closed. The same names are used by the Tomcat adapter's <Connector> attributes.
## Bytes of FastCGI PARAMS per request.
# jetty.cgiwire.fcgi.maxParamsBytes=65536
## Name-value pairs per request.
# jetty.cgiwire.fcgi.maxParamsCount=512
## Bytes in one variable name.
# jetty.cgiwire.fcgi.maxParamNameLength=1024
## Bytes in one variable value.
# jetty.cgiwire.fcgi.maxParamValueLength=32768
## Bytes in the SCGI header netstring.
# jetty.cgiwire.fcgi.maxScgiHeaderBytes=65536
## Digits in the SCGI netstring length.
# jetty.cgiwire.fcgi.maxNetstringDigits=8
## FastCGI request ids active at once on one connection.
# jetty.cgiwire.fcgi.maxMultiplexedRequests=16
## Milliseconds a request's variables may take to arrive once it has begun (a slow sender must not hold a
## connection and its buffers); then the connection is closed.
# jetty.cgiwire.fcgi.headerReadTimeout=10000
