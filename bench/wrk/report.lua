-- wrk script for bench/run.sh: an optional upload body, and one machine-readable summary line.
--   CGIWIRE_UPLOAD_BYTES=N  POST a body of N bytes (application/octet-stream) instead of GET
-- The summary line (stdout, after wrk's own report):
--   cgiwire-result requests=R duration_us=D bytes=B p50_us=P p99_us=Q connect=.. read=.. write=.. status=.. timeout=..
-- "status" counts answers that were not 2xx or 3xx.

local upload = tonumber(os.getenv("CGIWIRE_UPLOAD_BYTES") or "")
if upload then
   wrk.method = "POST"
   wrk.body = string.rep("x", upload)
   wrk.headers["Content-Type"] = "application/octet-stream"
end

done = function(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "cgiwire-result requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
      summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(99),
      e.connect, e.read, e.write, e.status, e.timeout))
end
