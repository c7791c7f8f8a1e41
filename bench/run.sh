#!/usr/bin/env bash
# Measures cgiwire against the usual ways of putting Java behind a web server, on this machine, in one run:
# builds, starts nginx, httpd and one JVM per row on loopback (and a Unix socket per container), runs wrk against
# every row and route, and writes bench/results/latest.md (table), latest.svg (chart) and raw/ (every wrk output and log).
#
#   bench/run.sh            the full run (about 25 minutes with the defaults)
#   QUICK=1 bench/run.sh    a smoke run (about 3 minutes), written to bench/results/quick/
#
# Settings (environment):
#   DURATION=10       seconds per measurement                      (QUICK: 2)
#   WARMUP=10         seconds of unrecorded load per row and route  (QUICK: 2)
#   REPS=3            measurements per row and route, the rows alternating between them (QUICK: 1)
#   THREADS=2         wrk threads
#   CONNECTIONS=16    wrk connections; a list ("16 64") measures each
#   ROWS=all          or a list of row ids (see ROW_IDS below)
#   ROUTES="hello bytes64k bytes1m upload"
#   UPLOAD_PATH=/digest   where the 1 MiB upload is POSTed (/echo sends it back too)
#   JVM_OPTS="-Xms512m -Xmx512m"   every JVM's options
#   EE=ee11           the Jetty environment of the Jetty rows (ee10, ee11)
#   SKIP_BUILD=1      use the jars already built
#   DEMO_JAR=...      another build's demo jar (samples/target/cgiwire-demo.jar), to compare two trees in turn
#   MVN_ARGS=-o       extra Maven arguments
#   RESULTS=DIR       where results go
#
# Needs wrk, nginx, apache2 (for the AJP row), haproxy (for its four rows), curl, python3, java and mvn:
#   apt-get install -y wrk nginx apache2 haproxy
# Everything listens on 127.0.0.1 or a Unix socket in a temp folder; everything started is stopped on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
  DURATION=${DURATION:-2} WARMUP=${WARMUP:-2} REPS=${REPS:-1}
  RESULTS=${RESULTS:-$HERE/results/quick}
else
  DURATION=${DURATION:-10} WARMUP=${WARMUP:-10} REPS=${REPS:-3}
  RESULTS=${RESULTS:-$HERE/results}
fi
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
ROWS=${ROWS:-all}
ROUTES=${ROUTES:-"hello bytes64k bytes1m upload"}
UPLOAD_PATH=${UPLOAD_PATH:-/digest}
UPLOAD_BYTES=1048576
JVM_OPTS=${JVM_OPTS:-"-Xms512m -Xmx512m"}
EE=${EE:-ee11}
SKIP_BUILD=${SKIP_BUILD:-0}
MVN_ARGS=${MVN_ARGS:-}
READY_TIMEOUT=${READY_TIMEOUT:-120}

DEMO_JAR=${DEMO_JAR:-$ROOT/samples/target/cgiwire-demo.jar}
JETTY_FCGI_JAR=$ROOT/bench/baselines/target/jetty-fcgi-baseline.jar
TOMCAT_JAR=$ROOT/bench/baselines/target/tomcat-baseline.jar

# The rows, in the order of the table. "front" is what wrk talks to; "base" is the row the ratios divide by.
ROW_IDS=(static jetty-direct jetty-http jetty-ownfcgi jetty-fcgi jetty-fcgi-unix jetty-scgi
         tomcat-http tomcat-ajp tomcat-fcgi tomcat-fcgi-unix tomcat-scgi haproxy-fcgi haproxy-fcgi-mpxs
         tomcat-haproxy-fcgi tomcat-haproxy-fcgi-mpxs)
declare -A LABEL=(
  [static]="nginx static files (ceiling)"
  [jetty-direct]="Jetty HTTP, direct (no nginx)"
  [jetty-http]="nginx → HTTP (keepalive) → Jetty"
  [jetty-ownfcgi]="nginx → FastCGI → Jetty's jetty-fcgi-server 12.1.10"
  [jetty-fcgi]="nginx → FastCGI (TCP, keep-conn) → cgiwire on Jetty"
  [jetty-fcgi-unix]="nginx → FastCGI (Unix socket, keep-conn) → cgiwire on Jetty"
  [jetty-scgi]="nginx → SCGI → cgiwire on Jetty"
  [tomcat-http]="nginx → HTTP (keepalive) → Tomcat NIO"
  [tomcat-ajp]="httpd → AJP → Tomcat"
  [tomcat-fcgi]="nginx → FastCGI (TCP, keep-conn) → cgiwire on Tomcat"
  [tomcat-fcgi-unix]="nginx → FastCGI (Unix socket, keep-conn) → cgiwire on Tomcat"
  [tomcat-scgi]="nginx → SCGI → cgiwire on Tomcat"
  [haproxy-fcgi]="HAProxy → FastCGI (keep-conn, a request at a time per connection) → cgiwire on Jetty"
  [haproxy-fcgi-mpxs]="HAProxy → FastCGI (mpxs-conns, max-reqs 8, http-reuse always) → cgiwire on Jetty"
  [tomcat-haproxy-fcgi]="HAProxy → FastCGI (keep-conn, a request at a time per connection) → cgiwire on Tomcat"
  [tomcat-haproxy-fcgi-mpxs]="HAProxy → FastCGI (mpxs-conns, max-reqs 8, http-reuse always) → cgiwire on Tomcat, multiplexing=true"
)
declare -A CONTAINER=([static]=nginx [jetty-direct]=jetty [jetty-http]=jetty [jetty-ownfcgi]=jetty [jetty-fcgi]=jetty
  [jetty-fcgi-unix]=jetty [jetty-scgi]=jetty [tomcat-http]=tomcat [tomcat-ajp]=tomcat [tomcat-fcgi]=tomcat
  [tomcat-fcgi-unix]=tomcat [tomcat-scgi]=tomcat [haproxy-fcgi]=jetty [haproxy-fcgi-mpxs]=jetty
  [tomcat-haproxy-fcgi]=tomcat [tomcat-haproxy-fcgi-mpxs]=tomcat)
declare -A ROUTE_PATH=([hello]=/hello [bytes64k]="/bytes?n=65536" [bytes1m]="/bytes?n=1048576"
  [upload]=$UPLOAD_PATH)

die() { echo "bench: $*" >&2; exit 1; }
log() { echo "bench: $*" >&2; }

if [ "$ROWS" = all ]; then ROWS="${ROW_IDS[*]}"; fi
for r in $ROWS; do [ -n "${LABEL[$r]+x}" ] || die "unknown row '$r' (rows: ${ROW_IDS[*]})"; done
for r in $ROUTES; do [ -n "${ROUTE_PATH[$r]+x}" ] || die "unknown route '$r' (routes: ${!ROUTE_PATH[*]})"; done
for c in $CONNECTIONS; do
  [[ $c =~ ^[0-9]+$ ]] && [ "$c" -ge "$THREADS" ] || die "CONNECTIONS: '$c' is not a number >= THREADS ($THREADS)"
done
wants() { [[ " $ROWS " == *" $1 "* ]]; }

missing=()
for tool in wrk nginx curl python3 java mvn; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if wants tomcat-ajp && ! command -v apache2 >/dev/null 2>&1 && [ ! -x /usr/sbin/apache2 ]; then missing+=(apache2); fi
if { wants haproxy-fcgi || wants haproxy-fcgi-mpxs || wants tomcat-haproxy-fcgi || wants tomcat-haproxy-fcgi-mpxs; } \
    && ! command -v haproxy >/dev/null 2>&1 \
    && [ ! -x /usr/sbin/haproxy ]; then missing+=(haproxy); fi
if [ ${#missing[@]} -gt 0 ]; then
  die "missing: ${missing[*]}. On Debian: apt-get install -y wrk nginx apache2 curl python3 (Java 17 and Maven 3.8 as for the build)"
fi
APACHE2=$(command -v apache2 || echo /usr/sbin/apache2)

# Everything this run starts: stopped by pid on exit, however the script ends.
PIDS=()
WORK=
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ ${#PIDS[@]} -gt 0 ]; then
    kill -TERM "${PIDS[@]}" 2>/dev/null || true
    for _ in $(seq 1 100); do
      local alive=0
      for pid in "${PIDS[@]}"; do if kill -0 "$pid" 2>/dev/null; then alive=1; fi; done
      [ $alive = 0 ] && break
      sleep 0.1
    done
    for pid in "${PIDS[@]}"; do
      if kill -0 "$pid" 2>/dev/null; then log "pid $pid did not stop: killing it"; kill -KILL "$pid" 2>/dev/null || true; fi
    done
    wait 2>/dev/null || true
  fi
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then rm -rf "$WORK"; fi
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$SKIP_BUILD" != 1 ]; then
  log "building (mvn package, with the bench profile for the baseline servers)"
  (cd "$ROOT" && mvn -B -q $MVN_ARGS -Pbench -DskipTests package)
fi
for jar in "$DEMO_JAR" "$JETTY_FCGI_JAR" "$TOMCAT_JAR"; do
  [ -f "$jar" ] || die "no $jar: run without SKIP_BUILD=1"
done

# How busy the machine is without us: the share of CPU time that was idle over 5 s before anything starts.
cpu_idle_percent() {
  local a b
  read -r -a a < <(grep '^cpu ' /proc/stat)
  sleep 5
  read -r -a b < <(grep '^cpu ' /proc/stat)
  local total=0 k
  for k in 1 2 3 4 5 6 7 8; do total=$((total + b[k] - a[k])); done
  echo $(((b[4] - a[4] + b[5] - a[5]) * 100 / (total > 0 ? total : 1)))
}
IDLE_BEFORE=$(cpu_idle_percent)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
log "CPU idle before starting: $IDLE_BEFORE% (load average $LOAD_START)"

# The machine is shared: the run works on copies of the jars (a rebuild meanwhile changes nothing), under names that
# a broad "pkill -f cgiwire-demo" of someone else's tests does not match.
WORK=$(mktemp -d /tmp/wirebench-XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/jvm-tmp" "$WORK/jars"
cp "$DEMO_JAR" "$WORK/jars/demo.jar"
cp "$JETTY_FCGI_JAR" "$WORK/jars/jetty-fcgi-baseline.jar"
cp "$TOMCAT_JAR" "$WORK/jars/tomcat-baseline.jar"
DEMO_JAR=$WORK/jars/demo.jar
JETTY_FCGI_JAR=$WORK/jars/jetty-fcgi-baseline.jar
TOMCAT_JAR=$WORK/jars/tomcat-baseline.jar
rm -rf "$RESULTS/raw"
mkdir -p "$RESULTS/raw/wrk" "$RESULTS/raw/logs"
MEASUREMENTS=$RESULTS/raw/measurements.tsv
ROWS_TSV=$RESULTS/raw/rows.tsv
printf 'row\troute\tconnections\trep\trequests\tduration_us\tbytes\tp50_us\tp99_us\terrors\n' >"$MEASUREMENTS"
printf 'row\tlabel\tcontainer\tstatus\tnote\n' >"$ROWS_TSV"

# Free loopback ports, all bound at once so that they differ.
free_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}
read -r -a P <<<"$(free_ports $((2 * ${#ROW_IDS[@]})))"
declare -A FRONT_PORT BACKEND_PORT STATUS NOTE BACKEND_PID BACKEND_LOG READY_LINE
i=0
for r in "${ROW_IDS[@]}"; do FRONT_PORT[$r]=${P[$i]}; BACKEND_PORT[$r]=${P[$((i + 1))]}; i=$((i + 2)); done
FRONT_PORT[jetty-direct]=${BACKEND_PORT[jetty-direct]}
FCGI_SOCKET=$WORK/cgiwire-fcgi.sock
TOMCAT_FCGI_SOCKET=$WORK/cgiwire-tomcat-fcgi.sock

max_conns=64
for c in $CONNECTIONS; do [ "$c" -gt $max_conns ] && max_conns=$c; done

# One JVM per row, started alike; Java's temp files go under $WORK.
start_jvm() { # row ready-line jar args...
  local row=$1 ready=$2 jar=$3
  shift 3
  local out=$WORK/logs/$row.log
  # shellcheck disable=SC2086
  java $JVM_OPTS -Djava.io.tmpdir="$WORK/jvm-tmp" -jar "$jar" "$@" >"$out" 2>&1 &
  PIDS+=($!)
  BACKEND_PID[$row]=$!
  BACKEND_LOG[$row]=$out
  READY_LINE[$row]=$ready
}
await_jvm() { # row -> 0 ready, 1 exited, 2 timed out
  local row=$1 pid=${BACKEND_PID[$1]} out=${BACKEND_LOG[$1]}
  for _ in $(seq 1 $((READY_TIMEOUT * 10))); do
    grep -qF "${READY_LINE[$row]}" "$out" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 2
}

log "starting the backends in $WORK"
H=127.0.0.1
wants jetty-direct && start_jvm jetty-direct "cgiwire demo: ready" "$DEMO_JAR" --ee "$EE" \
  --http $H:${BACKEND_PORT[jetty-direct]} --fcgi $H:0 --scgi $H:0
wants jetty-http && start_jvm jetty-http "cgiwire demo: ready" "$DEMO_JAR" --ee "$EE" \
  --http $H:${BACKEND_PORT[jetty-http]} --fcgi $H:0 --scgi $H:0
wants jetty-ownfcgi && start_jvm jetty-ownfcgi "jetty-fcgi baseline: ready" "$JETTY_FCGI_JAR" --ee "$EE" \
  --fcgi $H:${BACKEND_PORT[jetty-ownfcgi]}
wants jetty-fcgi && start_jvm jetty-fcgi "cgiwire demo: ready" "$DEMO_JAR" --ee "$EE" \
  --fcgi $H:${BACKEND_PORT[jetty-fcgi]} --scgi $H:0
wants jetty-fcgi-unix && start_jvm jetty-fcgi-unix "cgiwire demo: ready" "$DEMO_JAR" --ee "$EE" \
  --fcgi "unix:$FCGI_SOCKET" --scgi $H:0
wants jetty-scgi && start_jvm jetty-scgi "cgiwire demo: ready" "$DEMO_JAR" --ee "$EE" \
  --fcgi $H:0 --scgi $H:${BACKEND_PORT[jetty-scgi]}
wants tomcat-http && start_jvm tomcat-http "tomcat baseline: ready" "$TOMCAT_JAR" \
  --http $H:${BACKEND_PORT[tomcat-http]} --work "$WORK/tomcat-http"
wants tomcat-ajp && start_jvm tomcat-ajp "tomcat baseline: ready" "$TOMCAT_JAR" \
  --ajp $H:${BACKEND_PORT[tomcat-ajp]} --work "$WORK/tomcat-ajp"
# cgiwire on Tomcat is the demo's --container tomcat; a demo without it exits, and its rows say so.
wants tomcat-fcgi && start_jvm tomcat-fcgi "cgiwire demo: ready" "$DEMO_JAR" --container tomcat \
  --fcgi $H:${BACKEND_PORT[tomcat-fcgi]} --scgi $H:0
wants tomcat-fcgi-unix && start_jvm tomcat-fcgi-unix "cgiwire demo: ready" "$DEMO_JAR" --container tomcat \
  --fcgi "unix:$TOMCAT_FCGI_SOCKET" --scgi $H:0
wants tomcat-scgi && start_jvm tomcat-scgi "cgiwire demo: ready" "$DEMO_JAR" --container tomcat \
  --fcgi $H:0 --scgi $H:${BACKEND_PORT[tomcat-scgi]}
wants haproxy-fcgi && start_jvm haproxy-fcgi "cgiwire demo: ready" "$DEMO_JAR" --ee "$EE" \
  --fcgi $H:${BACKEND_PORT[haproxy-fcgi]} --scgi $H:0
wants haproxy-fcgi-mpxs && start_jvm haproxy-fcgi-mpxs "cgiwire demo: ready" "$DEMO_JAR" --ee "$EE" \
  --fcgi $H:${BACKEND_PORT[haproxy-fcgi-mpxs]} --scgi $H:0
wants tomcat-haproxy-fcgi && start_jvm tomcat-haproxy-fcgi "cgiwire demo: ready" "$DEMO_JAR" --container tomcat \
  --fcgi $H:${BACKEND_PORT[tomcat-haproxy-fcgi]} --scgi $H:0
wants tomcat-haproxy-fcgi-mpxs && start_jvm tomcat-haproxy-fcgi-mpxs "cgiwire demo: ready" "$DEMO_JAR" \
  --container tomcat --multiplex --fcgi $H:${BACKEND_PORT[tomcat-haproxy-fcgi-mpxs]} --scgi $H:0

for r in $ROWS; do
  [ "$r" = static ] && continue
  if await_jvm "$r"; then
    continue
  else
    case $? in
      1)
        if [[ $r == tomcat-fcgi || $r == tomcat-fcgi-unix || $r == tomcat-scgi ]]; then
          STATUS[$r]="not available"
          NOTE[$r]="the demo has no Tomcat yet: $(grep -m1 'cgiwire demo:' "${BACKEND_LOG[$r]}" || tail -n1 "${BACKEND_LOG[$r]}")"
          log "$r: ${NOTE[$r]}"
        else
          tail -n 30 "${BACKEND_LOG[$r]}" >&2
          die "$r: the backend exited before it was ready (log above)"
        fi
        ;;
      *) die "$r: the backend was not ready after ${READY_TIMEOUT}s (log: ${BACKEND_LOG[$r]})" ;;
    esac
  fi
done

# nginx: one master, one worker (the other core is wrk's), one server block per row, the same settings for all.
NGX=$WORK/nginx
mkdir -p "$NGX/www" "$NGX/tmp"
printf 'Hello from cgiwire\n' >"$NGX/www/hello.txt"
head -c 65536 /dev/urandom >"$NGX/www/bytes-65536"
head -c 1048576 /dev/urandom >"$NGX/www/bytes-1048576"
chmod -R a+rX "$NGX/www"
ROOT_USER=0
if [ "$(id -u)" = 0 ]; then ROOT_USER=1; chown -R www-data:www-data "$NGX/tmp"; fi

upstream() { # name server
  echo "  upstream $1 { server $2; keepalive $max_conns; keepalive_requests 1000000; keepalive_timeout 300s; }"
}
server() { # row location-body [comment]
  wants "$1" || return 0
  [ -z "${STATUS[$1]:-}" ] || return 0
  if [ -n "${3:-}" ]; then echo "  # $3"; fi
  echo "  server { listen $H:${FRONT_PORT[$1]}; location / { $2 } }"
}
FCGI_PASS="include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass"
SCGI_PASS="include /etc/nginx/scgi_params; scgi_pass"
PROXY_PASS="proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_set_header Host \$host; proxy_pass"
{
  if [ $ROOT_USER = 1 ]; then echo "user www-data;"; fi
  cat <<EOF
worker_processes 1;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 1000000;
  keepalive_timeout 300s;
  client_body_temp_path $NGX/tmp/body;
  proxy_temp_path $NGX/tmp/proxy;
  fastcgi_temp_path $NGX/tmp/fastcgi;
  scgi_temp_path $NGX/tmp/scgi;
  uwsgi_temp_path $NGX/tmp/uwsgi;
  # A 1 MiB upload is buffered in memory, then sent upstream, the same way for every row.
  client_max_body_size 8m;
  client_body_buffer_size 2m;
  # Responses: the same buffers for HTTP, FastCGI and SCGI, and no temp files (no disk in the measurement).
  proxy_buffer_size 16k; proxy_buffers 16 16k; proxy_busy_buffers_size 32k; proxy_max_temp_file_size 0;
  fastcgi_buffer_size 16k; fastcgi_buffers 16 16k; fastcgi_busy_buffers_size 32k; fastcgi_max_temp_file_size 0;
  scgi_buffer_size 16k; scgi_buffers 16 16k; scgi_busy_buffers_size 32k; scgi_max_temp_file_size 0;

$(upstream up_jetty_http "$H:${BACKEND_PORT[jetty-http]}")
$(upstream up_jetty_ownfcgi "$H:${BACKEND_PORT[jetty-ownfcgi]}")
$(upstream up_jetty_fcgi "$H:${BACKEND_PORT[jetty-fcgi]}")
$(upstream up_jetty_fcgi_unix "unix:$FCGI_SOCKET")
$(upstream up_tomcat_http "$H:${BACKEND_PORT[tomcat-http]}")
$(upstream up_tomcat_fcgi "$H:${BACKEND_PORT[tomcat-fcgi]}")
$(upstream up_tomcat_fcgi_unix "unix:$TOMCAT_FCGI_SOCKET")

  # The ceiling: files of the same sizes, and an upload nginx reads and discards (return answers without a backend).
  server {
    listen $H:${FRONT_PORT[static]};
    root $NGX/www;
    location = /hello { default_type text/plain; try_files /hello.txt =404; }
    location = /bytes { default_type application/octet-stream; try_files /bytes-\$arg_n =404; }
    location = /digest { return 200 "discarded\n"; }
    location = /echo { return 200 "discarded\n"; }
  }
$(server jetty-http "$PROXY_PASS http://up_jetty_http;")
$(server jetty-ownfcgi "$FCGI_PASS up_jetty_ownfcgi;" \
    "Jetty's FastCGI server takes the path from DOCUMENT_URI (fastcgi_params sends it) and ignores SCRIPT_NAME")
$(server jetty-fcgi "$FCGI_PASS up_jetty_fcgi;")
$(server jetty-fcgi-unix "$FCGI_PASS up_jetty_fcgi_unix;")
$(server jetty-scgi "$SCGI_PASS $H:${BACKEND_PORT[jetty-scgi]};")
$(server tomcat-http "$PROXY_PASS http://up_tomcat_http;")
$(server tomcat-fcgi "$FCGI_PASS up_tomcat_fcgi;")
$(server tomcat-fcgi-unix "$FCGI_PASS up_tomcat_fcgi_unix;")
$(server tomcat-scgi "$SCGI_PASS $H:${BACKEND_PORT[tomcat-scgi]};")
}
EOF
} >"$NGX/nginx.conf"
cp "$NGX/nginx.conf" "$RESULTS/raw/nginx.conf"
nginx -t -q -p "$NGX" -e "$NGX/error.log" -c "$NGX/nginx.conf" || die "nginx rejects $NGX/nginx.conf"
nginx -p "$NGX" -e "$NGX/error.log" -c "$NGX/nginx.conf" -g "daemon off;" >"$WORK/logs/nginx.log" 2>&1 &
PIDS+=($!)
NGINX_PID=$!

# httpd for the AJP row: mpm_event, one process (as nginx has one worker) with a thread per connection.
if wants tomcat-ajp; then
  HTD=$WORK/httpd
  mkdir -p "$HTD/run"
  M=/usr/lib/apache2/modules
  {
    cat <<EOF
ServerRoot "$HTD"
DefaultRuntimeDir "$HTD/run"
PidFile "$HTD/run/httpd.pid"
Mutex file:$HTD/run default
ErrorLog "$HTD/error.log"
LogLevel warn
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule proxy_module $M/mod_proxy.so
LoadModule proxy_ajp_module $M/mod_proxy_ajp.so
ServerName 127.0.0.1
Listen $H:${FRONT_PORT[tomcat-ajp]}
KeepAlive On
MaxKeepAliveRequests 0
KeepAliveTimeout 300
StartServers 1
ServerLimit 1
ThreadLimit $max_conns
ThreadsPerChild $max_conns
MaxRequestWorkers $max_conns
MinSpareThreads 1
MaxSpareThreads $max_conns
ProxyPass "/" "ajp://$H:${BACKEND_PORT[tomcat-ajp]}/"
EOF
    if [ $ROOT_USER = 1 ]; then printf 'User www-data\nGroup www-data\n'; fi
  } >"$HTD/httpd.conf"
  cp "$HTD/httpd.conf" "$RESULTS/raw/httpd.conf"
  "$APACHE2" -t -f "$HTD/httpd.conf" >/dev/null 2>&1 || { "$APACHE2" -t -f "$HTD/httpd.conf"; die "httpd rejects its config"; }
  "$APACHE2" -f "$HTD/httpd.conf" -DFOREGROUND >"$WORK/logs/httpd.log" 2>&1 &
  PIDS+=($!)
  HTTPD_PID=$!
fi

# HAProxy for its two rows: one process, one thread (as nginx has one worker), the rows differing only in
# multiplexing: keep-conn alone (no get-values either: HAProxy takes FCGI_MPXS_CONNS=1 from the answer, and would
# multiplex), a request at a time per connection; or mpxs-conns with max-reqs 8 and http-reuse always, several
# requests of one connection served at once (cgiwire on Jetty).
if wants haproxy-fcgi || wants haproxy-fcgi-mpxs || wants tomcat-haproxy-fcgi || wants tomcat-haproxy-fcgi-mpxs; then
  HAP=$WORK/haproxy
  mkdir -p "$HAP/www"
  {
    cat <<EOF
global
    nbthread 1
    maxconn $((4 * max_conns + 100))
defaults
    mode http
    timeout connect 10s
    timeout client 300s
    timeout server 60s
    http-reuse always
fcgi-app keep
    docroot $HAP/www
    option keep-conn
fcgi-app mpxs
    docroot $HAP/www
    option keep-conn
    option get-values
    option mpxs-conns
    option max-reqs 8
EOF
    for r in haproxy-fcgi haproxy-fcgi-mpxs tomcat-haproxy-fcgi tomcat-haproxy-fcgi-mpxs; do
      wants $r || continue
      app=keep
      [[ $r == *-mpxs ]] && app=mpxs
      printf 'frontend f_%s\n    bind %s:%s\n    default_backend b_%s\n' "$r" "$H" "${FRONT_PORT[$r]}" "$r"
      printf 'backend b_%s\n    use-fcgi-app %s\n    server s1 %s:%s proto fcgi\n' "$r" "$app" "$H" \
        "${BACKEND_PORT[$r]}"
    done
  } >"$HAP/haproxy.cfg"
  cp "$HAP/haproxy.cfg" "$RESULTS/raw/haproxy.cfg"
  haproxy -c -q -f "$HAP/haproxy.cfg" || die "haproxy rejects $HAP/haproxy.cfg"
  haproxy -db -f "$HAP/haproxy.cfg" >"$WORK/logs/haproxy.log" 2>&1 &
  PIDS+=($!)
  HAPROXY_PID=$!
fi

accepts() { python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()' "$1" 2>/dev/null; }
for r in $ROWS; do
  [ -z "${STATUS[$r]:-}" ] || continue
  for _ in $(seq 1 100); do accepts "${FRONT_PORT[$r]}" && break; sleep 0.1; done
  accepts "${FRONT_PORT[$r]}" || die "$r: nothing listens on ${FRONT_PORT[$r]} (see $WORK/logs)"
done

# Each row must answer every route correctly before it is measured: a fast 404 is no result.
check() { # row route
  local row=$1 route=$2 url="http://$H:${FRONT_PORT[$1]}${ROUTE_PATH[$2]}" body=$WORK/check.body got
  case $route in
    upload)
      got=$(head -c $UPLOAD_BYTES /dev/zero | curl -sS -o "$body" -w '%{http_code} %{size_download}' \
        -H 'Content-Type: application/octet-stream' --data-binary @- "$url") || return 1 ;;
    *) got=$(curl -sS -o "$body" -w '%{http_code} %{size_download}' "$url") || return 1 ;;
  esac
  case $route in
    hello) [ "$got" = "200 19" ] ;;
    bytes64k) [ "$got" = "200 65536" ] ;;
    bytes1m) [ "$got" = "200 1048576" ] ;;
    upload)
      if [ "$row" = static ]; then [[ $got == "200 "* ]]
      elif [ "$UPLOAD_PATH" = /echo ]; then [ "$got" = "200 $UPLOAD_BYTES" ]
      else [[ $got == "200 "* ]] && grep -q " $UPLOAD_BYTES\$" "$body"; fi ;;
  esac || { log "$row $route: $url answered '$got': $(head -c 200 "$body")"; return 1; }
}
for r in $ROWS; do
  [ -z "${STATUS[$r]:-}" ] || continue
  for route in $ROUTES; do
    check "$r" "$route" || { STATUS[$r]=failed; NOTE[$r]="wrong answer to $route before measuring"; break; }
  done
done

ACTIVE=()
for r in $ROWS; do [ -z "${STATUS[$r]:-}" ] && ACTIVE+=("$r"); done
[ ${#ACTIVE[@]} -gt 0 ] || die "no row can be measured"

# A row whose servers died mid-run stops being measured, and says so; its earlier figures stay in raw/.
alive() { # row
  local row=$1
  case $row in
    static) kill -0 "$NGINX_PID" 2>/dev/null ;;
    jetty-direct) kill -0 "${BACKEND_PID[$row]}" 2>/dev/null ;;
    tomcat-ajp) kill -0 "$HTTPD_PID" 2>/dev/null && kill -0 "${BACKEND_PID[$row]}" 2>/dev/null ;;
    haproxy-*|tomcat-haproxy-*) kill -0 "$HAPROXY_PID" 2>/dev/null && kill -0 "${BACKEND_PID[$row]}" 2>/dev/null ;;
    *) kill -0 "$NGINX_PID" 2>/dev/null && kill -0 "${BACKEND_PID[$row]}" 2>/dev/null ;;
  esac
}
drop_dead_rows() {
  local kept=() r
  for r in "${ACTIVE[@]}"; do
    if alive "$r"; then
      kept+=("$r")
    else
      STATUS[$r]=failed
      NOTE[$r]="a server of this row exited during the run, at $(date -u +%H:%M:%S) UTC or before (see raw/logs); its figures are left out (raw/ has them)"
      log "$r: ${NOTE[$r]}"
    fi
  done
  ACTIVE=("${kept[@]}")
  [ ${#ACTIVE[@]} -gt 0 ] || die "no row left to measure"
}

run_wrk() { # row route connections seconds output
  local row=$1 route=$2 c=$3 seconds=$4 out=$5
  local -a env=()
  [ "$route" = upload ] && env=(CGIWIRE_UPLOAD_BYTES=$UPLOAD_BYTES)
  env "${env[@]}" wrk -t"$THREADS" -c"$c" -d"${seconds}s" --timeout 10s -s "$HERE/wrk/report.lua" \
    "http://$H:${FRONT_PORT[$row]}${ROUTE_PATH[$route]}" >"$out" 2>&1 || true
}

STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
n_routes=$(wc -w <<<"$ROUTES"); n_conns=$(wc -w <<<"$CONNECTIONS")
log "measuring ${#ACTIVE[@]} rows x $n_routes routes x $n_conns connection counts: ${WARMUP}s warm-up + $REPS x ${DURATION}s each"
for c in $CONNECTIONS; do
  for route in $ROUTES; do
    for r in "${ACTIVE[@]}"; do
      log "warm-up  $route c=$c $r"
      run_wrk "$r" "$route" "$c" "$WARMUP" "$RESULTS/raw/wrk/$r.$route.c$c.warmup.txt"
    done
    drop_dead_rows
    for rep in $(seq 1 "$REPS"); do
      # Alternate the order between repetitions, so that no row always runs first or last.
      order=("${ACTIVE[@]}")
      if [ $((rep % 2)) = 0 ]; then
        order=(); for ((k = ${#ACTIVE[@]} - 1; k >= 0; k--)); do order+=("${ACTIVE[$k]}"); done
      fi
      for r in "${order[@]}"; do
        [ -z "${STATUS[$r]:-}" ] || continue
        out=$RESULTS/raw/wrk/$r.$route.c$c.r$rep.txt
        run_wrk "$r" "$route" "$c" "$DURATION" "$out"
        if ! alive "$r"; then drop_dead_rows; continue; fi
        line=$(grep -m1 '^cgiwire-result ' "$out" || true)
        if [ -z "$line" ]; then
          log "$r $route c=$c run $rep: wrk gave no result (see $out)"
          printf '%s\t%s\t%s\t%s\t0\t0\t0\t0\t0\t-1\n' "$r" "$route" "$c" "$rep" >>"$MEASUREMENTS"
          continue
        fi
        declare -A f=()
        for kv in ${line#cgiwire-result }; do f[${kv%%=*}]=${kv#*=}; done
        errors=$((f[connect] + f[read] + f[write] + f[status] + f[timeout]))
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$route" "$c" "$rep" "${f[requests]}" \
          "${f[duration_us]}" "${f[bytes]}" "${f[p50_us]}" "${f[p99_us]}" "$errors" >>"$MEASUREMENTS"
        log "run $rep  $route c=$c $r: $((f[requests] * 1000000 / f[duration_us])) req/s, p50 ${f[p50_us]} us, p99 ${f[p99_us]} us, errors $errors"
        unset f
      done
    done
  done
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)

for r in "${ROW_IDS[@]}"; do
  if wants "$r"; then status=${STATUS[$r]:-measured}; else status="not selected"; fi
  note=${NOTE[$r]:-}
  # Exceptions a backend logged while it was measured are part of its result.
  if [ "$status" != "not available" ] && [ -n "${BACKEND_LOG[$r]:-}" ] && [ -f "${BACKEND_LOG[$r]}" ]; then
    exceptions=$(grep -c 'Exception' "${BACKEND_LOG[$r]}" || true)
    if [ "$exceptions" -gt 0 ]; then
      first=$(grep -m1 -o '[A-Za-z.]*Exception.*' "${BACKEND_LOG[$r]}" | tr -d '\t' | head -c 160)
      note="${note:+$note; }its server logged $exceptions lines with exceptions, first: $first"
    fi
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$r" "${LABEL[$r]}" "${CONTAINER[$r]}" "$status" "$note" >>"$ROWS_TSV"
done
# Logs go to raw/ whole when small, else their first and last 200 lines: a failing row can log gigabytes.
keep_log() { # source target
  local lines
  [ -f "$1" ] || return 0
  if [ "$(stat -c %s "$1")" -le 1048576 ]; then cp "$1" "$2"; return 0; fi
  lines=$(wc -l <"$1")
  { head -n 200 "$1"; echo "... $((lines - 400)) lines left out ..."; tail -n 200 "$1"; } >"$2"
}
for f in "$WORK"/logs/*.log; do keep_log "$f" "$RESULTS/raw/logs/$(basename "$f")"; done
keep_log "$NGX/error.log" "$RESULTS/raw/logs/nginx-error.log"
if [ -n "${HTD:-}" ]; then keep_log "$HTD/error.log" "$RESULTS/raw/logs/httpd-error.log"; fi

{
  echo "started=$STARTED"
  echo "commit=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "settings=wrk -t$THREADS, connections $CONNECTIONS, ${WARMUP}s warm-up, $REPS x ${DURATION}s per row and route (rows alternating), JVM $JVM_OPTS, Jetty $EE, upload POST $UPLOAD_PATH"
  echo "machine=$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "software=$(java -version 2>&1 | head -n1); $(nginx -v 2>&1); $("$APACHE2" -v 2>/dev/null | head -n1 | sed 's/Server version: //'); $(wrk -v 2>&1 | head -n1 | cut -d' ' -f1-2)"
  echo "load=CPU $IDLE_BEFORE% idle over 5 s before the run (other work on the machine); load average $LOAD_START before, $LOAD_END at the end, which includes this run's own load"
} >"$RESULTS/raw/run.env"

python3 "$HERE/report.py" "$RESULTS"
log "wrote $RESULTS/latest.md, $RESULTS/latest.svg and $RESULTS/raw/"
failed=0
for r in $ROWS; do if [ "${STATUS[$r]:-}" = failed ]; then log "row $r failed: ${NOTE[$r]}"; failed=1; fi; done
exit $failed
