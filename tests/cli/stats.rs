//! The year's figures, counted by hand: a scripted autumn whose every figure is worked out below, a
//! matter moving through stages 1, 2 and 3 among them; the breakdowns added up against the totals; the
//! table kept to 100 columns.

use serde_json::Value;

use crate::common::Service;
use crate::corrections::events_of;

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

/// `--as WHO` then the step, on its own day.
fn step(service: &Service, who: &str, on: &str, args: &[&str]) -> String {
    let mut all = vec!["--as", who];
    all.extend_from_slice(args);
    all.extend(["--on", on, "--yes"]);
    service.ok(&all).trim().to_string()
}

fn qap(service: &Service, iro: &str, child: &str, on: &str) -> String {
    step(
        service,
        iro,
        on,
        &[
            "raise-qap",
            child,
            "--category",
            "permanence",
            "--summary",
            "Plan drifting",
            "--action",
            "Complete viability assessment",
            "--owner",
            "bking",
            "--within",
            "5",
        ],
    )
}

/// The scripted autumn. Before the period, one QAP (P) on LCS-200001, still open. In October and
/// November: A on LCS-104233 (challenged, extended, done on time, stage 1 on 12 October, stage 2 on
/// 20 October, a formal meeting, stage 3 on 26 October, legal advice, the senior manager briefed,
/// resolved by the AD on 2 November); B on LCS-200001 (its action done late, resolved as a QAP on 16
/// October); C on LCS-300003 under another IRO team manager (stage 1 on 9 November, an extension
/// recorded and voided, open at the end).
pub(crate) fn autumn() -> Service {
    let mut service = Service::new();
    service.today = "2026-11-30".into();
    service.ok(&[
        "staff",
        "add",
        "kteam",
        "--name",
        "Kim Team",
        "--role",
        "iro-team-manager",
        "--email",
        "kteam@example.gov.uk",
        "--team",
        "IRO-South",
        "--on",
        "2026-01-05",
    ]);
    service.ok(&[
        "child",
        "add",
        "LCS-300003",
        "--name",
        "Ali Khan",
        "--team",
        "North",
        "--social-worker",
        "bking",
        "--team-manager",
        "tgreen",
        "--service-manager",
        "mblack",
        "--iro",
        "pother",
        "--iro-team-manager",
        "kteam",
        "--on",
        "2026-01-05",
    ]);
    let _p = qap(&service, "asmith", "LCS-200001", "2026-09-15");

    let a = qap(&service, "asmith", "LCS-104233", "2026-10-01");
    step(
        &service,
        "tgreen",
        "2026-10-05",
        &["challenge", &a, "--reason", "Not agreed"],
    );
    step(
        &service,
        "asmith",
        "2026-10-07",
        &[
            "extend",
            &a,
            "--action",
            "1",
            "--within",
            "3",
            "--agreed-by",
            "jwhite",
            "--reason",
            "Assessor ill",
        ],
    );
    step(
        &service,
        "asmith",
        "2026-10-09",
        &["complete-action", &a, "--action", "1"],
    );
    step(
        &service,
        "asmith",
        "2026-10-12",
        &["escalate", &a, "--stage", "1"],
    );
    step(
        &service,
        "asmith",
        "2026-10-20",
        &["escalate", &a, "--stage", "2"],
    );
    let mut meeting = crate::protocol::meeting(&a, "senior", "2026-10-21");
    meeting.push("--yes");
    service.ok(&meeting);
    step(
        &service,
        "asmith",
        "2026-10-26",
        &["escalate", &a, "--stage", "3"],
    );
    step(
        &service,
        "asmith",
        "2026-10-27",
        &["legal-advice", &a, "--note", "Counsel consulted"],
    );
    step(
        &service,
        "jwhite",
        "2026-10-28",
        &["brief-senior", &a, "--note", "Briefed"],
    );
    step(
        &service,
        "jwhite",
        "2026-11-02",
        &[
            "resolve",
            &a,
            "--outcome",
            "Placement agreed",
            "--resolved-by",
            "adir",
        ],
    );

    let b = qap(&service, "asmith", "LCS-200001", "2026-10-05");
    step(
        &service,
        "asmith",
        "2026-10-14",
        &["complete-action", &b, "--action", "1"],
    );
    step(
        &service,
        "asmith",
        "2026-10-16",
        &["resolve", &b, "--outcome", "Done"],
    );

    let c = qap(&service, "pother", "LCS-300003", "2026-11-02");
    step(
        &service,
        "pother",
        "2026-11-09",
        &["escalate", &c, "--stage", "1"],
    );
    step(
        &service,
        "pother",
        "2026-11-10",
        &[
            "extend",
            &c,
            "--action",
            "1",
            "--within",
            "5",
            "--agreed-by",
            "kteam",
            "--reason",
            "Typed on the wrong matter",
        ],
    );
    let extension = events_of(&service, &c, "action-extended")[0].to_string();
    step(
        &service,
        "pother",
        "2026-11-11",
        &["void", &extension, "--reason", "Wrong matter"],
    );
    service
}

fn figures(service: &Service, from: &str, to: &str) -> Value {
    json(&service.ok(&[
        "report", "stats", "--from", from, "--to", to, "--format", "json",
    ]))
}

#[test]
fn every_figure_of_a_scripted_autumn_is_as_counted_by_hand() {
    let service = autumn();
    let stats = figures(&service, "2026-10-01", "2026-11-30");
    let t = &stats["totals"];
    let spread = |median: f64, p90: i64| serde_json::json!({"median": median, "p90": p90});
    // P was open as the period began; P and C as it ended.
    assert_eq!(t["open"], serde_json::json!({"at_start": 1, "at_end": 2}));
    // Three children; LCS-200001's second concern is a repeat of P.
    assert_eq!(
        t["children"],
        serde_json::json!({"distinct": 3, "repeat": 1})
    );
    assert_eq!(t["qap"]["raised"], 3);
    assert_eq!(t["qap"]["resolved"], 1);
    assert_eq!(t["qap"]["escalated"], 2);
    // B: raised 5 October, resolved 16 October: 9 working days.
    assert_eq!(t["qap"]["working_days_to_resolution"], spread(9.0, 9));
    assert_eq!(
        t["challenges"],
        serde_json::json!({"made": 1, "followed_by_drp": 1})
    );
    let drp = &t["drp"];
    assert_eq!(
        drp["entered"],
        serde_json::json!({"total": 2, "stage_1": 2, "stage_2": 0, "stage_3": 0})
    );
    // A reached stages 1, 2 and 3; C stage 1.
    assert_eq!(
        drp["reached"],
        serde_json::json!({"total": 4, "stage_1": 2, "stage_2": 1, "stage_3": 1})
    );
    assert_eq!(
        drp["resolved"],
        serde_json::json!({"total": 1, "stage_1": 0, "stage_2": 0, "stage_3": 1})
    );
    // A's stays: 12 to 20 October at stage 1 (6 working days), 20 to 26 at stage 2 (4), 26 October to
    // 2 November at stage 3 (5); C's stay at stage 1 has not ended.
    assert_eq!(drp["working_days_at_stage"]["stage_1"], spread(6.0, 6));
    assert_eq!(drp["working_days_at_stage"]["stage_2"], spread(4.0, 4));
    assert_eq!(drp["working_days_at_stage"]["stage_3"], spread(5.0, 5));
    // Entered 12 October, resolution deadline 9 November, resolved 2 November: 15 working days.
    assert_eq!(drp["resolved_within_timescale"], 1);
    assert_eq!(drp["working_days_to_resolution"], spread(15.0, 15));
    assert_eq!(drp["working_days_to_resolution_bands"]["11-15"], 1);
    let banded: u64 = drp["working_days_to_resolution_bands"]
        .as_object()
        .expect("bands")
        .values()
        .map(|v| v.as_u64().expect("a count"))
        .sum();
    assert_eq!(banded, 1, "every resolution in one band");
    // A, B and C are the three concerns raised; none was closed by CAFCASS.
    assert_eq!(t["concerns"]["raised"], 3);
    assert_eq!(t["cafcass"]["closed"], 0);
    // The voided extension counts for nothing.
    assert_eq!(
        t["extensions"],
        serde_json::json!({"agreed": 1, "matters": 1, "per_matter": 1.0})
    );
    // A's action done by its extended date, B's two days late.
    assert_eq!(
        t["actions"],
        serde_json::json!({"completed": 2, "completed_on_time": 1, "completed_on_time_percent": 50.0})
    );
    assert_eq!(
        t["activity"],
        serde_json::json!({"meetings": 1, "legal_advice": 1, "senior_manager_briefings": 1})
    );

    // By IRO team manager as allocated when each matter was raised.
    let kteam = &stats["by_iro_team_manager"]["kteam"];
    assert_eq!(kteam["qap"]["raised"], 1);
    assert_eq!(kteam["drp"]["entered"]["total"], 1);
    assert_eq!(kteam["open"]["at_end"], 1);
    assert_eq!(stats["by_iro_team_manager"]["jwhite"]["qap"]["raised"], 2);
    // By month: each step in the month it took effect, each month's open figures its own.
    let october = &stats["by_month"]["2026-10"];
    let november = &stats["by_month"]["2026-11"];
    assert_eq!(
        (
            october["qap"]["raised"].clone(),
            november["qap"]["raised"].clone()
        ),
        (2.into(), 1.into())
    );
    assert_eq!(
        october["open"],
        serde_json::json!({"at_start": 1, "at_end": 2})
    );
    assert_eq!(
        november["open"],
        serde_json::json!({"at_start": 2, "at_end": 2})
    );
    assert_eq!(november["drp"]["resolved"]["stage_3"], 1);

    // The period's first day counts (C's QAP, raised 2 November, in November alone), and a step
    // before the period does not (P's raising).
    let november_only = figures(&service, "2026-11-01", "2026-11-30");
    assert_eq!(november_only["totals"]["qap"]["raised"], 1);
    assert_eq!(
        november_only["totals"]["open"],
        serde_json::json!({"at_start": 2, "at_end": 2})
    );
    // A month of a longer period is that month on its own: one computation.
    assert_eq!(november_only["totals"], stats["by_month"]["2026-11"]);
}

#[test]
fn every_breakdown_adds_up_to_the_totals_in_the_csv() {
    let service = autumn();
    let text = service.ok(&[
        "report",
        "stats",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-30",
        "--format",
        "csv",
    ]);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("a record").iter().map(String::from).collect())
        .collect();
    let totals = rows.iter().find(|r| r[0] == "all").expect("an all row");
    // Counts add up; percentages, spreads, ratios and distinct children do not.
    let summed = |name: &str| {
        !(["_percent", "_median", "_p90", "_per_matter"]
            .iter()
            .any(|end| name.ends_with(end))
            || name == "extensions_matters"
            || name.starts_with("children_")
            || ["from", "to"].contains(&name))
    };
    let mut checked = 0;
    for (column, name) in header.iter().enumerate().skip(2) {
        if !summed(name) || name.starts_with("open_") {
            continue;
        }
        for breakdown in ["category", "team", "iro", "iro-team-manager", "month"] {
            let sum: u64 = rows
                .iter()
                .filter(|r| r[0] == breakdown)
                .map(|r| r[column].parse::<u64>().expect("a count"))
                .sum();
            assert_eq!(sum.to_string(), totals[column], "{name} by {breakdown}");
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} sums checked");
    // Open matters add up across groups, but not across months: each month has its own start and end.
    let open_at_end = header
        .iter()
        .position(|h| h == "open_at_end")
        .expect("open_at_end");
    for breakdown in ["category", "team", "iro", "iro-team-manager"] {
        let sum: u64 = rows
            .iter()
            .filter(|r| r[0] == breakdown)
            .map(|r| r[open_at_end].parse::<u64>().expect("a count"))
            .sum();
        assert_eq!(
            sum.to_string(),
            totals[open_at_end],
            "open at end by {breakdown}"
        );
    }
}

#[test]
fn the_table_fits_in_100_columns_however_many_groups() {
    let service = autumn();
    let table = service.ok(&[
        "report",
        "stats",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-30",
        "--by",
        "category,iro-team-manager,month",
    ]);
    let widest = table.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest <= 100, "{widest} columns wide:\n{table}");
    // Two months and the total: one page; every month is there.
    assert!(
        table.contains("By month:") && table.contains("2026-10") && table.contains("2026-11"),
        "{table}"
    );
    insta::assert_snapshot!("stats_autumn_table", table);
}
