#!/usr/bin/env bash
# The nightly job: checks the record against the witness of its earlier heads, writes tonight's overdue
# CSV to a dated file, keeps tonight's head in the witness and says it, and exits non-zero when anything
# is overdue or the record does not check out, so cron (or any scheduler) can mail or alert on it.
#
#   # m h dom mon dow  command
#   30 6 * * 1-5  IRO_DB=/srv/iro/service.db /opt/iro/nightly-overdue.sh || mail-the-team
#
# Environment:
#   IRO_DB           the database (required unless iro's default location is meant)
#   IRO_REPORT_DIR   where the dated CSV files go (default: ./overdue-reports)
#   IRO              the iro binary (default: iro on the PATH)
#   IRO_TODAY        report as of this day instead of today (YYYY-MM-DD), e.g. to re-run a missed night
#   IRO_WITNESS      the witness file of the chain's heads (default: ./iro-heads). Keep it where those
#                    who can write the database cannot (another account, another machine): it is what
#                    shows a record cut short, put back from an older copy or rewritten.
#   IRO_HEAD_MAIL    an address to mail tonight's head to as well (needs mail(1)); a copy kept in
#                    someone's mailbox is a second witness
#
# Exit status: 0 nothing overdue; 6 something overdue (the CSV says what); 7 the record does not check
# out (nothing else is done); anything else: the report could not be made (iro's own exit status: 2
# usage, 5 database problem, ...), and no file is left.
set -euo pipefail

iro=${IRO:-iro}
dir=${IRO_REPORT_DIR:-overdue-reports}
day=${IRO_TODAY:-$(date +%F)}
witness=${IRO_WITNESS:-iro-heads}

# The record first: every head witnessed on earlier nights must still be on the chain.
verify_witness=()
[ -f "$witness" ] && verify_witness=(--witness "$witness")
if ! checked=$("$iro" audit verify "${verify_witness[@]}"); then
    echo "the record does not check out: $checked" >&2
    exit 7
fi

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

# Tonight's head, kept in the witness and said (cron mails what a job prints).
head=$("$iro" audit head --witness "$witness")
echo "record checked: $checked; head kept in $witness" >&2
if [ -n "${IRO_HEAD_MAIL:-}" ] && command -v mail >/dev/null; then
    tail -n 1 "$witness" | mail -s "iro head $day" "$IRO_HEAD_MAIL"
fi
echo "head $head" >&2
exit "$status"
