package io.cgiwire.samples.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * The demo's command line. This is a stable interface that tests and users depend on:
 * <pre>
 * --fcgi HOST:PORT|unix:PATH   FastCGI listener, repeatable; given at least once it replaces 127.0.0.1:9000
 * --scgi HOST:PORT|unix:PATH   SCGI listener, likewise; default 127.0.0.1:4000
 * --http HOST:PORT             also plain HTTP/1.1 on the container's own connector (off by default), repeatable
 * --container jetty|tomcat     the servlet container, default jetty
 * --ee ee10|ee11               the Jetty environment, default ee11; refused with tomcat
 * --authorizer-path PATH       FastCGI's Authorizer role, dispatched to PATH (e.g. /authorize); off by default
 * --max-connections N          Tomcat's maxConnections for each connector, default Tomcat's (8192); refused with jetty
 * --multiplex                  Tomcat's FastCGI connectors multiplex (multiplexing="true"); refused with jetty, which does
 * --help
 * </pre>
 * Every option also takes the {@code --name=value} form.
 */
public record DemoOptions(List<ListenAddress> fcgi, List<ListenAddress> scgi, List<ListenAddress> http,
        Container container, Ee ee, String authorizerPath, int maxConnections, boolean multiplex, boolean help) {

    /** The servlet container that serves the webapp. */
    public enum Container { JETTY, TOMCAT }

    /** The Jetty servlet environment: ee10 is Servlet 6.0, ee11 is Servlet 6.1. */
    public enum Ee { EE10, EE11 }

    public static final ListenAddress DEFAULT_FCGI = new ListenAddress.Tcp("127.0.0.1", 9000);
    public static final ListenAddress DEFAULT_SCGI = new ListenAddress.Tcp("127.0.0.1", 4000);

    public static final String USAGE = """
            Usage: java -jar cgiwire-demo.jar [options]
            Serves the cgiwire sample webapp at / on embedded Jetty 12 or Tomcat 11, over FastCGI and SCGI.

              --fcgi HOST:PORT|unix:PATH  FastCGI listener (default 127.0.0.1:9000); repeat it for more than one
              --scgi HOST:PORT|unix:PATH  SCGI listener (default 127.0.0.1:4000); repeat it for more than one
              --http HOST:PORT            also serve plain HTTP/1.1 with the container's own connector (off by
                                          default)
              --container jetty|tomcat    the servlet container (default jetty)
              --ee ee10|ee11              Jetty environment: ee10 (Servlet 6.0) or ee11 (Servlet 6.1, default);
                                          Jetty only
              --authorizer-path PATH      answer FastCGI Authorizer requests (httpd's mod_authnz_fcgi, lighttpd's
                                          "mode" => "authorizer") with the webapp's PATH, e.g. /authorize (off by
                                          default: the role is refused)
              --max-connections N         Tomcat only: the connections each connector holds at once (Tomcat's
                                          maxConnections, default 8192)
              --multiplex                 Tomcat only: FastCGI serves several requests of a connection at once
                                          (multiplexing="true", for HAProxy); Jetty always does
              --help                      this text

            Port 0 picks a free port. At start one line per listener shows the address actually bound, then
            "cgiwire demo: ready". A Unix socket file is made rw-rw-rw- so that the web server can connect.
            """;

    public DemoOptions {
        fcgi = List.copyOf(fcgi);
        scgi = List.copyOf(scgi);
        http = List.copyOf(http);
    }

    /** Parses the command line; a bad one is an {@link IllegalArgumentException} that says what is wrong. */
    public static DemoOptions parse(String... args) {
        List<ListenAddress> fcgi = new ArrayList<>();
        List<ListenAddress> scgi = new ArrayList<>();
        List<ListenAddress> http = new ArrayList<>();
        Container container = Container.JETTY;
        Ee ee = Ee.EE11;
        boolean eeGiven = false;
        String authorizerPath = null;
        int maxConnections = 0;
        boolean multiplex = false;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            String value = null;
            int eq = option.indexOf('=');
            if (option.startsWith("--") && eq > 0) {
                value = option.substring(eq + 1);
                option = option.substring(0, eq);
            }
            switch (option) {
                case "--multiplex" -> multiplex = true;
                case "--help", "-h" -> {
                    if (value != null) {
                        throw new IllegalArgumentException("--help takes no value");
                    }
                    help = true;
                }
                case "--fcgi", "--scgi", "--http", "--container", "--ee", "--authorizer-path", "--max-connections" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(option + " needs a value");
                        }
                        value = args[++i];
                    }
                    switch (option) {
                        case "--fcgi" -> fcgi.add(address(option, value, true));
                        case "--scgi" -> scgi.add(address(option, value, true));
                        case "--http" -> http.add(address(option, value, false));
                        case "--container" -> container = switch (value) {
                            case "jetty" -> Container.JETTY;
                            case "tomcat" -> Container.TOMCAT;
                            default -> throw new IllegalArgumentException(
                                    "--container: unknown container '" + value + "' (jetty or tomcat)");
                        };
                        case "--authorizer-path" -> {
                            if (!value.startsWith("/")) {
                                throw new IllegalArgumentException(
                                        "--authorizer-path: '" + value + "' is not a path such as /authorize");
                            }
                            authorizerPath = value;
                        }
                        case "--max-connections" -> maxConnections = positive(option, value);
                        case "--ee" -> {
                            ee = switch (value) {
                                case "ee10" -> Ee.EE10;
                                case "ee11" -> Ee.EE11;
                                default -> throw new IllegalArgumentException(
                                        "--ee: unknown environment '" + value + "' (ee10 or ee11)");
                            };
                            eeGiven = true;
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        if (eeGiven && container == Container.TOMCAT) {
            // Silently serving Servlet 6.1 to someone who asked for ee10 would test the wrong thing.
            throw new IllegalArgumentException("--ee applies to Jetty only (Tomcat 11 is Servlet 6.1)");
        }
        if (multiplex && container != Container.TOMCAT) {
            throw new IllegalArgumentException("--multiplex applies to Tomcat only (Jetty always multiplexes FastCGI)");
        }
        if (maxConnections > 0 && container != Container.TOMCAT) {
            // The demo's Jetty connectors have no limit to raise.
            throw new IllegalArgumentException("--max-connections applies to Tomcat only (Jetty's has no limit here)");
        }
        return new DemoOptions(fcgi.isEmpty() ? List.of(DEFAULT_FCGI) : fcgi,
                scgi.isEmpty() ? List.of(DEFAULT_SCGI) : scgi, http, container, ee, authorizerPath,
                maxConnections, multiplex, help);
    }

    private static int positive(String option, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Said below.
        }
        throw new IllegalArgumentException(option + ": '" + value + "' is not a positive number");
    }

    private static ListenAddress address(String option, String value, boolean unixAllowed) {
        try {
            return ListenAddress.parse(value, unixAllowed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }
}
