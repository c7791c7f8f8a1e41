package io.cgiwire.bench.baselines;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The baselines' small command line: {@code --name value} pairs, each at most once. */
final class Args {
    private final Map<String, String> values = new HashMap<>();

    private Args() {
    }

    static Args parse(String[] args, Set<String> names, String usage) {
        Args parsed = new Args();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!names.contains(name) || i + 1 >= args.length || parsed.values.put(name, args[++i]) != null) {
                System.err.println("bad command line at '" + name + "'\n" + usage);
                System.exit(2);
            }
        }
        return parsed;
    }

    String get(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    boolean has(String name) {
        return values.containsKey(name);
    }

    /** {@code HOST:PORT} of option {@code name}, for loopback listeners. */
    HostPort hostPort(String name) {
        String value = values.get(name);
        int colon = value.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException(name + ": expected HOST:PORT, got '" + value + "'");
        }
        return new HostPort(value.substring(0, colon), Integer.parseInt(value.substring(colon + 1)));
    }

    record HostPort(String host, int port) {
    }
}
