#!/usr/bin/env bash
# Captures the exact bytes that the Debian-packaged front servers send to a FastCGI / SCGI backend and writes
# them as test fixtures to connector-core/src/test/resources/captures/raw/ (see the README.md there).
#
# How to rerun (Debian 12, as root; the script itself installs nothing):
#   apt-get update && apt-get install -y nginx apache2 lighttpd curl openssl python3
#   bash tools/capture/capture_all.sh            # from the repository root (or any folder: it finds the repo)
# Then check the fixtures and look at what changed:
#   python3 tools/capture/capture_peer.py check connector-core/src/test/resources/captures/raw
#   git status; git diff --stat
#
# What it does: starts two capture peers (tools/capture/capture_peer.py: one FastCGI, one SCGI, each on a free
# TCP port of 127.0.0.1 and on a Unix socket under $WORK), then nginx, apache2 (httpd) and lighttpd, each with its
# own config generated under $WORK (nothing under /etc is read except nginx's stock fastcgi_params/scgi_params and
# the module files), all listening on free high ports of 127.0.0.1 only; runs the curl requests one at a time;
# stops every process it started, by pid; copies the captures (one .bin of raw bytes and one .txt listing per
# scenario) into the fixture folder, replacing the previous ones, and writes curl-results.tsv and versions.txt.
# Nothing is left running, also on failure (trap). The throwaway TLS key lives in $WORK only, never in the repo.
#
# Knobs (environment): WORK (default /tmp/cgiwire-capture, wiped at start), OUTDIR (the fixture folder),
# PORT_BASE (default 28100: the first port tried; busy ports are skipped).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PEER="$REPO/tools/capture/capture_peer.py"
OUTDIR=${OUTDIR:-$REPO/connector-core/src/test/resources/captures/raw}
WORK=${WORK:-/tmp/cgiwire-capture}
PORT_BASE=${PORT_BASE:-28100}
CLEAN_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C)

for tool in nginx apache2 lighttpd curl openssl python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y nginx apache2 lighttpd curl openssl" >&2; exit 2; }
done

PIDS=()
stop_pid() {  # stop one process we started, by its pid, and wait for it
    local pid=$1
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local i
    for ((i=${#PIDS[@]}-1; i>=0; i--)); do stop_pid "${PIDS[i]}"; done
    PIDS=()
}
trap cleanup EXIT

rm -rf "$WORK"
mkdir -p "$WORK"/{cap-fcgi,cap-scgi,www,nginx/tmp,apache/run,lighttpd/upload,lighttpd/log}
chmod 755 "$WORK" "$WORK/www"
chown -R www-data:www-data "$WORK/nginx/tmp" "$WORK/lighttpd/upload" "$WORK/lighttpd/log"  # lighttpd opens its log after dropping root
LABEL="$WORK/label"
# the peer reads this file when a request starts: replace it whole (rename), never let it see it half written
set_label() { printf '%s\n' "$1" > "$LABEL.tmp" && mv -f "$LABEL.tmp" "$LABEL"; }
set_label none

# --- free ports --------------------------------------------------------------------------------------------------
NEXT_PORT=$PORT_BASE
port_free() { python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; }
alloc() {  # alloc VAR: sets VAR to the next free port
    while ! port_free "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
    printf -v "$1" '%s' "$NEXT_PORT"; NEXT_PORT=$((NEXT_PORT + 1))
}
alloc P_FCGI; alloc P_SCGI
alloc N_FCGI; alloc N_FCGI_STREAM; alloc N_FCGI_KA; alloc N_FCGI_TLS; alloc N_FCGI_UNIX
alloc N_SCGI; alloc N_SCGI_TLS; alloc N_SCGI_UNIX
alloc A_FCGI; alloc A_SCGI
alloc L_FCGI; alloc L_SCGI; alloc L_FCGI_STREAM; alloc L_SCGI_STREAM
FCGI_SOCK="$WORK/fcgi.sock"         # the peers' Unix sockets
SCGI_SOCK="$WORK/scgi.sock"
HTTP_SOCK_FCGI="$WORK/nginx-fcgi.http.sock"  # nginx's own HTTP listeners on Unix sockets (curl --unix-socket)
HTTP_SOCK_SCGI="$WORK/nginx-scgi.http.sock"

wait_port() {  # wait_port PORT PID
    for _ in $(seq 100); do
        kill -0 "$2" 2>/dev/null || { echo "process $2 died before listening on $1" >&2; return 1; }
        if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()' "$1" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "nothing listens on $1" >&2; return 1
}

# --- capture peers -----------------------------------------------------------------------------------------------
python3 "$PEER" serve --proto fcgi --listen "tcp:127.0.0.1:$P_FCGI" --listen "unix:$FCGI_SOCK" \
    --out "$WORK/cap-fcgi" --label-file "$LABEL" > "$WORK/peer-fcgi.log" 2>&1 &
PIDS+=($!); wait_port "$P_FCGI" $!
python3 "$PEER" serve --proto scgi --listen "tcp:127.0.0.1:$P_SCGI" --listen "unix:$SCGI_SOCK" \
    --out "$WORK/cap-scgi" --label-file "$LABEL" > "$WORK/peer-scgi.log" 2>&1 &
PIDS+=($!); wait_port "$P_SCGI" $!

# --- throwaway TLS certificate (never committed) -----------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -keyout "$WORK/tls.key" -out "$WORK/tls.crt" 2>/dev/null

# --- nginx -------------------------------------------------------------------------------------------------------
cat > "$WORK/nginx/nginx.conf" <<EOF
user www-data;
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/tmp/body;
    fastcgi_temp_path $WORK/nginx/tmp/fastcgi;
    scgi_temp_path $WORK/nginx/tmp/scgi;
    proxy_temp_path $WORK/nginx/tmp/proxy;
    uwsgi_temp_path $WORK/nginx/tmp/uwsgi;
    root $WORK/www;

    # one keepalive pool per upstream block: fcgi_ka is used only by the two-requests-on-one-connection case
    upstream fcgi      { server 127.0.0.1:$P_FCGI; keepalive 4; }
    upstream fcgi_ka   { server 127.0.0.1:$P_FCGI; keepalive 4; }
    upstream fcgi_unix { server unix:$FCGI_SOCK;   keepalive 4; }

    server {
        listen 127.0.0.1:$N_FCGI;
        server_name cap-fcgi;
        location / { include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass fcgi; }
    }
    server {
        listen 127.0.0.1:$N_FCGI_STREAM;
        server_name cap-fcgi-stream;
        location / { include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_request_buffering off;
                     fastcgi_pass fcgi; }
    }
    server {
        listen 127.0.0.1:$N_FCGI_KA;
        server_name cap-fcgi-ka;
        location / { include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass fcgi_ka; }
    }
    server {
        listen 127.0.0.1:$N_FCGI_TLS ssl;
        server_name cap-fcgi-tls;
        ssl_certificate $WORK/tls.crt;
        ssl_certificate_key $WORK/tls.key;
        location / { include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass fcgi; }
    }
    server {
        listen 127.0.0.1:$N_FCGI_UNIX;
        server_name cap-fcgi-unix;
        location / { include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass fcgi_unix; }
    }
    server {
        listen unix:$HTTP_SOCK_FCGI;
        server_name cap-fcgi-unix-listen;
        location / { include /etc/nginx/fastcgi_params; fastcgi_keep_conn on; fastcgi_pass fcgi_unix; }
    }
    server {
        listen 127.0.0.1:$N_SCGI;
        server_name cap-scgi;
        location / { include /etc/nginx/scgi_params; scgi_pass 127.0.0.1:$P_SCGI; }
    }
    server {
        listen 127.0.0.1:$N_SCGI_TLS ssl;
        server_name cap-scgi-tls;
        ssl_certificate $WORK/tls.crt;
        ssl_certificate_key $WORK/tls.key;
        location / { include /etc/nginx/scgi_params; scgi_pass 127.0.0.1:$P_SCGI; }
    }
    server {
        listen 127.0.0.1:$N_SCGI_UNIX;
        server_name cap-scgi-unix;
        location / { include /etc/nginx/scgi_params; scgi_pass unix:$SCGI_SOCK; }
    }
    server {
        listen unix:$HTTP_SOCK_SCGI;
        server_name cap-scgi-unix-listen;
        location / { include /etc/nginx/scgi_params; scgi_pass unix:$SCGI_SOCK; }
    }
}
EOF
"${CLEAN_ENV[@]}" nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" > "$WORK/nginx/stdout.log" 2>&1 &
NGINX_PID=$!; PIDS+=($NGINX_PID); wait_port "$N_SCGI_UNIX" $NGINX_PID

# --- Apache httpd --------------------------------------------------------------------------------------------------
M=/usr/lib/apache2/modules
cat > "$WORK/apache/httpd.conf" <<EOF
ServerRoot "$WORK/apache"
DefaultRuntimeDir "$WORK/apache/run"
PidFile "$WORK/apache/run/httpd.pid"
Mutex file:$WORK/apache/run default
ErrorLog "$WORK/apache/error.log"
LogLevel info proxy:debug proxy_fcgi:debug proxy_scgi:debug
LoadModule mpm_event_module $M/mod_mpm_event.so
LoadModule authz_core_module $M/mod_authz_core.so
LoadModule proxy_module $M/mod_proxy.so
LoadModule proxy_fcgi_module $M/mod_proxy_fcgi.so
LoadModule proxy_scgi_module $M/mod_proxy_scgi.so
User www-data
Group www-data
ServerName 127.0.0.1
DocumentRoot "$WORK/www"
# one child process, so that enablereuse=on has one pool to reuse from
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8
MinSpareThreads 1
MaxSpareThreads 8
Listen 127.0.0.1:$A_FCGI
Listen 127.0.0.1:$A_SCGI
<VirtualHost 127.0.0.1:$A_FCGI>
    ProxyPass "/" "fcgi://127.0.0.1:$P_FCGI/" enablereuse=on
</VirtualHost>
<VirtualHost 127.0.0.1:$A_SCGI>
    ProxyPass "/" "scgi://127.0.0.1:$P_SCGI/"
</VirtualHost>
EOF
"${CLEAN_ENV[@]}" apache2 -f "$WORK/apache/httpd.conf" -DFOREGROUND > "$WORK/apache/stdout.log" 2>&1 &
APACHE_PID=$!; PIDS+=($APACHE_PID); wait_port "$A_SCGI" $APACHE_PID

# --- lighttpd ------------------------------------------------------------------------------------------------------
cat > "$WORK/lighttpd/lighttpd.conf" <<EOF
server.modules = ( "mod_fastcgi", "mod_scgi" )
server.document-root = "$WORK/www"
server.bind = "127.0.0.1"
server.port = $L_FCGI
server.errorlog = "$WORK/lighttpd/log/error.log"
server.upload-dirs = ( "$WORK/lighttpd/upload" )
server.username = "www-data"
server.groupname = "www-data"
# the whole site goes to the backend; fix-root-scriptname gives SCRIPT_NAME="" and PATH_INFO=<path>, as in the
# earlier parameter-list captures (without it lighttpd sends SCRIPT_NAME=<path> and no PATH_INFO)
\$SERVER["socket"] == "127.0.0.1:$L_FCGI" {
    fastcgi.server = ( "/" => (( "host" => "127.0.0.1", "port" => $P_FCGI, "check-local" => "disable",
                                 "fix-root-scriptname" => "enable" )) )
}
\$SERVER["socket"] == "127.0.0.1:$L_SCGI" {
    scgi.server = ( "/" => (( "host" => "127.0.0.1", "port" => $P_SCGI, "check-local" => "disable",
                              "fix-root-scriptname" => "enable" )) )
}
# the same with the request body streamed to the backend instead of buffered (default 0 = buffer it all)
\$SERVER["socket"] == "127.0.0.1:$L_FCGI_STREAM" {
    server.stream-request-body = 2
    fastcgi.server = ( "/" => (( "host" => "127.0.0.1", "port" => $P_FCGI, "check-local" => "disable",
                                 "fix-root-scriptname" => "enable" )) )
}
\$SERVER["socket"] == "127.0.0.1:$L_SCGI_STREAM" {
    server.stream-request-body = 2
    scgi.server = ( "/" => (( "host" => "127.0.0.1", "port" => $P_SCGI, "check-local" => "disable",
                              "fix-root-scriptname" => "enable" )) )
}
EOF
"${CLEAN_ENV[@]}" lighttpd -D -f "$WORK/lighttpd/lighttpd.conf" > "$WORK/lighttpd/stdout.log" 2>&1 &
LIGHTTPD_PID=$!; PIDS+=($LIGHTTPD_PID); wait_port "$L_SCGI_STREAM" $LIGHTTPD_PID

# --- request bodies ------------------------------------------------------------------------------------------------
python3 -c 'import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(100000)))' > "$WORK/big.body"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(20000)))' > "$WORK/chunked.body"

# --- the requests ----------------------------------------------------------------------------------------------------
RESULTS="$WORK/curl-results.tsv"
printf 'scenario\thttp_status\tresponse_bytes\tcurl_exit\tcurl_command\n' > "$RESULTS"
run() {  # run LABEL URL [curl args...]: one request, the peer names its capture after LABEL
    local label=$1 url=$2; shift 2
    set_label "$label"
    local code rc=0
    code=$(curl -sS -k --max-time 20 -o "$WORK/response.out" -w '%{http_code}' "$@" "$url") || rc=$?
    local shown
    shown=$(printf ' %q' "$@" "$url" | sed -E "s#://127\.0\.0\.1:[0-9]+#://127.0.0.1:PORT#; s#$WORK#\$WORK#g")
    printf '%s\t%s\t%s\t%s\tcurl%s\n' "$label" "$code" "$(stat -c %s "$WORK/response.out" 2>/dev/null || echo 0)" \
        "$rc" "$shown" >> "$RESULTS"
    rm -f "$WORK/response.out"
}
cases() {  # cases SERVER_PROTO BASE_URL [STREAM_BASE_URL]: the five common scenarios
    local sp=$1 base=$2 stream=${3:-$2}
    run "$sp-get"         "$base/hello?dump=1"
    run "$sp-post"        "$base/echo" --data 'a=1&b=2'
    run "$sp-big-post"    "$base/echo" -H 'Content-Type: application/octet-stream' --data-binary "@$WORK/big.body"
    run "$sp-chunked"     "$stream/echo" -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked' \
        --data-binary "@$WORK/chunked.body"
    run "$sp-dup-headers" "$base/hello?dump=1" -H 'X-A: 1' -H 'X-A: 2' -H 'Cookie: a=1' -H 'Cookie: b=2'
    # a 300-byte header value: FastCGI must use the 4-byte length form for it (values > 127 bytes)
    run "$sp-long-header" "$base/hello?dump=1" -H "X-Long: $LONG_VALUE"
}
LONG_VALUE=$(printf '0123456789%.0s' $(seq 30))

# two requests in a row on one kept-alive nginx FastCGI connection (a fresh pool of its own): a GET, then a POST
run nginx_fastcgi-keepalive.req1 "http://127.0.0.1:$N_FCGI_KA/hello?dump=1"
run nginx_fastcgi-keepalive.req2 "http://127.0.0.1:$N_FCGI_KA/echo" --data 'a=1&b=2'

cases nginx_fastcgi "http://127.0.0.1:$N_FCGI" "http://127.0.0.1:$N_FCGI_STREAM"
# the same chunked upload with nginx's default fastcgi_request_buffering on, for comparison
run nginx_fastcgi-chunked-buffered "http://127.0.0.1:$N_FCGI/echo" -H 'Content-Type: application/octet-stream' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$WORK/chunked.body"
run nginx_fastcgi-https "https://127.0.0.1:$N_FCGI_TLS/hello?dump=1"
run nginx_fastcgi-unix  "http://127.0.0.1:$N_FCGI_UNIX/hello?dump=1"
run nginx_fastcgi-unix-listen "http://localhost/hello?dump=1" --unix-socket "$HTTP_SOCK_FCGI"

cases nginx_scgi "http://127.0.0.1:$N_SCGI"
run nginx_scgi-https "https://127.0.0.1:$N_SCGI_TLS/hello?dump=1"
run nginx_scgi-unix  "http://127.0.0.1:$N_SCGI_UNIX/hello?dump=1"
run nginx_scgi-unix-listen "http://localhost/hello?dump=1" --unix-socket "$HTTP_SOCK_SCGI"

cases apache_fcgi    "http://127.0.0.1:$A_FCGI"
cases apache_scgi    "http://127.0.0.1:$A_SCGI"
cases lighttpd_fcgi  "http://127.0.0.1:$L_FCGI"
cases lighttpd_scgi  "http://127.0.0.1:$L_SCGI"
# lighttpd with server.stream-request-body = 2, and a chunked body that is still arriving when lighttpd calls the
# backend: curl uploads from a pipe (-T -, so chunked) that gives 8192 bytes, pauses 1.5 s, then gives the rest
for sp in lighttpd_fcgi:$L_FCGI_STREAM lighttpd_scgi:$L_SCGI_STREAM; do
    # (|| true: once lighttpd refuses the upload, curl stops reading and the writer gets SIGPIPE)
    { head -c 8192 "$WORK/chunked.body" || true; sleep 1.5; tail -c +8193 "$WORK/chunked.body" || true; } |
        run "${sp%%:*}-chunked-streamed" "http://127.0.0.1:${sp##*:}/echo" -X POST -T - -H 'Expect:' \
            -H 'Content-Type: application/octet-stream'
done
set_label none

# --- versions, then stop everything (front servers first: the peers see their connections close) -----------------
{
    echo "captured: $(date -u +%Y-%m-%d)"
    echo "os: $(. /etc/os-release; echo "$PRETTY_NAME")"
    echo "nginx -v: $(nginx -v 2>&1)"
    echo "apache2 -v: $(apache2 -v | head -1)"
    echo "lighttpd -v: $(lighttpd -v 2>&1 | head -1)"
    echo "curl: $(curl --version | head -1)"
    echo "packages: $(dpkg-query -W -f '${Package}=${Version} ' nginx nginx-common apache2 apache2-bin lighttpd curl)"
} > "$WORK/versions.txt"
cleanup
trap - EXIT

# --- copy the fixtures -------------------------------------------------------------------------------------------------
mkdir -p "$OUTDIR"
find "$OUTDIR" -maxdepth 1 -type f \( -name '*.bin' -o -name '*.txt' -o -name '*.tsv' \) -delete
missing=()
for cap in "$WORK"/cap-fcgi "$WORK"/cap-scgi; do
    for f in "$cap"/*.bin; do
        [ -e "$f" ] || continue
        name=$(basename "$f" .bin)
        case "$name" in none*|request*|*.req1|*.req2) continue ;; esac
        cp "$f" "$OUTDIR/$name.bin"; cp "${f%.bin}.txt" "$OUTDIR/$name.txt"
    done
done
# a scenario that reached the peer only as a connection carrying no request (httpd's SCGI chunked upload: it
# connects, sends nothing and closes) has that connection as its fixture; the peer keeps it under no-request/
for cap in "$WORK"/cap-fcgi "$WORK"/cap-scgi; do
    for f in "$cap"/no-request/*.bin; do
        [ -e "$f" ] || continue
        name=$(basename "$f" .bin)
        case "$name" in none*|request*|*.req1|*.req2) continue ;; esac
        [ -e "$OUTDIR/$name.bin" ] && continue
        cp "$f" "$OUTDIR/$name.bin"; cp "${f%.bin}.txt" "$OUTDIR/$name.txt"
    done
done
# the kept-alive connection that carried both requests, as one .bin
python3 - "$WORK/cap-fcgi" "$OUTDIR" <<'PY'
import shutil, sys
cap, out = sys.argv[1:]
rows = [l.rstrip("\n").split("\t") for l in open(cap + "/index.tsv")]
conns = {r[0]: r[1] for r in rows}
c1, c2 = conns.get("nginx_fastcgi-keepalive.req1"), conns.get("nginx_fastcgi-keepalive.req2")
if not c1 or c1 != c2:
    sys.exit("the two keepalive requests did not share a connection (%s, %s)" % (c1, c2))
on_conn = [r[0] for r in rows if r[1] == c1]
if on_conn != ["nginx_fastcgi-keepalive.req1", "nginx_fastcgi-keepalive.req2"]:
    sys.exit("connection %s carried %s" % (c1, on_conn))
shutil.copy(cap + "/conn/conn-%s.bin" % c1, out + "/nginx_fastcgi-keepalive.bin")
shutil.copy(cap + "/conn/conn-%s.txt" % c1, out + "/nginx_fastcgi-keepalive.txt")
PY
cp "$RESULTS" "$OUTDIR/curl-results.tsv"
cp "$WORK/versions.txt" "$OUTDIR/versions.txt"
# a scenario whose request never reached the peer (e.g. refused by the front server) has no .bin, or an empty one
# when the front server connected and closed without sending anything: say so
tail -n +2 "$RESULTS" | while IFS=$'\t' read -r label code _; do
    case "$label" in *.req1|*.req2) continue ;; esac
    if [ ! -e "$OUTDIR/$label.bin" ]; then echo "no capture for $label (front server answered HTTP $code)"
    elif [ ! -s "$OUTDIR/$label.bin" ]; then echo "$label: the front server opened a connection, sent nothing, closed it (HTTP $code)"
    fi
done
echo "fixtures in $OUTDIR; server logs in $WORK"
python3 "$PEER" check "$OUTDIR"
