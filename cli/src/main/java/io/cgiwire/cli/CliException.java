package io.cgiwire.cli;

/** A failure that ends the command with a message on stderr and one of the {@link ExitCode}s. */
final class CliException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static CliException usage(String message) {
        return new CliException(ExitCode.USAGE, message);
    }

    static CliException protocol(String message) {
        return new CliException(ExitCode.PROTOCOL_ERROR, message);
    }

    int exitCode() {
        return exitCode;
    }
}
