#!/usr/bin/env bash
# Whole-process benchmarks of the release `iro` binary on generated databases of 10,000 and 1,000,000
# matters: each figure is the median of several runs, printed against its target.
#
#   benches/commands.sh [--dir DIR] [--runs N] [--sizes "10000 1000000"] [--regenerate] [--no-hyperfine]
#                       [--only audit]
#   benches/commands.sh --db postgres://USER@HOST/DB [--runs N] [--no-hyperfine]
#
# With --db it times a database on a PostgreSQL server instead (one already holding a record, say the
# 1,000,000-matter file moved there by `iro copy`): `report overdue --format csv` < 1 s and within 2x of
# the same rows by hand-written SQL in psql, the writes < 15 ms, and the small reads.
#
# It builds what it needs (`cargo build --release --example synth --bin iro`), generates the databases
# into DIR (default: target/bench-data; kept and reused, --regenerate to rebuild them) with
# examples/synth.rs, then times:
#   - the write commands `raise-qap` (on an existing child) and `escalate` (of a QAP it raised): < 15 ms;
#   - `report overdue --format csv` at 1,000,000 matters: < 1 s, and within 2x of the same rows selected
#     by hand-written SQL in the sqlite3 shell on the same file;
#   - `report overdue --as-of` a year back at 1,000,000 matters: < 1.5 s;
#   - `report stats` for one year at 1,000,000 matters: < 2 s; `report annual` for a year: < 3 s;
#   - `show` and `report chronology --child`: < 15 ms;
#   - the peak memory (max RSS) of every report: < 100 MB;
#   - `directory import` of a 100-staff, 500-children extract into a new database: < 2 s, beside the
#     same rows loaded by the sqlite3 shell's `.import`; and a second run with three changed rows;
#   - `report drift --format csv` at 1,000,000 matters: < 1 s, beside its first half (matters with no
#     step for 20 working days, by calendar days) by hand-written SQL;
#   - `outbox remind` at 1,000,000 matters, a new day each run: < 5 s;
#   - `audit verify` at 1,000,000 matters (3 runs): < 8 s, beside the sqlite3 shell reading every event.
# `--only audit` times `audit verify` and the sqlite3 shell's read alone (on a machine whose speed drifts
# through the day, the two taken together in a few seconds).
# Timing uses hyperfine when installed (unless --no-hyperfine), else a loop over bash's $EPOCHREALTIME
# (or `date +%s%N`).
# Each write run adds one matter to the database it times; reads are timed before writes.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=""
SERVER_DB=""
RUNS=15
SIZES="10000 1000000"
REGENERATE=0
NO_HYPERFINE=0
ONLY=""
while [ $# -gt 0 ]; do
    case "$1" in
    --dir) DIR=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --sizes) SIZES=$2; shift 2 ;;
    --regenerate) REGENERATE=1; shift ;;
    --no-hyperfine) NO_HYPERFINE=1; shift ;;
    --db) SERVER_DB=$2; shift 2 ;;
    --only)
        [ "$2" = audit ] || { echo "--only takes: audit" >&2; exit 2; }
        ONLY=$2; shift 2 ;;
    -h | --help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
    esac
done

TARGET_DIR=${CARGO_TARGET_DIR:-target}
DIR=${DIR:-$TARGET_DIR/bench-data}
mkdir -p "$DIR"
export IRO_TODAY=2026-11-26
unset IRO_DB IRO_USER

echo "== building (release)"
cargo build --release --example synth --bin iro 2>&1 | tail -n 1
IRO=$TARGET_DIR/release/iro
SYNTH=$TARGET_DIR/release/examples/synth

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo)"

HAVE_HYPERFINE=0
if [ "$NO_HYPERFINE" = 0 ] && command -v hyperfine > /dev/null; then
    HAVE_HYPERFINE=1
    echo "== timing with $(hyperfine --version), $RUNS runs, median"
else
    echo "== timing with a shell loop (hyperfine not installed, or --no-hyperfine), $RUNS runs, median"
fi
HAVE_SQLITE3=0
if command -v sqlite3 > /dev/null; then
    HAVE_SQLITE3=1
else
    echo "note: the sqlite3 shell is not installed (apt-get install -y sqlite3): the comparison with hand-written SQL is skipped"
fi
TIME_V=0
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true > /dev/null 2>&1; then
    TIME_V=1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FAILED=0

# now_ns VAR: sets VAR to the time in nanoseconds. It sets a variable rather than printing, since
# `$(now_ns)` would fork a subshell, and the fork of the one after a command would be timed with it.
now_ns() {
    if [ -n "${EPOCHREALTIME:-}" ]; then
        local t=${EPOCHREALTIME/[.,]/}
        printf -v "$1" '%s000' "$t"
    else
        printf -v "$1" '%s' "$(date +%s%N)"
    fi
}

# median_of NS...: the median of the times given in nanoseconds, in milliseconds.
median_of() {
    printf '%s\n' "$@" | sort -n | awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)] / 1e6}'
}

# median_ms CMD...: runs CMD $RUNS times (output discarded) and prints the median wall time in ms.
median_ms() {
    if [ "$HAVE_HYPERFINE" = 1 ]; then
        hyperfine -N --style none --warmup 2 --runs "$RUNS" --export-csv "$WORK/h.csv" \
            --output null -- "$(printf '%q ' "$@")" > /dev/null 2>&1 || true
        if [ -s "$WORK/h.csv" ]; then
            awk -F, 'NR == 2 {printf "%.1f", $4 * 1000}' "$WORK/h.csv"
            rm -f "$WORK/h.csv"
            return
        fi
    fi
    loop_median_ms "$@"
}

loop_median_ms() {
    local i s e times=()
    "$@" > /dev/null 2>&1 || true
    for ((i = 0; i < RUNS; i++)); do
        now_ns s
        "$@" > /dev/null 2>&1 || true
        now_ns e
        times+=($((e - s)))
    done
    median_of "${times[@]}"
}

# peak_mb CMD...: the peak resident memory of one run of CMD, in MB.
peak_mb() {
    if [ "$TIME_V" = 1 ]; then
        /usr/bin/time -f %M -o "$WORK/rss" "$@" > /dev/null 2>&1 || true
        awk '{printf "%.1f", $1 / 1024}' "$WORK/rss"
        return
    fi
    # From /proc: the high-water mark, read until the process ends.
    "$@" > /dev/null 2>&1 &
    local pid=$! hwm=0 kb
    while kill -0 "$pid" 2> /dev/null; do
        kb=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2> /dev/null || true)
        [ -n "$kb" ] && [ "$kb" -gt "$hwm" ] && hwm=$kb
        sleep 0.005
    done
    wait "$pid" || true
    awk -v kb="$hwm" 'BEGIN {printf "%.1f", kb / 1024}'
}

# report LABEL VALUE UNIT TARGET: prints a figure against its target (a figure over it is a failure).
report() {
    local label=$1 value=$2 unit=$3 target=$4 verdict
    if awk -v v="$value" -v t="$target" 'BEGIN {exit !(v < t)}'; then
        verdict="ok"
    else
        verdict="OVER TARGET"
        FAILED=$((FAILED + 1))
    fi
    printf '  %-58s %10s %-3s (target < %s %s) %s\n' "$label" "$value" "$unit" "$target" "$unit" "$verdict"
}

label_of() {
    case "$1" in
    10000) echo "10k" ;;
    1000000) echo "1M" ;;
    *) echo "$1" ;;
    esac
}

OVERDUE_SQL="SELECT m.id, m.child, m.iro, m.team, 'qap-action', a.seq, a.text, a.owner, m.stage, a.due
  FROM actions a JOIN matters m ON m.id = a.matter
 WHERE a.status = 'open' AND a.due < '$IRO_TODAY' AND m.state IN ('qap', 'drp')
UNION ALL
SELECT m.id, m.child, m.iro, m.team, 'drp-resolution', NULL, NULL, NULL, m.stage, m.drp_deadline
  FROM matters m
 WHERE m.state = 'drp' AND m.drp_deadline < '$IRO_TODAY'
UNION ALL
SELECT m.id, m.child, m.iro, m.team, 'stage-response', NULL, NULL, NULL, m.stage, s.response_deadline
  FROM matters m JOIN stages s ON s.matter = m.id AND s.stage = m.stage
 WHERE m.state = 'drp' AND s.response_deadline < '$IRO_TODAY'
ORDER BY 10, 1, 5, 6;"

# A child in care with no matter yet, for the writes: the benchmark's databases are kept between runs,
# and raising each run's QAPs on one child made that child's every step slower run after run.
FRESH_CHILD_SQL="SELECT c.ref FROM children c
 WHERE c.ceased_on IS NULL AND NOT EXISTS (SELECT 1 FROM matters m WHERE m.child = c.ref)
 ORDER BY c.ref LIMIT 1"

fresh_child() {
    if [ -n "$SERVER_DB" ]; then
        "$PSQL" -X -A -t "$SERVER_DB" -c "$FRESH_CHILD_SQL" 2> /dev/null || true
    elif [ "$HAVE_SQLITE3" = 1 ]; then
        sqlite3 -readonly "$IRO_DB" "$FRESH_CHILD_SQL" 2> /dev/null || true
    fi
}

# writes DB: times the two write commands on DB, each escalate acting on a QAP raised just before it.
writes() {
    local child
    child=$(fresh_child)
    child=${child:-LCS-204233}
    local raise=("$IRO" --as itm00000 raise-qap "$child" --category permanence
        --summary "Permanence plan not progressed" --action "Complete the viability assessment"
        --owner sw00000 --within 10)
    report "raise-qap $child" "$(median_ms "${raise[@]}")" ms 15
    local ids=() escalate_times=() i id s e
    for ((i = 0; i < RUNS + 1; i++)); do
        ids+=("$("${raise[@]}" 2> /dev/null)")
    done
    for id in "${ids[@]}"; do
        now_ns s
        "$IRO" --as itm00000 escalate "$id" --stage 1 > /dev/null 2>&1
        now_ns e
        escalate_times+=($((e - s)))
    done
    report "escalate (a QAP just raised, to stage 1)" \
        "$(median_of "${escalate_times[@]:1}")" ms 15
}

# psql itself: on Debian `psql` on the PATH is a Perl wrapper that picks a version, and starting
# Perl costs ~40 ms, which would flatter every comparison with it.
real_psql() {
    local bindir
    bindir=$(pg_config --bindir 2> /dev/null) || true
    if [ -n "$bindir" ] && [ -x "$bindir/psql" ]; then
        echo "$bindir/psql"
    else
        ls /usr/lib/postgresql/*/bin/psql 2> /dev/null | sort -V | tail -n 1
    fi
}

if [ -n "$SERVER_DB" ]; then
    export IRO_DB=$SERVER_DB
    PSQL=$(real_psql)
    PSQL=${PSQL:-psql}
    matters=$("$PSQL" -X -A -t "$SERVER_DB" -c "SELECT COUNT(*) FROM matters" 2> /dev/null || echo "?")
    echo "== PostgreSQL $("$PSQL" -X -A -t "$SERVER_DB" -c "SHOW server_version" 2> /dev/null): $matters matters"
    rows=$("$IRO" report overdue --format csv 2> /dev/null | wc -l)
    t_overdue=$(median_ms "$IRO" report overdue --format csv)
    report "report overdue --format csv ($((rows - 1)) rows)" "$t_overdue" ms 1000
    if command -v "$PSQL" > /dev/null; then
        sql_rows=$("$PSQL" -X -A -t -F, "$SERVER_DB" -c "$OVERDUE_SQL" | wc -l)
        t_sql=$(median_ms "$PSQL" -X -A -t -F, "$SERVER_DB" -c "$OVERDUE_SQL")
        printf '  %-58s %10s ms\n' "  the same rows by hand-written SQL in psql ($sql_rows rows)" "$t_sql"
        report "  ratio iro / psql" "$(awk -v a="$t_overdue" -v b="$t_sql" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')" x 2
        if [ "$sql_rows" != "$((rows - 1))" ]; then
            echo "  warning: iro wrote $((rows - 1)) rows, psql $sql_rows"
        fi
    fi
    if command -v "$PSQL" > /dev/null; then
        # The floor of any command on a server: a new connection (a server process of its own) and one
        # statement, as psql makes them.
        printf '  %-58s %10s ms\n' "psql connecting and running SELECT 1" "$(median_ms "$PSQL" -X -A -t "$SERVER_DB" -c "SELECT 1")"
    fi
    report "show E-2020-0001 --format json" "$(median_ms "$IRO" show E-2020-0001 --format json)" ms 15
    report "report chronology --child LCS-204233" "$(median_ms "$IRO" report chronology --child LCS-204233)" ms 15
    printf '  %-58s %10s ms\n' "report drift --format csv" "$(median_ms "$IRO" report drift --format csv)"
    writes
    echo
    if [ "$FAILED" -gt 0 ]; then
        echo "$FAILED figure(s) over target"
        exit 1
    fi
    echo "every figure within its target"
    exit 0
fi

# audit: `audit verify` on $db (of $size matters), beside the sqlite3 shell reading every event.
audit() {
    # A figure for a record the audit stopped early on would say nothing: it must check out first.
    if ! "$IRO" audit verify > /dev/null 2>&1; then
        echo "  warning: audit verify does not check out on $db: its time below is of a partial run"
        FAILED=$((FAILED + 1))
    fi
    t_audit=$(RUNS=3 median_ms "$IRO" audit verify)
    if [ "$size" -ge 1000000 ]; then
        report "audit verify (3 runs)" "$t_audit" ms 8000
    else
        printf '  %-58s %10s ms\n' "audit verify (3 runs)" "$t_audit"
    fi
    if [ "$HAVE_SQLITE3" = 1 ]; then
        printf '  %-58s %10s ms\n' "  sqlite3 reading every event (3 runs)" \
            "$(RUNS=3 median_ms sqlite3 -readonly "$db" "SELECT COUNT(*), SUM(LENGTH(details)), SUM(LENGTH(hash)) FROM events;")"
    fi
}

# The case-management extracts of a mid-sized service: 100 staff, 500 children allocated among them.
directory_import() {
    STAFF_CSV=$WORK/staff.csv
    CHILDREN_CSV=$WORK/children.csv
    awk 'BEGIN {
        print "id,name,role,email,team,login"
        n = split("iro:12 iro-team-manager:2 senior-iro-manager:1 social-worker:55 practice-supervisor:10 team-manager:10 service-manager:6 assistant-director:4", roles, " ")
        id = 0
        for (r = 1; r <= n; r++) {
            split(roles[r], kv, ":")
            for (i = 0; i < kv[2]; i++) {
                id++
                printf "s%03d,Staff Member %d,%s,s%03d@example.gov.uk,Children in Care %d,\n", id, id, kv[1], id, i % 10 + 1
            }
        }
    }' > "$STAFF_CSV"
    # Staff ids by role, as the awk above numbers them.
    awk 'BEGIN {
        print "ref,name,team,social_worker,practice_supervisor,team_manager,service_manager,iro,iro_team_manager"
        for (c = 0; c < 500; c++) {
            printf "LCS-%06d,Child %d,Children in Care %d,s%03d,s%03d,s%03d,s%03d,s%03d,s%03d\n", 500000 + c, c, c % 10 + 1,
                16 + c % 55, 71 + c % 10, 81 + c % 10, 91 + c % 6, 1 + c % 12, 13 + c % 2
        }
    }' > "$CHILDREN_CSV"
    echo "== directory import: $(($(wc -l < "$STAFF_CSV") - 1)) staff, $(($(wc -l < "$CHILDREN_CSV") - 1)) children"
    import_times=()
    for ((i = 0; i < RUNS; i++)); do
        rm -f "$WORK/dir.db" "$WORK/dir.db-wal" "$WORK/dir.db-shm"
        IRO_DB=$WORK/dir.db "$IRO" init > /dev/null 2>&1
        now_ns s
        IRO_DB=$WORK/dir.db "$IRO" directory import --staff "$STAFF_CSV" --children "$CHILDREN_CSV" > /dev/null 2>&1
        now_ns e
        import_times+=($((e - s)))
    done
    t_import=$(median_of "${import_times[@]}")
    report "directory import into a new database (600 rows)" "$t_import" ms 2000
    if [ "$HAVE_SQLITE3" = 1 ]; then
        load_times=()
        for ((i = 0; i < RUNS; i++)); do
            rm -f "$WORK/plain.db"
            now_ns s
            sqlite3 "$WORK/plain.db" ".import --csv $STAFF_CSV staff" ".import --csv $CHILDREN_CSV children" > /dev/null 2>&1
            now_ns e
            load_times+=($((e - s)))
        done
        t_load=$(median_of "${load_times[@]}")
        printf '  %-58s %10s ms\n' "  the same rows loaded by sqlite3 .import (no checks, no history)" "$t_load"
    fi
    sed -e 's/^s020,Staff Member 20,/s020,Staff Member Twenty,/' -e 's/^s021,\(.*\)@example/s021,\1@council.example/' "$STAFF_CSV" > "$WORK/staff2.csv"
    sed -e 's/^LCS-500007,Child 7,Children in Care 8,/LCS-500007,Child 7,Children in Care 9,/' "$CHILDREN_CSV" > "$WORK/children2.csv"
    now_ns s
    # Once set up, a change to the directory is an IRO team manager's (s013, as the extract numbers them).
    changes=$(IRO_DB=$WORK/dir.db "$IRO" --as s013 directory import --staff "$WORK/staff2.csv" --children "$WORK/children2.csv" 2> /dev/null | wc -l)
    now_ns e
    printf '  %-58s %10s ms\n' "directory import again, three rows changed ($changes changes)" "$(awk -v ns=$((e - s)) 'BEGIN {printf "%.1f", ns / 1e6}')"
    if [ "$changes" != 3 ]; then
        echo "  warning: three changed rows recorded $changes changes"
        FAILED=$((FAILED + 1))
    fi
}
if [ -z "$ONLY" ]; then
    directory_import
fi

for size in $SIZES; do
    name=$(label_of "$size")
    db=$DIR/iro-$name.db
    # A large authority's few thousand children for the small file; England's 80,000 for a national one.
    children=$((size >= 1000000 ? 80000 : size >= 100000 ? 20000 : 3000))
    if [ "$REGENERATE" = 1 ]; then
        rm -f "$db" "$db-wal" "$db-shm"
    fi
    if [ ! -f "$db" ]; then
        echo "== generating $db: $size matters, $children children"
        now_ns start
        "$SYNTH" --db "$db" --children "$children" --matters "$size" --seed 7 --quiet
        now_ns end
        report "synth: $size matters with their events" "$(awk -v ns=$((end - start)) 'BEGIN {printf "%.1f", ns / 1e9}')" s 300
    fi
    export IRO_DB=$db
    echo "== $name matters ($db, $(du -h "$db" | cut -f1))"
    if [ "$ONLY" = audit ]; then
        audit
        continue
    fi
    child=LCS-204233
    drp=E-2020-0001

    rows=$("$IRO" report overdue --format csv 2> /dev/null | wc -l)
    t_overdue=$(median_ms "$IRO" report overdue --format csv)
    if [ "$size" -ge 1000000 ]; then
        report "report overdue --format csv ($((rows - 1)) rows)" "$t_overdue" ms 1000
    else
        printf '  %-58s %10s ms\n' "report overdue --format csv ($((rows - 1)) rows)" "$t_overdue"
    fi
    if [ "$HAVE_SQLITE3" = 1 ]; then
        sql_rows=$(sqlite3 -readonly -csv "$db" "$OVERDUE_SQL" | wc -l)
        t_sql=$(median_ms sqlite3 -readonly -csv "$db" "$OVERDUE_SQL")
        printf '  %-58s %10s ms\n' "  the same rows by hand-written SQL in sqlite3 ($sql_rows rows)" "$t_sql"
        ratio=$(awk -v a="$t_overdue" -v b="$t_sql" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
        if [ "$size" -ge 1000000 ]; then
            report "  ratio iro / sqlite3" "$ratio" x 2
        else
            printf '  %-58s %10s x\n' "  ratio iro / sqlite3" "$ratio"
        fi
        if [ "$sql_rows" != "$((rows - 1))" ]; then
            echo "  warning: iro wrote $((rows - 1)) rows, sqlite3 $sql_rows"
        fi
    fi
    year_back=$(date -d "$IRO_TODAY - 1 year" +%F)
    asof_rows=$("$IRO" report overdue --as-of "$year_back" --format csv 2> /dev/null | wc -l)
    t_asof=$(median_ms "$IRO" report overdue --as-of "$year_back" --format csv)
    if [ "$size" -ge 1000000 ]; then
        report "report overdue --as-of $year_back ($((asof_rows - 1)) rows)" "$t_asof" ms 1500
    else
        printf '  %-58s %10s ms
' "report overdue --as-of $year_back ($((asof_rows - 1)) rows)" "$t_asof"
    fi
    t_stats=$(median_ms "$IRO" report stats --from 2025-04-01 --to 2026-03-31)
    if [ "$size" -ge 1000000 ]; then
        report "report stats (one year: 2025-04-01 to 2026-03-31)" "$t_stats" ms 2000
    else
        printf '  %-58s %10s ms\n' "report stats (one year: 2025-04-01 to 2026-03-31)" "$t_stats"
    fi
    annual_times=()
    for ((i = 0; i < 3; i++)); do
        rm -rf "$WORK/annual"
        now_ns s
        "$IRO" report annual --from 2025-04-01 --to 2026-03-31 --out "$WORK/annual" > /dev/null 2>&1
        now_ns e
        annual_times+=($((e - s)))
    done
    t_annual=$(median_of "${annual_times[@]}")
    if [ "$size" -ge 1000000 ]; then
        report "report annual (one year, and the year before it)" "$t_annual" ms 3000
    else
        printf '  %-58s %10s ms\n' "report annual (one year, and the year before it)" "$t_annual"
    fi
    report "show $drp --format json" "$(median_ms "$IRO" show "$drp" --format json)" ms 15
    report "report chronology --child $child" "$(median_ms "$IRO" report chronology --child "$child")" ms 15
    report "report chronology $drp --format csv" "$(median_ms "$IRO" report chronology "$drp" --format csv)" ms 15
    report "report alert-form $drp" "$(median_ms "$IRO" report alert-form "$drp")" ms 15
    printf '  %-58s %10s ms\n' "report open --format csv" "$(median_ms "$IRO" report open --format csv)"

    drift_rows=$("$IRO" report drift --format csv 2> /dev/null | wc -l)
    t_drift=$(median_ms "$IRO" report drift --format csv)
    if [ "$size" -ge 1000000 ]; then
        report "report drift --format csv ($((drift_rows - 1)) rows)" "$t_drift" ms 1000
    else
        printf '  %-58s %10s ms\n' "report drift --format csv ($((drift_rows - 1)) rows)" "$t_drift"
    fi
    if [ "$HAVE_SQLITE3" = 1 ]; then
        idle=$(date -d "$IRO_TODAY - 20 days" +%F)
        DRIFT_SQL="SELECT m.id, m.child, c.iro, c.team, m.last_step_on FROM matters m JOIN children c ON c.ref = m.child
 WHERE m.state IN ('consultation', 'qap', 'drp', 'cafcass') AND m.last_step_on <= '$idle' ORDER BY m.last_step_on, m.id;"
        printf '  %-58s %10s ms\n' "  its no-step half by hand-written SQL in sqlite3" "$(median_ms sqlite3 -readonly -csv "$db" "$DRIFT_SQL")"
    fi
    # Each run reminds as of a new day (a second run on one day queues nothing), going back from today.
    remind_times=()
    for ((i = 1; i <= RUNS; i++)); do
        day=$(date -d "$IRO_TODAY - $((i * 7)) days" +%F)
        now_ns s
        "$IRO" outbox remind --as-of "$day" > /dev/null 2>&1
        now_ns e
        remind_times+=($((e - s)))
    done
    t_remind=$(median_of "${remind_times[@]}")
    if [ "$size" -ge 1000000 ]; then
        report "outbox remind (a new day each run)" "$t_remind" ms 5000
    else
        printf '  %-58s %10s ms\n' "outbox remind (a new day each run)" "$t_remind"
    fi
    audit

    for cmd in "report overdue --format csv" "report overdue" "report open --format csv" \
        "report stats --from 2025-04-01 --to 2026-03-31" "report chronology --child $child" \
        "report alert-form $drp" "show $drp"; do
        # shellcheck disable=SC2086
        report "peak memory: $cmd" "$(peak_mb "$IRO" $cmd)" MB 100
    done
    rm -rf "$WORK/annual"
    report "peak memory: report annual (both years)" \
        "$(peak_mb "$IRO" report annual --from 2025-04-01 --to 2026-03-31 --out "$WORK/annual")" MB 100

    # Writes: each run must be a valid step, so every escalate acts on a QAP raised just before it.
    writes
done

echo
if [ "$FAILED" -gt 0 ]; then
    echo "$FAILED figure(s) over target"
    exit 1
fi
echo "every figure within its target"
