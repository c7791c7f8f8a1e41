#!/usr/bin/env bash
# Captures what HAProxy (fcgi-app) and Caddy (reverse_proxy ... transport fastcgi) send to a FastCGI backend, the
# same way capture_all.sh does for nginx, httpd and lighttpd, and adds the fixtures to
# connector-core/src/test/resources/captures/raw/ as haproxy_fcgi-*.{bin,txt} and caddy_fcgi-*.{bin,txt}, with
# their own curl-results-fronts.tsv and versions-fronts.txt (the other servers' files are left alone).
#
# How to rerun (Debian 12, as root; the script itself installs nothing):
#   apt-get install -y haproxy caddy curl python3
#   bash tools/capture/capture_fronts.sh
#   python3 tools/capture/capture_peer.py check connector-core/src/test/resources/captures/raw
#
# HAProxy runs with the options of samples/configs/haproxy-fcgi.cfg (keep-conn, get-values, no mpxs-conns); one
# frontend with `option http-buffer-request`, one without. Caddy runs with `admin off` and its HOME/XDG folders
# under $WORK. Everything listens on free ports of 127.0.0.1; every process started is stopped by pid (trap).
#
# Knobs (environment): WORK (default /tmp/cgiwire-capture-fronts, wiped at start), OUTDIR, PORT_BASE (28300).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PEER="$REPO/tools/capture/capture_peer.py"
OUTDIR=${OUTDIR:-$REPO/connector-core/src/test/resources/captures/raw}
WORK=${WORK:-/tmp/cgiwire-capture-fronts}
PORT_BASE=${PORT_BASE:-28300}
CLEAN_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C)

for tool in haproxy caddy curl python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y haproxy caddy curl" >&2; exit 2; }
done

PIDS=()
stop_pid() {
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
mkdir -p "$WORK"/{cap-fcgi,www,haproxy,caddy/home,caddy/config,caddy/data}
LABEL="$WORK/label"
# the peer reads this file when a request starts: replace it whole (rename), never let it see it half written
set_label() { printf '%s\n' "$1" > "$LABEL.tmp" && mv -f "$LABEL.tmp" "$LABEL"; }
set_label none

NEXT_PORT=$PORT_BASE
port_free() { python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null; }
alloc() {
    while ! port_free "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
    printf -v "$1" '%s' "$NEXT_PORT"; NEXT_PORT=$((NEXT_PORT + 1))
}
alloc P_FCGI; alloc H_FCGI; alloc H_FCGI_BUF; alloc C_FCGI

wait_port() {
    for _ in $(seq 100); do
        kill -0 "$2" 2>/dev/null || { echo "process $2 died before listening on $1" >&2; return 1; }
        if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()' "$1" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    echo "nothing listens on $1" >&2; return 1
}

python3 "$PEER" serve --proto fcgi --listen "tcp:127.0.0.1:$P_FCGI" --out "$WORK/cap-fcgi" --label-file "$LABEL" \
    > "$WORK/peer-fcgi.log" 2>&1 &
PIDS+=($!); wait_port "$P_FCGI" $!

# --- HAProxy -------------------------------------------------------------------------------------------------------
cat > "$WORK/haproxy/haproxy.cfg" <<EOF
global
    log stderr format short local0 info
defaults
    mode http
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s
fcgi-app cgiwire
    docroot $WORK/www
    option keep-conn
    option get-values
frontend plain
    bind 127.0.0.1:$H_FCGI
    default_backend cgiwire
frontend buffered
    bind 127.0.0.1:$H_FCGI_BUF
    option http-buffer-request
    default_backend cgiwire
backend cgiwire
    use-fcgi-app cgiwire
    server s1 127.0.0.1:$P_FCGI proto fcgi
EOF
"${CLEAN_ENV[@]}" haproxy -db -f "$WORK/haproxy/haproxy.cfg" > "$WORK/haproxy/stdout.log" 2>&1 &
HAPROXY_PID=$!; PIDS+=($HAPROXY_PID); wait_port "$H_FCGI_BUF" $HAPROXY_PID

# --- Caddy ---------------------------------------------------------------------------------------------------------
cat > "$WORK/caddy/Caddyfile" <<EOF
{
    admin off
    auto_https off
}
http://127.0.0.1:$C_FCGI {
    reverse_proxy 127.0.0.1:$P_FCGI {
        transport fastcgi {
            root $WORK/www
        }
    }
}
EOF
"${CLEAN_ENV[@]}" HOME="$WORK/caddy/home" XDG_CONFIG_HOME="$WORK/caddy/config" XDG_DATA_HOME="$WORK/caddy/data" \
    caddy run --config "$WORK/caddy/Caddyfile" --adapter caddyfile > "$WORK/caddy/stdout.log" 2>&1 &
CADDY_PID=$!; PIDS+=($CADDY_PID); wait_port "$C_FCGI" $CADDY_PID

python3 -c 'import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(100000)))' > "$WORK/big.body"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(20000)))' > "$WORK/chunked.body"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(i % 251 for i in range(8000)))' > "$WORK/small-chunked.body"

RESULTS="$WORK/curl-results-fronts.tsv"
printf 'scenario\thttp_status\tresponse_bytes\tcurl_exit\tcurl_command\n' > "$RESULTS"
run() {
    local label=$1 url=$2; shift 2
    set_label "$label"
    local code rc=0
    code=$(curl -sS --max-time 20 -o "$WORK/response.out" -w '%{http_code}' "$@" "$url") || rc=$?
    local shown
    shown=$(printf ' %q' "$@" "$url" | sed -E "s#://127\.0\.0\.1:[0-9]+#://127.0.0.1:PORT#; s#$WORK#\$WORK#g")
    printf '%s\t%s\t%s\t%s\tcurl%s\n' "$label" "$code" "$(stat -c %s "$WORK/response.out" 2>/dev/null || echo 0)" \
        "$rc" "$shown" >> "$RESULTS"
    rm -f "$WORK/response.out"
}
cases() {  # cases SERVER_PROTO BASE_URL
    local sp=$1 base=$2
    run "$sp-get"         "$base/hello?dump=1"
    run "$sp-path"        "$base/dump/a%20b/c%3Fd;p=1?q=1&r=%26"
    run "$sp-post"        "$base/echo" --data 'a=1&b=2'
    run "$sp-big-post"    "$base/echo" -H 'Content-Type: application/octet-stream' --data-binary "@$WORK/big.body"
    run "$sp-chunked"     "$base/echo" -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked' \
        --data-binary "@$WORK/chunked.body"
    run "$sp-dup-headers" "$base/hello?dump=1" -H 'X-A: 1' -H 'X-A: 2' -H 'Cookie: a=1' -H 'Cookie: b=2'
    run "$sp-long-header" "$base/hello?dump=1" -H "X-Long: $LONG_VALUE"
}
LONG_VALUE=$(printf '0123456789%.0s' $(seq 30))

cases haproxy_fcgi "http://127.0.0.1:$H_FCGI"
# the same chunked upload with `option http-buffer-request` (also 400), and a chunked body of 8000 bytes, which
# fits HAProxy's 16 KiB buffer, with and without that option
run haproxy_fcgi-chunked-buffered "http://127.0.0.1:$H_FCGI_BUF/echo" -H 'Content-Type: application/octet-stream' \
    -H 'Transfer-Encoding: chunked' --data-binary "@$WORK/chunked.body"
run haproxy_fcgi-small-chunked "http://127.0.0.1:$H_FCGI/echo" \
    -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked' --data-binary "@$WORK/small-chunked.body"
run haproxy_fcgi-small-chunked-buffered "http://127.0.0.1:$H_FCGI_BUF/echo" \
    -H 'Content-Type: application/octet-stream' -H 'Transfer-Encoding: chunked' --data-binary "@$WORK/small-chunked.body"
cases caddy_fcgi "http://127.0.0.1:$C_FCGI"
set_label none

{
    echo "captured: $(date -u +%Y-%m-%d)"
    echo "os: $(. /etc/os-release; echo "$PRETTY_NAME")"
    echo "haproxy -v: $(haproxy -v | head -1)"
    echo "caddy version: $(caddy version)"
    echo "curl: $(curl --version | head -1)"
    echo "packages: $(dpkg-query -W -f '${Package}=${Version} ' haproxy caddy curl 2>/dev/null)"
} > "$WORK/versions-fronts.txt"
cleanup
trap - EXIT

mkdir -p "$OUTDIR"
find "$OUTDIR" -maxdepth 1 -type f \( -name 'haproxy_*' -o -name 'caddy_*' \) -delete
for f in "$WORK"/cap-fcgi/*.bin; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .bin)
    # HAProxy refused the 20000-byte chunked uploads itself (400): it opened a connection, sent FCGI_GET_VALUES
    # and reset it; no request to keep: the peer writes such a connection under no-request/, which stays in
    # $WORK (curl-results-fronts.tsv has the 400s)
    case "$name" in none*|request*|haproxy_fcgi-chunked|haproxy_fcgi-chunked-buffered) continue ;; esac
    cp "$f" "$OUTDIR/$name.bin"; cp "${f%.bin}.txt" "$OUTDIR/$name.txt"
done
cp "$RESULTS" "$OUTDIR/curl-results-fronts.tsv"
cp "$WORK/versions-fronts.txt" "$OUTDIR/versions-fronts.txt"
tail -n +2 "$RESULTS" | while IFS=$'\t' read -r label code _; do
    if [ ! -e "$OUTDIR/$label.bin" ]; then echo "no capture for $label (front server answered HTTP $code)"
    elif [ ! -s "$OUTDIR/$label.bin" ]; then echo "$label: the front server opened a connection, sent nothing, closed it (HTTP $code)"
    fi
done
echo "fixtures in $OUTDIR; server logs in $WORK"
python3 "$PEER" check "$OUTDIR"
