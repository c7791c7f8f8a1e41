package io.cgiwire.samples.demo;

/**
 * {@code java -jar cgiwire-demo.jar}: see {@link DemoOptions#USAGE}. Exit status 0 after --help, 2 for a bad command
 * line, 1 when the server cannot start; otherwise it runs until SIGTERM or ctrl-C, then stops gracefully.
 */
public final class DemoMain {
    private DemoMain() {
    }

    public static void main(String[] args) throws Exception {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("cgiwire demo: " + e.getMessage());
            System.err.println("cgiwire demo: see --help");
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.print(DemoOptions.USAGE);
            return;
        }
        DemoServer server;
        try {
            server = DemoServer.start(options, true);
        } catch (Exception e) {
            System.err.println("cgiwire demo: cannot start: " + e);
            System.exit(1);
            return;
        }
        for (DemoServer.Listener listener : server.listeners()) {
            System.out.println("cgiwire demo: " + listener);
        }
        System.out.println("cgiwire demo: ready");
        System.out.flush();
        server.join();
    }
}
