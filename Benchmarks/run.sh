#!/usr/bin/env bash
# One command for assetpipe's local-performance benchmark (issue 6): builds the harness in release mode, runs the
# kit's floor (limit.c) and peers (ImageMagick, libvips, Pillow) through ../shared/bench/peers.sh, runs assetpipe on
# the same workload in the same run (the in-process harness `assetpipe-bench`, and the whole `assetpipe` CLI), and
# prints one table.
#
# usage: bash Benchmarks/run.sh [WORKDIR]
#   WORKDIR         the kit's workload (made there with make_workload.py when WORKDIR/manifest.json is missing;
#                   default /tmp/assetpipe-bench-workload; making it takes about 6 minutes)
# env:  RUNS=3 WARMUP=1     hyperfine runs / warm-ups per command (peers and assetpipe alike)
#       REPEAT=3            in-process repeats of each harness operation (median reported)
#       NB=50 ND=5 NE=10    files for operations b, d, e (as peers.sh)
#       OUTDIR=/tmp/assetpipe-bench-out   scratch: outputs, hyperfine JSON, TSVs, table.md
#       BENCH_KIT=path      the kit (default: ../shared/bench beside the package root)
#       ASSETPIPE=path      an already built release `assetpipe` binary (default: built here)
#       SKIP_PEERS=1        reuse $OUTDIR/peers/results.tsv from an earlier run instead of re-running the peers
#       CODECS=0            skip the WebP/AVIF encoder rows (Benchmarks/codecs.sh, run last with the same binary)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
KIT=${BENCH_KIT:-$(cd "$ROOT/../shared/bench" 2>/dev/null && pwd || true)}
[ -n "$KIT" ] && [ -f "$KIT/peers.sh" ] || { echo "benchmark kit not found: set BENCH_KIT to the folder with peers.sh"; exit 2; }
WL=${1:-/tmp/assetpipe-bench-workload}
OUT=${OUTDIR:-/tmp/assetpipe-bench-out}
export RUNS=${RUNS:-3} WARMUP=${WARMUP:-1} NB=${NB:-50} ND=${ND:-5} NE=${NE:-10}
REPEAT=${REPEAT:-3}
START=$(date +%s)

[ -f "$WL/manifest.json" ] || { echo "== making the workload in $WL (about 6 minutes)"; python3 "$KIT/make_workload.py" "$WL"; }
WL=$(cd "$WL" && pwd)

# build PRODUCT [FLAGS...]: release build into Benchmarks/.build; retried when a source file changes mid-build (others edit the
# tree while this runs)
build() {
  local i log
  for i in 1 2 3 4 5; do
    log=$(swift build -c release --package-path "$HERE" --product "$@" 2>&1) && { echo "$log" | grep -E '^Build' | tail -1; return 0; }
    echo "$log" | grep -q 'modified during the build' || { echo "$log" | grep -E 'error' | head -20; return 1; }
    echo "(a source file changed during the build; retrying)"; sleep 10
  done
  return 1
}
echo "== building the harness and the CLI in release mode (scratch: Benchmarks/.build)"
# The harness links the Swift runtime statically (halves process start-up: ~3.5 ms instead of ~7 ms), in a scratch
# folder of its own so the CLI's dynamic build (what `swift build -c release` gives users) is not rebuilt.
build assetpipe-bench --static-swift-stdlib --scratch-path "$HERE/.build/static"
BIN="$HERE/.build/static/release/assetpipe-bench"
if [ -z "${ASSETPIPE:-}" ]; then
  build assetpipe
  AP="$HERE/.build/release/assetpipe"
else
  AP=$ASSETPIPE
fi
[ -x "$BIN" ] && [ -x "$AP" ] || { echo "build failed"; exit 1; }

mkdir -p "$OUT"
if [ -z "${SKIP_PEERS:-}" ] || [ ! -f "$OUT/peers/results.tsv" ]; then
  echo "== floor and peers (kit's peers.sh, RUNS=$RUNS)"
  OUTDIR="$OUT/peers" bash "$KIT/peers.sh" "$WL" > "$OUT/peers.log" 2>&1 || { tail -20 "$OUT/peers.log"; exit 1; }
  grep -E '^(==|FAILED)' "$OUT/peers.log" || true
fi

echo "== assetpipe"
RES="$OUT/assetpipe.tsv"; : > "$RES"; INPROC="$OUT/inprocess.tsv"; : > "$INPROC"
mkdir -p "$OUT/json" "$OUT/ap"
mapfile -t MASKS < <(ls "$WL"/masks/*.png)
mapfile -t JPGS < <(ls "$WL"/refs/*.jpg)
mapfile -t REFPNG < <(ls "$WL"/refs/*.png | head -n "$NE")
mapfile -t OUTS < <(ls "$WL"/outputs/*.png)
mapfile -t OUTS_D < <(ls "$WL"/outputs/*.png | head -n "$ND")
mapfile -t MASKS_B < <(ls "$WL"/masks/*.png | head -n "$NB")
BIG=$(ls "$WL"/big/*.png | head -n1)
A_FILES="${MASKS[*]} ${JPGS[*]}"; B_FILES="${MASKS_B[*]}"; C_FILES="${OUTS[*]}"; D_FILES="${OUTS_D[*]}"; E_FILES="${REFPNG[*]}"

# bench KEY LABEL OUTPUT_DIR_OR_- COMMAND: hyperfine exactly as peers.sh does, then one run under /usr/bin/time for RSS
bench() {
  local key=$1 label=$2 odir=$3 cmd=$4 id rss osize=-
  id=$(echo "$key-$label" | tr -c 'A-Za-z0-9_-' '_')
  [ "$odir" != - ] && { rm -rf "$odir"; mkdir -p "$odir"; }
  if ! hyperfine --style none --warmup "$WARMUP" --runs "$RUNS" --export-json "$OUT/json/$id.json" "$cmd" \
      >/dev/null 2>"$OUT/json/$id.err"; then
    echo "FAILED: $key $label (see $OUT/json/$id.err)"; tail -3 "$OUT/json/$id.err"; return 0
  fi
  /usr/bin/time -f '%M' -o "$OUT/rss.txt" sh -c "$cmd" >/dev/null 2>&1 || true
  rss=$(tail -1 "$OUT/rss.txt")
  [ "$odir" != - ] && osize=$(du -sb "$odir" | awk '{printf "%.2f", $1/1e6}')
  python3 - "$OUT/json/$id.json" "$key" "$label" "$rss" "$osize" >> "$RES" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("\t".join([sys.argv[2], sys.argv[3], f"{r['median']:.4f}", f"{r['min']:.4f}",
                 f"{r['user'] + r['system']:.4f}", f"{int(sys.argv[4]) / 1024:.1f}", sys.argv[5]]))
EOF
  tail -1 "$RES"
}

LIMIT="$OUT/peers/limit"
HAS_CONVERT=0
"$AP" convert --help >/dev/null 2>&1 && HAS_CONVERT=1
# The host is shared and noisy, and peers.sh ran minutes earlier: each operation's floor is timed again right before
# assetpipe ("limit.c (paired)"), and the ratios to the floor use that paired figure.
bench a "limit.c (paired)" - "$LIMIT probe $A_FILES"
bench a harness - "$BIN probe $A_FILES"
bench a "assetpipe inspect" - "$AP inspect $A_FILES"
bench b-full "limit.c (paired)" - "$LIMIT transp-full $B_FILES"
bench b-full harness - "$BIN transp-full $B_FILES"
bench b-full "assetpipe inspect --transparency" - "$AP inspect --transparency $B_FILES"
bench b-any "limit.c (paired)" - "$LIMIT transp-any $B_FILES"
bench b-any harness - "$BIN transp-any $B_FILES"
bench b-any "assetpipe inspect --transparency --early-exit" - "$AP inspect --transparency --early-exit $B_FILES"
bench c "limit.c (paired)" "$OUT/ap/c0" "$LIMIT tojpeg $OUT/ap/c0 $C_FILES"
bench c harness "$OUT/ap/c" "$BIN tojpeg $OUT/ap/c $C_FILES"
[ $HAS_CONVERT = 1 ] && bench c "assetpipe convert" "$OUT/ap/c2" "$AP convert $C_FILES --out $OUT/ap/c2 --format jpeg --quality 85 --flatten '#ffffff'"
bench d "limit.c (paired)" "$OUT/ap/d0" "$LIMIT png9 $OUT/ap/d0 $D_FILES"
bench d harness "$OUT/ap/d" "$BIN png9 $OUT/ap/d $D_FILES"
[ $HAS_CONVERT = 1 ] && bench d "assetpipe convert" "$OUT/ap/d2" "$AP convert $D_FILES --out $OUT/ap/d2 --format png --level 9"
bench e "limit.c (paired)" "$OUT/ap/e0" "$LIMIT resize $OUT/ap/e0 $E_FILES"
bench e harness "$OUT/ap/e" "$BIN resize $OUT/ap/e $E_FILES"
[ $HAS_CONVERT = 1 ] && bench e "assetpipe convert (2 processes)" "$OUT/ap/e2" \
    "mkdir -p $OUT/ap/e2/h $OUT/ap/e2/q && $AP convert $E_FILES --out $OUT/ap/e2/h --format png --level 6 --scale 0.5 && $AP convert $E_FILES --out $OUT/ap/e2/q --format png --level 6 --scale 0.25"
[ $HAS_CONVERT = 1 ] || echo "(assetpipe convert is not available in $AP: its rows are skipped)"
bench f-full "limit.c (paired)" - "$LIMIT transp-full $BIG"
bench f-full harness - "$BIN transp-full $BIG"
bench f-full "assetpipe inspect --transparency" - "$AP inspect --transparency $BIG"
bench f-any "limit.c (paired)" - "$LIMIT transp-any $BIG"
bench f-any harness - "$BIN transp-any $BIG"
bench f-conv "harness tojpeg (8192² PNG→JPEG)" "$OUT/ap/f" "$BIN tojpeg $OUT/ap/f $BIG"

echo "== in process (REPEAT=$REPEAT rounds; each round: floor, assetpipe on both cores, assetpipe on one core)"
# limit.c prints its own in-process time on stderr; the harness prints its batch time with --json. Interleaving the
# three in every round exposes them to the same background load.
mkdir -p "$OUT/fl"
round() {  # round KEY LIMIT_ARGS -- HARNESS_ARGS
  local key=$1; shift
  local largs=() hargs=() t
  while [ "$1" != -- ]; do largs+=("$1"); shift; done; shift; hargs=("$@")
  t=$("$LIMIT" "${largs[@]}" 2>&1 >/dev/null | sed -n 's/.*: \([0-9.]*\) s (in-process)/\1/p' | tail -1)
  [ -n "$t" ] && printf '%s\tfloor\t{"median_s": %s}\n' "$key" "$t" >> "$INPROC"
  for mode in parallel serial; do
    [ "$mode" = parallel ] && [[ $key == f-* ]] && continue  # one file: nothing to spread
    [ "$mode" = serial ] && [ "$key" = a ] && continue
    t=$("$BIN" --json $([ $mode = serial ] && echo --serial) "${hargs[@]}") && printf '%s\t%s\t%s\n' "$key" "$mode" "$t" >> "$INPROC"
  done
}
for _ in $(seq "$REPEAT"); do
  round a probe $A_FILES -- probe $A_FILES
  round b-full transp-full $B_FILES -- transp-full $B_FILES
  round b-any transp-any $B_FILES -- transp-any $B_FILES
  round c tojpeg "$OUT/fl" $C_FILES -- tojpeg "$OUT/ap/c" $C_FILES
  round d png9 "$OUT/fl" $D_FILES -- png9 "$OUT/ap/d" $D_FILES
  round e resize "$OUT/fl" $E_FILES -- resize "$OUT/ap/e" $E_FILES
  round f-full transp-full "$BIG" -- transp-full "$BIG"
  round f-any transp-any "$BIG" -- transp-any "$BIG"
done

python3 "$HERE/table.py" "$OUT/peers/results.tsv" "$RES" "$INPROC" > "$OUT/table.md"
echo
cat "$OUT/table.md"
echo
if [ "${CODECS:-1}" = 1 ]; then
  echo "== WebP and AVIF encoding against cwebp and avifenc (Benchmarks/codecs.sh)"
  BENCH="$BIN" OUTDIR="$OUT" RUNS="$RUNS" bash "$HERE/codecs.sh"
fi
echo "whole run: $(( $(date +%s) - START )) s; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "raw: $OUT/peers/results.tsv (floor+peers), $RES (assetpipe), $INPROC (in-process), $OUT/table.md"
