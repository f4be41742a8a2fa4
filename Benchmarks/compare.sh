#!/usr/bin/env bash
# Old against new in one run: the kit's floor and peers once, then the assetpipe rows of Benchmarks/run.sh and the
# pipeline benchmark (Benchmarks/pipeline.sh) for two checkouts, alternately, ROUNDS times each; then one table of
# the medians with new ÷ old, each figure marked where it moved more than 5 % (issue 12: a restructuring keeps
# every earlier figure within 5 %). Each round runs the checkout's own scripts and release binaries, so the old
# figures are the old code's, measured under the same load as the new.
#
# usage: bash Benchmarks/compare.sh OLD_CHECKOUT NEW_CHECKOUT [WORKLOAD]
#   OLD_CHECKOUT, NEW_CHECKOUT  whole assetpipe trees (e.g. `git worktree add /tmp/old REV`); each builds its release
#                               binaries under its own Benchmarks/.build on first use (about 10 minutes each)
#   WORKLOAD                    the kit's workload, as for run.sh (default /tmp/assetpipe-bench-workload)
# env:  ROUNDS=2  RUNS=3  REPEAT=3  OUTDIR=/tmp/assetpipe-compare  PIPELINE=1 (0 skips the pipeline rounds)
#       PEERS=DIR   reuse the floor and peers of an earlier run (its OUTDIR/old-1/peers) instead of timing them again
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { sed -n '2,13p' "$0"; exit 2; }
OLD=$(cd "$1" && pwd)
NEW=$(cd "$2" && pwd)
WL=${3:-/tmp/assetpipe-bench-workload}
OUT=${OUTDIR:-/tmp/assetpipe-compare}
ROUNDS=${ROUNDS:-2}
export RUNS=${RUNS:-3} REPEAT=${REPEAT:-3}
START=$(date +%s)
rm -rf "$OUT"
mkdir -p "$OUT"
skip_peers=""
if [ -n "${PEERS:-}" ]; then
  mkdir -p "$OUT/old-1"
  cp -r "$PEERS" "$OUT/old-1/peers"
  skip_peers=1
fi

echo "== floor and peers, once (old checkout's run.sh), then old and new alternately, $ROUNDS rounds"
echo "   load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  for side in old new; do
    tree=$OLD; [ $side = new ] && tree=$NEW
    dir="$OUT/$side-$round"
    mkdir -p "$dir"
    # Every round reuses the first round's floor and peers (run.sh's SKIP_PEERS).
    if [ -d "$OUT/old-1/peers" ] && [ ! -d "$dir/peers" ]; then cp -r "$OUT/old-1/peers" "$dir/peers"; fi
    echo "== round $round, $side ($tree), load $(cut -d' ' -f1 /proc/loadavg)"
    SKIP_PEERS=$skip_peers CODECS=0 OUTDIR="$dir" bash "$tree/Benchmarks/run.sh" "$WL" > "$dir/run.log" 2>&1 \
      || { tail -20 "$dir/run.log"; exit 1; }
    skip_peers=1
    if [ "${PIPELINE:-1}" = 1 ]; then
      WORKDIR="$OUT/pipeline-work" bash "$tree/Benchmarks/pipeline.sh" > "$dir/pipeline.md" 2>&1 \
        || { tail -20 "$dir/pipeline.md"; exit 1; }
    fi
  done
done
echo "   load after: $(cut -d' ' -f1-3 /proc/loadavg); whole run $(( $(date +%s) - START )) s"
python3 "$HERE/compare.py" "$OUT" "$ROUNDS" | tee "$OUT/compare.md"
