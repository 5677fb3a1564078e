#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer) of the parsers of outside input, outside the package build.
#
#   scripts/fuzz.sh [--seconds N] [--runs N] [--build-only] [--merge] [target ...]   (make fuzz FUZZ_SECONDS=N)
#
# Targets (Fuzz/Targets/<target>.swift, most exposed first): mqtt status query snapshot delta header zstd json schema
# bcc.
# swiftc builds swift-log and HollowCore once with `-O -sanitize=fuzzer,address` into .build-fuzz/lib (never part
# of `swift build`/`make test`); each target is its harness plus the parser's own files, linked against them. Each
# target runs N seconds (default 60) or N executions, from its seed corpus Fuzz/Corpus/<target> (committed) plus a
# working corpus .build-fuzz/corpus/<target> (kept between runs). Crashes land in .build-fuzz/crashes/; the script
# prints a table of executions and crashes per target and exits 1 if any target crashed. --merge minimises each
# target's seeds plus working corpus into .build-fuzz/merged/<target> (libFuzzer -merge=1). Fuzzers run at nice 19.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SCRATCH=$ROOT/.build-fuzz
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
RUNS=-1
MERGE=0
ALL_TARGETS=(mqtt status query snapshot delta header zstd json schema bcc)
TARGETS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) SECONDS_PER_TARGET=$2; shift 2 ;;
        --runs) RUNS=$2; shift 2 ;;
        --build-only) RUNS=0; shift ;;
        --merge) MERGE=1; shift ;;
        -h|--help) sed -n 2,13p "$0"; exit 0 ;;
        *) TARGETS+=("$1"); shift ;;
    esac
done
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL_TARGETS[@]}")

# Sources compiled into a target's own module besides the harness: the parsers that live in a library with
# heavier dependencies (MQTT, KeaEdge) are compiled from their files, which need only HollowCore and Foundation.
extra_sources() {
    case "$1" in
        mqtt) echo Sources/HollowMQTT/MQTTError.swift Sources/HollowMQTT/MQTTVersionPayload.swift ;;
        status) echo Sources/HollowMQTT/MQTTError.swift Sources/HollowMQTT/MQTTConsumerStatus.swift ;;
        query) echo Sources/HollowExplorer/QueryParameters.swift ;;
        zstd) ls Sources/HollowZstd/*.swift ;;
        bcc) echo Sources/KeaEdge/BCCReport.swift Sources/KeaEdge/MetricsState.swift Sources/KeaEdge/MetricsState+JSON.swift ;;
        snapshot|delta|header|json|schema) ;;
        *) echo "unknown fuzz target: $1 (known: ${ALL_TARGETS[*]})" >&2; exit 2 ;;
    esac
}

SWIFT=${SWIFT:-swift}
SWIFTC=${SWIFTC:-swiftc}
# The package's Swift settings (Package.swift strictSettings), plus optimisation, coverage guidance and ASan.
SWIFT_FLAGS=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 6
    -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility
    -enable-upcoming-feature InternalImportsByDefault -enable-upcoming-feature NonisolatedNonsendingByDefault)
LIB=$SCRATCH/lib
mkdir -p "$LIB" "$SCRATCH/bin" "$SCRATCH/corpus" "$SCRATCH/crashes" "$SCRATCH/logs"
for target in "${TARGETS[@]}"; do extra_sources "$target" > /dev/null; done

# swift-log and HollowCore, instrumented, as one object each (whole-module); rebuilt when a source is newer.
[ -d .build/checkouts/swift-log/Sources/Logging ] || $SWIFT package resolve > /dev/null
LOG_SOURCES=$(find .build/checkouts/swift-log/Sources/Logging -name '*.swift' | sort)
build_module() {  # name, package name, sources...
    local name=$1 package=$2; shift 2
    if [ -f "$LIB/$name.o" ] && [ -z "$(find "$@" -newer "$LIB/$name.o" -print -quit)" ]; then return 0; fi
    echo "== compiling $name (fuzzer + address sanitizer, -O) into $LIB"
    $SWIFTC "${SWIFT_FLAGS[@]}" -wmo -num-threads 0 -module-name "$name" -package-name "$package" -I "$LIB" -c "$@" \
        -emit-module -emit-module-path "$LIB/$name.swiftmodule" -o "$LIB/$name.o"
}
build_module Logging swift_log $LOG_SOURCES
build_module HollowCore swift_hollow $(find Sources/HollowCore -name '*.swift' | sort)

for target in "${TARGETS[@]}"; do
    exe=$SCRATCH/bin/fuzz-$target
    sources=(Fuzz/Targets/Support.swift "Fuzz/Targets/$target.swift" $(extra_sources "$target"))
    if [ ! -x "$exe" ] || [ -n "$(find "${sources[@]}" "$LIB/HollowCore.o" -newer "$exe" -print -quit)" ]; then
        echo "== linking fuzz-$target"
        $SWIFTC "${SWIFT_FLAGS[@]}" -module-name "Fuzz_$target" -I "$LIB" -I Sources/CZstd \
            "${sources[@]}" "$LIB/HollowCore.o" "$LIB/Logging.o" -lzstd -o "$exe" \
            2> "$SCRATCH/logs/link-$target.log" || { cat "$SCRATCH/logs/link-$target.log" >&2; exit 1; }
    fi
done
[ "$RUNS" = 0 ] && exit 0

export HOLLOW_FUZZ_FIXTURES=$ROOT/Tests/HollowCoreTests/Fixtures/java-hollow
# Fuzzers run at nice 19 (FUZZ_NICE): they take only idle CPU. ASan keeps its checks but records two frames per
# allocation instead of thirty (unwinding each malloc's stack was a quarter of the time) and a smaller quarantine.
NICE=${FUZZ_NICE:-19}
FAST_ASAN=malloc_context_size=2:quarantine_size_mb=64
# The largest input per target: a little above its largest seed (blobs are kept small, see Fuzz/Corpus), so
# mutations do not grow inputs whose cost is their size.
max_len() {
    case "$1" in
        snapshot) echo 40000 ;;
        delta|bcc) echo 12288 ;;
        mqtt|status|query|header|zstd|json|schema) echo 4200 ;;
    esac
}
if [ "$MERGE" = 1 ]; then
    # Minimise: keep the smallest set of seed and working-corpus inputs that covers the same features.
    for target in "${TARGETS[@]}"; do
        merged=$SCRATCH/merged/$target
        rm -rf "$merged"; mkdir -p "$merged"
        ASAN_OPTIONS=${ASAN_OPTIONS:-$FAST_ASAN} nice -n "$NICE" "$SCRATCH/bin/fuzz-$target" -merge=1 \
            -max_len="$(max_len "$target")" "$merged" "Fuzz/Corpus/$target" "$SCRATCH/corpus/$target" \
            > "$SCRATCH/logs/merge-$target.log" 2>&1
        echo "$target: $(ls "$merged" | wc -l) inputs, $(du -sk "$merged" | cut -f1) KiB in $merged"
    done
    exit 0
fi
status=0
summary=()
for target in "${TARGETS[@]}"; do
    corpus=$SCRATCH/corpus/$target
    mkdir -p "$corpus"
    log=$SCRATCH/logs/run-$target.log
    echo "== fuzz-$target: ${SECONDS_PER_TARGET}s, runs $RUNS (log $log)"
    set +e
    ASAN_OPTIONS=${ASAN_OPTIONS:-$FAST_ASAN} nice -n "$NICE" "$SCRATCH/bin/fuzz-$target" "$corpus" "Fuzz/Corpus/$target" \
        -max_total_time="$SECONDS_PER_TARGET" -runs="$RUNS" \
        -max_len="$(max_len "$target")" -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 \
        -artifact_prefix="$SCRATCH/crashes/$target-" > "$log" 2>&1
    rc=$?
    set -e
    execs=$(grep -h 'stat::number_of_executed_units' "$log" | awk '{s += $2} END {print s + 0}')
    crashed=no
    if [ $rc -ne 0 ]; then crashed="yes (exit $rc, see $log)"; status=1; fi
    summary+=("$(printf '%-9s %12s executions  crashed: %s' "$target" "$execs" "$crashed")")
    tail -n 3 "$log"
done
echo
echo "== fuzzing summary (${SECONDS_PER_TARGET}s per target)"
printf '%s\n' "${summary[@]}"
exit $status
