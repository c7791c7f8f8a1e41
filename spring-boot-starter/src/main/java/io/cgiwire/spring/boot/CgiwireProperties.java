package io.cgiwire.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.util.unit.DataSize;

/**
 * {@code cgiwire.fcgi.*} and {@code cgiwire.scgi.*}: a FastCGI and an SCGI connector on the application's embedded
 * Tomcat or Jetty. Each is added when it has a port or a Unix socket path (or {@code enabled=true}); with nothing set
 * there is none.
 */
@ConfigurationProperties("cgiwire")
public class CgiwireProperties {

    /** FastCGI, for nginx's fastcgi_pass, httpd's mod_proxy_fcgi, lighttpd's mod_fastcgi. */
    @NestedConfigurationProperty
    private final Listener fcgi = new Listener();

    /** SCGI, for nginx's scgi_pass, httpd's mod_proxy_scgi, lighttpd's mod_scgi. */
    @NestedConfigurationProperty
    private final Listener scgi = new Listener();

    public Listener getFcgi() {
        return fcgi;
    }

    public Listener getScgi() {
        return scgi;
    }

    /** One connector's settings; the defaults are the adapters' own (io.cgiwire.core.GatewayLimits). */
    public static class Listener {

        /**
         * Whether to add the connector. Unset, it is added when port or unix-socket-path is set; true without either
         * listens on a port chosen by the system.
         */
        private Boolean enabled;

        /**
         * The address to listen on. Another address than loopback needs allowed-peers, or the application refuses
         * to start: whoever reaches the port could claim any client address, HTTPS or user.
         */
        private String address = "127.0.0.1";

        /** The TCP port; 0 picks a free one. */
        private Integer port;

        /** A Unix-domain socket to listen on instead of address and port. */
        private String unixSocketPath;

        /**
         * The Unix socket file's mode once it exists, as ls shows it (for example rw-rw----: the web server's worker
         * needs write permission to connect). Unset, the umask decides.
         */
        private String unixSocketPermissions;

        /**
         * The web servers allowed to connect: IP addresses and CIDR ranges. A connection from anyone else is closed
         * at once and logged. Empty allows every peer (for FastCGI, FCGI_WEB_SERVER_ADDRS in the environment then
         * names them). Unix-domain connections are governed by the socket file's permissions instead.
         */
        private List<String> allowedPeers = new ArrayList<>();

        /**
         * Whether REMOTE_USER and AUTH_TYPE from the web server are the request's authenticated user. Off by
         * default: nginx fills REMOTE_USER from any Basic Authorization header, checked or not.
         */
        private boolean trustRemoteUser = false;

        /**
         * The CGI variables that become request attributes, as a regular expression on the whole name (for example
         * SSL_.*). Unset: none.
         */
        private String allowedRequestAttributesPattern;

        /**
         * FastCGI only: answer FastCGI Authorizer requests (httpd's mod_authnz_fcgi, lighttpd's authorizer mode) with
         * this path of the application, e.g. /authorize, whose 200 grants access. Unset: the role is refused. SCGI
         * has no such role: set on cgiwire.scgi, the application does not start.
         */
        private String authorizerPath;

        /**
         * FastCGI only: serve several requests of a connection at once when the web server multiplexes (HAProxy's
         * mpxs-conns, or its get-values): FCGI_MPXS_CONNS=1. Unset: the container's default, on with Jetty, off with
         * Tomcat (where it hands every request to the executor, which costs a web server that sends one request at
         * a time). SCGI has no multiplexing: set on cgiwire.scgi, the application does not start.
         */
        private Boolean multiplexing;

        /**
         * How long a connection may stay silent while a request is in flight (Jetty's idle timeout, Tomcat's
         * connectionTimeout). A kept-alive connection between requests is closed by the web server, never by the
         * application.
         */
        private Duration idleTimeout = Duration.ofSeconds(60);

        /** FastCGI PARAMS bytes per request (nginx never sends more than 65535). */
        private DataSize maxParamsBytes = DataSize.ofBytes(65536);

        /** Name-value pairs per request, FastCGI or SCGI. */
        private int maxParamsCount = 512;

        /** Bytes in one variable name. */
        private int maxParamNameLength = 1024;

        /** Bytes in one variable value. */
        private int maxParamValueLength = 32768;

        /** The SCGI header netstring. */
        private DataSize maxScgiHeaderBytes = DataSize.ofBytes(65536);

        /** Digits in the SCGI netstring length. */
        private int maxNetstringDigits = 8;

        /** FastCGI request ids active at once on one connection. */
        private int maxMultiplexedRequests = 16;

        /**
         * How long, in total, a request's variables may take to arrive once it has begun; then the connection is
         * closed, and that is logged once.
         */
        private Duration headerReadTimeout = Duration.ofSeconds(10);

        public Boolean getEnabled() {
            return enabled;
        }

        public void setEnabled(Boolean enabled) {
            this.enabled = enabled;
        }

        /** True when this connector is to be added. */
        boolean active() {
            return enabled != null ? enabled : port != null || hasUnixSocket();
        }

        boolean hasUnixSocket() {
            return unixSocketPath != null && !unixSocketPath.isBlank();
        }

        public String getAddress() {
            return address;
        }

        public void setAddress(String address) {
            this.address = address;
        }

        public Integer getPort() {
            return port;
        }

        public void setPort(Integer port) {
            this.port = port;
        }

        public String getUnixSocketPath() {
            return unixSocketPath;
        }

        public void setUnixSocketPath(String unixSocketPath) {
            this.unixSocketPath = unixSocketPath;
        }

        public String getUnixSocketPermissions() {
            return unixSocketPermissions;
        }

        public void setUnixSocketPermissions(String unixSocketPermissions) {
            this.unixSocketPermissions = unixSocketPermissions;
        }

        public List<String> getAllowedPeers() {
            return allowedPeers;
        }

        public void setAllowedPeers(List<String> allowedPeers) {
            this.allowedPeers = allowedPeers;
        }

        public boolean isTrustRemoteUser() {
            return trustRemoteUser;
        }

        public void setTrustRemoteUser(boolean trustRemoteUser) {
            this.trustRemoteUser = trustRemoteUser;
        }

        public String getAllowedRequestAttributesPattern() {
            return allowedRequestAttributesPattern;
        }

        public void setAllowedRequestAttributesPattern(String allowedRequestAttributesPattern) {
            this.allowedRequestAttributesPattern = allowedRequestAttributesPattern;
        }

        public String getAuthorizerPath() {
            return authorizerPath;
        }

        public Boolean getMultiplexing() {
            return multiplexing;
        }

        public void setMultiplexing(Boolean multiplexing) {
            this.multiplexing = multiplexing;
        }

        public void setAuthorizerPath(String authorizerPath) {
            this.authorizerPath = authorizerPath;
        }

        public Duration getIdleTimeout() {
            return idleTimeout;
        }

        public void setIdleTimeout(Duration idleTimeout) {
            this.idleTimeout = idleTimeout;
        }

        public DataSize getMaxParamsBytes() {
            return maxParamsBytes;
        }

        public void setMaxParamsBytes(DataSize maxParamsBytes) {
            this.maxParamsBytes = maxParamsBytes;
        }

        public int getMaxParamsCount() {
            return maxParamsCount;
        }

        public void setMaxParamsCount(int maxParamsCount) {
            this.maxParamsCount = maxParamsCount;
        }

        public int getMaxParamNameLength() {
            return maxParamNameLength;
        }

        public void setMaxParamNameLength(int maxParamNameLength) {
            this.maxParamNameLength = maxParamNameLength;
        }

        public int getMaxParamValueLength() {
            return maxParamValueLength;
        }

        public void setMaxParamValueLength(int maxParamValueLength) {
            this.maxParamValueLength = maxParamValueLength;
        }

        public DataSize getMaxScgiHeaderBytes() {
            return maxScgiHeaderBytes;
        }

        public void setMaxScgiHeaderBytes(DataSize maxScgiHeaderBytes) {
            this.maxScgiHeaderBytes = maxScgiHeaderBytes;
        }

        public int getMaxNetstringDigits() {
            return maxNetstringDigits;
        }

        public void setMaxNetstringDigits(int maxNetstringDigits) {
            this.maxNetstringDigits = maxNetstringDigits;
        }

        public int getMaxMultiplexedRequests() {
            return maxMultiplexedRequests;
        }

        public void setMaxMultiplexedRequests(int maxMultiplexedRequests) {
            this.maxMultiplexedRequests = maxMultiplexedRequests;
        }

        public Duration getHeaderReadTimeout() {
            return headerReadTimeout;
        }

        public void setHeaderReadTimeout(Duration headerReadTimeout) {
            this.headerReadTimeout = headerReadTimeout;
        }
    }
}
