#!/usr/bin/env bash
# Soak: the real processes for a long time (make soak; not part of make test).
#
#   scripts/soak.sh [--minutes N] [--consumers N] [--keep N] [--split-env VAR=VALUE] [--split-args "ARGS"] [--hollow PATH]
#   (defaults: 30 minutes, 50 consumers, --keep 3)
#
# A private mosquitto (persistence on, loopback, free port), a producer cycle every second (`hollow publish` of a
# 500-record dataset that changes each cycle, announced over MQTT), N `hollow watch` consumers over MQTT, a pin to
# an older version every minute (cleared 20 s later), a graceful broker restart every five minutes, and the store
# cleaned every minute as a producer's cleaner would (`hollow store --clean --keep N`: the newest N snapshots and the
# deltas they reach; --keep 0 never cleans). At the end the producer stops and every consumer must reach the last
# announced version. Reported: consumer error lines outside the broker restarts (a restart window runs from the stop
# until 15 s after the broker is back), producer cycles that failed (expected only during restarts), each
# consumer's RSS (and its anonymous part), threads and open file descriptors after the first minute, at half time and
# at the end, the median RSS of every minute, and how many consumers hold the last version. --split-env and
# --split-args run the second half of the consumers with VAR=VALUE in their environment or ARGS added to `hollow
# watch`, and report both halves (an A/B in one run).
# Exits 1 if a consumer errs outside a restart, dies, or ends on another version. Needs mosquitto, mosquitto_pub and
# python3.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=30
CONSUMERS=50
HOLLOW=""
KEEP=3
SPLIT_ENV=""
SPLIT_ARGS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --minutes) MINUTES=$2; shift 2 ;;
        --consumers) CONSUMERS=$2; shift 2 ;;
        --hollow) HOLLOW=$2; shift 2 ;;
        --keep) KEEP=$2; shift 2 ;;
        --split-env) SPLIT_ENV=$2; shift 2 ;;
        --split-args) SPLIT_ARGS=$2; shift 2 ;;
        -h|--help) sed -n 2,19p "$0"; exit 0 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$MINUTES$CONSUMERS$KEEP" in *[!0-9]*) echo "--minutes, --consumers and --keep take whole numbers" >&2; exit 2 ;; esac
[ "$MINUTES" -ge 2 ] || { echo "--minutes must be at least 2" >&2; exit 2; }
if [ -n "$SPLIT_ENV" ] && ! [[ "$SPLIT_ENV" =~ ^[A-Za-z_][A-Za-z0-9_]*=.*$ ]]; then
    echo "--split-env takes VAR=VALUE, not $SPLIT_ENV" >&2; exit 2
fi
if [ -z "$HOLLOW" ]; then HOLLOW="$(swift build --show-bin-path)/hollow"; fi
[ -x "$HOLLOW" ] || { echo "no hollow binary at $HOLLOW (run swift build first)" >&2; exit 2; }
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
for tool in "$MOSQUITTO" mosquitto_pub python3; do
    command -v "$tool" > /dev/null || { echo "soak needs $tool" >&2; exit 2; }
done

WORK=$(mktemp -d /tmp/hollow-soak-XXXXXX)
STORE=$WORK/store
LOGS=$WORK/logs
mkdir -p "$STORE" "$LOGS" "$WORK/mosquitto"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=mqtt://127.0.0.1:$PORT
NS=soak
cat > "$WORK/mosquitto.conf" <<EOF
listener $PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $WORK/mosquitto/
autosave_interval 5
EOF
cat > "$WORK/schema" <<'EOF'
Metric @PrimaryKey(id) { long id; string name; long value; }
EOF
EVENTS=$WORK/events.log   # "epochMs kind detail" lines: restarts, pins, producer failures
now_ms() { date +%s%3N; }
note() { echo "$(now_ms) $*" >> "$EVENTS"; }

PIDS=()
BROKER_PID=""
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
    [ -n "$BROKER_PID" ] && kill "$BROKER_PID" 2> /dev/null || true
    wait 2> /dev/null || true
}
trap cleanup EXIT

start_broker() {
    "$MOSQUITTO" -c "$WORK/mosquitto.conf" >> "$LOGS/mosquitto.log" 2>&1 &
    BROKER_PID=$!
    for _ in $(seq 100); do
        mosquitto_pub -h 127.0.0.1 -p "$PORT" -t soak/probe -n -q 1 2> /dev/null && return 0
        sleep 0.1
    done
    echo "mosquitto did not come up on port $PORT" >&2
    exit 1
}

write_data() {  # cycle -> $WORK/data.json: 500 records, ten of them changed per cycle
    python3 - "$1" > "$WORK/data.json" <<'EOF'
import json, sys
c = int(sys.argv[1])
for i in range(500):
    print(json.dumps({"id": i, "name": "metric-%d" % i, "value": c if i % 50 == c % 50 else i}))
EOF
}

start_broker
note broker-up "$PORT"
write_data 0
"$HOLLOW" publish --store "$STORE" --namespace "$NS" --schema "$WORK/schema" --type Metric --data "$WORK/data.json" \
    --num-states-between-snapshots 20 --broker "$URL" > "$LOGS/producer.log" 2>&1
for i in $(seq "$CONSUMERS"); do
    extra_env=()
    extra_args=()
    if [ "$i" -gt $((CONSUMERS / 2)) ]; then
        if [ -n "$SPLIT_ENV" ]; then extra_env=("$SPLIT_ENV"); fi
        if [ -n "$SPLIT_ARGS" ]; then read -r -a extra_args <<< "$SPLIT_ARGS"; fi
    fi
    env "${extra_env[@]}" "$HOLLOW" watch --store "$STORE" --namespace "$NS" --broker "$URL" --id "soak-$i" "${extra_args[@]}" \
        > "$LOGS/consumer-$i.jsonl" 2> "$LOGS/consumer-$i.err" &
    PIDS+=($!)
done
note consumers-started "$CONSUMERS"

measure() {  # label -> one "label consumer rss_kb anon_kb threads fds" line per consumer in $WORK/resources
    local i=0
    for pid in "${PIDS[@]}"; do
        i=$((i + 1))
        local status fds
        status=$(awk '/^(VmRSS|RssAnon|Threads):/ {printf "%s ", $2}' "/proc/$pid/status" 2> /dev/null || true)
        fds=$(ls "/proc/$pid/fd" 2> /dev/null | wc -l)
        [ -n "$status" ] || status="dead dead dead "
        echo "$1 $i $status$fds" >> "$WORK/resources"
    done
}

START=$(date +%s)
END=$((START + MINUTES * 60))
cycle=0
next_sample=$((START + 60))
next_clean=$((START + 60))
pin_clear_at=0
next_pin=$((START + 60))
next_restart=$((START + 300))
while [ "$(date +%s)" -lt "$END" ]; do
    t=$(date +%s)
    cycle=$((cycle + 1))
    write_data "$cycle"
    if ! "$HOLLOW" publish --store "$STORE" --namespace "$NS" --schema "$WORK/schema" --type Metric \
        --data "$WORK/data.json" --num-states-between-snapshots 20 --broker "$URL" >> "$LOGS/producer.log" 2>&1; then
        note producer-failed "$cycle"
    fi
    if [ "$t" -ge "$next_sample" ]; then measure "m$(((next_sample - START) / 60))"; next_sample=$((next_sample + 60)); fi
    if [ "$KEEP" -gt 0 ] && [ "$t" -ge "$next_clean" ]; then
        "$HOLLOW" store --store "$STORE" --namespace "$NS" --clean --keep "$KEEP" > /dev/null 2>> "$LOGS/cleaner.log" \
            || note clean-failed "$cycle"
        next_clean=$((next_clean + 60))
    fi
    if [ "$t" -ge "$next_pin" ]; then
        announced=$(cat "$STORE/$NS/announced.version")
        target=$((announced > 5 ? announced - 5 : 1))
        if "$HOLLOW" pin "$target" --store "$STORE" --namespace "$NS" --broker "$URL" --broker-only --reason soak \
            >> "$LOGS/pins.log" 2>&1; then note pin "$target"; else note pin-failed "$target"; fi
        pin_clear_at=$((t + 20))
        next_pin=$((next_pin + 60))
    fi
    if [ "$pin_clear_at" -gt 0 ] && [ "$t" -ge "$pin_clear_at" ]; then
        if mosquitto_pub -h 127.0.0.1 -p "$PORT" -t "hollow/$NS/pin" -r -n -q 1 2>> "$LOGS/pins.log"; then
            note unpin; pin_clear_at=0
        fi
    fi
    if [ "$t" -ge "$next_restart" ]; then
        note broker-stop
        kill -TERM "$BROKER_PID"; wait "$BROKER_PID" 2> /dev/null || true
        sleep 2
        start_broker
        note broker-up "$PORT"
        next_restart=$((next_restart + 300))
    fi
    sleep_for=$((t + 1 - $(date +%s)))
    [ "$sleep_for" -gt 0 ] && sleep "$sleep_for"
done
# Make sure no pin is left, then let every consumer settle on the last version.
mosquitto_pub -h 127.0.0.1 -p "$PORT" -t "hollow/$NS/pin" -r -n -q 1 2>> "$LOGS/pins.log" && note unpin
note producer-stopped "$cycle"
LAST=$(cat "$STORE/$NS/announced.version")
for _ in $(seq 60); do
    behind=0
    for i in $(seq "$CONSUMERS"); do
        v=$(grep '"event":"refresh"' "$LOGS/consumer-$i.jsonl" | tail -n 1 | python3 -c 'import json,sys; l=sys.stdin.read().strip(); print(json.loads(l)["version"] if l else -1)')
        [ "$v" = "$LAST" ] || behind=$((behind + 1))
    done
    [ "$behind" -eq 0 ] && break
    sleep 1
done
measure end
alive=0
for pid in "${PIDS[@]}"; do kill -0 "$pid" 2> /dev/null && alive=$((alive + 1)); done

python3 - "$WORK" "$CONSUMERS" "$LAST" "$alive" "$MINUTES" "$cycle" "$(echo $SPLIT_ENV $SPLIT_ARGS)" <<'EOF'
import json, os, statistics, sys
work, consumers, last, alive, minutes, cycles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6])
split_env = sys.argv[7]
events = [l.split(" ", 2) for l in open(os.path.join(work, "events.log")).read().splitlines()]
windows, stop = [], None
for ms, kind, *rest in events:
    if kind == "broker-stop": stop = int(ms)
    if kind == "broker-up" and stop is not None: windows.append((stop, int(ms) + 15000)); stop = None
restarts = len(windows)
pins = sum(1 for e in events if e[1] == "pin")
producer_failed = [int(e[0]) for e in events if e[1] == "producer-failed"]
producer_failed_outside = [t for t in producer_failed if not any(a <= t <= b for a, b in windows)]
inside = outside = 0
examples, on_last, refreshes = [], 0, 0
for i in range(1, consumers + 1):
    last_version = None
    for line in open(os.path.join(work, "logs", "consumer-%d.jsonl" % i)):
        e = json.loads(line)
        if e["event"] == "refresh":
            refreshes += 1; last_version = e["version"]
        elif e["event"] == "error":
            if any(a <= e["epochMs"] <= b for a, b in windows): inside += 1
            else:
                outside += 1
                if len(examples) < 5: examples.append(e)
    if last_version == last: on_last += 1
samples = {}  # label -> [(consumer, rss, anon, threads, fds)]
for line in open(os.path.join(work, "resources")):
    label, consumer, rss, anon, threads, fds = line.split()
    if rss == "dead": continue
    samples.setdefault(label, []).append((int(consumer), int(rss), int(anon), int(threads), int(fds)))
minutes_sampled = sorted((int(l[1:]) for l in samples if l.startswith("m")))
groups = [("", lambda c: True)]
if split_env:
    groups = [("without %s: " % split_env, lambda c: c <= consumers // 2), ("with %s: " % split_env, lambda c: c > consumers // 2)]
def figures(label, keep):
    rows = [r for r in samples.get(label, []) if keep(r[0])]
    if not rows: return "no consumer alive"
    med = lambda k: statistics.median(r[k] for r in rows)
    return "RSS median %d KiB (min %d, max %d; anonymous median %d KiB), threads median %d, fds median %d (min %d, max %d), %d consumers" % (
        med(1), min(r[1] for r in rows), max(r[1] for r in rows), med(2), med(3), med(4),
        min(r[4] for r in rows), max(r[4] for r in rows), len(rows))
print("soak: %s min, %d producer cycles, %d consumers, %d pins, %d broker restarts" % (minutes, cycles, consumers, pins, restarts))
print("producer cycles failed: %d (%d outside broker restarts); store cleanings failed: %d" % (
    len(producer_failed), len(producer_failed_outside), sum(1 for e in events if e[1] == "clean-failed")))
print("consumer refreshes: %d; consumer errors: %d inside broker restarts, %d outside" % (refreshes, inside, outside))
for e in examples: print("  outside a restart:", json.dumps(e))
half = "m%d" % minutes_sampled[len(minutes_sampled) // 2] if minutes_sampled else "end"
for name, keep in groups:
    print(name + "after 1 min:   " + figures("m1", keep))
    print(name + "at %-10s " % (half[1:] + " min:") + figures(half, keep))
    print(name + "at the end:    " + figures("end", keep))
    series = [statistics.median(r[1] for r in samples["m%d" % m] if keep(r[0])) for m in minutes_sampled
              if any(keep(r[0]) for r in samples["m%d" % m])]
    print(name + "median RSS per minute (KiB): " + " ".join("%d" % v for v in series))
print("consumers alive at the end: %d of %d; on the last version %d: %d of %d" % (alive, consumers, last, on_last, consumers))
ok = outside == 0 and alive == consumers and on_last == consumers
print("soak " + ("passed" if ok else "FAILED") + " (logs in %s)" % work)
sys.exit(0 if ok else 1)
EOF
