#!/usr/bin/env bash
# ThreadSanitizer and AddressSanitizer runs of the producer, consumer (HollowLifecycleTests), MQTT
# (HollowMQTTIntegrationTests) and explorer (HollowExplorerTests) suites (make sanitize; not part of make test).
#
#   scripts/sanitize.sh [thread] [address]        (default: both)
#
# Each sanitizer builds the package and its tests into its own scratch path (.build-tsan, .build-asan): a full
# rebuild, run at nice 19. The suites then run with halt_on_error off, so one run lists every report; the log is
# .build-<san>/sanitize.log and the script prints how many sanitizer reports it holds (exit 1 if any, or if a test
# failed). LeakSanitizer is off: Swift runtime metadata and global caches read as leaks at exit.
# The storm suite (1,000 announcements to 100 consumers) is skipped: at TSan's slowdown it exceeds its 2-minute
# hang guard; the smaller MQTT suites exercise the same code.
# Before the thread run, scripts/sanitize/mutex-check.swift (a correct program whose only shared state is in a
# Mutex) shows whether this toolchain's TSan sees Synchronization.Mutex; see docs/reliability.md for what that means
# for the reports.
set -uo pipefail
cd "$(dirname "$0")/.."
SANITIZERS=("$@")
[ ${#SANITIZERS[@]} -eq 0 ] && SANITIZERS=(thread address)
FILTER='HollowLifecycleTests|HollowMQTTIntegrationTests|HollowExplorerTests'
SWIFT=${SWIFT:-swift}
status=0
for san in "${SANITIZERS[@]}"; do
    case "$san" in
        thread) scratch=.build-tsan; marker='WARNING: ThreadSanitizer' ;;
        address) scratch=.build-asan; marker='ERROR: AddressSanitizer' ;;
        *) echo "unknown sanitizer $san (thread, address)" >&2; exit 2 ;;
    esac
    log=$scratch/sanitize.log
    mkdir -p "$scratch"
    if [ "$san" = thread ]; then
        if swiftc -sanitize=thread -g scripts/sanitize/mutex-check.swift -o "$scratch/mutex-check" 2>"$scratch/mutex-check.log"; then
            n=$("$scratch/mutex-check" 2>&1 | sed -n 's/.*ThreadSanitizer: reported \([0-9]*\) warning.*/\1/p')
            n=${n:-0}
            if [ "$n" -gt 0 ]; then
                echo "== thread: this toolchain's TSan reports $n race(s) in a correct Mutex-only program (mutex-check): reports inside Mutex.withLock bodies are not evidence of a race"
            else
                echo "== thread: mutex-check is clean: this toolchain's TSan sees Mutex"
            fi
        else
            echo "== thread: could not build scripts/sanitize/mutex-check.swift"; cat "$scratch/mutex-check.log"
        fi
    fi
    echo "== $san: building into $scratch (nice 19)"
    if ! nice -n 19 $SWIFT build --build-tests --sanitize="$san" --scratch-path "$scratch" > "$scratch/build.log" 2>&1; then
        tail -n 30 "$scratch/build.log"; echo "== $san: build failed"; status=1; continue
    fi
    echo "== $san: running $FILTER (log $log)"
    TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1" ASAN_OPTIONS="halt_on_error=0 detect_leaks=0" \
        nice -n 10 $SWIFT test --skip-build --sanitize="$san" --scratch-path "$scratch" --filter "$FILTER" --skip StormTests > "$log" 2>&1
    rc=$?
    reports=$(grep -c "$marker" "$log" || true)
    tail -n 3 "$log"
    echo "== $san: test exit $rc, $reports sanitizer reports"
    if [ "$rc" -ne 0 ] || [ "$reports" -ne 0 ]; then status=1; fi
done
exit $status
