#!/usr/bin/env bash
# Writes the annual report of the demo service (or of the database IRO_DB names) and renders its HTML in
# headless Chromium to a PNG, to look at by eye: the charts, their tables, the page as it prints. Needs
# Debian's chromium (apt-get install chromium). Run by hand, not in CI.
#
#   bash examples/annual-screenshot.sh [FROM TO [OUT.png]]
set -euo pipefail
cd "$(dirname "$0")/.."
from=${1:-2026-01-01}
to=${2:-2026-11-26}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${3:-annual.png}
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "error: chromium is not installed (apt-get install chromium)" >&2; exit 1; }
cargo build --quiet --bin iro
iro=${CARGO_TARGET_DIR:-target}/debug/iro
if [ -z "${IRO_DB:-}" ]; then
    export IRO_TODAY=${IRO_TODAY:-2026-11-26}
    (cd "$work" && "$OLDPWD/$iro" demo > /dev/null 2>&1)
    export IRO_DB=$work/iro-demo.db
fi
"$iro" report annual --from "$from" --to "$to" --out "$work/annual" > /dev/null
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$work/profile" --window-size=1000,5200 \
    --screenshot="$out" "file://$work/annual/annual.html" 2>/dev/null
echo "$out"
