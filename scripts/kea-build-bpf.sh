#!/usr/bin/env bash
# Compiles kea-edge's tc program: Sources/KeaEdge/bpf/dhcp_tc.bpf.c -> ${1:-.build-bpf}/dhcp_tc.bpf.o
# (only when the source is newer). kea-edge finds the object with --bpf-object, $KEA_EDGE_BPF_OBJECT,
# next to its executable, or in a .build-bpf/ directory above the executable (a development checkout).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.build-bpf}
src=$root/Sources/KeaEdge/bpf/dhcp_tc.bpf.c
obj=$out/dhcp_tc.bpf.o
mkdir -p "$out"
if [ -f "$obj" ] && [ "$obj" -nt "$src" ]; then exit 0; fi
clang -target bpf -g -O2 -D__TARGET_ARCH_x86 -Wall -Werror -I/usr/include/$(uname -m)-linux-gnu \
  -c "$src" -o "$obj.tmp"
mv "$obj.tmp" "$obj"
echo "kea-build-bpf: built $obj"
