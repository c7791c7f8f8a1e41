#!/usr/bin/env bash
# The core's JMH suite (benchmarks/, Maven profile bench) with -prof gc and bounded iterations. Writes
# bench/results/jmh.md (the table, with the ratios to the suite's own baselines) and bench/results/jmh/ (JMH's text
# and JSON output).
#
#   bench/jmh.sh            1 fork, 3 x 2 s warm-up, 5 x 2 s measurement per benchmark (about 5 minutes)
#   QUICK=1 bench/jmh.sh    1 x 1 s warm-up, 2 x 1 s measurement (about 1 minute), to bench/results/quick/
#
# Settings (environment): FORKS, WARMUP_ITERATIONS, WARMUP_TIME, ITERATIONS, TIME (JMH's -f -wi -w -i -r),
# JMH_FILTER (a regex of benchmarks to run, default all), SKIP_BUILD=1, MVN_ARGS (e.g. -o), RESULTS=DIR.
# Do not run it beside bench/run.sh: they would measure each other.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
if [ "${QUICK:-0}" = 1 ]; then
  WARMUP_ITERATIONS=${WARMUP_ITERATIONS:-1} WARMUP_TIME=${WARMUP_TIME:-1s}
  ITERATIONS=${ITERATIONS:-2} TIME=${TIME:-1s}
  RESULTS=${RESULTS:-$HERE/results/quick}
else
  WARMUP_ITERATIONS=${WARMUP_ITERATIONS:-3} WARMUP_TIME=${WARMUP_TIME:-2s}
  ITERATIONS=${ITERATIONS:-5} TIME=${TIME:-2s}
  RESULTS=${RESULTS:-$HERE/results}
fi
FORKS=${FORKS:-1}
JMH_FILTER=${JMH_FILTER:-}
MVN_ARGS=${MVN_ARGS:-}

for tool in java mvn python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench: missing: $tool" >&2; exit 1; }
done
if [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "bench: building benchmarks/target/benchmarks.jar" >&2
  (cd "$ROOT" && mvn -B -q $MVN_ARGS -Pbench -pl benchmarks -am -DskipTests package)
fi
JAR=$ROOT/benchmarks/target/benchmarks.jar
[ -f "$JAR" ] || { echo "bench: no $JAR: run without SKIP_BUILD=1" >&2; exit 1; }

OUT=$RESULTS/jmh
mkdir -p "$OUT"
rm -f "$OUT/jmh.json" "$OUT/jmh.txt"
STARTED=$(date -u '+%Y-%m-%d %H:%M UTC')
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# shellcheck disable=SC2086
java -jar "$JAR" -prof gc -f "$FORKS" -wi "$WARMUP_ITERATIONS" -w "$WARMUP_TIME" -i "$ITERATIONS" -r "$TIME" \
  -rf json -rff "$OUT/jmh.json" $JMH_FILTER | tee "$OUT/jmh.txt"
{
  echo "started=$STARTED"
  echo "commit=$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)$(cd "$ROOT" && git diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "settings=$FORKS fork, $WARMUP_ITERATIONS x $WARMUP_TIME warm-up, $ITERATIONS x $TIME measurement, -prof gc"
  echo "machine=$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(java -version 2>&1 | head -n1)"
  echo "load=load average $LOAD_START before, $(cut -d' ' -f1-3 /proc/loadavg) after (1, 5, 15 min)"
} >"$OUT/run.env"
python3 "$HERE/jmh_report.py" "$OUT/jmh.json" "$OUT/run.env" "$RESULTS/jmh.md"
echo "bench: wrote $RESULTS/jmh.md and $OUT/" >&2
