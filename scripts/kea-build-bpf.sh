#!/usr/bin/env bash
# Compiles kea-edge's BPF programs: Sources/KeaEdge/bpf/*.bpf.c -> ${1:-.build-bpf}/*.bpf.o (tc and uprobe;
# only when the source is newer). kea-edge finds them with --bpf-object, in $KEA_EDGE_BPF_DIR,
# next to its executable, or in a .build-bpf/ directory above the executable (a development checkout).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.build-bpf}
mkdir -p "$out"
for src in "$root"/Sources/KeaEdge/bpf/*.bpf.c; do
  obj=$out/$(basename "${src%.c}").o
  if [ -f "$obj" ] && [ "$obj" -nt "$src" ]; then continue; fi
  clang -target bpf -g -O2 -D__TARGET_ARCH_x86 -Wall -Werror -I/usr/include/$(uname -m)-linux-gnu \
    -c "$src" -o "$obj.tmp.$$"
  mv "$obj.tmp.$$" "$obj"   # atomic: concurrent builds (parallel tests) never see a partial object
  echo "kea-build-bpf: built $obj"
done
