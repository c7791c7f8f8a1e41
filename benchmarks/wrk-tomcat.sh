#!/usr/bin/env bash
# nginx -> FastCGI -> Tomcat (cgiwire's FcgiNioProtocol) against nginx -> HTTP -> Tomcat's own HTTP/1.1 NIO connector,
# on /hello, measured with wrk. Both paths go to one demo JVM (--container tomcat), both upstreams are kept alive, and
# the runs alternate so that warm-up, drift and a noisy neighbour hit both alike. Everything on loopback.
#
# Usage: benchmarks/wrk-tomcat.sh [ROUNDS] [SECONDS]    (default 5 rounds of 10 s per path; CONNS=16 connections)
# Needs nginx, wrk, python3 and target/cgiwire-demo.jar: mvn -B -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
seconds=${2:-10}
conns=${CONNS:-16}
jar=samples/target/cgiwire-demo.jar
[ -f "$jar" ] || { echo "no $jar: mvn -B -DskipTests package first" >&2; exit 2; }

work=$(mktemp -d)
demo=
nginx=
cleanup() {
    [ -n "$nginx" ] && kill "$nginx" 2>/dev/null && wait "$nginx" 2>/dev/null
    [ -n "$demo" ] && kill "$demo" 2>/dev/null && wait "$demo" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

read -r fcgi http front_fcgi front_http < <(python3 -c '
import socket
held = [socket.socket() for _ in range(4)]
for s in held:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in held))')

java -Xmx512m -jar "$jar" --container tomcat --fcgi "127.0.0.1:$fcgi" --scgi 127.0.0.1:0 \
    --http "127.0.0.1:$http" >"$work/demo.out" 2>"$work/demo.err" &
demo=$!
for _ in $(seq 300); do
    grep -qs "cgiwire demo: ready" "$work/demo.out" && break
    kill -0 "$demo" 2>/dev/null || { cat "$work/demo.err" >&2; exit 1; }
    sleep 0.1
done

# One worker, as the integration tests run it; keepalive upstreams both ways, so that neither path pays a connect.
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/body;
    fastcgi_temp_path $work/fastcgi;
    proxy_temp_path $work/proxy;
    scgi_temp_path $work/scgi;
    uwsgi_temp_path $work/uwsgi;
    upstream cgiwire_fcgi { server 127.0.0.1:$fcgi; keepalive 32; }
    upstream tomcat_http { server 127.0.0.1:$http; keepalive 32; }
    server {
        listen 127.0.0.1:$front_fcgi;
        location / { include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass cgiwire_fcgi; }
    }
    server {
        listen 127.0.0.1:$front_http;
        location / {
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host:\$server_port;
            proxy_pass http://tomcat_http;
        }
    }
}
CONF
nginx -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
nginx=$!
sleep 1

for port in "$front_fcgi" "$front_http"; do
    body=$(curl -sf "http://127.0.0.1:$port/hello") || { echo "no answer on $port" >&2; cat "$work/error.log" >&2; exit 1; }
    [ "$body" = "Hello from cgiwire" ] || { echo "unexpected answer on $port: $body" >&2; exit 1; }
done

cpu() {  # CPU time the demo JVM has used so far, in clock ticks (utime + stime, /proc/PID/stat fields 14 and 15)
    awk '{ print $14 + $15 }' "/proc/$demo/stat"
}

run() {  # run PORT SECONDS: "requests/s JVM-CPU-µs-per-request" of one wrk run; fails on any error answer
    local out before after
    before=$(cpu)
    out=$(wrk -t1 -c"$conns" -d"$2"s "http://127.0.0.1:$1/hello")
    after=$(cpu)
    if grep -q "Non-2xx\|Socket errors" <<<"$out"; then
        echo "$out" >&2
        return 1
    fi
    awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
        /requests in/ { n = $1 } /Requests\/sec/ { r = $2 }
        END { printf "%s %.1f\n", r, ticks / hz * 1e6 / n }' <<<"$out"
}

echo "warm-up: 2 x 10 s per path"
for _ in 1 2; do run "$front_fcgi" 10 >/dev/null; run "$front_http" 10 >/dev/null; done

# Requests per second depend on everything else the machine runs; the JVM's CPU time per request much less so.
results=()
printf '%-6s %13s %13s %7s   %16s %16s\n' round "FastCGI req/s" "HTTP req/s" ratio "FastCGI JVM µs" "HTTP JVM µs"
for r in $(seq "$rounds"); do
    read -r f fcpu < <(run "$front_fcgi" "$seconds")
    read -r h hcpu < <(run "$front_http" "$seconds")
    results+=("$f $h $fcpu $hcpu")
    printf '%-6s %13.0f %13.0f %7.3f   %16s %16s\n' "$r" "$f" "$h" "$(python3 -c "print($f / $h)")" "$fcpu" "$hcpu"
done
printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
rows = [[float(x) for x in line.split()] for line in sys.stdin]
f, h, fc, hc = (statistics.median(column) for column in zip(*rows))
print(f"median {f:13.0f} {h:13.0f} {f / h:7.3f}   {fc:16.1f} {hc:16.1f}")
print(f"FastCGI / HTTP: {f / h:.2f}x the requests per second, {fc / hc:.2f}x the JVM CPU per request")'

