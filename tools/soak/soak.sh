#!/usr/bin/env bash
# The 30-minute soak (issue 6): the demo behind nginx (FastCGI, upstream keepalive) at moderate load, with the demo's
# heap after a full GC and its open file descriptors sampled every minute. Outside the default test run; its short
# version is samples/src/test/java/io/cgiwire/samples/it/SoakIT.java (TomcatSoakIT on Tomcat), which CI runs.
#
#   mvn -B -q -DskipTests package            # builds samples/target/cgiwire-demo.jar
#   bash tools/soak/soak.sh                  # DURATION=1800 CONNECTIONS=32 RATE_PATHS="/hello /bytes?n=65536"
#   CONTAINER=tomcat bash tools/soak/soak.sh # the demo on embedded Tomcat (default jetty)
#
# Needs nginx and wrk (apt-get install -y nginx wrk). Loopback only; everything it starts is stopped on exit.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
JAR=${JAR:-$REPO/samples/target/cgiwire-demo.jar}
DURATION=${DURATION:-1800}
CONTAINER=${CONTAINER:-jetty}
CONNECTIONS=${CONNECTIONS:-32}
PATHS=${RATE_PATHS:-/hello /bytes?n=65536 /hello}
WORK=$(mktemp -d /tmp/cgiwire-soak-XXXXXX)
for tool in nginx wrk java jcmd; do command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }; done
[ -f "$JAR" ] || { echo "no $JAR: mvn -B -q -DskipTests package first" >&2; exit 2; }

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
FCGI=$(free_port); HTTP=$(free_port)

java -Xmx256m -jar "$JAR" --container "$CONTAINER" --fcgi 127.0.0.1:$FCGI --scgi 127.0.0.1:$(free_port) \
    > "$WORK/demo.out" 2> "$WORK/demo.err" &
DEMO=$!; PIDS+=($DEMO)
for _ in $(seq 120); do grep -q "cgiwire demo: ready" "$WORK/demo.out" && break; sleep 0.5; done
grep -q "cgiwire demo: ready" "$WORK/demo.out" || { cat "$WORK/demo.err"; exit 1; }

mkdir -p "$WORK/nginx/tmp"; [ "$(id -u)" = 0 ] && chown www-data "$WORK/nginx/tmp"
cat > "$WORK/nginx/nginx.conf" <<CONF
$([ "$(id -u)" = 0 ] && echo "user www-data;")
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body; fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    proxy_temp_path $WORK/nginx/tmp/proxy; scgi_temp_path $WORK/nginx/tmp/scgi; uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    upstream cgiwire { server 127.0.0.1:$FCGI; keepalive 16; }
    server {
        listen 127.0.0.1:$HTTP;
        location / { include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass cgiwire; }
    }
}
CONF
nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
sleep 1

sample() {
    jcmd "$DEMO" GC.run >/dev/null
    local heap fds
    heap=$(jcmd "$DEMO" GC.heap_info | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+')
    fds=$(ls /proc/$DEMO/fd | wc -l)
    echo "$heap $fds"
}

echo "soak: $CONTAINER, $DURATION s, $CONNECTIONS connections, paths: $PATHS (work dir $WORK)"
read -r heap0 fds0 < <(sample)
printf '%8s %12s %8s %10s %8s\n' elapsed requests errors heap_KiB fds
printf '%8s %12s %8s %10s %8s\n' 0 0 0 "$heap0" "$fds0"
elapsed=0; total=0; errors=0
set -- $PATHS
while [ "$elapsed" -lt "$DURATION" ]; do
    path=$1; shift; set -- "$@" "$path"
    out=$(wrk -t1 -c"$CONNECTIONS" -d60s --timeout 10s "http://127.0.0.1:$HTTP$path")
    n=$(echo "$out" | grep -oE '^ *[0-9]+ requests in' | grep -oE '[0-9]+')
    e=$(echo "$out" | grep -oE 'Non-2xx or 3xx responses: [0-9]+|Socket errors: .*' | grep -oE '[0-9]+' | paste -sd+ | bc 2>/dev/null || echo 0)
    total=$((total + n)); errors=$((errors + ${e:-0})); elapsed=$((elapsed + 60))
    read -r heap fds < <(sample)
    printf '%8s %12s %8s %10s %8s\n' "$elapsed" "$total" "$errors" "$heap" "$fds"
done
echo "start: heap ${heap0} KiB, fds ${fds0}; end: heap ${heap} KiB, fds ${fds}; ${total} requests, ${errors} errors"
[ "$errors" = 0 ]
