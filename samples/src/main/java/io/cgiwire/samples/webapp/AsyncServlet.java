package io.cgiwire.samples.webapp;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** {@code GET /async?delay=MS}: answers "async done" from another thread, MS after the request arrived. */
final class AsyncServlet extends HttpServlet {
    private static final byte[] DONE = "async done\n".getBytes(StandardCharsets.US_ASCII);

    private final ScheduledExecutorService scheduler;

    AsyncServlet(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        long delay;
        try {
            delay = Query.number(request, "delay", 100, 0, 60_000);
        } catch (IllegalArgumentException e) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        }
        response.setContentType("text/plain;charset=utf-8");
        response.setContentLength(DONE.length);
        AsyncContext async = request.startAsync();
        async.setTimeout(delay + 30_000);
        scheduler.schedule(() -> {
            try {
                async.getResponse().getOutputStream().write(DONE);
            } catch (IOException | IllegalStateException e) {
                log("could not answer: " + e);
            } finally {
                async.complete();
            }
        }, delay, TimeUnit.MILLISECONDS);
    }
}
