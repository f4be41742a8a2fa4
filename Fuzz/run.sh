#!/usr/bin/env bash
# Fuzz the decoders: builds the libFuzzer harnesses in Fuzz/ (ASan + UBSan + libFuzzer) into
# Fuzz/.build-fuzz/ (ignored by git), seeds each working corpus from the shared test corpus
# (../shared/corpus or $ASSETPIPE_CORPUS; never copied into the repository) and runs each target.
#
#   Fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   default: 60 s, every target
#   Fuzz/run.sh --smoke                            CI: about 60 s in all across the targets
#   Fuzz/run.sh --build                            build only
#   Fuzz/run.sh --report                           totals per target over every run logged in the build folder
#
# Targets: probe png_decode jpeg_decode webp_decode avif_decode transparency mask_check
# WebP and AVIF seeds are made here (cwebp/avifenc over small corpus PNGs, or a generated PNG) when the tools exist.
# Prints executions, exec/s and findings per target. Crashing inputs are kept in
# Fuzz/.build-fuzz/crashes/<target>/; exits 1 when any target crashed (or leaked, ran out of memory
# or timed out), 2 when the harnesses cannot be built.
# Environment: CC (clang with libFuzzer), SWIFTC, FUZZ_JOBS_NICE (default 19), FUZZ_MAX_LEN (default 131072).
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
build="$here/.build-fuzz"
all_targets=(probe png_decode jpeg_decode webp_decode avif_decode transparency mask_check)

smoke=0
build_only=0
report=0
seconds=60
targets=()
for arg in "$@"; do
    case "$arg" in
    --smoke) smoke=1 ;;
    --build) build_only=1 ;;
    --report) report=1 ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    *[!0-9]*) targets+=("$arg") ;;
    *) seconds="$arg" ;;
    esac
done
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")
if [ $report -eq 1 ]; then
    # One line per target: runs, seconds, executions and findings summed over Fuzz/.build-fuzz/logs/*.log.
    printf '%-13s %5s %8s %13s %9s %s\n' target runs seconds executions exec/s findings
    for t in "${targets[@]}"; do
        runs=0 secs=0 execs=0 finds=0
        for log in "$build"/logs/"$t"-*.log; do
            [ -f "$log" ] || continue
            n="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
            d="$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | grep -o 'in [0-9]*' | grep -o '[0-9]*' | tail -1)"
            grep -q -E '^==[0-9]+== ?ERROR|^SUMMARY: ' "$log" && finds=$((finds + 1))
            runs=$((runs + 1)) execs=$((execs + ${n:-0})) secs=$((secs + ${d:-0}))
        done
        printf '%-13s %5d %8d %13d %9d %d\n' "$t" "$runs" "$secs" "$execs" $((secs > 0 ? execs / secs : 0)) "$finds"
    done
    exit 0
fi
for t in "${targets[@]}"; do
    case " ${all_targets[*]} " in *" $t "*) ;; *) echo "run.sh: unknown target '$t' (known: ${all_targets[*]})" >&2; exit 2 ;; esac
done
if [ $smoke -eq 1 ]; then
    seconds=$(( 60 / ${#targets[@]} ))
    [ "$seconds" -lt 5 ] && seconds=5
fi

# ------------------------------------------------------------------ toolchain
find_cc() {
    local c
    for c in "${CC:-}" /opt/swift/usr/bin/clang clang; do
        [ -n "$c" ] || continue
        command -v "$c" >/dev/null 2>&1 || continue
        if printf 'int LLVMFuzzerTestOneInput(const unsigned char*d,unsigned long n){return 0;}\n' |
            "$c" -x c -fsanitize=fuzzer - -o "$build/.cc-probe" >/dev/null 2>&1; then
            echo "$c"; return 0
        fi
    done
    return 1
}
mkdir -p "$build"
if ! cc="$(find_cc)"; then
    # In CI the smoke is optional where the toolchain has no libFuzzer; asked for explicitly, it is an error.
    if [ $smoke -eq 1 ]; then echo "run.sh: no clang with libFuzzer found: fuzz smoke skipped" >&2; exit 0; fi
    echo "run.sh: no clang with libFuzzer found (set CC)" >&2; exit 2
fi
swiftc="${SWIFTC:-$(dirname "$cc")/swiftc}"
command -v "$swiftc" >/dev/null 2>&1 || swiftc="$(command -v swiftc || true)"
nice_level="${FUZZ_JOBS_NICE:-19}"
max_len="${FUZZ_MAX_LEN:-131072}"

read -r -a img_flags <<<"$(pkg-config --cflags libpng16 2>/dev/null || echo -I/usr/include/libpng16)"
read -r -a img_libs <<<"$(pkg-config --libs libpng16 2>/dev/null || echo -lpng16) -ljpeg -ldeflate -lz -lm -lwebpmux -lwebpdemux -lwebp -lavif"
# FUZZ_SHIM_DIR: fuzz another copy of the shim (e.g. with a proposed patch); it gets its own objects and binaries.
shim="${FUZZ_SHIM_DIR:-$root/Sources/CImageShim}"
variant="${FUZZ_SHIM_DIR:+-alt}"
objdir="$build/obj$variant"
bindir="$build/bin$variant"
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
cflags=(-g -O1 "${san[@]}" -I"$shim/include" "${img_flags[@]}")
ldflags=()
# gold (the default here) warns about every ASan helper symbol; lld links quietly.
if printf 'int main(void){return 0;}\n' | "$cc" -x c -fuse-ld=lld - -o "$build/.ld-probe" >/dev/null 2>&1; then ldflags=(-fuse-ld=lld); fi

# Shim objects, instrumented for coverage (fuzzer-no-link). Rebuilt when a shim file is newer.
build_shim() {
    mkdir -p "$objdir"
    local src obj
    for src in "$shim"/*.c; do
        obj="$objdir/$(basename "${src%.c}").o"
        if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$shim/internal.h" -nt "$obj" ] || [ "$shim/include/CImageShim.h" -nt "$obj" ]; then
            "$cc" "${cflags[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" || return 1
        fi
    done
}

build_target() {
    local t="$1" bin="$bindir/$1"
    mkdir -p "$bindir"
    if [ "$t" = mask_check ]; then
        build_mask_check || return 1
        return 0
    fi
    local src="$here/fuzz_$t.c"
    local newest
    newest="$(ls -t "$src" "$here/fuzz_common.h" "$objdir"/*.o 2>/dev/null | head -1)"
    if [ ! -x "$bin" ] || [ "$newest" -nt "$bin" ]; then
        "$cc" "${cflags[@]}" -fsanitize=fuzzer "${ldflags[@]}" "$src" "$objdir"/*.o "${img_libs[@]}" -o "$bin" || return 1
    fi
}

# mask_check: a Swift harness compiled with -sanitize=fuzzer,address over the AssetpipeBasics, ImageCodec,
# APIMartWire and MaskTools sources (as separate modules, as in the package) and the sanitized shim objects.
# AssetpipeBasics is compiled without LockedBox.swift (it needs swift-nio, and none of these modules uses it).
build_mask_check() {
    local bin="$bindir/mask_check" mods="$build/swift$variant"
    [ -n "$swiftc" ] || { echo "run.sh: swiftc not found for mask_check" >&2; return 1; }
    local newest
    newest="$(ls -t "$here/FuzzMaskCheck.swift" "$root"/Sources/AssetpipeBasics/*.swift \
        "$root"/Sources/ImageCodec/*.swift "$root"/Sources/MaskTools/*.swift \
        "$root"/Sources/APIMartWire/*.swift "$objdir"/*.o 2>/dev/null | head -1)"
    if [ -x "$bin" ] && [ "$bin" -nt "$newest" ]; then return 0; fi
    mkdir -p "$mods/CImageShim"
    cat >"$mods/CImageShim/module.modulemap" <<MAP
module CImageShim {
    header "$shim/include/CImageShim.h"
    export *
}
MAP
    local sflags=(-O -g -sanitize=address -parse-as-library -swift-version 6 -I "$mods" -Xcc -fmodule-map-file="$mods/CImageShim/module.modulemap")
    local cov=(-sanitize-coverage=edge,pc-table,inline-8bit-counters)
    # module name, coverage?, sources: rebuilt only when a source is newer than its object.
    swift_module() {
        local name="$1" instrument="$2"; shift 2
        local newest_src; newest_src="$(ls -t "$@" | head -1)"
        if [ -f "$mods/$name.o" ] && [ "$mods/$name.o" -nt "$newest_src" ]; then return 0; fi
        local extra=(); [ "$instrument" = 1 ] && extra=("${cov[@]}")
        "$swiftc" "${sflags[@]}" "${extra[@]}" -emit-module -emit-object -wmo -module-name "$name" \
            -emit-module-path "$mods/$name.swiftmodule" -o "$mods/$name.o" "$@" 2>"$mods/$name.log" ||
            { cat "$mods/$name.log" >&2; return 1; }
    }
    local basics=()
    for f in "$root"/Sources/AssetpipeBasics/*.swift; do [ "$(basename "$f")" = LockedBox.swift ] || basics+=("$f"); done
    swift_module AssetpipeBasics 0 "${basics[@]}" || return 1
    [ "$mods/AssetpipeBasics.o" -nt "$mods/ImageCodec.o" ] && rm -f "$mods/ImageCodec.o"
    swift_module ImageCodec 1 "$root"/Sources/ImageCodec/*.swift || return 1
    swift_module APIMartWire 0 "$root"/Sources/APIMartWire/*.swift || return 1
    for dep in AssetpipeBasics ImageCodec APIMartWire; do [ "$mods/$dep.o" -nt "$mods/MaskTools.o" ] && rm -f "$mods/MaskTools.o"; done
    swift_module MaskTools 1 "$root"/Sources/MaskTools/*.swift || return 1
    "$swiftc" -O -g -sanitize=fuzzer,address -parse-as-library -swift-version 6 -I "$mods" \
        -Xcc -fmodule-map-file="$mods/CImageShim/module.modulemap" "$here/FuzzMaskCheck.swift" \
        "$mods/AssetpipeBasics.o" "$mods/ImageCodec.o" "$mods/APIMartWire.o" "$mods/MaskTools.o" "$objdir"/*.o \
        -Xlinker -lpng16 -Xlinker -ljpeg -Xlinker -ldeflate -Xlinker -lz -Xlinker -lm -Xlinker -lwebpmux \
        -Xlinker -lwebpdemux -Xlinker -lwebp -Xlinker -lavif -o "$bin" 2>"$build/mask_check.link.log" ||
        { cat "$build/mask_check.link.log" >&2; return 1; }
}

# Seeds: files from the shared corpus whose magic fits the target, copied into the working corpus
# inside the ignored build folder (the shared corpus itself is only read).
corpus_root="${ASSETPIPE_CORPUS:-$root/../shared/corpus}"
seed_target() {
    local t="$1" dir="$build/corpus/$1" f magic
    mkdir -p "$dir"
    [ -n "$(ls -A "$dir" 2>/dev/null)" ] && return 0
    case "$t" in webp_decode | avif_decode) seed_made "$t" "$dir"; return 0 ;; esac
    if [ ! -d "$corpus_root" ]; then
        echo "run.sh: no corpus at $corpus_root (set ASSETPIPE_CORPUS); $t starts from an empty corpus" >&2
        return 0
    fi
    while IFS= read -r -d '' f; do
        magic="$(head -c 4 "$f" | od -An -tx1 | tr -d ' \n')"
        case "$t:$magic" in
        png_decode:89504e47 | mask_check:89504e47) ;;
        jpeg_decode:ffd8ff*) ;;
        probe:89504e47 | probe:ffd8ff* | transparency:89504e47 | transparency:ffd8ff*) ;;
        *) continue ;;
        esac
        cp "$f" "$dir/$(printf '%s' "${f#"$corpus_root"/}" | tr '/' '_')"
    done < <(find "$corpus_root" -type f -print0)
}

# WebP/AVIF seeds: a few small corpus PNGs (or one generated gradient) encoded lossy and lossless by cwebp, and
# at 4:4:4 / 4:2:0, with alpha, irot and imir by avifenc; with the tools missing the target starts empty.
seed_made() {
    local t="$1" dir="$2" src="$build/seed-src" f i=0
    mkdir -p "$src"
    if [ -z "$(ls -A "$src" 2>/dev/null)" ]; then
        if [ -d "$corpus_root" ]; then
            find "$corpus_root" -type f -name '*.png' -size -24k 2>/dev/null | sort | head -4 |
                while IFS= read -r f; do cp "$f" "$src/"; done
        fi
        python3 - "$src/gradient.png" <<'PY'
import struct, sys, zlib
w, h = 24, 16
rows = b"".join(b"\0" + bytes(v for x in range(w) for v in (x * 10, y * 15, 128, 40 + x * 9)) for y in range(h))
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
                                + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
    fi
    for f in "$src"/*.png; do
        i=$((i + 1))
        if [ "$t" = webp_decode ] && command -v cwebp >/dev/null 2>&1; then
            cwebp -quiet -q 50 "$f" -o "$dir/seed$i-lossy.webp" >/dev/null 2>&1
            cwebp -quiet -lossless "$f" -o "$dir/seed$i-lossless.webp" >/dev/null 2>&1
        elif [ "$t" = avif_decode ] && command -v avifenc >/dev/null 2>&1; then
            avifenc -s 10 -y 444 "$f" "$dir/seed$i-444.avif" >/dev/null 2>&1
            avifenc -s 10 -y 420 --irot 1 --imir 0 "$f" "$dir/seed$i-420-rot.avif" >/dev/null 2>&1
        fi
    done
    return 0
}

# ------------------------------------------------------------------ build
# One build at a time (two run.sh started together would write the same objects).
exec 9>"$build/.build.lock"
command -v flock >/dev/null 2>&1 && flock 9
build_shim || { echo "run.sh: building the shim objects failed" >&2; exit 2; }
for t in "${targets[@]}"; do
    build_target "$t" || { echo "run.sh: building $t failed" >&2; exit 2; }
done
command -v flock >/dev/null 2>&1 && flock -u 9
exec 9>&-
[ $build_only -eq 1 ] && { echo "built: ${targets[*]} in $bindir"; exit 0; }

# ------------------------------------------------------------------ run
crashed=0
summary=()
for t in "${targets[@]}"; do
    seed_target "$t"
    crashes="$build/crashes/$t"
    mkdir -p "$crashes" "$build/logs"
    log="$build/logs/$t-$(date +%Y%m%d-%H%M%S).log"
    case "$t" in
    png_decode | mask_check) dict="$here/png.dict" ;;
    jpeg_decode) dict="$here/jpeg.dict" ;;
    webp_decode) dict="$here/webp.dict" ;;
    avif_decode) dict="$here/avif.dict" ;;
    *) dict="$build/all.dict"; cat "$here/png.dict" "$here/jpeg.dict" >"$dict" ;;
    esac
    before="$(ls "$crashes" | wc -l)"
    # Replay the committed regression inputs (Fuzz/regressions/: minimised former findings) once each,
    # under the same limits: deterministic, so a fix that regresses fails here even if the fuzzer
    # would not find it again in the time given.
    replay_status=0
    if ls "$here"/regressions/* >/dev/null 2>&1; then
        ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1}" \
        "$bindir/$t" -rss_limit_mb=512 -malloc_limit_mb=512 -timeout=5 "$here"/regressions/* >"$log.replay" 2>&1 ||
            replay_status=$?
        if [ "$replay_status" -ne 0 ]; then
            crashed=1
            line="$(printf '%-13s REGRESSION: a Fuzz/regressions input fails again (exit %s): %s; see %s' "$t" "$replay_status" \
                "$(grep -m1 -E 'ERROR: |runtime error' "$log.replay" | cut -c1-120)" "$log.replay")"
            echo "$line"
            summary+=("$line")
        fi
    fi
    echo "== $t: ${seconds}s, corpus $(ls "$build/corpus/$t" | wc -l) files, log $log"
    start=$(date +%s)
    ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=64:malloc_context_size=20}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    nice -n "$nice_level" "$bindir/$t" -max_len="$max_len" -rss_limit_mb=512 -malloc_limit_mb=512 -timeout=5 \
        -max_total_time="$seconds" -print_final_stats=1 -dict="$dict" -artifact_prefix="$crashes/" "$build/corpus/$t" >"$log" 2>&1
    rc=$?
    elapsed=$(( $(date +%s) - start ))
    execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
    rate="$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
    cov="$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')"
    after="$(ls "$crashes" | wc -l)"
    found=$(( after - before ))
    if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
        crashed=1
        status="FINDING (exit $rc): $(grep -m1 -E 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|==ERROR' "$log" | cut -c1-160)"
        newest="$(ls -t "$crashes" | head -1)"
        [ -n "$newest" ] && status="$status; input: $crashes/$newest"
    else
        status="no findings"
    fi
    line="$(printf '%-13s %5ss  %10s execs  %7s exec/s  cov %6s  corpus %5s  %s' "$t" "$elapsed" "${execs:-?}" "${rate:-?}" \
        "${cov:-?}" "$(ls "$build/corpus/$t" | wc -l)" "$status")"
    echo "$line"
    summary+=("$line")
done
echo
echo "== summary ($(date -u +%Y-%m-%dT%H:%M:%SZ))"
printf '%s\n' "${summary[@]}"
exit $crashed
