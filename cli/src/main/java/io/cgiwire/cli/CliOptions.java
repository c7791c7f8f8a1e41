package io.cgiwire.cli;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The parsed command line: see {@link CgiwireCli#USAGE}. */
final class CliOptions {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** A {@code --param NAME=VALUE}, or {@code --param NAME} (value null): leave NAME out. */
    record Param(String name, String value) {
    }

    /** A {@code -H 'Name: value'}. */
    record Header(String name, String value) {
    }

    boolean help;
    boolean version;
    boolean values;
    String method;
    Target target;
    final List<Header> headers = new ArrayList<>();
    final List<Param> params = new ArrayList<>();
    /** {@code -d}: the body itself, {@code @FILE} or {@code @-} for stdin; null for none. */
    String data;
    boolean include;
    boolean verbose;
    boolean time;
    boolean probe;
    boolean fail;
    Duration timeout = DEFAULT_TIMEOUT;
    String root;

    static CliOptions parse(String... args) throws CliException {
        CliOptions o = new CliOptions();
        String url = null;
        String command = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String inline = null;
            if (arg.startsWith("--") && arg.indexOf('=') > 2) {
                name = arg.substring(0, arg.indexOf('='));
                inline = arg.substring(arg.indexOf('=') + 1);
            }
            String value = null;
            if (takesValue(name)) {
                if (inline != null) {
                    value = inline;
                } else if (++i < args.length) {
                    value = args[i];
                } else {
                    throw CliException.usage(name + " needs a value (see --help)");
                }
            } else if (inline != null) {
                throw CliException.usage(name + " takes no value");
            }
            switch (name) {
                case "-h", "--help" -> o.help = true;
                case "--version" -> o.version = true;
                case "-i", "--include" -> o.include = true;
                case "-v", "--verbose" -> o.verbose = true;
                case "--time" -> o.time = true;
                case "--probe" -> o.probe = true;
                case "-f", "--fail" -> o.fail = true;
                case "--values" -> o.values = true;
                case "-X", "--request" -> o.method = method(value);
                case "-H", "--header" -> o.headers.add(header(value));
                case "--param" -> o.params.add(param(value));
                case "-d", "--data" -> {
                    if (o.data != null) {
                        throw CliException.usage("-d given twice: one body per request");
                    }
                    o.data = value;
                }
                case "--timeout" -> o.timeout = duration(value);
                case "--root" -> o.root = value;
                default -> {
                    if (arg.startsWith("-") && arg.length() > 1) {
                        throw CliException.usage("unknown option " + arg + " (see --help)");
                    }
                    if (command == null && url == null && !arg.contains("://")) {
                        command = arg;
                    } else if (url == null) {
                        url = arg;
                    } else {
                        throw CliException.usage("one URL per command; also got " + arg);
                    }
                }
            }
        }
        if (o.help || o.version) {
            return o;
        }
        if (command != null) {
            switch (command.toLowerCase(Locale.ROOT)) {
                case "get" -> o.method = o.method != null ? o.method : "GET";
                case "post" -> o.method = o.method != null ? o.method : "POST";
                case "values" -> o.values = true;
                default -> throw CliException.usage("unknown command " + command + " (get, post or values)");
            }
        }
        if (url == null) {
            throw CliException.usage("no URL (e.g. fcgi://127.0.0.1:9000/hello; see --help)");
        }
        o.target = Target.parse(url);
        if (o.method == null) {
            o.method = o.data != null ? "POST" : "GET";
        }
        if (o.values) {
            if (o.target.scgi()) {
                throw CliException.usage("--values is FastCGI's FCGI_GET_VALUES: SCGI has nothing like it");
            }
            if (o.data != null || !o.headers.isEmpty() || !o.params.isEmpty() || o.include) {
                throw CliException.usage("--values sends no request: -d, -H, --param and -i do not go with it");
            }
        }
        return o;
    }

    private static boolean takesValue(String name) {
        return switch (name) {
            case "-X", "--request", "-H", "--header", "--param", "-d", "--data", "--timeout", "--root" -> true;
            default -> false;
        };
    }

    private static String method(String method) throws CliException {
        if (method.isEmpty() || !method.chars().allMatch(CliOptions::isTokenChar)) {
            throw CliException.usage("-X " + method + ": a method is an HTTP token, e.g. PUT");
        }
        return method;
    }

    private static Header header(String line) throws CliException {
        int colon = line.indexOf(':');
        if (colon <= 0) {
            throw CliException.usage("-H " + line + ": expected 'Name: value'");
        }
        String name = line.substring(0, colon).trim();
        String value = line.substring(colon + 1).trim();
        if (name.isEmpty() || !name.chars().allMatch(CliOptions::isTokenChar)) {
            throw CliException.usage("-H " + line + ": " + name + " is not a header name");
        }
        if (value.chars().anyMatch(c -> c < ' ' && c != '\t' || c == 0x7F)) {
            throw CliException.usage("-H " + name + ": control characters in the value");
        }
        if (name.equalsIgnoreCase("Content-Length")) {
            throw CliException.usage("-H Content-Length: the length is the body's (-d); to send another, use "
                    + "--param CONTENT_LENGTH=N");
        }
        return new Header(name, value);
    }

    private static Param param(String text) throws CliException {
        int eq = text.indexOf('=');
        String name = eq < 0 ? text : text.substring(0, eq);
        if (name.isEmpty() || name.indexOf('\0') >= 0) {
            throw CliException.usage("--param " + text + ": expected NAME=VALUE (or NAME alone to leave it out)");
        }
        String value = eq < 0 ? null : text.substring(eq + 1);
        if (value != null && value.indexOf('\0') >= 0) {
            throw CliException.usage("--param " + name + ": a NUL in the value");
        }
        return new Param(name, value);
    }

    /** 500ms, 2s, 1.5s, 1m, or a number of seconds. */
    static Duration duration(String text) throws CliException {
        String t = text.trim().toLowerCase(Locale.ROOT);
        double factor;
        if (t.endsWith("ms")) {
            factor = 1;
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            factor = 1000;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            factor = 60_000;
            t = t.substring(0, t.length() - 1);
        } else {
            factor = 1000;
        }
        double millis;
        try {
            millis = Double.parseDouble(t) * factor;
        } catch (NumberFormatException e) {
            millis = Double.NaN;
        }
        if (!(millis >= 1) || millis > 24 * 3600_000.0 || t.startsWith("+") || t.contains("e") || t.contains("n")) {
            throw CliException.usage("--timeout " + text + ": expected a duration from 1ms to 24h, e.g. 2s or 500ms");
        }
        return Duration.ofMillis(Math.round(millis));
    }

    private static boolean isTokenChar(int c) {
        return c > ' ' && c < 0x7F && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
    }
}
