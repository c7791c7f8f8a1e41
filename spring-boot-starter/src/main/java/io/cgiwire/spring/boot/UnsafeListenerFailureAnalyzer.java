package io.cgiwire.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Says why the application did not start, and what to set, when a connector would trust anyone. */
class UnsafeListenerFailureAnalyzer extends AbstractFailureAnalyzer<UnsafeListenerException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, UnsafeListenerException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
