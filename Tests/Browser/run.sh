#!/usr/bin/env bash
# The browser suite: the review page in a real headless Chromium driven by chromedriver through selenium.
# Builds assetpipe when needed, runs review_test.py, and exits nonzero on any failure. Skips (exit 0, with the
# reason) only when chromium, chromedriver or python3-selenium is missing and CI is not set; under CI a missing
# one is a failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
[ -x /usr/bin/chromium ] || command -v chromium >/dev/null 2>&1 || missing+=("chromium")
[ -x /usr/bin/chromedriver ] || missing+=("chromium-driver (/usr/bin/chromedriver)")
/usr/bin/python3 -c 'import selenium' >/dev/null 2>&1 || missing+=("python3-selenium")
if [ ${#missing[@]} -gt 0 ]; then
    if [ -n "${CI:-}" ]; then
        echo "browser tests: missing ${missing[*]} (CI is set: this is a failure; apt-get install chromium chromium-driver python3-selenium)" >&2
        exit 1
    fi
    echo "browser tests SKIPPED: missing ${missing[*]} (apt-get install chromium chromium-driver python3-selenium)" >&2
    exit 0
fi

binary="$(swift build --show-bin-path)/assetpipe"
if [ ! -x "$binary" ] || [ -n "$(find Sources Package.swift -newer "$binary" -print -quit)" ]; then
    swift build --product assetpipe
fi
exec /usr/bin/python3 Tests/Browser/review_test.py "$binary"
