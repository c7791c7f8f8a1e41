package io.cgiwire.samples.webapp;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET|POST /barrier?key=K&parties=N[&ms=MS]}: waits until N requests with key K are in the servlet at once, at
 * most MS (default 10 s), then reads the body and answers "passed K\n"; "barrier timed out\n" with a 504 if the others
 * did not come. A request answered 200 was in the container together with N - 1 others: concurrency shown without
 * measuring time (HaproxyMultiplexIT). A key is forgotten once its N have met or one of them gave up.
 */
final class BarrierServlet extends HttpServlet {
    private static final ConcurrentMap<String, CountDownLatch> BARRIERS = new ConcurrentHashMap<>();

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String key = request.getParameter("key");
        long parties;
        long ms;
        try {
            if (key == null || key.isEmpty()) {
                throw new IllegalArgumentException("key is required");
            }
            parties = Query.number(request, "parties", 1, 1000);
            ms = Query.number(request, "ms", 10_000, 0, 60_000);
        } catch (IllegalArgumentException e) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, e.getMessage());
            return;
        }
        CountDownLatch latch = BARRIERS.computeIfAbsent(key, k -> new CountDownLatch((int) parties));
        latch.countDown();
        boolean passed;
        try {
            passed = latch.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            passed = false;
        }
        // the last to arrive, or the first to give up, frees the key for another round
        BARRIERS.remove(key, latch);
        if (!passed) {
            response.setStatus(HttpServletResponse.SC_GATEWAY_TIMEOUT);
            Responses.text(response, "barrier timed out\n");
            return;
        }
        request.getInputStream().transferTo(OutputStream.nullOutputStream());
        Responses.text(response, "passed " + key + "\n");
    }
}
