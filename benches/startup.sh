#!/usr/bin/env bash
# Binary size and start-up time of the release build: how long `azacr acr repository
# show-manifests -h` takes (parse, help text, exit: no network), and the same through an `az`
# link with the pass-through path taken (`az account show`, exec'd into a stand-in that exits
# at once).
# Targets: at most 6 MB and 3 ms. Uses hyperfine when installed (apt-get install hyperfine),
# else a timed loop. Figures go to BENCHMARKS.md.
#
#   benches/startup.sh            # builds with `cargo build --release` first
#   AZACR=path/to/azacr benches/startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BENCH_RUNS:-300}
if [ -z "${AZACR:-}" ]; then
  cargo build --release --locked --quiet --bin azacr
  AZACR="${CARGO_TARGET_DIR:-target}/release/azacr"
fi
bytes=$(wc -c < "$AZACR")
awk -v f="$AZACR" -v b="$bytes" 'BEGIN { printf "binary: %s, %d bytes (%.2f MB; target <= 6 MB)\n", f, b, b / 1e6 }'

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/shim" "$scratch/real"
ln -s "$(cd "$(dirname "$AZACR")" && pwd)/$(basename "$AZACR")" "$scratch/shim/az"
printf '#!/bin/sh\nexit 0\n' > "$scratch/real/az"
chmod +x "$scratch/real/az"

# Mean wall time of one run, in ms, over $runs runs (after 20 warm-up runs).
measure() {
  if command -v hyperfine > /dev/null; then
    hyperfine --shell=none --warmup 20 --runs "$runs" --export-json "$scratch/h.json" "$*" > /dev/null 2>&1
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f ms mean, %.2f ms min, +- %.2f (hyperfine, %d runs)" % (r["mean"]*1e3, r["min"]*1e3, r["stddev"]*1e3, len(r["times"])))' "$scratch/h.json"
  else
    python3 - "$runs" "$@" << 'PY'
import subprocess, sys, time
runs, argv = int(sys.argv[1]), sys.argv[2:]
for _ in range(20):
    subprocess.run(argv, stdout=subprocess.DEVNULL)
times = []
for _ in range(runs):
    t = time.perf_counter(); subprocess.run(argv, stdout=subprocess.DEVNULL); times.append(time.perf_counter() - t)
print("%.2f ms mean, %.2f ms min (python loop, %d runs, spawn cost included)" % (sum(times) / runs * 1e3, min(times) * 1e3, runs))
PY
  fi
}

printf 'start-up, azacr acr repository show-manifests -h (target <= 3 ms): '
measure "$AZACR" acr repository show-manifests -h
printf 'pass-through, az account show through the link to a stand-in that exits at once: '
PATH="$scratch/shim:$scratch/real:$PATH" measure "$scratch/shim/az" account show
printf 'the stand-in alone (sh), for comparison: '
measure "$scratch/real/az" account show
