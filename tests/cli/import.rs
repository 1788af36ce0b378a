//! A tracker as a service keeps it goes in the first time, and only once: UK dates, Excel's
//! date-times, categories in the service's own words, people by name, columns iro does not read, blank
//! rows; every error of every row in one pass; each imported step marked with its file and row.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::{login, Service};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn import(service: &Service, args: &[&str]) -> (Option<i32>, String, String) {
    let output = service
        .iro()
        .arg("import")
        .args(args)
        .output()
        .expect("run iro");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn aliases(service: &Service) {
    std::fs::write(
        service.dir.path().join("iro.toml"),
        "[category_aliases]\nPEP = \"personal-education-plan\"\n",
    )
    .expect("policy");
}

#[test]
fn a_messy_tracker_names_every_error_in_one_pass_by_the_spreadsheets_own_rows() {
    let service = Service::new();
    let before = service.dump();
    let tracker = fixture("messy-tracker.csv");
    let (code, out, err) = import(&service, &[tracker.to_str().expect("path")]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(out, "");
    assert_eq!(service.dump(), before, "nothing recorded");
    let lines: Vec<&str> = err.lines().collect();
    // The column iro does not read is named once, and passed over.
    assert!(
        lines[0].starts_with("warning: ") && lines[0].contains("'Notes'"),
        "{err}"
    );
    for expected in [
        "row 2, column raised_on: '02/03/2026' is not a date iro reads without being told the order: give --dates dmy",
        "row 2, column action_due: '16/03/2026'",
        "row 2, column resolved_on: '13/03/2026'",
        "row 3, column challenged_on: '14/05/2026'",
        // Row 4 is blank: the next row is row 5, as the spreadsheet shows it.
        "row 5, column raised_on: '07/04/2026'",
        // Every field of a row is checked, whichever failed first.
        "row 6, column category: 'PEP' is not one of this service's categories",
        "row 6, column raised_on: '07/09/2026'",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(expected)),
            "no line starting {expected:?} in:\n{err}"
        );
    }
    // Each error is one line with its row and column; then the summary.
    assert!(lines[1..lines.len() - 1]
        .iter()
        .all(|l| l.starts_with("row ") && l.contains(", column ")));
    assert!(
        lines[lines.len() - 1].contains("nothing was imported"),
        "{err}"
    );
    // With --strict the column itself refuses the file.
    let (code, _, err) = import(&service, &["--strict", tracker.to_str().expect("path")]);
    assert_eq!(code, Some(2));
    assert!(err.contains("column 'notes' is not one iro reads"), "{err}");
}

#[test]
fn a_tracker_goes_in_with_the_right_options_once_marked_with_its_file_and_row() {
    let service = Service::new();
    aliases(&service);
    let tracker = fixture("messy-tracker.csv");
    let steps = fixture("messy-steps.csv");
    let (code, out, err) = import(
        &service,
        &["--dates", "dmy", tracker.to_str().expect("path")],
    );
    assert_eq!(code, Some(0), "{err}");
    let matters: Vec<&str> = out.lines().collect();
    assert_eq!(matters.len(), 4, "{out}");
    assert!(err.contains("'Notes'"), "{err}");
    let (code, _, err) = import(&service, &["--dates", "dmy", steps.to_str().expect("path")]);
    assert_eq!(code, Some(0), "{err}");

    // The categories in the service's words, and the steps the rows gave.
    let shown: Vec<Value> = matters.iter().map(|m| service.show(m)).collect();
    let categories: Vec<&str> = shown
        .iter()
        .map(|m| m["category"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        categories,
        [
            "permanence",
            "contact",
            "health-assessment",
            "personal-education-plan"
        ]
    );
    assert_eq!(shown[0]["state"], "resolved");
    assert_eq!(shown[0]["actions"][0]["status"], "done");
    assert_eq!(shown[1]["challenged_on"], "2026-05-14");
    assert_eq!(shown[1]["stage"], 2);
    assert_eq!(
        shown[1]["actions"][1]["text"],
        "Present the contact plan to panel"
    );
    let health = &shown[2];
    assert_eq!(health["actions"][0]["due"], "2026-05-05");
    assert_eq!(health["actions"][1]["text"], "Ask the GP for the records");
    assert_eq!(health["actions"][1]["status"], "done");

    // Each step says it was imported, from which file and row, and by whom.
    let chronology: Value = serde_json::from_str(&service.ok(&[
        "report",
        "chronology",
        matters[2],
        "--format",
        "json",
    ]))
    .expect("json");
    let rows = chronology.as_array().expect("rows");
    assert_eq!(rows.len(), 5);
    assert!(rows[0]["imported_from"]
        .as_str()
        .is_some_and(|f| f.starts_with("messy-tracker.csv row 5 (sha256 ")));
    assert!(rows[1]["imported_from"]
        .as_str()
        .is_some_and(|f| f.starts_with("messy-steps.csv row 2 ")));
    assert!(rows.iter().all(|r| r["entered_by"] == login()));
    let events: Value =
        serde_json::from_str(&service.ok(&["export", "events", "--format", "json"])).expect("json");
    let digest = format!(
        "{:x}",
        Sha256::digest(std::fs::read(&tracker).expect("read"))
    );
    let imported = events
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["source"]["digest"] == digest.as_str())
        .count();
    // Three steps of row 2, four of row 3, one each of rows 5 and 6.
    assert_eq!(imported, 9, "events from the tracker");
    service.ok(&["audit", "verify"]);

    // Again: nothing is added, and each row is said to be in already; a dry run says so too.
    let before = service.dump();
    for file in [&tracker, &steps] {
        let (code, out, err) = import(&service, &["--dates", "dmy", file.to_str().expect("path")]);
        assert_eq!(code, Some(0), "{err}");
        assert_eq!(out, "");
        assert!(err.contains("imported 0 row(s)"), "{err}");
        assert!(err.contains("row 2: imported before"), "{err}");
    }
    let (_, _, err) = import(
        &service,
        &[
            "--dates",
            "dmy",
            "--dry-run",
            tracker.to_str().expect("path"),
        ],
    );
    assert!(err.contains("4 row(s) imported before"), "{err}");
    assert_eq!(service.dump(), before);
}

#[test]
fn a_name_two_people_share_is_refused_and_nothing_is_silently_dropped() {
    let service = Service::new();
    service.ok(&[
        "staff",
        "add",
        "xtwin",
        "--name",
        "Name of bking",
        "--role",
        "social-worker",
        "--email",
        "xtwin@example.gov.uk",
        "--team",
        "North",
        "--on",
        "2026-01-05",
    ]);
    let file = service.dir.path().join("t.csv");
    std::fs::write(
        &file,
        "child,category,summary,raised_on,action,action_owner,action_due,cafcass_reason\n\
         LCS-104233,contact,Contact stopped,2026-11-02,Restart contact,Name of bking,2026-11-16,Rights at risk\n",
    )
    .expect("write");
    let (code, _, err) = import(&service, &[file.to_str().expect("path")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("row 2, column action_owner: 'Name of bking' is the name of bking and xtwin: give the id"),
        "{err}"
    );
    assert!(
        err.contains("row 2, column cafcass_reason: is given but not the day of the referral"),
        "{err}"
    );
}

#[test]
fn a_row_imported_before_with_other_values_is_an_error_not_a_silent_skip() {
    let service = Service::new();
    let write = |name: &str, text: &str| {
        let path = service.dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    };
    let header = "source_id,child,category,summary,raised_on,action,action_owner,action_due,outcome,resolved_on\n";
    let first = write(
        "north.csv",
        &format!("{header}T-1,LCS-104233,contact,Contact stopped,2026-10-01,Restart contact,bking,2026-10-15,,\n"),
    );
    let (code, _, err) = import(&service, &[first.to_str().expect("path")]);
    assert_eq!(code, Some(0), "{err}");
    let before = service.dump();
    // The same row with a resolution added since, and another team's tracker reusing the id.
    for (name, row) in [
        ("north-later.csv", "T-1,LCS-104233,contact,Contact stopped,2026-10-01,Restart contact,bking,2026-10-15,Contact restarted,2026-10-10\n"),
        ("south.csv", "T-1,LCS-200001,permanence,Another concern,2026-10-02,Plan,bking,2026-10-16,,\n"),
    ] {
        let file = write(name, &format!("{header}{row}"));
        let (code, _, err) = import(&service, &[file.to_str().expect("path")]);
        assert_eq!(code, Some(2), "{err}");
        assert!(
            err.contains("row 2, column source_id: was imported before (as Q-2026-0001, from north.csv row 2) with other values"),
            "{err}"
        );
        assert_eq!(service.dump(), before);
    }
    // Without source ids, the same concern with other values is found too.
    let header =
        "child,category,summary,raised_on,action,action_owner,action_due,outcome,resolved_on\n";
    let plain = write(
        "plain.csv",
        &format!(
            "{header}LCS-200001,permanence,Plan drifting,2026-10-05,Plan,bking,2026-10-19,,\n"
        ),
    );
    assert_eq!(
        import(&service, &[plain.to_str().expect("path")]).0,
        Some(0)
    );
    let changed = write(
        "plain-later.csv",
        &format!("{header}LCS-200001,permanence,Plan drifting,2026-10-05,Plan,bking,2026-10-19,Plan agreed,2026-10-12\n"),
    );
    let (code, _, err) = import(&service, &[changed.to_str().expect("path")]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("row 2, column (row): was imported before"),
        "{err}"
    );
}

#[test]
fn csv_starts_with_a_byte_order_mark_when_asked_so_spreadsheets_read_it_as_utf8() {
    let service = Service::new();
    service.ok(&[
        "child",
        "add",
        "LCS-300009",
        "--name",
        "Zoë Łukasz Ángel",
        "--team",
        "North",
        "--social-worker",
        "bking",
        "--team-manager",
        "tgreen",
        "--service-manager",
        "mblack",
        "--iro",
        "asmith",
        "--iro-team-manager",
        "jwhite",
        "--on",
        "2026-01-05",
    ]);
    let plain = service.ok(&["child", "list", "--format", "csv"]);
    assert!(!plain.starts_with('\u{feff}'), "no mark unless asked");
    let output = service
        .iro()
        .args(["--bom", "child", "list", "--format", "csv"])
        .output()
        .expect("run");
    assert!(output.stdout.starts_with(&[0xef, 0xbb, 0xbf]));
    let text = String::from_utf8(output.stdout).expect("utf-8");
    assert!(text.contains("Zoë Łukasz Ángel"));
    let by_env = service
        .iro()
        .env("IRO_CSV_BOM", "1")
        .args(["report", "overdue", "--format", "csv"])
        .output()
        .expect("run");
    assert!(by_env.stdout.starts_with(&[0xef, 0xbb, 0xbf]));
    // A table is not CSV: no mark.
    let table = service
        .iro()
        .args(["--bom", "child", "list"])
        .output()
        .expect("run");
    assert!(!table.stdout.starts_with(&[0xef, 0xbb, 0xbf]));
}
