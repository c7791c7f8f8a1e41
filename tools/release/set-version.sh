#!/usr/bin/env bash
# Sets cgiwire's version everywhere it is written, for a release (X.Y.Z) or to open the next one (X.Y.Z-SNAPSHOT):
#
#   tools/release/set-version.sh NEW_VERSION [extra mvn arguments, e.g. -o -Dmaven.repo.local=/path]
#
# versions:set rewrites every pom of the reactor, the bench profile's modules and the two without a parent
# (spring-boot-starter, samples/spring-boot) included, and moves project.build.outputTimestamp to now, so each release
# has its own reproducible timestamp. Then every other tracked file that names the old version (the README's
# coordinates, scripts) gets the new one; CHANGELOG.md is left to the person cutting the release. It stops if the old
# version is still written anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."

new=${1:?usage: tools/release/set-version.sh NEW_VERSION [mvn arguments]}
shift
if ! [[ $new =~ ^[0-9]+\.[0-9]+\.[0-9]+(-SNAPSHOT)?$ ]]; then
  echo "set-version: $new is not MAJOR.MINOR.PATCH or MAJOR.MINOR.PATCH-SNAPSHOT" >&2
  exit 1
fi
# The root pom's own version: the first <version> after <artifactId>cgiwire-parent</artifactId>.
old=$(sed -n '/<artifactId>cgiwire-parent<\/artifactId>/,/<\/version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)
if [ -z "$old" ] || [ "$old" = "$new" ]; then
  echo "set-version: the version is '$old' already (or could not be read from pom.xml)" >&2
  exit 1
fi

mvn -B -q "$@" org.codehaus.mojo:versions-maven-plugin:2.18.0:set -DnewVersion="$new" -DgenerateBackupPoms=false \
  -DprocessAllModules=true -DupdateBuildOutputTimestampPolicy=always

# The old version V as a whole word: in tomcat-adapter-V.jar, not in 1V, V.1 or V-SNAPSHOT (when V is a release).
export OLD=$old NEW=$new
word='(?<![0-9.])\Q$ENV{OLD}\E(?![0-9]|\.[0-9]|-SNAPSHOT)'
naming() {
  git ls-files -z | xargs -0 perl -0777 -ne "print \"\$ARGV\\n\" if /$word/" | grep -v '^CHANGELOG\.md$' || true
}

for f in $(naming | grep -Ev '(^|/)pom\.xml$'); do
  perl -0777 -pi -e "s/$word/\$ENV{NEW}/g" "$f"
  echo "set-version: $f"
done

left=$(naming)
if [ -n "$left" ]; then
  echo "set-version: $old is still written in:" >&2
  echo "$left" >&2
  exit 1
fi
echo "set-version: $old -> $new; review with git diff, then update CHANGELOG.md"
