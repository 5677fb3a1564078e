#!/bin/sh
# Java Hollow's generated API on the large-movies fixture, next to Benchmarks/Sources/TypedReadBench.
# Generates the API with Java Hollow's HollowAPIGenerator into a temporary directory (never checked in).
#   HOLLOW_JAVA_CLASSPATH=/path/to/hollow.jar Benchmarks/java/typed-read-bench.sh [FIXTURE_DIR] [RUNS]
set -eu
if [ -z "${HOLLOW_JAVA_CLASSPATH:-}" ]; then
    echo "skipped: set HOLLOW_JAVA_CLASSPATH to Java Hollow's jar (or classes directory)" >&2
    exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
fixture=${1:-$here/../../../shared/fixtures/java-hollow-large/large-movies}
runs=${2:-7}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
javac -nowarn -cp "$HOLLOW_JAVA_CLASSPATH" -d "$work/gen" "$here/GenerateMovieAPI.java"
java -cp "$HOLLOW_JAVA_CLASSPATH:$work/gen" GenerateMovieAPI "$fixture/snapshot-1" "$work/src"
javac -nowarn -cp "$HOLLOW_JAVA_CLASSPATH" -d "$work/classes" $(find "$work/src" -name '*.java') "$here/TypedReadBench.java"
java -cp "$HOLLOW_JAVA_CLASSPATH:$work/classes" TypedReadBench "$fixture" "$runs"
