package io.cgiwire.samples.webapp;

import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;

/**
 * The sample webapp: registers every servlet, so that the WAR (whose web.xml declares only this listener) and the
 * embedded demo (which adds it to its context) serve exactly the same routes. Plain Servlet 6.0 API: it runs on Jetty
 * ee10 and ee11 and on Tomcat 10.1 and 11.
 */
public class SampleApp implements ServletContextListener {
    /** Largest file {@code /upload} takes. */
    public static final long MAX_UPLOAD_FILE_SIZE = 200L * 1024 * 1024;
    /** Parts larger than this go to the upload directory instead of memory. */
    private static final int UPLOAD_MEMORY_THRESHOLD = 1024 * 1024;

    private ScheduledExecutorService scheduler;
    private Path uploads;

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        // Form bodies and parts sent without a charset are UTF-8, as browsers send them. The Servlet spec's default is
        // ISO-8859-1, which Tomcat follows and Jetty does not: said here, the webapp reads the same on both.
        context.setRequestCharacterEncoding(StandardCharsets.UTF_8.name());
        scheduler = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "cgiwire-sample-async");
            thread.setDaemon(true);
            return thread;
        });
        try {
            uploads = Files.createTempDirectory("cgiwire-uploads-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the upload directory", e);
        }

        add(context, "hello", new HelloServlet(), "/hello");
        add(context, "bytes", new BytesServlet(), "/bytes");
        add(context, "echo", new EchoServlet(), "/echo");
        add(context, "digest", new DigestServlet(), "/digest", "/digest/*");
        add(context, "dump", new DumpServlet(), "/dump", "/dump/*");
        add(context, "redirect", new RedirectServlet(), "/redirect", "/redirect/*");
        add(context, "session", new SessionServlet(), "/session");
        add(context, "cookie", new CookieServlet(), "/cookie");
        add(context, "upload", new UploadServlet(), "/upload")
                .setMultipartConfig(new MultipartConfigElement(uploads.toString(), MAX_UPLOAD_FILE_SIZE, -1,
                        UPLOAD_MEMORY_THRESHOLD));
        add(context, "async", new AsyncServlet(scheduler), "/async").setAsyncSupported(true);
        add(context, "nbio-echo", new NbioEchoServlet(), "/nbio/echo").setAsyncSupported(true);
        add(context, "nbio-bytes", new NbioBytesServlet(), "/nbio/bytes").setAsyncSupported(true);
        add(context, "status", new StatusServlet(), "/status");
        add(context, "error", new ErrorServlet(), "/error");
        add(context, "stderr", new StderrServlet(), "/stderr");
        add(context, "slow", new SlowServlet(), "/slow", "/slow/*");
        add(context, "headers", new HeadersServlet(), "/headers");
        add(context, "authorize", new AuthorizerServlet(), "/authorize");
        add(context, "barrier", new BarrierServlet(), "/barrier");
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (uploads != null) {
            try (Stream<Path> files = Files.walk(uploads)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                event.getServletContext().log("cannot delete " + uploads, e);
            }
        }
    }

    private static ServletRegistration.Dynamic add(ServletContext context, String name, Servlet servlet,
            String... mappings) {
        ServletRegistration.Dynamic registration = context.addServlet(name, servlet);
        registration.addMapping(mappings);
        return registration;
    }
}
