//! Drift is surfaced: what the overdue report cannot see, each kind on the demo service, the
//! thresholds from the policy, and the nightly job told by its exit status.

use serde_json::Value;

use crate::common::Service;

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

fn kinds(rows: &Value) -> Vec<&str> {
    let mut kinds: Vec<&str> = rows
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["kind"].as_str().unwrap_or_default())
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    kinds
}

#[test]
fn the_demo_service_has_drift_of_every_kind() {
    let service = Service::empty();
    service.ok(&["demo"]);
    let rows = json(&service.ok(&["report", "drift", "--format", "json"]));
    assert_eq!(
        kinds(&rows),
        [
            "all-done",
            "awaiting-cafcass",
            "extended",
            "long-consultation",
            "no-step",
            "past-deadline"
        ],
        "{rows:#}"
    );
    // Each row counts its working days to the as-of day, and says what drifted.
    for row in rows.as_array().expect("rows") {
        assert!(row["working_days"].as_i64().expect("days") >= 0, "{row}");
        assert!(!row["what"].as_str().unwrap_or_default().is_empty());
    }
    let extended = rows
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["kind"] == "extended")
        .expect("an extended action");
    assert_eq!(extended["action"], 1);
    assert!(extended["what"]
        .as_str()
        .is_some_and(|w| w.contains("extended 3 times")));
    // By IRO, the nightly job's exit status, CSV a reader opens.
    let iro = extended["iro"].as_str().expect("iro").to_string();
    let theirs = json(&service.ok(&["report", "drift", "--iro", &iro, "--format", "json"]));
    assert!(theirs
        .as_array()
        .expect("rows")
        .iter()
        .all(|r| r["iro"] == iro.as_str()));
    let status = service
        .iro()
        .args(["report", "drift", "--fail-if-any", "--format", "csv"])
        .output()
        .expect("run");
    assert_eq!(status.status.code(), Some(6));
    let mut csv = csv::Reader::from_reader(status.stdout.as_slice());
    assert_eq!(csv.records().count(), rows.as_array().map_or(0, Vec::len));
}

#[test]
fn the_thresholds_come_from_the_policy_and_count_working_days() {
    let service = Service::new();
    // Raised on 2026-10-26: 23 working days before 2026-11-26 (no holidays between).
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-10-26"));
    let rows = json(&service.ok(&["report", "drift", "--format", "json"]));
    let row = &rows[0];
    assert_eq!(row["matter"], m.as_str());
    assert_eq!(row["kind"], "no-step");
    assert_eq!(row["working_days"], 23);
    assert_eq!(rows.as_array().map(Vec::len), Some(1));
    // As of an earlier day, and with a longer threshold, it has not drifted yet.
    let earlier = json(&service.ok(&[
        "report",
        "drift",
        "--as-of",
        "2026-11-20",
        "--format",
        "json",
    ]));
    assert_eq!(earlier.as_array().map(Vec::len), Some(0), "{earlier}");
    std::fs::write(service.dir.path().join("iro.toml"), "drift_days = 24\n").expect("policy");
    let later = json(&service.ok(&["report", "drift", "--format", "json"]));
    assert_eq!(later.as_array().map(Vec::len), Some(0), "{later}");
    // A step today ends the drift.
    std::fs::remove_file(service.dir.path().join("iro.toml")).expect("remove");
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "Chased the social worker",
    ]);
    let rows = json(&service.ok(&["report", "drift", "--format", "json"]));
    assert_eq!(rows.as_array().map(Vec::len), Some(0), "{rows}");
}

#[test]
fn supervision_counts_the_social_workers_apart_and_reads_as_csv() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    // The child's own social worker records their supervision; another's may not.
    service.ok(&[
        "--as",
        "bking",
        "note",
        &m,
        "--supervision",
        "--text",
        "Discussed the QAP action",
        "--on",
        "2026-11-10",
    ]);
    service.ok(&[
        "staff",
        "add",
        "bother",
        "--name",
        "Bo Other",
        "--role",
        "social-worker",
        "--email",
        "bother@example.gov.uk",
        "--team",
        "North",
        "--on",
        "2026-01-05",
    ]);
    let err = service.refused(&[
        "--as",
        "bother",
        "note",
        &m,
        "--supervision",
        "--text",
        "x",
        "--on",
        "2026-11-10",
    ]);
    assert!(
        err.contains("not the social worker or practice supervisor of LCS-104233"),
        "{err}"
    );
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--supervision",
        "--text",
        "Discussed with my manager",
        "--on",
        "2026-11-12",
    ]);
    let items = json(&service.ok(&[
        "report",
        "supervision",
        "--iro",
        "asmith",
        "--format",
        "json",
    ]));
    assert_eq!(items[0]["last_supervision"], "2026-11-12");
    assert_eq!(items[0]["last_social_work_supervision"], "2026-11-10");
    // What happened since reads as the messages do: people by name and role, dates as a letter has them.
    service.extend(&m, "5", Some("2026-11-13"));
    let items = json(&service.ok(&[
        "report",
        "supervision",
        "--iro",
        "asmith",
        "--format",
        "json",
    ]));
    let since = items[0]["since"].to_string();
    assert!(
        since.contains("agreed by Name of jwhite (IRO team manager)")
            && since.contains("Friday 20 November 2026"),
        "{since}"
    );
    // Overdue reads as days overdue, not a negative number; CSV is rows a reader opens.
    let table = service.ok(&["report", "supervision", "--iro", "asmith"]);
    assert!(
        table.contains("working day(s) overdue)") && !table.contains("(-"),
        "{table}"
    );
    let csv_text = service.ok(&[
        "report",
        "supervision",
        "--iro",
        "asmith",
        "--format",
        "csv",
    ]);
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header = reader.headers().expect("header").clone();
    assert_eq!(&header[0], "matter");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let overdue = rows
        .iter()
        .find(|r| &r[6] == "overdue")
        .expect("an overdue row");
    assert_eq!(&overdue[0], m.as_str());
    assert!(overdue[9].parse::<i64>().expect("days") > 0);
}

#[test]
fn a_finished_matters_alert_form_counts_down_no_longer_and_a_redacted_title_names_the_child_once() {
    let service = Service::new();
    let m = crate::protocol::at_stage_one(&service);
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "2",
        "--reason",
        "No response",
        "--on",
        "2026-11-09",
    ]);
    service.ok(&crate::protocol::meeting(&m, "senior", "2026-11-10"));
    service.ok(&[
        "--as",
        "jwhite",
        "resolve",
        &m,
        "--outcome",
        "Agreed",
        "--resolved-by",
        "mblack",
        "--on",
        "2026-11-12",
        "--yes",
    ]);
    let form = service.ok(&["report", "alert-form", &m]);
    assert!(
        form.contains("(no longer running: the matter ended on 2026-11-12)"),
        "{form}"
    );
    assert!(form.contains("not done when the matter ended"), "{form}");
    assert!(!form.contains("working day(s) before"), "{form}");
    // Who escalated each stage, and the meetings.
    assert!(
        form.contains("Stage 2 entered on 2026-11-09 by Name of asmith"),
        "{form}"
    );
    assert!(form.contains("## Formal meetings"), "{form}");
    assert!(form.contains("chaired by Name of senior"), "{form}");
    let redacted = service.ok(&["report", "chronology", &m, "--redact"]);
    let title = redacted.lines().next().unwrap_or_default();
    assert!(title.ends_with("for LCS-104233"), "{title}");
    assert!(!redacted.contains("Sam Jones"));
}
