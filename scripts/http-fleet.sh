#!/bin/bash
# A fleet on one machine: N `hollow watch` processes (one MQTT connection each, a private mosquitto) follow one
# announcement of a delta served by a private nginx (docs/scaling.md). Prints announce -> hold p50/p99/max (ms, from
# the moment mosquitto_sub sees the announcement to each consumer's refresh line), requests by kind, bytes served
# and the peak of requests in flight at nginx's millisecond resolution. Usage: scripts/http-fleet.sh N JITTER_MS
# (HOLLOW=path/to/hollow to use another build). Needs nginx, mosquitto, mosquitto-clients, python3.
set -u
N=${1:?usage: scripts/http-fleet.sh CONSUMERS JITTER_MS}; J=${2:?usage: scripts/http-fleet.sh CONSUMERS JITTER_MS}
H=${HOLLOW:-$(cd "$(dirname "$0")/.." && pwd)/.build/debug/hollow}
W=$(mktemp -d /tmp/hollow-fleet-XXXXXX); mkdir -p $W/store $W/out
free() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
MP=$(free); NP=$(free)
mosquitto -p $MP >/dev/null 2>&1 & MPID=$!
cat > $W/nginx.conf <<EOC
daemon off; user root; worker_processes 1; pid $W/nginx.pid; error_log $W/error.log;
events { worker_connections 8192; }
http { default_type application/octet-stream; log_format t '\$msec \$request_time \$status \$body_bytes_sent \$request_uri';
  access_log $W/access.log t; client_body_temp_path $W/cb; proxy_temp_path $W/p; fastcgi_temp_path $W/f; uwsgi_temp_path $W/u; scgi_temp_path $W/s;
  server { listen 127.0.0.1:$NP; root $W/store; location / { } } }
EOC
nginx -p $W -c $W/nginx.conf -e $W/error.log & NGPID=$!
printf 'Reading @PrimaryKey(id) { long id; long value; }\n' > $W/schema.txt
python3 -c "
import sys
for v in (1,2):
  with open('$W/data%d.json'%v,'w') as f:
    for i in range(20000): f.write('{\"id\":%d,\"value\":%d}\n'%(i, i*10+(v if i%100==0 else 0)))
"
sleep 0.5
$H publish --store $W/store --schema $W/schema.txt --type Reading --data $W/data1.json --compress zstd --num-states-between-snapshots 10 --broker mqtt://127.0.0.1:$MP --topic-namespace fleet >/dev/null
PIDS=()
for i in $(seq 1 $N); do
  $H watch --store http://127.0.0.1:$NP --broker mqtt://127.0.0.1:$MP --topic-namespace fleet --id w$i --jitter-ms $J > $W/out/w$i 2>/dev/null &
  PIDS+=($!)
done
for t in $(seq 1 240); do c=$(grep -l '"version":1' $W/out/* 2>/dev/null | wc -l); [ $c -ge $N ] && break; sleep 0.5; done
echo "holding v1: $c"
: > $W/access.log.mark; wc -l < $W/access.log > $W/mark
(mosquitto_sub -p $MP -t hollow/fleet/announced -C 2 >/dev/null; date +%s%3N > $W/announced) &
sleep 0.3
$H publish --store $W/store --schema $W/schema.txt --type Reading --data $W/data2.json --compress zstd --num-states-between-snapshots 10 --broker mqtt://127.0.0.1:$MP --topic-namespace fleet >/dev/null
for t in $(seq 1 240); do c=$(grep -l '"version":2' $W/out/* 2>/dev/null | wc -l); [ $c -ge $N ] && break; sleep 0.25; done
echo "holding v2: $c"
sleep 0.5
python3 - $W $N <<'EOP'
import sys, json, glob
W, N = sys.argv[1], int(sys.argv[2])
ta = int(open(W+'/announced').read())
lat = []
for f in glob.glob(W+'/out/*'):
    for line in open(f):
        e = json.loads(line)
        if e.get('event') == 'refresh' and e.get('version') == 2: lat.append(e['epochMs'] - ta)
lat.sort()
pct = lambda p: lat[min(len(lat)-1, max(0, int(len(lat)*p + 0.999999) - 1))]
mark = int(open(W+'/mark').read())
reqs = [l.split() for l in open(W+'/access.log').read().splitlines()[mark:]]
iv = [(float(r[0]) - float(r[1]), float(r[0])) for r in reqs]
ev = sorted([(s, 1) for s, e in iv] + [(e, -1) for s, e in iv], key=lambda x: (x[0], -x[1]))
cur = peak = 0
for _, d in ev: cur += d; peak = max(peak, cur)
by = {}
for r in reqs:
    k = r[4].split('-')[0] + ' ' + r[2]; by[k] = by.get(k, 0) + 1
print(f"consumers {len(lat)}/{N}: announce->hold ms p50 {pct(0.5)} p99 {pct(0.99)} max {lat[-1]}; requests {len(reqs)} {by}; bytes {sum(int(r[3]) for r in reqs)}; peak concurrent {peak}")
EOP
kill "${PIDS[@]}" 2>/dev/null; sleep 1; kill $MPID $NGPID 2>/dev/null; wait 2>/dev/null
rm -rf "$W"
