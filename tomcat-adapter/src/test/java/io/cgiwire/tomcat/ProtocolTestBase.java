package io.cgiwire.tomcat;

import io.cgiwire.core.GatewayParitySuite;
import io.cgiwire.core.RawClient;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real embedded Tomcat with one of our protocol handlers on loopback (and one on a Unix socket) and a context with a
 * few servlets, driven by {@link RawClient} the way a web server drives it. Warnings our processors log are captured.
 */
abstract class ProtocolTestBase {
    static final LinkedBlockingQueue<Throwable> FAILURES = new LinkedBlockingQueue<>();
    /** Tomcat's INFO lines for every start and stop would bury the test output; held so the level sticks. */
    private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");

    static {
        TOMCAT_LOG.setLevel(Level.WARNING);
    }

    @TempDir
    Path dir;
    Tomcat tomcat;
    Connector connector;
    Connector unixConnector;
    Path unixSocket;
    final List<LogRecord> warnings = Collections.synchronizedList(new ArrayList<>());
    /**
     * Held for the test's length: java.util.logging keeps loggers weakly, and one collected between start() and the
     * warning would take the capture with it (the likely cause of HostileInputsTest seeing no warning, now and then).
     */
    private final Logger cgiwireLogger = Logger.getLogger("io.cgiwire.tomcat");
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    abstract Class<? extends AbstractCgiProtocol<?>> protocol();

    /** Connector attributes set before start, as server.xml would. */
    void configure(Connector c) {
    }

    @BeforeEach
    void start() throws LifecycleException, IOException {
        FAILURES.clear();
        cgiwireLogger.addHandler(capture);
        tomcat = new Tomcat();
        tomcat.setBaseDir(Files.createDirectories(dir.resolve("tomcat")).toString());
        connector = new Connector(protocol().getName());
        connector.setPort(0);
        configure(connector);
        tomcat.getService().addConnector(connector);
        unixSocket = dir.resolve("cgi.sock");
        unixConnector = new Connector(protocol().getName());
        unixConnector.setProperty("unixDomainSocketPath", unixSocket.toString());
        configure(unixConnector);
        tomcat.getService().addConnector(unixConnector);

        Context context = tomcat.addContext("", dir.toString());
        // These checks need --add-opens and only warn without it; the tests start no threads that could leak.
        ((StandardContext) context).setClearReferencesThreadLocals(false);
        ((StandardContext) context).setClearReferencesRmiTargets(false);
        add(context, "hello", new HelloServlet(), "/hello");
        add(context, "echo", new EchoServlet(), "/echo");
        add(context, "info", new InfoServlet(), "/info/*");
        add(context, "stderr", new StderrServlet(), "/stderr");
        add(context, "slow", new SlowServlet(), "/slow");
        add(context, "nbio", new NbioEchoServlet(), "/nbio").setAsyncSupported(true);
        add(context, "async", new AsyncServlet(), "/async").setAsyncSupported(true);
        add(context, "attributes", new AttributesServlet(), "/attributes");
        add(context, "remoteHost", new RemoteHostServlet(), "/remote-host");
        add(context, "inject", new InjectServlet(), "/inject");
        add(context, "barrier", new BarrierServlet(), "/barrier");
        tomcat.start();
    }

    @AfterEach
    void stop() throws LifecycleException {
        try {
            tomcat.stop();
            tomcat.destroy();
        } finally {
            cgiwireLogger.removeHandler(capture);
        }
    }

    private static Wrapper add(Context context, String name, HttpServlet servlet, String mapping) {
        Wrapper wrapper = Tomcat.addServlet(context, name, servlet);
        context.addServletMapping(mapping, name);
        return wrapper;
    }

    RawClient client() throws IOException {
        return new RawClient(connector.getLocalPort());
    }

    List<String> warningMessages() {
        synchronized (warnings) {
            return warnings.stream().map(LogRecord::getMessage).toList();
        }
    }

    static final class HelloServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            byte[] hello = "Hello\n".getBytes(StandardCharsets.US_ASCII);
            response.setContentType("text/plain");
            response.setContentLength(hello.length);
            response.getOutputStream().write(hello);
        }

        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            doGet(request, response);
        }
    }

    /** Copies the body back; a read or write that fails is recorded. */
    static final class EchoServlet extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("application/octet-stream");
            try {
                request.getInputStream().transferTo(response.getOutputStream());
            } catch (IOException e) {
                FAILURES.add(e);
                throw e;
            }
        }
    }

    /** GatewayParitySuite's /barrier: waits for the other parties, then reads the body; a read that fails is recorded. */
    static final class BarrierServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            try {
                if (!GatewayParitySuite.Barrier.await(request.getParameter("key"),
                        Integer.parseInt(request.getParameter("parties")))) {
                    response.setStatus(HttpServletResponse.SC_GATEWAY_TIMEOUT);
                    response.getWriter().print("barrier timed out\n");
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (request.getParameter("cut") != null) {
                response.getWriter().print("partial\n");
                response.flushBuffer();
                throw new IOException("cut short");
            }
            try {
                request.getInputStream().transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                FAILURES.add(e);
                throw e;
            }
            response.setContentType("text/plain");
            response.getWriter().print("passed\n");
        }
    }

    /** An application that copies request data into a response header unchecked. */
    static final class InjectServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setHeader("X-Echo", "a\r\nX-Injected: 1");
            response.setContentType("text/plain");
            response.getWriter().print("injected\n");
        }
    }

    /** getRemoteHost(), which enableLookups turns into a reverse lookup. */
    static final class RemoteHostServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain");
            response.getWriter().print("remoteHost=" + request.getRemoteHost() + "\n");
        }
    }

    /** What the servlet sees of the request, one line per field: first the ones Jetty's test handler prints too. */
    static final class InfoServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            request.getInputStream().readAllBytes();
            StringBuilder s = new StringBuilder();
            s.append("remote=").append(request.getRemoteAddr()).append(':').append(request.getRemotePort())
                    .append('\n');
            s.append("local=").append(request.getLocalAddr()).append(':').append(request.getLocalPort()).append('\n');
            s.append("secure=").append(request.isSecure()).append('\n');
            s.append("server=").append(request.getServerName()).append(':').append(request.getServerPort())
                    .append('\n');
            s.append("protocol=").append(request.getProtocol()).append('\n');
            s.append("host=").append(request.getHeader("Host")).append('\n');
            s.append("contentType=").append(request.getContentType()).append('\n');
            // The servlet API's own from here on (GatewayParitySuite).
            s.append("method=").append(request.getMethod()).append('\n');
            s.append("scheme=").append(request.getScheme()).append('\n');
            s.append("url=").append(request.getRequestURL()).append('\n');
            s.append("uri=").append(request.getRequestURI()).append('\n');
            s.append("pathInfo=").append(request.getPathInfo()).append('\n');
            s.append("query=").append(request.getQueryString()).append('\n');
            s.append("contentLength=").append(request.getContentLengthLong()).append('\n');
            s.append("userAgent=").append(request.getHeader("User-Agent")).append('\n');
            s.append("remoteUser=").append(request.getRemoteUser()).append('\n');
            s.append("requestId=").append(request.getProtocolRequestId()).append('\n');
            s.append("connection=").append(request.getServletConnection().getProtocol()).append('\n');
            response.setContentType("text/plain");
            response.getWriter().print(s);
        }
    }

    /**
     * Two request attributes a connector may set from CGI variables, asked for by name: Tomcat lists only its own
     * attributes in getAttributeNames(), as with AJP's forwarded ones.
     */
    static final class AttributesServlet extends HttpServlet {
        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
            response.setContentType("text/plain");
            response.getWriter().print("SSL_CIPHER=" + request.getAttribute("SSL_CIPHER") + "\nSECRET="
                    + request.getAttribute("SECRET") + "\n");
        }
    }

    static final class StderrServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            ((PrintStream) request.getAttribute(FcgiNioProtocol.STDERR_ATTRIBUTE)).println("logged");
            response.getWriter().print("ok\n");
        }
    }

    /** Writes {@code n} flushed 1 KiB pieces 20 ms apart; a write that fails is recorded. */
    static final class SlowServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            int n = Integer.parseInt(request.getParameter("n"));
            ServletOutputStream out = response.getOutputStream();
            try {
                for (int i = 0; i < n; i++) {
                    out.write(new byte[1024]);
                    out.flush();
                    Thread.sleep(20);
                }
            } catch (IOException e) {
                FAILURES.add(e);
                throw e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Echoes the body with a ReadListener and a WriteListener. */
    static final class NbioEchoServlet extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
            AsyncContext async = request.startAsync();
            ServletInputStream in = request.getInputStream();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            in.setReadListener(new ReadListener() {
                private final byte[] buffer = new byte[4096];

                @Override
                public void onDataAvailable() throws IOException {
                    for (int n; in.isReady() && (n = in.read(buffer)) != -1; ) {
                        body.write(buffer, 0, n);
                    }
                }

                @Override
                public void onAllDataRead() throws IOException {
                    byte[] bytes = body.toByteArray();
                    response.setContentType("application/octet-stream");
                    response.setContentLength(bytes.length);
                    ServletOutputStream out = response.getOutputStream();
                    out.setWriteListener(new WriteListener() {
                        private int written;

                        @Override
                        public void onWritePossible() throws IOException {
                            while (written < bytes.length && out.isReady()) {
                                int n = Math.min(8192, bytes.length - written);
                                out.write(bytes, written, n);
                                written += n;
                            }
                            if (written == bytes.length && out.isReady()) {
                                async.complete();
                            }
                        }

                        @Override
                        public void onError(Throwable t) {
                            FAILURES.add(t);
                            async.complete();
                        }
                    });
                }

                @Override
                public void onError(Throwable t) {
                    FAILURES.add(t);
                    async.complete();
                }
            });
        }
    }

    /** Answers from another thread after 100 ms. */
    static final class AsyncServlet extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest request, HttpServletResponse response) {
            AsyncContext async = request.startAsync();
            async.start(() -> {
                try {
                    Thread.sleep(100);
                    async.getResponse().setContentType("text/plain");
                    async.getResponse().getWriter().print("async\n");
                } catch (IOException | InterruptedException e) {
                    FAILURES.add(e);
                }
                async.complete();
            });
        }
    }
}
