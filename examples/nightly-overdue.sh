#!/usr/bin/env bash
# The nightly overdue report: writes tonight's CSV to a dated file and exits non-zero when anything is
# overdue, so cron (or any scheduler) can mail or alert on it.
#
#   # m h dom mon dow  command
#   30 6 * * 1-5  IRO_DB=/srv/iro/service.db /opt/iro/nightly-overdue.sh || mail-the-team
#
# Environment:
#   IRO_DB           the database (required unless iro's default location is meant)
#   IRO_REPORT_DIR   where the dated CSV files go (default: ./overdue-reports)
#   IRO              the iro binary (default: iro on the PATH)
#   IRO_TODAY        report as of this day instead of today (YYYY-MM-DD), e.g. to re-run a missed night
#
# Exit status: 0 nothing overdue; 6 something overdue (the CSV says what); anything else: the report
# could not be made (iro's own exit status: 2 usage, 5 database problem, ...), and no file is left.
set -euo pipefail

iro=${IRO:-iro}
dir=${IRO_REPORT_DIR:-overdue-reports}
day=${IRO_TODAY:-$(date +%F)}

mkdir -p "$dir"
file="$dir/overdue-$day.csv"
# Written beside the final file and renamed into place, so a reader never sees half a report.
partial=$(mktemp "$dir/.overdue-$day.XXXXXX")
trap 'rm -f "$partial"' EXIT

status=0
"$iro" report overdue --as-of "$day" --format csv --fail-if-any >"$partial" || status=$?

case $status in
0)
    mv "$partial" "$file"
    echo "nothing overdue on $day: $file" >&2
    ;;
6)
    mv "$partial" "$file"
    echo "items overdue on $day: see $file" >&2
    ;;
*)
    echo "the overdue report failed (iro exit status $status); no report written for $day" >&2
    ;;
esac
exit "$status"
