#!/usr/bin/env bash
# Renders a CAFCASS pack's HTML in headless Chromium and saves a screenshot, to check by eye that the
# printable page reads well. Needs Debian's chromium (apt-get install chromium).
#
#   bash examples/pack-screenshot.sh PACK_DIR [OUT.png]
set -euo pipefail
pack=${1:?usage: pack-screenshot.sh PACK_DIR [OUT.png]}
out=${2:-"$pack/cafcass-pack.png"}
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "error: chromium is not installed (apt-get install chromium)" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --window-size=1100,1600 \
    --screenshot="$out" "file://$(realpath "$pack")/cafcass-pack.html" 2>/dev/null
echo "$out"
