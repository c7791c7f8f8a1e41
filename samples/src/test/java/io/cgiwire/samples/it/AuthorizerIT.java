package io.cgiwire.samples.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cgiwire.samples.it.FrontServer.Site;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The FastCGI Authorizer role on both containers, behind the two front servers that speak it: the demo with
 * {@code --authorizer-path /authorize} (the sample {@code AuthorizerServlet}) guards a static directory of httpd
 * (mod_authnz_fcgi) and of lighttpd (authorizer mode). Allowed: the file, and the variable the servlet set visible to
 * it; denied: the servlet's status and body.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AuthorizerIT {
    @ParameterizedTest(name = "{0} behind {1}")
    @CsvSource({"jetty, httpd", "jetty, lighttpd", "tomcat, httpd", "tomcat, lighttpd"})
    void theServletDecidesWhatTheWebServerServes(String container, String front) throws Exception {
        Path jar = Path.of(System.getProperty("cgiwire.demo.jar", "target/cgiwire-demo.jar"));
        Backend.Launcher launcher = container.equals("jetty")
                ? Demo.launcher(jar, "--authorizer-path", "/authorize")
                : Demo.launcher(jar, "--container", "tomcat", "--authorizer-path", "/authorize");
        BiFunction<Path, Endpoint, AuthorizerFront> fronts = front.equals("httpd")
                ? AuthorizerFront.Httpd::new : AuthorizerFront.Lighttpd::new;
        try (WorkDir work = WorkDir.create("AuthorizerIT-" + container + "-" + front);
                Backend demo = launcher.start(Files.createDirectories(work.resolve("demo")));
                FrontServer web = fronts.apply(work.resolve(front), demo.endpoint(Protocol.FCGI, false)).start()) {
            int port = web.port(Site.PLAIN);
            String diagnostics = "\n" + web.diagnostics();

            RawHttp.Response ok = get(port, "/static/ok.txt");
            assertEquals(200, ok.status(), () -> ok + diagnostics + demo.output());
            assertEquals(AuthorizerFront.OK_TXT, ok.text());
            if (front.equals("httpd")) {
                assertEquals("granted /static/ok.txt", ok.header(AuthorizerFront.VARIABLE_HEADER), ok::toString);
            } else {
                RawHttp.Response cgi = get(port, "/static/env.cgi");
                assertEquals(200, cgi.status(), () -> cgi + diagnostics);
                assertEquals("authz=granted /static/env.cgi\n", cgi.text());
            }

            RawHttp.Response denied = get(port, "/static/private.txt?why=1");
            assertEquals(403, denied.status(), () -> denied + diagnostics);
            assertEquals("cgiwire authorizer: GET /static/private.txt?why=1 is private\n", denied.text());
        }
    }

    private static RawHttp.Response get(int port, String target) throws Exception {
        try (RawHttp c = RawHttp.connect(port)) {
            return c.send("GET", target).read(false);
        }
    }
}
