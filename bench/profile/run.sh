#!/usr/bin/env bash
# Where start-up CPU goes, KestrelOneShot (Native AOT) beside Kestrel alone, with the AOT symbols:
#   bench/profile/run.sh [--runs N]      (root, perf and python3; after bench/run.sh has built the harness)
# Publishes both binaries, hands their symbol files (.dbg) to perf by build id, samples every run
# of both (perf record -F 20000 -g, the harness's runs interleaved), and prints each phase's CPU per
# run (bench/profile/phases.py). Sampling slows the processes down: compare shares and rows, not
# these milliseconds with the table's.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
out="$root/artifacts/bench/profile"
runs=40
[ "${1:-}" = "--runs" ] && runs=$2
mkdir -p "$out"
[ -x "$root/artifacts/bench/startup" ] || { echo "run bench/run.sh first: it builds the harness" >&2; exit 2; }

publish() { # project, output, name: the binary, its symbols registered with perf under their build id
  dotnet publish "$root/$1" -c Release -r linux-x64 -o "$out/$2" -nologo -v quiet
  local dbg id
  dbg=$(find "$root/$1/bin/Release/net10.0/linux-x64/native" -name "$3.dbg")
  id=$(readelf -n "$dbg" 2>/dev/null | awk '/Build ID/ {print $3}')
  mkdir -p "/usr/lib/debug/.build-id/${id:0:2}"
  cp "$dbg" "/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
}
publish src/KestrelOneShot aot KestrelOneShot
publish bench/reference/BareKestrel bare BareKestrel

perf record -q -e cpu-clock -F 20000 -g -o "$out/perf.data" -- "$root/artifacts/bench/startup" --runs "$runs" \
  "KestrelOneShot=$out/aot/KestrelOneShot --port {port}" "bare:Kestrel alone=$out/bare/BareKestrel --port {port}" >/dev/null
perf script -i "$out/perf.data" -F comm,pid,tid,ip,sym 2>/dev/null | python3 "$root/bench/profile/phases.py" 20000 KestrelOneShot BareKestrel
