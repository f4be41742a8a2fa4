#!/usr/bin/env bash
# WebP and AVIF encoding (issue 15 item 5): assetpipe against the reference tools on the same files, in the same run,
# as whole processes. Run by run.sh after its table (CODECS=0 skips it), or alone:
#
# usage: bash Benchmarks/codecs.sh [PNG...]
#   PNG...          input files (default: $N deterministic 1024x1024 PNGs made here with Pillow, two with alpha)
# env:  RUNS=3              timed runs per command (median reported; one warm-up run first)
#       N=6                 number of generated inputs
#       OUTDIR=/tmp/assetpipe-bench-out   scratch (codecs/ inside it)
#       BENCH=path          the release harness `assetpipe-bench` (default: built here into Benchmarks/.build/static,
#                           as run.sh builds it); its towebp/towebp-mt/toavif ops are ImageConverter.convert, the
#                           code `assetpipe convert` and build outputs run
#       AVIF_SPEED=6 AVIF_QUALITY=60      AVIF settings (quality -> quantizer ((100-q)*63+50)/100, as in the README)
#
# Rows: WebP q80 m4 one core (taskset -c 0), one process per file, assetpipe vs `cwebp -q 80 -m 4` (no -mt);
#       WebP on both cores: one assetpipe process over every file (files spread over the cores) vs cwebp one core;
#       libwebp's thread_level: assetpipe with WebPEncodeOptions.threads 2 and `cwebp -mt`, a process per file on
#       both cores, against the same without;
#       AVIF one core: assetpipe vs `avifenc -c aom -j 1` with the same speed, quantizers (colour and alpha), 4:4:4,
#       8 bit, a process per file.
# Output sizes are the total bytes written (ImageConverter writes no metadata: provenance is off).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUTDIR:-/tmp/assetpipe-bench-out}/codecs
RUNS=${RUNS:-3}
N=${N:-6}
SPEED=${AVIF_SPEED:-6}
QUALITY=${AVIF_QUALITY:-60}
Q=$(( ((100 - QUALITY) * 63 + 50) / 100 ))
mkdir -p "$OUT"

if [ -z "${BENCH:-}" ]; then
  echo "== building the harness in release mode (Benchmarks/.build/static)"
  swift build -c release --package-path "$HERE" --product assetpipe-bench --static-swift-stdlib \
    --scratch-path "$HERE/.build/static" 2>&1 | grep -E '^(Build|error)' | tail -3
  BENCH="$HERE/.build/static/release/assetpipe-bench"
fi
[ -x "$BENCH" ] || { echo "no harness at $BENCH"; exit 1; }
export AVIF_QUALITY=$QUALITY AVIF_SPEED=$SPEED
for tool in cwebp avifenc taskset python3; do
  command -v $tool >/dev/null || { echo "needs $tool (apt-get install webp libavif-bin util-linux python3-pil)"; exit 2; }
done

if [ $# -gt 0 ]; then
  FILES=("$@")
else
  mkdir -p "$OUT/in"
  python3 - "$OUT/in" "$N" <<'PY'
import random, sys
from PIL import Image, ImageDraw, ImageFilter
out, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    rnd = random.Random(i)
    lin = Image.linear_gradient("L").resize((1024, 1024)).rotate(i * 37)
    rad = Image.radial_gradient("L").resize((1024, 1024))
    noise = Image.effect_noise((1024, 1024), 30 + 5 * i).convert("L")
    im = Image.merge("RGB", [lin, rad, Image.blend(lin, noise, 0.5)])
    d = ImageDraw.Draw(im)
    for _ in range(40):
        x, y, r = rnd.randrange(1024), rnd.randrange(1024), rnd.randrange(10, 120)
        d.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
    im = im.filter(ImageFilter.GaussianBlur(1.2))
    if i < 2:  # two with a soft alpha edge, as generated sprites have
        a = Image.new("L", (1024, 1024), 0)
        ImageDraw.Draw(a).ellipse((100, 100, 924, 924), fill=255)
        im.putalpha(a.filter(ImageFilter.GaussianBlur(8)))
    im.save(f"{out}/in{i}.png")
PY
  FILES=("$OUT"/in/*.png)
fi
echo "== ${#FILES[@]} inputs; RUNS=$RUNS; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

RES="$OUT/results.tsv"; : > "$RES"
# timed LABEL OUTDIR COMMAND: one warm-up, RUNS timed runs; median wall s, CPU s (user+sys, median run), output bytes
timed() {
  local label=$1 odir=$2 cmd=$3
  python3 - "$label" "$odir" "$cmd" "$RUNS" >> "$RES" <<'PY'
import os, resource, shutil, statistics, subprocess, sys, time
label, odir, cmd, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def once():
    shutil.rmtree(odir, ignore_errors=True); os.makedirs(odir)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, shell=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
once()
rows = sorted(once() for _ in range(runs))
wall, cpu = rows[len(rows) // 2]
size = sum(os.path.getsize(os.path.join(odir, f)) for f in os.listdir(odir))
print(f"{label}\t{wall:.3f}\t{cpu:.3f}\t{size}")
PY
  tail -1 "$RES"
}

# each PREFIX OUTDIR EXT TEMPLATE: a script running TEMPLATE once per file (IN = the input, OUTF = its output), one
# process a file as the tools are used; prints the command that runs it under PREFIX (e.g. taskset -c 0).
mkdir -p "$OUT/scripts"
each() {
  local prefix=$1 odir=$2 ext=$3 tmpl=$4 script f line
  script="$OUT/scripts/$(basename "$odir").sh"
  : > "$script"
  for f in "${FILES[@]}"; do
    line=${tmpl//IN/$f}
    echo "${line//OUTF/$odir/$(basename "$f" .png).$ext}" >> "$script"
  done
  echo "$prefix sh -e $script"
}

W="$OUT/out"
timed "webp 1 core: cwebp -q 80 -m 4" "$W/cw1" "$(each "taskset -c 0" "$W/cw1" webp "cwebp -quiet -q 80 -m 4 IN -o OUTF")"
timed "webp 1 core: assetpipe q80 m4 (a process a file)" "$W/ap1" \
  "$(each "taskset -c 0" "$W/ap1" webp "$BENCH --serial towebp $W/ap1 IN")"
timed "webp 2 cores: assetpipe (one process, files over both cores)" "$W/ap2" "$BENCH towebp $W/ap2 ${FILES[*]}"
timed "webp 2 cores: cwebp (a process a file)" "$W/cw2" "$(each "" "$W/cw2" webp "cwebp -quiet -q 80 -m 4 IN -o OUTF")"
timed "webp 2 cores: cwebp -mt (libwebp thread_level)" "$W/cwmt" \
  "$(each "" "$W/cwmt" webp "cwebp -quiet -mt -q 80 -m 4 IN -o OUTF")"
timed "webp 2 cores: assetpipe (a process a file)" "$W/ap3" "$(each "" "$W/ap3" webp "$BENCH --serial towebp $W/ap3 IN")"
timed "webp 2 cores: assetpipe thread_level (a process a file)" "$W/apmt" \
  "$(each "" "$W/apmt" webp "$BENCH --serial towebp-mt $W/apmt IN")"
timed "avif 1 core: avifenc -c aom -j 1 -s $SPEED q$Q" "$W/ae1" \
  "$(each "taskset -c 0" "$W/ae1" avif "avifenc -c aom -j 1 -s $SPEED --min $Q --max $Q --minalpha $Q --maxalpha $Q -y 444 -d 8 IN OUTF")"
timed "avif 1 core: assetpipe speed $SPEED quality $QUALITY (a process a file)" "$W/aa1" \
  "$(each "taskset -c 0" "$W/aa1" avif "$BENCH --serial toavif $W/aa1 IN")"

python3 - "$RES" <<'PY'
import sys
rows = {l.split("\t")[0]: l.rstrip("\n").split("\t") for l in open(sys.argv[1])}
def get(prefix):
    return next(v for k, v in rows.items() if k.startswith(prefix))
print()
print("| operation | command | wall s | CPU s | output bytes | wall ÷ reference | size ÷ reference |")
print("|---|---|---:|---:|---:|---:|---:|")
pairs = [
    ("webp 1 core: cwebp", "webp 1 core: cwebp"), ("webp 1 core: assetpipe", "webp 1 core: cwebp"),
    ("webp 2 cores: assetpipe (one", "webp 1 core: cwebp"), ("webp 2 cores: cwebp (", "webp 1 core: cwebp"),
    ("webp 2 cores: cwebp -mt", "webp 2 cores: cwebp ("),
    ("webp 2 cores: assetpipe (a process", "webp 2 cores: cwebp ("),
    ("webp 2 cores: assetpipe thread_level", "webp 2 cores: assetpipe (a process"),
    ("avif 1 core: avifenc", "avif 1 core: avifenc"), ("avif 1 core: assetpipe", "avif 1 core: avifenc"),
]
for a, ref in pairs:
    r, b = get(a), get(ref)
    op, cmd = r[0].split(": ", 1)
    print(f"| {op} | {cmd} | {r[1]} | {r[2]} | {r[3]} | {float(r[1]) / float(b[1]):.2f} | "
          f"{int(r[3]) / int(b[3]):.3f} |")
PY
echo
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); raw: $RES"
