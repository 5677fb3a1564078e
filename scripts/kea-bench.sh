#!/usr/bin/env bash
# kea-edge benchmark: Kea's throughput and request latency under perfdhcp with no collector, with the tc
# collector and with the uprobe collector; BPF time per packet (kernel.bpf_stats_enabled=1).
#   scripts/kea-bench.sh [-6] [REPEATS=3] [SECONDS=5]   (KEA_BENCH_RATE: the saturating perfdhcp rate, default 8000)
# -6: kea-dhcp6 and perfdhcp -6 (SOLICIT-ADVERTISE-REQUEST-REPLY) instead of kea-dhcp4 and perfdhcp -4; modes
# "none" and "tc" only (the uprobes hook kea-dhcp4's Pkt4 symbols; there are no kea-dhcp6 uprobes yet).
# Needs root, kea-dhcp4 (kea-dhcp6), perfdhcp; builds the BPF object; uses $KEA_EDGE (default: the newest built kea-edge).
# Prints one line per run and the medians. Each run gets a freshly started Kea (empty lease database); the
# modes are interleaved round by round so that drifting background load hits them alike.
# Figures: throughput = perfdhcp's 4-way exchanges/s at a saturating rate (-r $KEA_BENCH_RATE; at 3000 a quiet
# 2-CPU machine kept up in every mode, so the figure was the rate, not Kea's capacity); Kea CPU = Kea's
# user+system CPU time per completed exchange in that run (uprobe traps are charged to Kea); latency =
# perfdhcp's average DISCOVER-OFFER / REQUEST-ACK delay at a moderate rate (-r 200); BPF ns = run_time_ns /
# run_cnt of kea-edge's programs (kernel.bpf_stats_enabled=1; per packet for tc, per probe hit for uprobe).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
family=4
if [ "${1:-}" = "-6" ]; then family=6; shift; fi
repeats=${1:-3}; secs=${2:-5}; rate=${KEA_BENCH_RATE:-8000}
# Per family: Kea's files in the lab ($base.pid, $base.sock), perfdhcp's exchange names, the completed-exchange
# statistic, and the modes.
if [ "$family" = 6 ]; then
  base=kea6; ex1=SOLICIT-ADVERTISE; ex2=REQUEST-REPLY; done_stat=pkt6-reply-sent; modes="none tc"
else
  base=kea; ex1=DISCOVER-OFFER; ex2=REQUEST-ACK; done_stat=pkt4-ack-sent; modes="none tc uprobe"
fi
"$root/scripts/kea-build-bpf.sh" >/dev/null
obj=$root/.build-bpf/dhcp_tc.bpf.o
bin=${KEA_EDGE:-$( (ls -t "$root"/.build*/{release,debug}/kea-edge 2>/dev/null || true) | head -1)}
[ -x "$bin" ] || { echo "kea-bench: no kea-edge binary (swift build --product kea-edge, or set KEA_EDGE)"; exit 1; }
name="kb$$"; dir=/tmp/kea-bench-$name
lab=$root/scripts/kea-lab.sh
old_stats=$(sysctl -n kernel.bpf_stats_enabled)
edge_pid=""
cleanup() {
  [ -n "$edge_pid" ] && kill -TERM "$edge_pid" 2>/dev/null && wait "$edge_pid" 2>/dev/null || true
  sysctl -qw kernel.bpf_stats_enabled="$old_stats" || true
  "$lab" down "$name" "$dir" || true
  [ -n "${KEA_BENCH_KEEP:-}" ] || rm -rf "$dir"
}
trap cleanup EXIT
"$lab" up "$name" "$dir" >/dev/null
restart_kea() {  # a fresh Kea of the family (empty lease database); in -6 runs kea-dhcp4 is stopped
  if [ "$family" = 6 ]; then "$lab" kea-stop "$name" "$dir"; "$lab" kea6-stop "$name" "$dir"; "$lab" kea6-start "$name" "$dir"
  else "$lab" kea-restart "$name" "$dir"; fi
}
echo "kea-bench: DHCPv$family, kea-edge=$bin, $repeats repeats x ${secs}s per load, saturating rate $rate/s, Kea $(kea-dhcp$family -v), kernel $(uname -r), $(nproc) CPUs"

start_edge() {  # mode
  rm -f "$dir/states.jsonl"
  KEA_EDGE_BPF_DIR="$root/.build-bpf" ip netns exec "$name-s" "$bin" run --interface "$name-sv" --kea-socket "$dir/$base.sock" --mode "$1" \
    --json-lines "$dir/states.jsonl" --interval 1 --source bench 2>"$dir/edge-$1.log" &
  edge_pid=$!
  for _ in $(seq 1 100); do [ -s "$dir/states.jsonl" ] && return 0; sleep 0.1; done
  echo "kea-bench: kea-edge ($1) did not start:"; cat "$dir/edge-$1.log"; exit 1
}
stop_edge() {
  [ -n "$edge_pid" ] || return 0
  kill -TERM "$edge_pid"; wait "$edge_pid" || true; edge_pid=""
}
perf() {  # rate -> "rate avg_first_ms avg_second_ms" (DISCOVER-OFFER, REQUEST-ACK; -6: SOLICIT-ADVERTISE, REQUEST-REPLY)
  "$lab" "$([ "$family" = 6 ] && echo perf6 || echo perf)" "$name" -r "$1" -p "$secs" -R 1000000 2>&1 | awk -v e1="$ex1" -v e2="$ex2" '
    /^Rate:/ {rate=$2}
    index($0, "Statistics for: " e1 "*") {ex="do"} index($0, "Statistics for: " e2 "*") {ex="ra"}
    /^avg delay:/ {d[ex]=$3}
    END {printf "%s %s %s\n", rate, d["do"], d["ra"]}'
}
median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "-"; else print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
kea_cpu_ticks() {  # user+system clock ticks of the running kea-dhcp4 (kea-dhcp6)
  awk '{print $14+$15}' "/proc/$(cat "$dir/$base.pid")/stat"
}
kea_acks() {  # completed exchanges: ACKs (REPLYs) sent
  echo '{"command":"statistic-get","arguments":{"name":"'"$done_stat"'"}}' | socat - "UNIX-CONNECT:$dir/$base.sock" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["arguments"]["'"$done_stat"'"][0][0])'
}
hz=$(getconf CLK_TCK)

results=$dir/results.txt; : > "$results"
for r in $(seq 1 "$repeats"); do
  for mode in $modes; do
    restart_kea >/dev/null
    if [ "$mode" != none ]; then sysctl -qw kernel.bpf_stats_enabled=1; start_edge "$mode"; sleep 1; fi
    t0=$(kea_cpu_ticks)
    read -r tput _ _ < <(perf "$rate")         # saturating load: achieved exchanges/s
    t1=$(kea_cpu_ticks); acks=$(kea_acks)
    cpu_us=$(awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$acks" 'BEGIN {printf "%.1f", n ? t / hz * 1e6 / n : 0}')
    restart_kea >/dev/null
    if [ "$mode" = uprobe ]; then stop_edge; start_edge uprobe; sleep 1; fi   # follow the new Kea PID at once
    read -r _ do_ms ra_ms < <(perf 200)         # moderate load: request latency
    sleep 1.5
    bpf_ns=-
    if [ "$mode" != none ]; then
      bpf_ns=$(python3 -c "
import json
t=c=0
for l in open('$dir/states.jsonl'):
    a=json.loads(l)['aggregates']; t+=a.get('${mode}_bpf_run_ns',0); c+=a.get('${mode}_bpf_run_count',0)
print(round(t/c) if c else '-')")
      sysctl -qw kernel.bpf_stats_enabled=0
    fi
    stop_edge
    echo "$mode run $r: throughput ${tput} exchanges/s, Kea CPU ${cpu_us} us/exchange, avg $ex1 ${do_ms} ms, avg $ex2 ${ra_ms} ms, BPF ns per run ${bpf_ns}" | tee -a "$results"
    echo "$mode $tput $do_ms $ra_ms $bpf_ns $cpu_us" >> "$dir/raw.txt"
  done
done
bench=${HOLLOW_BENCH:-$( (ls -t "$root"/Benchmarks/.build*/{release,debug}/hollow-bench 2>/dev/null || true) | head -1)}
if [ -x "$bench" ]; then
  echo "tc program alone, BPF_PROG_TEST_RUN:"; "$bench" kea-bpf --bpf-object "$obj" | sed 's/^/  /'
else
  echo "tc program alone: skipped (no hollow-bench: swift build --package-path Benchmarks -c release --product hollow-bench, or set HOLLOW_BENCH)"
fi
echo "medians:"
for mode in $modes; do
  t=$(awk -v m=$mode '$1==m {print $2}' "$dir/raw.txt" | median)
  d=$(awk -v m=$mode '$1==m {print $3}' "$dir/raw.txt" | median)
  a=$(awk -v m=$mode '$1==m {print $4}' "$dir/raw.txt" | median)
  n=$(awk -v m=$mode '$1==m && $5!="-" {print $5}' "$dir/raw.txt" | median)
  c=$(awk -v m=$mode '$1==m {print $6}' "$dir/raw.txt" | median)
  printf "  %-7s throughput %8s exchanges/s   Kea CPU %6s us/exchange   avg %s %6s ms   avg %s %6s ms   BPF ns per run %s\n" "$mode" "$t" "$c" "$ex1" "$d" "$ex2" "$a" "$n"
done
