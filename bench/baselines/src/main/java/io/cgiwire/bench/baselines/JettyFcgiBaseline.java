package io.cgiwire.bench.baselines;

import io.cgiwire.samples.webapp.SampleApp;
import java.util.Set;
import org.eclipse.jetty.fcgi.server.ServerFCGIConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;

/**
 * Jetty's own FastCGI server ({@code jetty-fcgi-server}) serving the sample webapp, set up as the cgiwire demo sets
 * up its Jetty (same HttpConfiguration, GracefulHandler, session-enabled context, SampleApp listener), so that the
 * only difference between the two is the connection factory.
 *
 * <p>Jetty's FastCGI server builds the request target from DOCUMENT_URI and QUERY_STRING (not REQUEST_URI, and it
 * ignores SCRIPT_NAME): the front server must send DOCUMENT_URI, as nginx's stock fastcgi_params does.
 */
public final class JettyFcgiBaseline {
    private static final String USAGE = "usage: java -jar jetty-fcgi-baseline.jar --fcgi HOST:PORT [--ee ee10|ee11]";

    private JettyFcgiBaseline() {
    }

    public static void main(String[] args) throws Exception {
        Args options = Args.parse(args, Set.of("--fcgi", "--ee"), USAGE);
        if (!options.has("--fcgi")) {
            System.err.println(USAGE);
            System.exit(2);
        }
        Args.HostPort listen = options.hostPort("--fcgi");

        Server server = new Server();
        server.setStopTimeout(5000);
        server.setStopAtShutdown(true);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        ServerConnector connector = new ServerConnector(server, new ServerFCGIConnectionFactory(http));
        connector.setHost(listen.host());
        connector.setPort(listen.port());
        server.addConnector(connector);
        server.setHandler(new GracefulHandler(context(options.get("--ee", "ee11"))));
        server.start();

        System.out.println("jetty-fcgi baseline: Jetty " + Server.getVersion() + " with jetty-fcgi-server, FastCGI on " + listen.host() + ":"
                + connector.getLocalPort());
        System.out.println("jetty-fcgi baseline: ready");
        System.out.flush();
        server.join();
    }

    private static Handler context(String ee) {
        return switch (ee) {
            case "ee10" -> {
                var context = new org.eclipse.jetty.ee10.servlet.ServletContextHandler("/",
                        org.eclipse.jetty.ee10.servlet.ServletContextHandler.SESSIONS);
                context.addEventListener(new SampleApp());
                yield context;
            }
            case "ee11" -> {
                var context = new org.eclipse.jetty.ee11.servlet.ServletContextHandler("/",
                        org.eclipse.jetty.ee11.servlet.ServletContextHandler.SESSIONS);
                context.addEventListener(new SampleApp());
                yield context;
            }
            default -> throw new IllegalArgumentException("--ee: ee10 or ee11, not '" + ee + "'");
        };
    }
}
