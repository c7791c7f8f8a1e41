#!/usr/bin/env bash
# Where the time of one request goes: CPU microseconds per request of the backend JVM and of nginx's worker, for
# nginx → HTTP, FastCGI (TCP and Unix socket, kept connections; TCP with a connection per request, nginx's default
# without fastcgi_keep_conn) and SCGI → the demo, on Jetty and on Tomcat, /hello by default.
# SCGI opens a connection per request, by the protocol, and so does FastCGI without keep-conn: they are also compared
# with nginx → HTTP opening a connection per request (no upstream keepalive), the least the container's own connector
# costs that way.
# Throughput on a shared 2-core machine moves with everything else that runs; CPU per request of each process moves
# much less, and it says which side a difference comes from.
#
#   bench/cpu.sh                      writes bench/results/cpu.md
#   ROUTE=/bytes?n=65536 bench/cpu.sh
#
# Settings (environment): DURATION=5 (seconds per measurement), REPS=3 (rounds, the paths alternating), OUT=cpu.md,
# CONNECTIONS=16, ROUTE=/hello, JVM_OPTS="-Xms512m -Xmx512m", SKIP_BUILD=0, RESULTS=bench/results,
# DEMO_JAR=samples/target/cgiwire-demo.jar (another build's, to compare two trees in turn),
# ASYNC_PROFILER=/path/to/libasyncProfiler.so: after the measured rounds, one more round per path with async-profiler
# attached to the path's JVM (jcmd JVMTI.agent_load; the options are quoted, as jcmd would split them at "="), CPU
# samples every 200 µs, written as collapsed stacks to RESULTS/profile-<path>.collapsed. That round is not in the
# table (the profiler costs CPU of its own); bench/profile_split.py sums the files by category.
# Needs what bench/run.sh needs (wrk, nginx, java, mvn, python3). Everything listens on 127.0.0.1 or a Unix socket in
# a temp folder; everything started is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
DURATION=${DURATION:-5}
REPS=${REPS:-3}
CONNECTIONS=${CONNECTIONS:-16}
ROUTE=${ROUTE:-/hello}
JVM_OPTS=${JVM_OPTS:-"-Xms512m -Xmx512m"}
SKIP_BUILD=${SKIP_BUILD:-0}
RESULTS=${RESULTS:-$HERE/results}
OUT=${OUT:-cpu.md}
DEMO_JAR=${DEMO_JAR:-$ROOT/samples/target/cgiwire-demo.jar}

log() { echo "cpu: $*" >&2; }
for tool in wrk nginx java python3; do command -v "$tool" >/dev/null || { log "missing $tool"; exit 1; }; done
if [ "$SKIP_BUILD" != 1 ]; then
  log "building"
  (cd "$ROOT" && mvn -B -q -DskipTests -Dfuzz.skip=true package)
fi

PIDS=()
WORK=$(mktemp -d /tmp/wirecpu-XXXXXX)
chmod 755 "$WORK"
cleanup() {
  trap - EXIT INT TERM
  [ ${#PIDS[@]} -gt 0 ] && kill -TERM "${PIDS[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cp "$DEMO_JAR" "$WORK/demo.jar"

read -r -a P <<<"$(python3 -c '
import socket
s = [socket.socket() for _ in range(6)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')"
H=127.0.0.1
start_demo() { # name args...
  local name=$1
  shift
  # shellcheck disable=SC2086
  java $JVM_OPTS -jar "$WORK/demo.jar" "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  eval "${name}_PID=$!"
}
start_demo jetty --http $H:${P[0]} --fcgi $H:${P[1]} --fcgi "unix:$WORK/fcgi.sock" --scgi $H:${P[2]}
start_demo tomcat --container tomcat --http $H:${P[3]} --fcgi $H:${P[4]} --fcgi "unix:$WORK/tfcgi.sock" \
  --scgi $H:${P[5]}
for name in jetty tomcat; do
  for _ in $(seq 1 600); do grep -q "cgiwire demo: ready" "$WORK/$name.log" && break; sleep 0.1; done
  grep -q "cgiwire demo: ready" "$WORK/$name.log" || { log "$name demo did not start"; cat "$WORK/$name.log"; exit 1; }
done

mkdir -p "$WORK/nginx/tmp"
# One worker, as in bench/run.sh, so that its CPU time is one process's; the same buffers for every path; one
# server (port) per path. Writes the config and "path port" lines to $WORK/ports.
python3 - "$WORK" "$H" "${P[@]}" <<'PY'
import socket, sys
work, host, p = sys.argv[1], sys.argv[2], sys.argv[3:]
up = lambda name, target: "  upstream %s { server %s; keepalive 64; keepalive_requests 1000000; }" % (name, target)
http = 'proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://%s;'
fcgi = "include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass %s;"
scgi = "include /etc/nginx/scgi_params; scgi_pass %s;"
close = "proxy_pass http://%s;"
fcgiclose = "include /etc/nginx/fastcgi_params; fastcgi_pass %s;"
paths = [
    ("jetty-http", http % "jh"), ("jetty-fcgi", fcgi % "jf"), ("jetty-fcgi-unix", fcgi % "ju"),
    ("jetty-fcgiclose", fcgiclose % ("%s:%s" % (host, p[1]))),
    ("jetty-scgi", scgi % ("%s:%s" % (host, p[2]))), ("jetty-httpclose", close % ("%s:%s" % (host, p[0]))),
    ("tomcat-http", http % "th"), ("tomcat-fcgi", fcgi % "tf"), ("tomcat-fcgi-unix", fcgi % "tu"),
    ("tomcat-fcgiclose", fcgiclose % ("%s:%s" % (host, p[4]))),
    ("tomcat-scgi", scgi % ("%s:%s" % (host, p[5]))), ("tomcat-httpclose", close % ("%s:%s" % (host, p[3]))),
]
socks = []
for _ in paths:
    s = socket.socket(); s.bind((host, 0)); socks.append(s)
ports = [s.getsockname()[1] for s in socks]
for s in socks:
    s.close()
t = work + "/nginx/tmp"
conf = ["worker_processes 1;", "pid %s/nginx/nginx.pid;" % work, "error_log %s/nginx/error.log warn;" % work,
        "events { worker_connections 4096; }", "http {", "  access_log off;", "  keepalive_requests 1000000;",
        "  client_body_temp_path %s/body; proxy_temp_path %s/proxy; fastcgi_temp_path %s/fastcgi;" % (t, t, t),
        "  scgi_temp_path %s/scgi; uwsgi_temp_path %s/uwsgi;" % (t, t),
        "  proxy_buffer_size 16k; proxy_buffers 16 16k; fastcgi_buffer_size 16k; fastcgi_buffers 16 16k;",
        "  scgi_buffer_size 16k; scgi_buffers 16 16k;",
        up("jh", "%s:%s" % (host, p[0])), up("jf", "%s:%s" % (host, p[1])), up("ju", "unix:%s/fcgi.sock" % work),
        up("th", "%s:%s" % (host, p[3])), up("tf", "%s:%s" % (host, p[4])), up("tu", "unix:%s/tfcgi.sock" % work)]
for (name, body), port in zip(paths, ports):
    conf.append("  server { listen %s:%d; location / { %s } }" % (host, port, body))
conf.append("}")
open(work + "/nginx.conf", "w").write("\n".join(conf) + "\n")
open(work + "/ports", "w").write("".join("%s %d\n" % (name, port) for (name, _), port in zip(paths, ports)))
PY
nginx -t -q -c "$WORK/nginx.conf" -p "$WORK/nginx" 2>/dev/null || { nginx -t -c "$WORK/nginx.conf" -p "$WORK/nginx"; exit 1; }
nginx -c "$WORK/nginx.conf" -p "$WORK/nginx"
for _ in $(seq 1 50); do [ -s "$WORK/nginx/nginx.pid" ] && break; sleep 0.1; done
NGINX_MASTER=$(cat "$WORK/nginx/nginx.pid")
PIDS+=("$NGINX_MASTER")
NGINX_WORKER=$(pgrep -P "$NGINX_MASTER" | head -n1)

declare -A PORT JVM
while read -r name port; do
  PORT[$name]=$port
  case $name in jetty-*) JVM[$name]=$jetty_PID ;; tomcat-*) JVM[$name]=$tomcat_PID ;; esac
done <"$WORK/ports"
ORDER=(jetty-http jetty-fcgi jetty-fcgi-unix jetty-fcgiclose jetty-scgi jetty-httpclose tomcat-http tomcat-fcgi
  tomcat-fcgi-unix tomcat-fcgiclose tomcat-scgi tomcat-httpclose)

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
measure() { # path duration -> "requests jvm_ticks nginx_ticks"
  local path=$1 d=$2 pid=${JVM[$1]} j0 n0 out
  j0=$(ticks "$pid"); n0=$(ticks "$NGINX_WORKER")
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${d}s" "http://$H:${PORT[$path]}$ROUTE")
  echo "$(echo "$out" | awk '/requests in/ {print $1}') $(($(ticks "$pid") - j0)) $(($(ticks "$NGINX_WORKER") - n0))"
}

for path in "${ORDER[@]}"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://$H:${PORT[$path]}$ROUTE")
  [ "$code" = 200 ] || { log "$path answers $code"; exit 1; }
  log "warm-up $path"
  measure "$path" 5 >/dev/null
done
RAW=$WORK/raw.tsv
for rep in $(seq 1 "$REPS"); do
  for path in "${ORDER[@]}"; do
    read -r n j k <<<"$(measure "$path" "$DURATION")"
    log "run $rep $path: $n requests, JVM $j ticks, nginx $k ticks"
    printf '%s\t%s\t%s\t%s\n' "$path" "$n" "$j" "$k" >>"$RAW"
  done
done

mkdir -p "$RESULTS"
if [ -n "${ASYNC_PROFILER:-}" ]; then
  for path in "${ORDER[@]}"; do
    jcmd "${JVM[$path]}" JVMTI.agent_load "$ASYNC_PROFILER" '"start,event=cpu,interval=200us"' >/dev/null
    read -r n _ _ <<<"$(measure "$path" "$DURATION")"
    jcmd "${JVM[$path]}" JVMTI.agent_load "$ASYNC_PROFILER" \
      "\"stop,collapsed,file=$RESULTS/profile-$path.collapsed\"" >/dev/null
    echo "# requests $n" >>"$RESULTS/profile-$path.collapsed"
    log "profiled $path: $n requests"
  done
fi
python3 - "$RAW" "$HZ" "$DURATION" "$CONNECTIONS" "$ROUTE" "$(git -C "$ROOT" rev-parse --short HEAD)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" >"$RESULTS/$OUT" <<'PY'
import sys, collections, datetime
raw, hz, duration, conns, route, commit, load = sys.argv[1:]
hz = int(hz)
rows = collections.OrderedDict()
for line in open(raw):
    path, n, j, k = line.split()
    r = rows.setdefault(path, [0, 0, 0, 0])
    r[0] += int(n); r[1] += int(j); r[2] += int(k); r[3] += 1
def us(ticks, n): return ticks * 1e6 / hz / n
label = {
    "jetty-http": "nginx → HTTP (keepalive) → Jetty", "jetty-fcgi": "nginx → FastCGI (TCP) → cgiwire on Jetty",
    "jetty-fcgi-unix": "nginx → FastCGI (Unix socket) → cgiwire on Jetty", "jetty-scgi": "nginx → SCGI → cgiwire on Jetty",
    "jetty-fcgiclose": "nginx → FastCGI (TCP, a connection per request) → cgiwire on Jetty",
    "tomcat-fcgiclose": "nginx → FastCGI (TCP, a connection per request) → cgiwire on Tomcat",
    "tomcat-http": "nginx → HTTP (keepalive) → Tomcat NIO", "tomcat-fcgi": "nginx → FastCGI (TCP) → cgiwire on Tomcat",
    "tomcat-fcgi-unix": "nginx → FastCGI (Unix socket) → cgiwire on Tomcat", "tomcat-scgi": "nginx → SCGI → cgiwire on Tomcat",
    "jetty-httpclose": "nginx → HTTP (a connection per request) → Jetty",
    "tomcat-httpclose": "nginx → HTTP (a connection per request) → Tomcat NIO",
}
print("# CPU per request\n")
print("Run of %s UTC at commit %s by `bench/cpu.sh`: GET %s, wrk -t2 -c%s, %s x %s s per path (paths alternating), "
      "one JVM per container, one nginx worker; load average at the end %s.\n"
      % (datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), commit, route, conns, sum(r[3] for r in rows.values()) // len(rows), duration, load))
print("CPU time of the backend JVM and of nginx's worker during the path's runs, divided by the requests served "
      "(from /proc, %d ticks per second). × is the sum's ratio to the same container's nginx → HTTP row: above 1, "
      "a request costs the machine more than through HTTP. JVM × is the JVM's µs/request against the same HTTP row's "
      "(issue 16's measure); for SCGI and FastCGI without keep-conn also against HTTP with a connection per request (JVM × per-connection HTTP).\n" % hz)
print("| path | req/s | JVM µs/request | nginx µs/request | JVM + nginx | × HTTP | JVM × HTTP | JVM × per-connection HTTP |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
base, jbase, cbase = {}, {}, {}
for path, (n, j, k, reps) in rows.items():
    c = path.split("-")[0]
    if path.endswith("-http"): base[c] = us(j, n) + us(k, n); jbase[c] = us(j, n)
    if path.endswith("-httpclose"): cbase[c] = rows[path][1] * 1e6 / hz / rows[path][0]
for path, (n, j, k, reps) in rows.items():
    c = path.split("-")[0]
    total = us(j, n) + us(k, n)
    b = base.get(c)
    per_conn = "%.2f×" % (us(j, n) / cbase[c]) if path.endswith(("-scgi", "-fcgiclose")) and c in cbase else ""
    print("| %s | %s | %.1f | %.1f | %.1f | %s | %s | %s |" % (label[path], format(round(n / (reps * float(duration))), ","),
          us(j, n), us(k, n), total, "%.2f×" % (total / b) if b else "", "%.2f×" % (us(j, n) / jbase[c]) if c in jbase else "",
          per_conn))
PY
log "wrote $RESULTS/$OUT"
cat "$RESULTS/$OUT"
