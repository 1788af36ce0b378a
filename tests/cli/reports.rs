//! Reports, exports, the demo and the nightly script, from the outside.
//!
//! One scenario, built once by running the real commands on a fixed today, serves every read-only
//! test (reports never write), so the suite spawns a few dozen processes rather than hundreds.
//! Snapshots live in `tests/cli/snapshots`; `recorded_at` is the wall clock, so it is masked or left out.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;

use assert_cmd::Command;
use insta::{assert_json_snapshot, assert_snapshot};
use serde_json::Value;

use crate::common::{login, support_args, JOINED};

const TODAY: &str = "2026-11-26";

/// `iro` on a database, on the fixed today.
fn iro(db: &Path) -> Command {
    Command::from_std(crate::common::process(db, TODAY))
}

fn run(db: &Path, args: &[&str]) -> Output {
    iro(db).args(args).output().expect("iro runs")
}

/// Runs a command that must succeed; gives its stdout.
fn ok(db: &Path, args: &[&str]) -> String {
    let output = run(db, args);
    assert!(
        output.status.success(),
        "iro {args:?} ({:?}): {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs a command that must exit with `code`; gives its stderr.
fn fails(db: &Path, code: i32, args: &[&str]) -> String {
    let output = run(db, args);
    let stderr = String::from_utf8(output.stderr).expect("UTF-8 errors");
    assert_eq!(output.status.code(), Some(code), "iro {args:?}: {stderr}");
    stderr
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON on stdout")
}

/// The action text someone pasted from a spreadsheet: a formula, with quotes and a comma.
const FORMULA: &str = "=HYPERLINK(\"http://evil.example\",\"Complete the viability assessment\")";

/// The scenario's database: two teams, five categories, matters in every state, as of 2026-11-26.
///
/// - Q-2026-0001 health-assessment, South: QAP resolved without EPCP/DRP.
/// - E-2026-0001 health-assessment, South: entered at stage 3, formal CAFCASS referral, criteria met: closed.
/// - Q-2026-0002 contact, South: extended, escalated to stage 1, resolved within timescale.
/// - E-2026-0002 placement-stability-or-suitability, North: stage 1 then 2, concurrent referral not met; resolution overdue.
/// - Q-2026-0003 permanence, North: challenged; action 1 (a pasted formula) overdue.
/// - Q-2026-0004 personal-education-plan, North: action due tomorrow.
fn scenario() -> &'static Path {
    type Scenario = (
        tempfile::TempDir,
        PathBuf,
        Option<crate::common::ServerDatabase>,
    );
    static SCENARIO: OnceLock<Scenario> = OnceLock::new();
    let (_, db, _) = SCENARIO.get_or_init(|| {
        // Under cargo's target directory: the static is never dropped, so this is where it stays.
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary directory");
        let (db, server) = crate::common::database_in(dir.path());
        build_scenario(dir.path(), &db);
        (dir, db, server)
    });
    db
}

fn build_scenario(dir: &Path, db: &Path) {
    // These reports are about actions and resolution deadlines: no stage response timescales.
    let policy = dir.join("iro.toml");
    std::fs::write(&policy, "stage_response_days = 0\n").expect("policy");
    ok(db, &["init"]);
    let support = support_args(&login());
    ok(db, &support.iter().map(String::as_str).collect::<Vec<_>>());
    for (id, name, role, team) in [
        ("asmith", "Alex Smith", "iro", "IRO"),
        ("jwhite", "Jo White", "iro-team-manager", "IRO"),
        ("pmorgan", "Priya Morgan", "senior-iro-manager", "IRO"),
        ("bking", "Ben King", "social-worker", "North"),
        ("cdoe", "Chris Doe", "practice-supervisor", "North"),
        ("tgreen", "Tanya Green", "team-manager", "North"),
        ("gevans", "Gareth Evans", "social-worker", "South"),
        ("kosei", "Kwame Osei", "team-manager", "South"),
        ("mblack", "Martin Black", "service-manager", "Children"),
        ("rcollins", "Ruth Collins", "assistant-director", "Children"),
    ] {
        let email = format!("{id}@example.gov.uk");
        ok(
            db,
            &[
                "staff", "add", id, "--name", name, "--role", role, "--email", &email, "--team",
                team, "--on", JOINED,
            ],
        );
    }
    let child = |reference, name, team, social_worker, team_manager, supervisor: Option<&str>| {
        let mut args = vec![
            "child",
            "add",
            reference,
            "--name",
            name,
            "--team",
            team,
            "--social-worker",
            social_worker,
            "--team-manager",
            team_manager,
            "--service-manager",
            "mblack",
            "--iro",
            "asmith",
            "--iro-team-manager",
            "jwhite",
            "--on",
            JOINED,
        ];
        if let Some(supervisor) = supervisor {
            args.extend(["--practice-supervisor", supervisor]);
        }
        ok(db, &args);
    };
    child(
        "LCS-104233",
        "Sam Jones",
        "North",
        "bking",
        "tgreen",
        Some("cdoe"),
    );
    child("LCS-220481", "Ava Patel", "South", "gevans", "kosei", None);

    let step = |actor: &str, args: &[&str]| ok(db, &[&["--as", actor][..], args].concat());
    step(
        "asmith",
        &[
            "raise-qap",
            "LCS-220481",
            "--category",
            "health-assessment",
            "--summary",
            "Dental check overdue",
            "--action",
            "Book a dental check",
            "--owner",
            "gevans",
            "--within",
            "5",
            "--on",
            "2026-09-10",
        ],
    );
    step(
        "asmith",
        &[
            "resolve",
            "Q-2026-0001",
            "--outcome",
            "Check done",
            "--on",
            "2026-09-15",
        ],
    );
    step(
        "asmith",
        &[
            "escalate",
            "--child",
            "LCS-220481",
            "--category",
            "health-assessment",
            "--summary",
            "CAMHS referral refused twice",
            "--stage",
            "3",
            "--reason",
            "Risk of harm",
            "--on",
            "2026-09-01",
        ],
    );
    step(
        "asmith",
        &[
            "refer-cafcass",
            "E-2026-0001",
            "--reason",
            "Period passed without agreement",
            "--formal",
            "--on",
            "2026-10-01",
        ],
    );
    step(
        "asmith",
        &[
            "cafcass-decision",
            "E-2026-0001",
            "--met",
            "--on",
            "2026-10-20",
        ],
    );
    step(
        "asmith",
        &[
            "raise-qap",
            "LCS-220481",
            "--category",
            "contact",
            "--summary",
            "Sibling contact stopped",
            "--action",
            "Review sibling contact",
            "--owner",
            "gevans",
            "--within",
            "10",
            "--on",
            "2026-10-01",
        ],
    );
    step(
        "asmith",
        &[
            "extend",
            "Q-2026-0002",
            "--action",
            "1",
            "--due",
            "2026-10-30",
            "--agreed-by",
            "jwhite",
            "--reason",
            "Carer ill",
            "--on",
            "2026-10-14",
        ],
    );
    step(
        "asmith",
        &[
            "escalate",
            "Q-2026-0002",
            "--stage",
            "1",
            "--on",
            "2026-11-02",
        ],
    );
    step(
        "jwhite",
        &[
            "resolve",
            "Q-2026-0002",
            "--outcome",
            "Contact plan agreed",
            "--resolved-by",
            "kosei",
            "--on",
            "2026-11-20",
        ],
    );
    step(
        "asmith",
        &[
            "escalate",
            "--child",
            "LCS-104233",
            "--category",
            "placement-stability-or-suitability",
            "--summary",
            "Placement moved without a review",
            "--stage",
            "1",
            "--on",
            "2026-10-05",
        ],
    );
    step(
        "asmith",
        &[
            "escalate",
            "E-2026-0002",
            "--stage",
            "2",
            "--on",
            "2026-10-20",
        ],
    );
    step(
        "asmith",
        &[
            "refer-cafcass",
            "E-2026-0002",
            "--reason",
            "Child's wishes ignored",
            "--on",
            "2026-10-22",
        ],
    );
    step(
        "asmith",
        &[
            "cafcass-decision",
            "E-2026-0002",
            "--not-met",
            "--on",
            "2026-11-05",
        ],
    );
    step(
        "asmith",
        &[
            "raise-qap",
            "LCS-104233",
            "--category",
            "permanence",
            "--summary",
            "Permanence plan not progressed",
            "--action",
            FORMULA,
            "--owner",
            "bking",
            "--due",
            "2026-11-13",
            "--action",
            "Book permanence panel",
            "--owner",
            "tgreen",
            "--due",
            "2026-12-18",
            "--on",
            "2026-11-02",
        ],
    );
    step(
        "tgreen",
        &[
            "challenge",
            "Q-2026-0003",
            "--reason",
            "Assessment cannot start before the DBS check",
            "--on",
            "2026-11-05",
        ],
    );
    step(
        "asmith",
        &[
            "raise-qap",
            "LCS-104233",
            "--category",
            "personal-education-plan",
            "--summary",
            "PEP not held",
            "--action",
            "Hold the PEP meeting",
            "--owner",
            "bking",
            "--within",
            "3",
            "--on",
            "2026-11-24",
        ],
    );
    step(
        "asmith",
        &[
            "note",
            "Q-2026-0004",
            "--text",
            "Designated teacher contacted",
            "--on",
            "2026-11-25",
        ],
    );
}

/// `recorded_at` is when the test ran: masked to a same-width placeholder so tables keep their shape.
fn mask_recorded_at(text: &str) -> String {
    const SHAPE: &str = "dddd-dd-ddTdd:dd:dd.ddddddZ";
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let fits = bytes.len() - i >= SHAPE.len()
            && SHAPE
                .bytes()
                .zip(&bytes[i..])
                .all(|(want, &got)| match want {
                    b'd' => got.is_ascii_digit(),
                    _ => got == want,
                });
        if fits {
            out.push_str("YYYY-MM-DDTHH:MM:SS.ffffffZ");
            i += SHAPE.len();
        } else {
            let c = text[i..].chars().next().expect("a character");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn without_recorded_at(mut value: Value) -> Value {
    let login = login();
    for row in value.as_array_mut().expect("an array") {
        assert!(
            row["recorded_at"]
                .as_str()
                .is_some_and(|t| t.ends_with('Z')),
            "{row}"
        );
        // Entered by whoever runs the tests: the same on every row, named the same in every snapshot.
        assert_eq!(row["entered_by"], login.as_str(), "{row}");
        let fields = row.as_object_mut().expect("an object");
        fields.remove("recorded_at");
        fields.insert("entered_by".into(), "<login>".into());
    }
    value
}

/// A table whose cells may hold the login running the tests, as the same text on any machine: the
/// login named `<login>`, and the padding it changes squeezed to single spaces and rules.
fn machine_independent(table: &str) -> String {
    let text = table.replace(&login(), "<login>");
    let mut out = String::with_capacity(text.len());
    let mut last: Option<char> = None;
    for c in text.chars() {
        if matches!(c, ' ' | '─' | '═') && last == Some(c) {
            continue;
        }
        out.push(c);
        last = Some(c);
    }
    out
}

fn csv_records(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn overdue_lists_the_most_overdue_first() {
    let db = scenario();
    assert_snapshot!("overdue_table", ok(db, &["report", "overdue"]));
    let rows = json(&ok(
        db,
        &["report", "overdue", "--due-within", "1", "--format", "json"],
    ));
    assert_json_snapshot!("overdue_due_within_1_json", rows);
    // The contract scripts rely on (DESIGN.md).
    for row in rows.as_array().expect("an array") {
        for field in [
            "matter",
            "child",
            "iro",
            "team",
            "item",
            "due",
            "working_days_overdue",
        ] {
            assert!(row.get(field).is_some(), "{field} in {row}");
        }
    }
    let south = json(&ok(
        db,
        &["report", "overdue", "--team", "South", "--format", "json"],
    ));
    assert_eq!(
        south,
        serde_json::json!([]),
        "nothing of the South team is overdue"
    );
}

#[test]
fn overdue_csv_parses_back_with_formulas_neutralised_unless_raw() {
    let db = scenario();
    let (header, rows) = csv_records(&ok(db, &["report", "overdue", "--format", "csv"]));
    assert_eq!(
        header,
        [
            "matter",
            "child",
            "iro",
            "team",
            "item",
            "action",
            "action_text",
            "owner",
            "stage",
            "due",
            "working_days_overdue",
            "overdue"
        ]
    );
    assert_eq!(
        rows,
        [
            [
                "E-2026-0002",
                "LCS-104233",
                "asmith",
                "North",
                "drp-resolution",
                "",
                "",
                "",
                "2",
                "2026-11-02",
                "18",
                "true"
            ],
            [
                "Q-2026-0003",
                "LCS-104233",
                "asmith",
                "North",
                "qap-action",
                "1",
                &format!("'{FORMULA}"),
                "bking",
                "",
                "2026-11-13",
                "9",
                "true"
            ],
        ]
    );
    let (_, raw) = csv_records(&ok(db, &["report", "overdue", "--format", "csv", "--raw"]));
    assert_eq!(raw[1][6], FORMULA);
    // A negative count of working days is a number, not a formula to neutralise.
    let (_, soon) = csv_records(&ok(
        db,
        &["report", "overdue", "--due-within", "1", "--format", "csv"],
    ));
    assert_eq!(soon[2][10], "-1");
}

#[test]
fn fail_if_any_exits_6_only_when_something_is_overdue() {
    let db = scenario();
    let output = run(
        db,
        &["report", "overdue", "--fail-if-any", "--format", "csv"],
    );
    assert_eq!(output.status.code(), Some(6));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).lines().count(),
        3,
        "the report is still written"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("2 overdue as of 2026-11-26"));
    // Due soon is not overdue.
    let early = run(
        db,
        &[
            "report",
            "overdue",
            "--fail-if-any",
            "--as-of",
            "2026-10-30",
            "--due-within",
            "2",
        ],
    );
    assert_eq!(
        early.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&early.stderr)
    );
    assert!(String::from_utf8_lossy(&early.stdout).contains("due in 1"));
}

#[test]
fn open_matters_by_state_and_stage_with_totals() {
    let db = scenario();
    assert_snapshot!("open_table", ok(db, &["report", "open"]));
    let report = json(&ok(db, &["report", "open", "--format", "json"]));
    assert_json_snapshot!("open_json", report);
    let counted: u64 = report["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .map(|t| t["count"].as_u64().expect("count"))
        .sum();
    assert_eq!(
        counted,
        report["matters"].as_array().expect("matters").len() as u64
    );
}

#[test]
fn stats_breakdowns_sum_to_the_totals() {
    let db = scenario();
    let stats = json(&ok(
        db,
        &[
            "report",
            "stats",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "json",
        ],
    ));
    assert_json_snapshot!("stats_2026_json", stats);
    let qap = &stats["totals"]["qap"];
    assert_eq!(
        [&qap["raised"], &qap["resolved"], &qap["escalated"]],
        [4, 1, 1]
    );
    assert_eq!(
        stats["totals"]["drp"]["resolved_within_timescale_percent"],
        100.0
    );

    // October only: both ends of the period count (a QAP raised and a referral on 1 October).
    for (from, to) in [("2026-01-01", "2026-12-31"), ("2026-10-01", "2026-10-31")] {
        let (header, rows) = csv_records(&ok(
            db,
            &[
                "report", "stats", "--from", from, "--to", to, "--format", "csv",
            ],
        ));
        assert_eq!(header[..2], ["breakdown", "group"]);
        // Every row says which period it is of, kept apart from the command that made it.
        assert_eq!(header[header.len() - 2..], ["from", "to"]);
        assert!(
            rows.iter().all(|r| r[r.len() - 2..] == [from, to]),
            "{rows:?}"
        );
        // Categories in the policy's order, not the alphabet's.
        let policy = ok(db, &["policy", "show"]);
        let at: Vec<usize> = rows
            .iter()
            .filter(|r| r[0] == "category")
            .map(|r| {
                policy
                    .find(&format!("\"{}\"", r[1]))
                    .expect("a policy category")
            })
            .collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
        let totals = rows.iter().find(|r| r[0] == "all").expect("an all row");
        for (column, name) in header.iter().enumerate().skip(2) {
            if ["_percent", "_median", "_p90", "_per_matter"]
                .iter()
                .any(|end| name.ends_with(end))
                || name == "extensions_matters"
                || name.starts_with("children_")
                || ["from", "to"].contains(&name.as_str())
            {
                continue;
            }
            for breakdown in ["category", "team", "iro", "iro-team-manager"] {
                let sum: u64 = rows
                    .iter()
                    .filter(|r| r[0] == breakdown)
                    .map(|r| r[column].parse::<u64>().expect("a count"))
                    .sum();
                assert_eq!(
                    sum.to_string(),
                    totals[column],
                    "{name} by {breakdown}, {from} to {to}"
                );
            }
        }
        if from == "2026-10-01" {
            let value = |name: &str| &totals[header.iter().position(|h| h == name).expect(name)];
            assert_eq!(value("qap_raised"), "1");
            assert_eq!(value("cafcass_referrals_formal"), "1");
            assert_eq!(value("cafcass_referrals_concurrent"), "1");
            assert_eq!(value("drp_entered_stage_1"), "1");
            // The formal referral CAFCASS decided (criteria met) closed its matter: settled by CAFCASS.
            assert_eq!(value("cafcass_decisions_criteria_met"), "1");
            assert_eq!(value("cafcass_closed"), "1");
        }
    }
    assert_snapshot!(
        "stats_october_table",
        ok(
            db,
            &[
                "report",
                "stats",
                "--from",
                "2026-10-01",
                "--to",
                "2026-10-31"
            ]
        )
    );
    fails(
        db,
        2,
        &[
            "report",
            "stats",
            "--from",
            "2026-12-31",
            "--to",
            "2026-01-01",
        ],
    );
}

#[test]
fn chronology_in_effective_date_order() {
    let db = scenario();
    let table = ok(db, &["report", "chronology", "--child", "LCS-104233"]);
    assert_snapshot!(
        "chronology_child_table",
        machine_independent(&mask_recorded_at(&table))
    );
    let events = json(&ok(
        db,
        &["report", "chronology", "q-2026-0002", "--format", "json"],
    ));
    assert_json_snapshot!("chronology_matter_json", without_recorded_at(events));
    let (header, rows) = csv_records(&ok(
        db,
        &[
            "report",
            "chronology",
            "--child",
            "LCS-220481",
            "--format",
            "csv",
        ],
    ));
    let dates: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(
        dates, sorted,
        "effective-date order, though E-2026-0001 was recorded after Q-2026-0001"
    );
    assert_eq!(header[8], "what");
    assert_eq!(
        rows[0][8], "LCS-220481 became looked after, in team South, IRO asmith",
        "the child's own directory changes are part of its chronology"
    );
    assert_eq!(rows[1][8], "entered EPCP/DRP at stage 3; resolution deadline 2026-09-29 (health-assessment: CAMHS referral refused twice); reason: Risk of harm");
    fails(db, 4, &["report", "chronology", "--child", "LCS-999999"]);
}

#[test]
fn alert_form_of_a_matter_in_epcp() {
    let db = scenario();
    assert_snapshot!(
        "alert_form_markdown",
        ok(db, &["report", "alert-form", "E-2026-0002"])
    );
    let form = json(&ok(
        db,
        &[
            "report",
            "alert-form",
            "Q-2026-0002",
            "--format",
            "json",
            "--as-of",
            "2026-11-20",
        ],
    ));
    assert_json_snapshot!("alert_form_resolved_json", form);
    let refused = fails(db, 2, &["report", "alert-form", "Q-2026-0003"]);
    assert!(refused.contains("never entered EPCP/DRP"), "{refused}");
    fails(db, 4, &["report", "alert-form", "E-2026-0099"]);
}

#[test]
fn exports_parse_back_with_formulas_neutralised_unless_raw() {
    let db = scenario();
    let (header, matters) = csv_records(&ok(db, &["export", "matters", "--format", "csv"]));
    assert_eq!(matters.len(), 6);
    assert_eq!(header[0], "id");
    assert_eq!(
        matters.iter().map(|m| m[0].as_str()).collect::<Vec<_>>(),
        [
            "E-2026-0001",
            "E-2026-0002",
            "Q-2026-0001",
            "Q-2026-0002",
            "Q-2026-0003",
            "Q-2026-0004"
        ]
    );
    // Raised in November: Q-2026-0003 and Q-2026-0004.
    let november = json(&ok(
        db,
        &[
            "export",
            "actions",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-30",
            "--format",
            "json",
        ],
    ));
    assert_json_snapshot!("export_actions_november_json", november);
    let (header, actions) = csv_records(&ok(db, &["export", "actions", "--format", "csv"]));
    let text = header
        .iter()
        .position(|h| h == "text")
        .expect("a text column");
    let pasted: Vec<&Vec<String>> = actions
        .iter()
        .filter(|a| a[text].contains("HYPERLINK"))
        .collect();
    assert_eq!(pasted[0][text], format!("'{FORMULA}"));
    let (_, raw) = csv_records(&ok(db, &["export", "actions", "--format", "csv", "--raw"]));
    assert!(raw.iter().any(|a| a[text] == FORMULA));

    let events = json(&ok(
        db,
        &[
            "export",
            "events",
            "--from",
            "2026-11-20",
            "--format",
            "json",
        ],
    ));
    let steps: Vec<&Value> = events
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| !e["matter"].is_null())
        .collect();
    let kinds: Vec<&str> = steps
        .iter()
        .map(|e| e["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["resolved", "qap-raised", "noted"]);
    assert_eq!(steps[0]["details"]["resolved_by"], "kosei");
    let (header, rows) = csv_records(&ok(
        db,
        &["export", "events", "--to", "2026-09-10", "--format", "csv"],
    ));
    let details = header.iter().position(|h| h == "details").expect("details");
    let matter = header.iter().position(|h| h == "matter").expect("matter");
    // The directory as it was set up comes first; then the steps, in the order recorded.
    let (directory, steps): (Vec<_>, Vec<_>) = rows.iter().partition(|r| r[matter].is_empty());
    assert!(directory.len() > 10, "the staff and children added");
    assert!(rows.iter().position(|r| !r[matter].is_empty()) == Some(directory.len()));
    let first: Value = serde_json::from_str(&steps[0][details]).expect("details as JSON");
    assert_eq!(first["kind"], "qap-raised", "in the order recorded");
    assert_eq!(steps.len(), 2);
    fails(db, 2, &["export", "events"]);
}

#[test]
fn demo_builds_a_service_and_prints_its_overdue_table() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let db = dir.path().join("demo.db");
    let output = iro(&db).arg("demo").output().expect("iro runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(table.starts_with("Overdue as of 2026-11-26:"), "{table}");
    assert!(
        table.contains("qap-action") && table.contains("drp-resolution"),
        "{table}"
    );
    assert!(table.ends_with("15 overdue\n"), "{table}");
    assert!(
        table.contains("stage-response"),
        "stage response timescales are on by default"
    );
    assert!(stderr.contains("40 children"), "{stderr}");
    // Every state is there to look at.
    let open = json(&ok(&db, &["report", "open", "--format", "json"]));
    let totals = open["totals"].as_array().expect("totals");
    assert_eq!(totals.len(), 6, "consultation, QAP, stages 1 to 3, CAFCASS");
    for total in totals {
        assert!(total["count"].as_u64().expect("a count") > 0, "{total}");
    }
    let all = json(&ok(&db, &["list", "--format", "json"]));
    for state in ["resolved", "closed"] {
        assert!(
            all.as_array()
                .expect("matters")
                .iter()
                .any(|m| m["state"] == state),
            "a {state} matter"
        );
    }
    let refused = fails(&db, 2, &["demo"]);
    assert!(refused.contains("demo.db exists already"), "{refused}");
}

#[test]
#[cfg(unix)]
fn the_nightly_script_writes_a_dated_csv_and_fails_when_something_is_overdue() {
    let db = scenario();
    let reports = tempfile::tempdir().expect("a temporary directory");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/nightly-overdue.sh");
    let witness = reports.path().join("heads");
    let run = || {
        crate::common::script(&script)
            .env("IRO_DB", db)
            .env("IRO_TODAY", TODAY)
            .env("IRO_REPORT_DIR", reports.path().join("overdue"))
            .env("IRO_WITNESS", &witness)
            .output()
            .expect("bash runs")
    };
    let output = run();
    assert_eq!(
        output.status.code(),
        Some(6),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // Each night keeps its head; the next night checks the record against every one kept.
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("record checked: ok"), "{said}");
    let second = run();
    assert_eq!(second.status.code(), Some(6));
    assert!(String::from_utf8_lossy(&second.stderr).contains("all 1 witnessed heads on it"));
    let kept = std::fs::read_to_string(&witness).expect("the witness");
    assert_eq!(kept.lines().count(), 2, "{kept}");
    let reports_dir = reports.path().join("overdue");
    let csv = std::fs::read_to_string(reports_dir.join("overdue-2026-11-26.csv"))
        .expect("the dated file");
    assert_eq!(csv_records(&csv).1.len(), 2);
    let left: Vec<_> = std::fs::read_dir(&reports_dir)
        .expect("the directory")
        .collect();
    assert_eq!(left.len(), 1, "no partial file is left behind");
}
