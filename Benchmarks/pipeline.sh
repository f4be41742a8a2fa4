#!/usr/bin/env bash
# Pipeline benchmark (issue 6) against the simulator: 200 jobs, task time 1 s, `--jobs 8`.
# Prints wall time against the ideal (jobs ÷ concurrency × task time), polls per task, uploads per distinct input,
# and assetpipe's own CPU time per job; then a second, no-change build and its API calls.
#
# usage: bash Benchmarks/pipeline.sh            env: JOBS=200 CONCURRENCY=8 TASK_SECONDS=1 DISTINCT=20
#                                                    WORKDIR=/tmp/assetpipe-pipeline-bench ASSETPIPE=path (prebuilt)
# The simulator runs inside the benchmark process (APIMartSimulator, so its statistics can be read); `assetpipe
# build MANIFEST --base-url URL --jobs C --json --yes` runs as a separate process under /usr/bin/time with
# APIMART_API_KEY set to the simulator's key.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# build PRODUCT: release build into Benchmarks/.build; retried when a source file changes mid-build (others edit the
# tree while this runs)
build() {
  local i log
  for i in 1 2 3 4 5; do
    log=$(swift build -c release --package-path "$HERE" --product "$1" 2>&1) && { echo "$log" | grep -E '^Build' | tail -1; return 0; }
    echo "$log" | grep -q 'modified during the build' || { echo "$log" | grep -E 'error' | head -20; return 1; }
    echo "(a source file changed during the build; retrying)"; sleep 10
  done
  return 1
}
echo "== building (release, scratch: Benchmarks/.build)"
build assetpipe-pipeline-bench
if [ -z "${ASSETPIPE:-}" ]; then
  build assetpipe
  ASSETPIPE="$HERE/.build/release/assetpipe"
fi
"$HERE/.build/release/assetpipe-pipeline-bench" "$ASSETPIPE" --jobs-count "${JOBS:-200}" \
  --concurrency "${CONCURRENCY:-8}" --task-seconds "${TASK_SECONDS:-1}" --distinct-inputs "${DISTINCT:-20}" \
  --workdir "${WORKDIR:-/tmp/assetpipe-pipeline-bench}"
