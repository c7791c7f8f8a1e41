package io.cgiwire.spring.boot;

/** A connector that would trust anyone who can reach it: the application does not start. */
public class UnsafeListenerException extends IllegalStateException {
    private final transient Gateway gateway;

    UnsafeListenerException(String message, Gateway gateway) {
        super(message);
        this.gateway = gateway;
    }

    /** The properties that make it safe, for the failure report. */
    String action() {
        return "Set " + gateway.property("address") + "=127.0.0.1, or " + gateway.property("unix-socket-path")
                + ", or name the web server's addresses in " + gateway.property("allowed-peers") + ".";
    }
}
