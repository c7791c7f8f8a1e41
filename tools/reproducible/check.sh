#!/usr/bin/env bash
# Builds the published modules twice from clean and compares every jar and archive they make, byte for byte.
# Reproducible builds rest on project.build.outputTimestamp (root pom and spring-boot-starter/pom.xml) and on plugins
# that honour it; this check fails, naming each file that differs, the day one of them stops doing so.
#
#   tools/reproducible/check.sh [--after-build] [extra mvn arguments, e.g. -o -Dmaven.repo.local=/path]
#
# --after-build: the jars and archives already in the modules' target/ are the first build (CI's mvn verify of a fresh
# clone has just made them), so only one more clean build runs.
#
# MODULES overrides the module list (comma-separated, as for mvn -pl). By default: the published modules, and cli
# when it exists. Tests and fuzzing are skipped: they build nothing that is published.
set -euo pipefail
cd "$(dirname "$0")/../.."

modules=${MODULES:-connector-core,jetty-adapter,tomcat-adapter,spring-boot-starter}
if [ -z "${MODULES:-}" ] && [ -f cli/pom.xml ]; then
  modules+=,cli
fi

after_build=false
if [ "${1:-}" = --after-build ]; then
  after_build=true
  shift
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

build() {
  local n=$1
  shift
  echo "reproducible: build $n of $modules"
  if ! mvn -B -q "$@" -pl "$modules" -am clean package -DskipTests -Dfuzz.skip > "$out/build-$n.log" 2>&1; then
    cat "$out/build-$n.log"
    echo "reproducible: build $n failed" >&2
    exit 1
  fi
  keep "$n"
}

# Copies the modules' jars and archives to $out/$1.
keep() {
  local n=$1
  mkdir -p "$out/$n"
  local m f
  for m in ${modules//,/ }; do
    for f in "$m"/target/*.jar "$m"/target/*.tar.gz "$m"/target/*.zip; do
      [ -f "$f" ] || continue
      mkdir -p "$out/$n/$m"
      cp "$f" "$out/$n/$m/"
    done
  done
}

if $after_build; then
  echo "reproducible: build 1 is the one already in target/"
  keep 1
else
  build 1 "$@"
fi
build 2 "$@"

# The same list of files, then the same bytes in each.
(cd "$out/1" && find . -type f | sort) > "$out/list-1"
(cd "$out/2" && find . -type f | sort) > "$out/list-2"
if ! diff "$out/list-1" "$out/list-2"; then
  echo "reproducible: FAILED: the two builds made different sets of files (above)" >&2
  exit 1
fi
count=$(wc -l < "$out/list-1")
if [ "$count" -eq 0 ]; then
  echo "reproducible: FAILED: no jar or archive built in $modules" >&2
  exit 1
fi

differ=0
while read -r f; do
  a=$(sha256sum < "$out/1/$f" | cut -d' ' -f1)
  b=$(sha256sum < "$out/2/$f" | cut -d' ' -f1)
  if [ "$a" != "$b" ]; then
    differ=$((differ + 1))
    echo "reproducible: DIFFERS: ${f#./} ($a, then $b)" >&2
    # Which entries differ, when the file is a zip (jars are): names with their CRC and size.
    if unzip -Z1 "$out/1/$f" > /dev/null 2>&1; then
      diff <(unzip -v "$out/1/$f" | sed -n '4,$p') <(unzip -v "$out/2/$f" | sed -n '4,$p') | head -20 >&2 || true
    fi
  fi
done < "$out/list-1"

if [ "$differ" -gt 0 ]; then
  echo "reproducible: FAILED: $differ of $count files differ between two builds of the same sources" >&2
  exit 1
fi
echo "reproducible: OK: $count files, byte for byte the same in two clean builds"
sed 's|^\./|  |' "$out/list-1"
