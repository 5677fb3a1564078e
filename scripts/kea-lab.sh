#!/usr/bin/env bash
# A throw-away Kea lab: two network namespaces joined by a veth pair, kea-dhcp4 (and kea-dhcp6) in the server one.
#   scripts/kea-lab.sh up NAME DIR      create namespaces NAME-s / NAME-c, veth NAME-sv (198.18.0.1/16 and
#                                       2001:db8:1::1/64, server) and NAME-cv (198.18.0.2/16, 2001:db8:1::2/64,
#                                       client; no IPv6 duplicate address detection), write DIR/kea.conf, start Kea
#   scripts/kea-lab.sh kea-start NAME DIR | kea-stop NAME DIR | kea-restart NAME DIR
#   scripts/kea-lab.sh kea6-start NAME DIR | kea6-stop NAME DIR
#                                       kea-dhcp6 (DIR/kea6.conf, socket DIR/kea6.sock, subnet6 2001:db8:1::/64 with
#                                       the pool 2001:db8:1::1:0/112, also selected for relayed traffic; rapid
#                                       commit allowed: a SOLICIT with the Rapid Commit option gets a REPLY)
#   scripts/kea-lab.sh perf NAME [perfdhcp args...]    run perfdhcp -4 in the client namespace
#   scripts/kea-lab.sh perf6 NAME [perfdhcp args...]   run perfdhcp -6 in the client namespace
#   scripts/kea-lab.sh udhcpc NAME                     one real DORA with busybox udhcpc
#   scripts/kea-lab.sh agent-start NAME DIR PORT [USER PASSWORD]
#                                       kea-ctrl-agent on 127.0.0.1:PORT of the host's namespace (unix sockets are
#                                       paths, so it reaches DIR/kea.sock and DIR/kea6.sock: services dhcp4 and
#                                       dhcp6), basic auth with USER/PASSWORD if given;
#                                       with KEA_LAB_AGENT_NETNS=server on 127.0.0.1 of the server namespace instead
#   scripts/kea-lab.sh agent-stop NAME DIR
#   scripts/kea-lab.sh down NAME DIR    stop Kea (and the agent), delete the namespaces (and so the veth pair)
# NAME must be short (interface names are at most 15 characters): e.g. "ke$$".
# Kea's control socket is DIR/kea.sock; its log DIR/kea.log; its pid DIR/kea.pid (kea-dhcp6: DIR/kea6.*).
set -euo pipefail
cmd=${1:?usage: kea-lab.sh up|down|kea-start|kea-stop|kea-restart|kea6-start|kea6-stop|agent-start|agent-stop|perf|perf6|udhcpc NAME [DIR]}
name=${2:?NAME}
dir=${3:-}
srv="$name-s"; cli="$name-c"; sv="$name-sv"; cv="$name-cv"

kea_start() {
  mkdir -p "$dir"
  cat > "$dir/kea.conf" <<CONF
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "$sv" ], "dhcp-socket-type": "raw" },
    "control-socket": { "socket-type": "unix", "socket-name": "$dir/kea.sock" },
    "lease-database": { "type": "memfile", "persist": false, "lfc-interval": 0 },
    "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
    "subnet4": [ { "id": 1, "subnet": "198.18.0.0/16", "interface": "$sv",
                   "pools": [ { "pool": "198.18.1.0 - 198.18.254.254" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "WARN",
                   "output_options": [ { "output": "$dir/kea.log" } ] } ]
} }
CONF
  launch_kea kea-dhcp4 kea
}

kea6_start() {
  mkdir -p "$dir"
  cat > "$dir/kea6.conf" <<CONF
{ "Dhcp6": {
    "interfaces-config": { "interfaces": [ "$sv" ] },
    "server-id": { "type": "LL", "persist": false },
    "control-socket": { "socket-type": "unix", "socket-name": "$dir/kea6.sock" },
    "lease-database": { "type": "memfile", "persist": false, "lfc-interval": 0 },
    "preferred-lifetime": 3000, "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
    "subnet6": [ { "id": 1, "subnet": "2001:db8:1::/64", "interface": "$sv", "rapid-commit": true,
                   "relay": { "ip-addresses": [ "::", "2001:db8:1::2" ] },
                   "pools": [ { "pool": "2001:db8:1::1:0/112" } ] } ],
    "loggers": [ { "name": "kea-dhcp6", "severity": "WARN",
                   "output_options": [ { "output": "$dir/kea6.log" } ] } ]
} }
CONF
  launch_kea kea-dhcp6 kea6
}

# launch_kea BINARY BASE: start BINARY in the server namespace on $dir/BASE.conf, its PID in $dir/BASE.pid, and
# wait for its control socket $dir/BASE.sock (output in $dir/BASE.out).
launch_kea() {
  rm -f "$dir/$2.sock"
  KEA_PIDFILE_DIR="$dir" KEA_LOCKFILE_DIR="$dir" \
    ip netns exec "$srv" setsid "$1" -c "$dir/$2.conf" >>"$dir/$2.out" 2>&1 < /dev/null &
  echo $! > "$dir/$2.pid"
  for _ in $(seq 1 100); do [ -S "$dir/$2.sock" ] && return 0; sleep 0.05; done
  echo "kea-lab: $1 did not open $dir/$2.sock; its output:" >&2; cat "$dir/$2.out" >&2; return 1
}

# stop_pid FILE SOCKET: TERM (then KILL) the process in FILE, remove FILE and SOCKET.
stop_pid() {
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$1" "$2"
}

kea_stop() { stop_pid "$dir/kea.pid" "$dir/kea.sock"; }
kea6_stop() { stop_pid "$dir/kea6.pid" "$dir/kea6.sock"; }

agent_start() {
  port=${1:?PORT}; user=${2:-}; password=${3:-}
  auth=""
  if [ -n "$user" ]; then
    auth='"authentication": { "type": "basic", "realm": "kea-edge-lab", "clients": [ { "user": "'"$user"'", "password": "'"$password"'" } ] },'
  fi
  cat > "$dir/agent.conf" <<CONF
{ "Control-agent": {
    "http-host": "127.0.0.1", "http-port": $port, $auth
    "control-sockets": { "dhcp4": { "socket-type": "unix", "socket-name": "$dir/kea.sock" },
                         "dhcp6": { "socket-type": "unix", "socket-name": "$dir/kea6.sock" } },
    "loggers": [ { "name": "kea-ctrl-agent", "severity": "WARN",
                   "output_options": [ { "output": "$dir/agent.log" } ] } ]
} }
CONF
  netns=()
  [ "${KEA_LAB_AGENT_NETNS:-}" = "server" ] && netns=(ip netns exec "$srv")
  KEA_PIDFILE_DIR="$dir" KEA_LOCKFILE_DIR="$dir" "${netns[@]}" setsid kea-ctrl-agent -c "$dir/agent.conf" >>"$dir/agent.out" 2>&1 < /dev/null &
  echo $! > "$dir/agent.pid"
  for _ in $(seq 1 100); do
    "${netns[@]}" bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null && return 0
    kill -0 "$(cat "$dir/agent.pid")" 2>/dev/null || break
    sleep 0.05
  done
  echo "kea-lab: kea-ctrl-agent did not listen on 127.0.0.1:$port; its output:" >&2; cat "$dir/agent.out" >&2; return 1
}

agent_stop() {
  [ -f "$dir/agent.pid" ] || return 0
  pid=$(cat "$dir/agent.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$dir/agent.pid"
}

case "$cmd" in
  up)
    : "${dir:?DIR}"
    ip netns add "$srv"; ip netns add "$cli"
    ip link add "$sv" type veth peer name "$cv"
    ip link set "$sv" netns "$srv"; ip link set "$cv" netns "$cli"
    ip -n "$srv" addr add 198.18.0.1/16 dev "$sv"; ip -n "$cli" addr add 198.18.0.2/16 dev "$cv"
    # No duplicate address detection: the link-local and global IPv6 addresses are usable at once (kea-dhcp6 and
    # perfdhcp -6 bind to them).
    ip netns exec "$srv" sysctl -qw "net.ipv6.conf.$sv.accept_dad=0"
    ip netns exec "$cli" sysctl -qw "net.ipv6.conf.$cv.accept_dad=0"
    ip -n "$srv" addr add 2001:db8:1::1/64 dev "$sv" nodad; ip -n "$cli" addr add 2001:db8:1::2/64 dev "$cv" nodad
    ip -n "$srv" link set lo up; ip -n "$cli" link set lo up
    ip -n "$srv" link set "$sv" up; ip -n "$cli" link set "$cv" up
    kea_start ;;
  kea-start) : "${dir:?DIR}"; kea_start ;;
  kea-stop) : "${dir:?DIR}"; kea_stop ;;
  kea-restart) : "${dir:?DIR}"; kea_stop; kea_start ;;
  kea6-start) : "${dir:?DIR}"; kea6_start ;;
  kea6-stop) : "${dir:?DIR}"; kea6_stop ;;
  agent-start) : "${dir:?DIR}"; shift 3; agent_start "$@" ;;
  agent-stop) : "${dir:?DIR}"; agent_stop ;;
  perf) shift 2; exec ip netns exec "$cli" perfdhcp -4 -l "$cv" "$@" ;;
  perf6) shift 2; exec ip netns exec "$cli" perfdhcp -6 -l "$cv" "$@" ;;
  udhcpc) exec ip netns exec "$cli" busybox udhcpc -i "$cv" -n -q -f -s /bin/true ;;
  down)
    if [ -n "$dir" ]; then agent_stop; kea_stop; kea6_stop; fi
    ip netns del "$cli" 2>/dev/null || true
    ip netns del "$srv" 2>/dev/null || true ;;
  *) echo "kea-lab: unknown command $cmd" >&2; exit 2 ;;
esac
