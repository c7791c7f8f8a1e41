package io.cgiwire.cli;

import static io.cgiwire.core.fcgi.Fcgi.FCGI_MAX_CONNS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MAX_REQS;
import static io.cgiwire.core.fcgi.Fcgi.FCGI_MPXS_CONNS;

import io.cgiwire.core.cgi.CgiEnvironment;
import io.cgiwire.core.fcgi.FcgiEncoder;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code cgiwire-cli}: sends one request to a FastCGI or SCGI backend as a front server would, and prints the
 * response; or asks a FastCGI backend for its FCGI_GET_VALUES. Built for poking a backend by hand and for health
 * probes: every failure has its own exit code ({@link ExitCode}).
 */
public final class CgiwireCli {

    static final String USAGE = """
            Usage: cgiwire-cli [get|post] [OPTIONS] URL
                   cgiwire-cli --values [OPTIONS] URL     (FastCGI only)

            Sends one request to a FastCGI or SCGI backend (cgiwire, php-fpm, any other) as nginx would, and prints
            the response body on stdout.

            URL:
              fcgi://HOST[:PORT]/PATH[?QUERY]        FastCGI over TCP (PORT defaults to 9000)
              scgi://HOST[:PORT]/PATH[?QUERY]        SCGI over TCP (PORT defaults to 4000)
              fcgi+unix://SOCKET/PATH[?QUERY]        FastCGI over a Unix socket
              scgi+unix://SOCKET/PATH[?QUERY]        SCGI over a Unix socket
            SOCKET is the socket file's path with each / written as %2F:
              fcgi+unix://%2Frun%2Fphp%2Fphp8.2-fpm.sock/status
            HOST is a name, an IPv4 address or [an IPv6 address]. PATH stays percent-encoded in REQUEST_URI and is
            decoded in SCRIPT_NAME and DOCUMENT_URI, as nginx does.

            Commands: get (the default), post (the default with -d); -X METHOD sends any other method.

            Options:
              -d, --data DATA        the request body: DATA itself, @FILE, or @- for stdin (no default Content-Type)
              -H, --header 'N: V'    a request header, sent as HTTP_N (Host: also sets SERVER_NAME and SERVER_PORT;
                                     Content-Type: also sets CONTENT_TYPE)
                  --param NAME=VALUE set a CGI variable, replacing the default one; --param NAME leaves it out
                  --root DIR         DOCUMENT_ROOT=DIR and SCRIPT_FILENAME=DIR/PATH (php-fpm needs SCRIPT_FILENAME)
              -X, --request METHOD   the method (REQUEST_METHOD)
              -i, --include          print the response head before the body: a Status line with the code a front
                                     server would answer (CGI: a Location and no Status is 302, no Status is 200),
                                     then the headers; FCGI_END_REQUEST's appStatus and protocolStatus on stderr
              -v, --verbose          on stderr: the variables sent, how the status was found, FCGI_END_REQUEST
                  --time             on stderr: connect, first byte and total time, bytes sent and received
                  --values           send FCGI_GET_VALUES for FCGI_MAX_CONNS, FCGI_MAX_REQS and FCGI_MPXS_CONNS and
                                     print the answer as NAME=VALUE lines (a name the backend left out is not printed)
                  --probe            health check: print no body, exit 0 only for a 2xx response within --timeout
              -f, --fail             exit 6 for a response that is not 2xx (the body is still printed)
                  --timeout TIME     for connecting and the whole response: 500ms, 2s, 1m (default 10s)
              -h, --help             this text
                  --version          the version

            Variables sent: those of Debian's nginx fastcgi_params (over SCGI: CONTENT_LENGTH, SCGI=1 and those of
            scgi_params), for http://localhost/PATH from this machine: QUERY_STRING, REQUEST_METHOD, CONTENT_TYPE,
            CONTENT_LENGTH, SCRIPT_NAME, REQUEST_URI, DOCUMENT_URI, DOCUMENT_ROOT, SERVER_PROTOCOL=HTTP/1.1,
            REQUEST_SCHEME=http, GATEWAY_INTERFACE=CGI/1.1, SERVER_SOFTWARE, REMOTE_ADDR, REMOTE_PORT, SERVER_ADDR,
            SERVER_PORT=80, SERVER_NAME=localhost, REDIRECT_STATUS=200, HTTP_HOST=localhost, SCRIPT_FILENAME (with
            --root), the -H headers, then --param. Never the process environment. FCGI_STDERR goes to stderr.

            Exit codes:
              0  a complete response (with --probe or --fail: a 2xx); --values: answered
              1  another failure on this side (stdout closed, ...)
              2  usage: bad arguments, unreadable -d @FILE
              3  unreachable: connection refused, no socket file, permission denied, unknown host
              4  timed out: no complete response within --timeout
              5  protocol error: not FastCGI/SCGI/CGI, closed or reset before the response ended, a wrong
                 Content-Length, or FCGI_END_REQUEST refusing the request (FCGI_OVERLOADED, ...)
              6  with --probe or --fail: the response was not 2xx

            Examples:
              cgiwire-cli get fcgi://127.0.0.1:9000/hello
              cgiwire-cli post -H 'Content-Type: text/plain' -d @body.txt scgi://127.0.0.1:4000/echo
              cgiwire-cli -i --root /var/www/html fcgi+unix://%2Frun%2Fphp%2Fphp8.2-fpm.sock/index.php
              cgiwire-cli --probe --timeout 2s fcgi://127.0.0.1:9000/health
            """;

    private CgiwireCli() {
    }

    public static void main(String[] args) {
        OutputStream stdout = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 64 * 1024);
        System.exit(run(args, System.in, stdout, System.err));
    }

    /** Runs one command; returns its exit code. */
    static int run(String[] args, InputStream stdin, OutputStream stdout, PrintStream err) {
        Stderr stderr = Stderr.of(err);
        CliOptions options = null;
        try {
            options = CliOptions.parse(args);
            if (options.help) {
                stdout.write(USAGE.getBytes(StandardCharsets.UTF_8));
                stdout.flush();
                return ExitCode.OK;
            }
            if (options.version) {
                stdout.write((CgiVariables.SERVER_SOFTWARE + "\n").getBytes(StandardCharsets.UTF_8));
                stdout.flush();
                return ExitCode.OK;
            }
            return options.values ? values(options, stdout, stderr) : request(options, stdin, stdout, stderr);
        } catch (CliException e) {
            stderr.println("cgiwire-cli: " + e.getMessage());
            if (e.exitCode() == ExitCode.USAGE && (options == null || options.target == null)) {
                stderr.println("Try cgiwire-cli --help");
            }
            return e.exitCode();
        } catch (IOException e) {
            stderr.println("cgiwire-cli: cannot write to stdout: " + e.getMessage());
            return ExitCode.FAILED;
        }
    }

    private static int request(CliOptions o, InputStream stdin, OutputStream stdout, PrintStream stderr)
            throws CliException {
        byte[] body = body(o.data, stdin);
        long start = System.nanoTime();
        try (BackendConnection c = BackendConnection.open(o.target, start + o.timeout.toNanos(), timeoutText(o))) {
            InetSocketAddress local = c.localInetAddress();
            String localAddress = local != null ? local.getAddress().getHostAddress() : "127.0.0.1";
            int localPort = local != null ? local.getPort() : -1;
            CgiEnvironment env = CgiVariables.build(o, body == null ? -1 : body.length, localAddress, localPort);
            if (o.verbose) {
                stderr.println("* " + o.target.protocolName() + " to " + o.target.where());
                for (int i = 0; i < env.size(); i++) {
                    stderr.println("> " + env.name(i) + "=" + env.value(i));
                }
            }
            byte[] content = body == null ? new byte[0] : body;
            ByteBuffer request = o.target.scgi() ? RequestEncoder.scgi(env, content) : RequestEncoder.fcgi(env, content);
            ResponsePrinter printer = new ResponsePrinter(o, stdout, stderr);
            if (o.target.scgi()) {
                c.exchange(request, printer);
            } else {
                FcgiResponseDecoder decoder = new FcgiResponseDecoder(RequestEncoder.REQUEST_ID, printer);
                c.exchange(request, fcgiReader(decoder, "FCGI_END_REQUEST"));
            }
            printer.finish();
            printTime(o, c, start, stderr);
            ResponseHead head = printer.head();
            if ((o.probe || o.fail) && !head.is2xx()) {
                stderr.println("cgiwire-cli: " + head.status() + (head.reason().isEmpty() ? "" : " " + head.reason())
                        + " from " + o.target.where() + o.target.rawPath() + ", not 2xx");
                return ExitCode.NOT_2XX;
            }
            return ExitCode.OK;
        }
    }

    private static int values(CliOptions o, OutputStream stdout, PrintStream stderr) throws CliException {
        long start = System.nanoTime();
        List<String> names = List.of(FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS);
        try (BackendConnection c = BackendConnection.open(o.target, start + o.timeout.toNanos(), timeoutText(o))) {
            CgiEnvironment[] answer = new CgiEnvironment[1];
            FcgiResponseDecoder decoder = new FcgiResponseDecoder(-1, new FcgiResponseDecoder.Listener() {
                @Override
                public void stdout(ByteBuffer data) throws CliException {
                    throw CliException.protocol("FCGI_STDOUT, but no request was sent, only FCGI_GET_VALUES");
                }

                @Override
                public void stderr(ByteBuffer data) throws CliException {
                    throw CliException.protocol("FCGI_STDERR, but no request was sent, only FCGI_GET_VALUES");
                }

                @Override
                public void endRequest(long appStatus, int protocolStatus) throws CliException {
                    throw CliException.protocol("FCGI_END_REQUEST, but no request was sent, only FCGI_GET_VALUES");
                }

                @Override
                public void values(CgiEnvironment values) {
                    answer[0] = values;
                }
            });
            c.exchange(FcgiEncoder.getValues(names), fcgiReader(decoder, "FCGI_GET_VALUES_RESULT"));
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < answer[0].size(); i++) {
                lines.append(answer[0].name(i)).append('=').append(answer[0].value(i)).append('\n');
            }
            if (o.verbose) {
                for (String name : names) {
                    if (answer[0].get(name) == null) {
                        stderr.println("* " + name + ": not in the answer");
                    }
                }
            }
            try {
                stdout.write(lines.toString().getBytes(StandardCharsets.ISO_8859_1));
                stdout.flush();
            } catch (IOException e) {
                throw new CliException(ExitCode.FAILED, "cannot write to stdout: " + e.getMessage(), e);
            }
            printTime(o, c, start, stderr);
            return ExitCode.OK;
        }
    }

    private static BackendConnection.ResponseReader fcgiReader(FcgiResponseDecoder decoder, String awaited) {
        return new BackendConnection.ResponseReader() {
            @Override
            public void read(ByteBuffer in) throws CliException {
                decoder.decode(in);
            }

            @Override
            public boolean done() {
                return decoder.finished();
            }

            @Override
            public void endOfInput() throws CliException {
                decoder.endOfInput(awaited);
            }
        };
    }

    private static byte[] body(String data, InputStream stdin) throws CliException {
        if (data == null) {
            return null;
        }
        if (!data.startsWith("@")) {
            return data.getBytes(StandardCharsets.UTF_8);
        }
        String file = data.substring(1);
        try {
            return file.equals("-") ? stdin.readAllBytes() : Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            throw CliException.usage("-d @" + file + ": no such file");
        } catch (IOException e) {
            throw CliException.usage("-d @" + file + ": cannot read it: " + e.getMessage());
        }
    }

    private static void printTime(CliOptions o, BackendConnection c, long start, PrintStream stderr) {
        if (!o.time) {
            return;
        }
        long end = System.nanoTime();
        stderr.println(String.format(Locale.ROOT, "connect=%.3fms first_byte=%.3fms total=%.3fms sent=%dB received=%dB",
                millis(c.connectedNanos - start), c.firstByteNanos == 0 ? Double.NaN : millis(c.firstByteNanos - start),
                millis(end - start), c.bytesSent, c.bytesReceived));
    }

    private static double millis(long nanos) {
        return nanos / 1e6;
    }

    private static String timeoutText(CliOptions o) {
        long ms = o.timeout.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }
}
