#!/usr/bin/env bash
# What an idle keep-alive connection costs in heap (issue 16: 10,000 idle FastCGI connections in <= 256 MiB):
# bytes of live heap per idle FastCGI connection and, in the same JVM, per idle HTTP/1.1 keep-alive connection of
# the container's own connector, on Jetty and on Tomcat.
#
#   bench/idle.sh                                  writes bench/results/idle-run.md
#   N=2000 CONTAINERS=jetty SKIP_BUILD=1 bench/idle.sh
#   JVM_OPTS="-Xms256m -Xmx256m" PHASES=fcgi OUT=idle-256m.md bench/idle.sh
#                                                  the issue's target: 10,000 idle FastCGI connections in 256 MiB
#
# For each container: the demo starts with FastCGI and HTTP on 127.0.0.1; a few requests warm both up; then N
# FastCGI connections each complete one request (GET /hello, FCGI_KEEP_CONN) and stay open, idle; the live heap is
# read (jcmd GC.class_histogram, which runs a full GC first) and compared with the live heap before they opened;
# they close, and the same is done with N HTTP/1.1 keep-alive connections. Bytes per connection = (live heap with N
# idle connections - live heap before) / N. The classes that grew most are listed, to say where the bytes are.
# The whole run happens well within Jetty's 30 s and Tomcat's 60 s HTTP idle timeouts; a connection the server
# closed before the measurement fails the run.
#
# Settings (environment): N=10000, N_TOMCAT=$N (the Tomcat demo gets --max-connections N_TOMCAT + 100: Tomcat's
# NIO connectors hold 8192 by default), CONTAINERS="jetty tomcat", PHASES="fcgi http" (which connectors, in that
# order), ROUTE=/hello, JVM_OPTS="-Xms256m -Xmx2g" (room for the measurement even when a connection costs much; the
# live heap is what is reported, not -Xmx), SKIP_BUILD=0, RESULTS=bench/results, OUT=idle-run.md, TOP=8 (classes
# listed per measurement). A JVM that runs out of heap fails the run (-XX:+ExitOnOutOfMemoryError).
# Needs java (jcmd), mvn and python3, and `ulimit -n` above N + a few hundred (raised here up to the hard limit).
# Everything listens on 127.0.0.1; everything started is stopped by its pid on exit.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
N=${N:-10000}
N_TOMCAT=${N_TOMCAT:-$N}
PHASES=${PHASES:-"fcgi http"}
CONTAINERS=${CONTAINERS:-"jetty tomcat"}
ROUTE=${ROUTE:-/hello}
JVM_OPTS=${JVM_OPTS:-"-Xms256m -Xmx2g"}
SKIP_BUILD=${SKIP_BUILD:-0}
RESULTS=${RESULTS:-$HERE/results}
OUT=${OUT:-idle-run.md}
TOP=${TOP:-8}
DEMO_JAR=$ROOT/samples/target/cgiwire-demo.jar

log() { echo "idle: $*" >&2; }
for tool in java jcmd python3; do command -v "$tool" >/dev/null || { log "missing $tool"; exit 1; }; done
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
need=$((N > N_TOMCAT ? N : N_TOMCAT))
case " $CONTAINERS " in *" tomcat "*) ;; *) need=$N ;; esac
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -gt $((need + 200)) ] \
  || { log "ulimit -n is $(ulimit -n), below N + 200"; exit 1; }
if [ "$SKIP_BUILD" != 1 ]; then
  log "building"
  (cd "$ROOT" && mvn -B -q -DskipTests -Dfuzz.skip=true package)
fi

PIDS=()
WORK=$(mktemp -d /tmp/wireidle-XXXXXX)
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

cat >"$WORK/idle.py" <<'PY'
"""Opens N idle connections after one request each, and reads the live heap of the JVM before and with them."""
import socket, struct, subprocess, sys, time

pid, proto, host, port, n, route, top = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), \
    sys.argv[6], int(sys.argv[7])


def histogram():
    """Live bytes by class, after the full GC that GC.class_histogram runs."""
    out = subprocess.run(["jcmd", pid, "GC.class_histogram"], check=True, capture_output=True, text=True).stdout
    classes, total = {}, None
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 4 and f[0].endswith(":") and f[0][:-1].isdigit():
            classes[" ".join(f[3:])] = int(f[2])
        elif f and f[0] == "Total":
            total = int(f[2])
    return total, classes


def record(kind, rid, content):
    pad = -len(content) % 8
    return struct.pack(">BBHHBx", 1, kind, rid, len(content), pad) + content + b"\0" * pad


def pair(name, value):
    name, value = name.encode(), value.encode()
    return bytes([len(name), len(value)]) + name + value


def fcgi_request():
    params = {"REQUEST_METHOD": "GET", "REQUEST_URI": route, "SCRIPT_NAME": route, "QUERY_STRING": "",
              "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_NAME": "localhost",
              "SERVER_PORT": "80", "SERVER_ADDR": "127.0.0.1", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000",
              "HTTP_HOST": "localhost"}
    begin = struct.pack(">HB5x", 1, 1)  # FCGI_RESPONDER, FCGI_KEEP_CONN
    body = b"".join(pair(k, v) for k, v in params.items())
    return record(1, 1, begin) + record(4, 1, body) + record(4, 1, b"") + record(5, 1, b"")


def read_exact(s, count):
    data = b""
    while len(data) < count:
        chunk = s.recv(count - len(data))
        if not chunk:
            raise EOFError("closed by the server")
        data += chunk
    return data


def fcgi_response(s):
    while True:
        _, kind, _, length, pad = struct.unpack(">BBHHBx", read_exact(s, 8))
        read_exact(s, length + pad)
        if kind == 3:  # FCGI_END_REQUEST
            return


def http_response(s):
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError("closed by the server")
        head += chunk
    head, rest = head.split(b"\r\n\r\n", 1)
    length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
    if not length:
        raise ValueError("no Content-Length: " + head.decode(errors="replace"))
    read_exact(s, length[0] - len(rest))


if proto == "fcgi":
    request, response = fcgi_request(), fcgi_response
else:
    request = ("GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n" % route).encode()
    response = http_response


def open_idle(count):
    conns = []
    for start in range(0, count, 100):
        batch = [socket.create_connection((host, port)) for _ in range(min(100, count - start))]
        for s in batch:
            s.sendall(request)
        for s in batch:
            response(s)
        conns += batch
    return conns


for s in open_idle(50):  # warm-up: classes loaded, pools filled
    s.close()
time.sleep(0.5)
before, classes0 = histogram()
started = time.time()
conns = open_idle(n)
opened = time.time() - started
after, classes1 = histogram()
# Still open: a closed one would read as its EOF.
for s in conns:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            raise SystemExit("%s: a connection was closed by the server before the end" % proto)
    except BlockingIOError:
        pass
for s in conns:
    s.close()
growth = sorted(((classes1.get(k, 0) - classes0.get(k, 0), k) for k in set(classes0) | set(classes1)), reverse=True)
print("%s\t%d\t%d\t%d\t%.1f\t%s" % (proto, n, before, after, opened,
      "; ".join("%s %d" % (k, round(b / n)) for b, k in growth[:top])))
PY

run_container() { # name n
  local name=$1 n=$2 fcgi http pid phase port extra=()
  read -r fcgi http <<<"$(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))')"
  [ "$name" = tomcat ] && extra=(--max-connections $((n + 100)))
  # shellcheck disable=SC2086
  java $JVM_OPTS -XX:+ExitOnOutOfMemoryError -jar "$WORK/demo.jar" --container "$name" --fcgi "127.0.0.1:$fcgi" \
    --http "127.0.0.1:$http" "${extra[@]}" >"$WORK/$name.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 600); do grep -q "cgiwire demo: ready" "$WORK/$name.log" && break; sleep 0.1; done
  grep -q "cgiwire demo: ready" "$WORK/$name.log" || { log "$name demo did not start"; cat "$WORK/$name.log"; exit 1; }
  for phase in $PHASES; do
    case $phase in fcgi) port=$fcgi ;; http) port=$http ;; *) log "unknown phase $phase"; exit 1 ;; esac
    log "$name: $n idle $phase connections"
    python3 "$WORK/idle.py" "$pid" "$phase" 127.0.0.1 "$port" "$n" "$ROUTE" "$TOP" >"$WORK/row" \
      || { log "$name $phase failed"; tail -n 20 "$WORK/$name.log"; exit 1; }
    sed "s/^/$name\t/" "$WORK/row" >>"$WORK/raw.tsv"
    sleep 2
  done
  kill -TERM "$pid"
  wait "$pid" 2>/dev/null || true
}

for name in $CONTAINERS; do
  case $name in tomcat) run_container tomcat "$N_TOMCAT" ;; *) run_container "$name" "$N" ;; esac
done

mkdir -p "$RESULTS"
python3 - "$WORK/raw.tsv" "$(git -C "$ROOT" rev-parse --short HEAD)" "$ROUTE" "$JVM_OPTS" >"$RESULTS/$OUT" <<'PY'
import sys, datetime
raw, commit, route, jvm = sys.argv[1:]
rows = [line.rstrip("\n").split("\t") for line in open(raw)]
print("# Idle keep-alive connections\n")
print("Run of %s UTC at commit %s by `bench/idle.sh`: each connection completed one GET %s (FastCGI with "
      "FCGI_KEEP_CONN; HTTP/1.1 keep-alive) and stays idle; live heap from `jcmd GC.class_histogram` (after a full "
      "GC); demo JVM `%s`.\n" % (datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), commit, route, jvm))
print("| container | connector | N | live heap before | with N idle | bytes / idle connection | × HTTP | "
      "10,000 idle, projected |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
per = {}
for name, proto, n, before, after, opened, _ in rows:
    per[(name, proto)] = (int(after) - int(before)) / int(n)
for name, proto, n, before, after, opened, _ in rows:
    b = per[(name, proto)]
    http = per.get((name, "http"))
    print("| %s | %s | %s | %.1f MiB | %.1f MiB | %s | %s | %.1f MiB |" % (
        name, "FastCGI" if proto == "fcgi" else "HTTP/1.1", format(int(n), ","), int(before) / 2**20,
        int(after) / 2**20, format(round(b), ","), "%.2f×" % (b / http) if http and proto != "http" else "",
        (int(before) + 10000 * b) / 2**20))
print("\nWhere the bytes are (growth per connection by class, largest first):\n")
for name, proto, n, before, after, opened, top in rows:
    print("- %s %s: %s" % (name, "FastCGI" if proto == "fcgi" else "HTTP/1.1", top))
PY
log "wrote $RESULTS/$OUT"
cat "$RESULTS/$OUT"
