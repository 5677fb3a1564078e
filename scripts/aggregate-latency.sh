#!/usr/bin/env bash
# End-to-end latency of central aggregation (docs/metrics.md, "Topologies"): from the end of an interval on an edge
# to a consumer holding a state that contains it. Real processes on loopback: mosquitto, `kea-edge aggregate`,
# `hollow watch`, and `kea-edge simulate` (N edges in one process, each with its own MQTT session, spool and
# in-order delivery: the path of `kea-edge run --send`).
#   scripts/aggregate-latency.sh [EDGES...]          default: 3 50
# Environment: INTERVALS (20 per edge), INTERVAL (seconds, 1), BATCH_DELAY (the aggregator's --batch-delay, 0.5),
# BIN (directory of kea-edge and hollow; default: `swift build --show-bin-path`), SAMPLE (a BCC sample file).
# Needs mosquitto and python3. Not part of `make test` (it runs for INTERVALS x INTERVAL seconds per edge count).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-$(swift build --show-bin-path)}
INTERVALS=${INTERVALS:-20}
INTERVAL=${INTERVAL:-1}
BATCH_DELAY=${BATCH_DELAY:-0.5}
SAMPLE=${SAMPLE:-Tests/KeaEdgeTests/Fixtures/kea-metrics-bcc.txt}
for tool in mosquitto python3; do command -v $tool >/dev/null || { echo "aggregate-latency: $tool not found" >&2; exit 1; }; done
for exe in kea-edge hollow; do [ -x "$BIN/$exe" ] || { echo "aggregate-latency: $BIN/$exe not built (swift build)" >&2; exit 1; }; done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo > /dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; return 1; }

run_one() {
  local edges=$1 dir port pids=()
  dir=$(mktemp -d /tmp/aggregate-latency-XXXXXX)
  port=$(free_port)
  printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 100000\n' "$port" > "$dir/mosquitto.conf"
  mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 & local mosquitto_pid=$!
  wait_port "$port"
  local url="mqtt://127.0.0.1:$port"
  mkdir -p "$dir/store/metrics"
  "$BIN/kea-edge" aggregate --store "$dir/store" --namespace metrics --broker "$url" --batch-delay "$BATCH_DELAY" \
    --window 60 --log-level debug --journal "$dir/aggregate.journal" 2> "$dir/aggregate.log" & pids+=($!)
  "$BIN/hollow" watch --store "$dir/store" --namespace metrics --broker "$url" > "$dir/watch.jsonl" 2> "$dir/watch.log" & pids+=($!)
  # The aggregator's persistent session must exist before the first interval (it is created by its first connect).
  for _ in $(seq 200); do grep -q "kea-edge-aggregate-metrics" "$dir/mosquitto.log" 2>/dev/null && break; sleep 0.05; done
  sleep 1
  "$BIN/kea-edge" simulate "$SAMPLE" --edges "$edges" --intervals "$INTERVALS" --interval "$INTERVAL" \
    --send "$url" --spool "$dir/spool" > "$dir/simulate.txt"
  sleep $((2 + ${BATCH_DELAY%.*}))
  kill -TERM "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
  kill -TERM "$mosquitto_pid"; wait "$mosquitto_pid" 2>/dev/null || true
  python3 - "$dir" "$edges" <<'PY'
import json, re, sys, datetime
d, edges = sys.argv[1], int(sys.argv[2])
def ms(ts):  # 2026-12-03T13:10:00.250Z
    return int(datetime.datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
first_in = {}  # interval key -> version that first held it
for line in open(f"{d}/aggregate.log"):
    if "aggregated state published" not in line: continue
    v = int(re.search(r"hollow\.version=(\d+)", line).group(1))
    m = re.search(r"intervals\.new=(\S*)", line)
    for key in (m.group(1).split(",") if m and m.group(1) else []):
        first_in.setdefault(key, v)
refreshes = []  # (version, epochMs) in order
for line in open(f"{d}/watch.jsonl"):
    e = json.loads(line)
    if e.get("event") == "refresh": refreshes.append((e["version"], e["epochMs"]))
lat, missing = [], 0
for key, v in first_in.items():
    held = [t for (rv, t) in refreshes if rv >= v]
    if not held: missing += 1; continue
    lat.append(held[0] - ms(key.split("@", 1)[1]))
lat.sort()
sent = sum(int(l.split()[5]) for l in open(f"{d}/simulate.txt") if l.startswith("interval "))
def pct(p): return lat[min(len(lat) - 1, int(round(p / 100 * (len(lat) - 1))))]
if not lat: print(f"edges={edges}: no interval reached the consumer (see {d})"); sys.exit(1)
print(f"edges={edges} intervals sent={sent} aggregated={len(first_in)} seen by consumer={len(lat)} (not seen: {missing}) "
      f"cycles={len(set(first_in.values()))} latency ms: median={pct(50)} p99={pct(99)} min={lat[0]} max={lat[-1]}  ({d})")
PY
}
for n in "${@:-3 50}"; do
  for e in $n; do run_one "$e"; done
done
