#!/usr/bin/env bash
# Installs the Debian packages swift-hollow needs, only those missing. Safe to run repeatedly.
#   scripts/install-deps.sh          core packages (build, tests, demo)
#   scripts/install-deps.sh --kea    plus Kea and DHCP clients for the kea-edge integration tests, and the browser
#   scripts/install-deps.sh --browser  plus headless Chromium for the explorer's browser test (make test: via --kea)
set -euo pipefail
core=(pkg-config libzstd-dev zstd libmosquitto-dev mosquitto mosquitto-clients nats-server libbpf-dev libelf-dev
      zlib1g-dev clang llvm bpftool iproute2 prometheus nginx)
kea=(kea-dhcp4-server kea-dhcp6-server kea-ctrl-agent kea-admin socat busybox isc-dhcp-client)
browser=(chromium)
want=("${core[@]}")
[ "${1:-}" = "--kea" ] && want+=("${kea[@]}" "${browser[@]}")
[ "${1:-}" = "--browser" ] && want+=("${browser[@]}")
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# The Debian mosquitto, nats-server, prometheus and nginx packages start system services (ports 1883, 4222, 9090, 80); the tests start their
# own on free ports. Without a policy-rc.d of the machine's own, deny service starts during the install.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# swift-hollow install-deps: no service starts during this install\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now mosquitto prometheus nats-server nginx >/dev/null 2>&1 || true
fi
