//! The workflow commands as a user runs them: each rule accepts the allowed step and refuses the
//! forbidden one with exit 3, leaving the database exactly as it was.

use crate::common::Service;

#[test]
fn raising_a_qap_prints_the_new_id_alone_and_records_the_actions() {
    let service = Service::new();
    let output = service
        .iro()
        .args([
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
            "--category",
            "contact",
            "--summary",
            "Contact lapsed",
            "--action",
            "Restart contact",
            "--owner",
            "bking",
            "--within",
            "10",
            "--action",
            "Review plan",
            "--owner",
            "tgreen",
            "--due",
            "2026-12-18",
            "--action",
            "Visit",
            "--owner",
            "cdoe",
            "--within",
            "2",
        ])
        .output()
        .expect("run");
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), "Q-2026-0001\n");
    let m = service.show("Q-2026-0001");
    assert_eq!(m["state"], "qap");
    assert_eq!(m["stage"], serde_json::Value::Null);
    assert_eq!(m["child"], "LCS-104233");
    assert_eq!(m["iro"], "asmith");
    assert_eq!(m["team"], "North");
    assert_eq!(m["raised_on"], "2026-11-26");
    assert_eq!(m["challenge_deadline"], "2026-12-03");
    let dues: Vec<(&str, &str)> = m["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .map(|a| {
            (
                a["owner"].as_str().unwrap_or(""),
                a["due"].as_str().unwrap_or(""),
            )
        })
        .collect();
    // --due and --within pair with their own --action, in the order typed.
    assert_eq!(
        dues,
        [
            ("bking", "2026-12-10"),
            ("tgreen", "2026-12-18"),
            ("cdoe", "2026-11-30")
        ]
    );
    assert_eq!(
        service.raise_qap("asmith", "LCS-104233", Some("2026-11-26")),
        "Q-2026-0002"
    );
}

#[test]
fn who_may_raise_a_qap_and_what_it_needs() {
    let service = Service::new();
    let args = |actor: &'static str| {
        vec![
            "--as",
            actor,
            "raise-qap",
            "LCS-104233",
            "--category",
            "permanence",
            "--summary",
            "Drift",
            "--action",
            "Assess",
            "--owner",
            "bking",
            "--within",
            "5",
        ]
    };
    let err = service.refused(&args("bking"));
    assert!(err.contains("bking is a social-worker"), "{err}");
    service.ok(&args("jwhite"));
    // Mismatched actions and timescales are a usage error.
    let before = service.dump();
    service.fails(
        2,
        &[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
            "--category",
            "other",
            "--summary",
            "y",
            "--action",
            "a",
            "--owner",
            "bking",
        ],
    );
    // Unknown child, owner or acting person: not found.
    service.fails(
        4,
        &[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-999",
            "--category",
            "other",
            "--summary",
            "y",
            "--action",
            "a",
            "--owner",
            "bking",
            "--within",
            "3",
        ],
    );
    let err = service.fails(
        4,
        &[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
            "--category",
            "other",
            "--summary",
            "y",
            "--action",
            "a",
            "--owner",
            "ghost",
            "--within",
            "3",
        ],
    );
    assert!(err.contains("--owner ghost"), "{err}");
    service.fails(
        4,
        &[
            "--as",
            "ghost",
            "raise-qap",
            "LCS-104233",
            "--category",
            "other",
            "--summary",
            "y",
            "--action",
            "a",
            "--owner",
            "bking",
            "--within",
            "3",
        ],
    );
    assert_eq!(service.dump(), before);
}

#[test]
fn the_challenge_window_is_five_working_days() {
    let service = Service::new();
    let early = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    let late = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    service.ok(&[
        "--as",
        "tgreen",
        "challenge",
        &early,
        "--reason",
        "Assessment booked",
        "--on",
        "2026-11-09",
    ]);
    assert_eq!(service.show(&early)["challenged_on"], "2026-11-09");
    let err = service.refused(&[
        "--as",
        "tgreen",
        "challenge",
        &late,
        "--reason",
        "Too late",
        "--on",
        "2026-11-10",
    ]);
    assert_eq!(
        err,
        "error: challenge window closed on 2026-11-09 (5 working days after the QAP was raised on 2026-11-02) [rule 3: challenge window]\n"
    );
    // Another team's manager may not challenge this child's QAP.
    service.refused(&[
        "--as",
        "tother",
        "challenge",
        &late,
        "--reason",
        "x",
        "--on",
        "2026-11-03",
    ]);
}

#[test]
fn a_new_timescale_needs_an_iro_team_managers_agreement_and_keeps_the_old_one() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    let err = service.refused(&[
        "--as",
        "asmith",
        "extend",
        &m,
        "--action",
        "1",
        "--within",
        "10",
        "--agreed-by",
        "pother",
        "--reason",
        "x",
    ]);
    assert!(err.contains("IRO team manager"), "{err}");
    service.refused(&[
        "--as",
        "asmith",
        "extend",
        &m,
        "--action",
        "2",
        "--within",
        "10",
        "--agreed-by",
        "jwhite",
        "--reason",
        "x",
    ]);
    service.extend(&m, "10", Some("2026-11-10"));
    assert_eq!(service.show(&m)["actions"][0]["due"], "2026-11-24");
    let history: Vec<(String, Option<String>)> = crate::common::Peek::open(&service.db)
        .rows(
            "SELECT due, agreed_by FROM action_due_history WHERE matter = $1 ORDER BY event",
            &[&m],
        )
        .into_iter()
        .map(|row| (row[0].clone().expect("a due date"), row[1].clone()))
        .collect();
    assert_eq!(
        history,
        [
            ("2026-11-09".to_string(), None),
            ("2026-11-24".to_string(), Some("jwhite".to_string()))
        ]
    );
}

#[test]
fn entering_epcp_fixes_a_twenty_working_day_deadline_and_stages_only_go_up() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    let err = service.refused(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "2",
        "--on",
        "2026-11-03",
    ]);
    assert!(err.contains("needs a --reason"), "{err}");
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "1",
        "--on",
        "2026-11-03",
    ]);
    let shown = service.show(&m);
    assert_eq!(
        (shown["state"].as_str(), shown["stage"].as_u64()),
        (Some("drp"), Some(1))
    );
    assert_eq!(shown["drp_entered_on"], "2026-11-03");
    assert_eq!(shown["drp_deadline"], "2026-12-01");
    service.refused(&["--as", "asmith", "escalate", &m, "--stage", "3"]);
    service.refused(&[
        "--as", "asmith", "escalate", &m, "--stage", "1", "--reason", "again",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "2",
        "--on",
        "2026-11-10",
    ]);
    service.refused(&[
        "--as", "asmith", "escalate", &m, "--stage", "1", "--reason", "down",
    ]);
    service.ok(&["--as", "asmith", "escalate", &m, "--stage", "3"]);
    service.refused(&[
        "--as", "asmith", "escalate", &m, "--stage", "3", "--reason", "past 3",
    ]);
    assert_eq!(
        service.show(&m)["drp_deadline"],
        "2026-12-01",
        "the deadline is fixed at entry"
    );
    // A stage that is not 1, 2 or 3 is a usage error.
    service.fails(2, &["--as", "asmith", "escalate", &m, "--stage", "4"]);
}

#[test]
fn a_new_matter_can_enter_epcp_at_any_stage_with_a_reason() {
    let service = Service::new();
    let base = [
        "--as",
        "asmith",
        "escalate",
        "--child",
        "LCS-200001",
        "--category",
        "placement-stability-or-suitability",
        "--summary",
        "Unsafe placement",
    ];
    service.refused(&[&base[..], &["--stage", "3"]].concat());
    let id = service.ok(&[&base[..], &["--stage", "3", "--reason", "Immediate risk"]].concat());
    assert_eq!(id, "E-2026-0001\n");
    let m = service.show("E-2026-0001");
    assert_eq!(
        (m["stage"].as_u64(), m["drp_deadline"].as_str()),
        (Some(3), Some("2026-12-24"))
    );
}

#[test]
fn the_resolving_manager_fits_the_stage() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "2",
        "--reason",
        "Urgent",
        "--on",
        "2026-11-03",
    ]);
    let err = service.refused(&[
        "--as",
        "jwhite",
        "resolve",
        &m,
        "--outcome",
        "Agreed",
        "--resolved-by",
        "tgreen",
    ]);
    assert!(
        err.contains(
            "LCS-104233 is resolved at this stage by the child's own service-manager (mblack)"
        ),
        "{err}"
    );
    service.refused(&[
        "--as",
        "asmith",
        "resolve",
        &m,
        "--outcome",
        "Agreed",
        "--resolved-by",
        "mblack",
    ]);
    service.ok(&[
        "--as",
        "jwhite",
        "resolve",
        &m,
        "--outcome",
        "Agreed",
        "--resolved-by",
        "mblack",
    ]);
    let shown = service.show(&m);
    assert_eq!(shown["state"], "resolved");
    assert_eq!(shown["resolved_by"], "mblack");
    // Nothing changes a resolved matter.
    let err = service.refused(&[
        "--as", "asmith", "escalate", &m, "--stage", "3", "--reason", "x",
    ]);
    assert!(err.contains("nothing changes it"), "{err}");
    service.refused(&["--as", "asmith", "refer-cafcass", &m, "--reason", "x"]);
}

#[test]
fn cafcass_referrals_follow_the_matters_progress_through_epcp() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-10-01"));
    service.refused(&[
        "--as",
        "asmith",
        "refer-cafcass",
        &m,
        "--reason",
        "Rights at risk",
        "--on",
        "2026-10-02",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "1",
        "--on",
        "2026-10-05",
    ]);
    service.refused(&["--as", "jwhite", "refer-cafcass", &m, "--reason", "x"]);
    service.ok(&[
        "--as",
        "asmith",
        "refer-cafcass",
        &m,
        "--reason",
        "Rights at risk",
        "--on",
        "2026-10-06",
    ]);
    assert_eq!(
        service.show(&m)["state"],
        "drp",
        "a concurrent referral leaves EPCP/DRP running"
    );
    service.ok(&[
        "--as",
        "asmith",
        "cafcass-decision",
        &m,
        "--not-met",
        "--on",
        "2026-10-20",
    ]);
    // Deadline 2026-11-02 has passed by today: a referral is still concurrent unless the IRO says
    // formal, and only then does the matter wait on CAFCASS.
    service.ok(&[
        "--as",
        "asmith",
        "refer-cafcass",
        &m,
        "--reason",
        "Still at risk",
        "--on",
        "2026-11-20",
    ]);
    assert_eq!(service.show(&m)["state"], "drp");
    assert_eq!(service.show(&m)["referrals"][1]["kind"], "concurrent");
    service.ok(&[
        "--as",
        "asmith",
        "cafcass-decision",
        &m,
        "--met",
        "--on",
        "2026-11-23",
    ]);
    assert_eq!(
        service.show(&m)["state"],
        "drp",
        "a concurrent decision is recorded"
    );
    service.ok(&[
        "--as",
        "asmith",
        "refer-cafcass",
        &m,
        "--reason",
        "EPCP failed",
        "--formal",
        "--on",
        "2026-11-24",
    ]);
    assert_eq!(service.show(&m)["state"], "cafcass");
    // CAFCASS not taking it puts the matter back in EPCP/DRP, where it can still be resolved; a
    // formal referral CAFCASS takes closes it.
    service.ok(&[
        "--as",
        "asmith",
        "cafcass-decision",
        &m,
        "--not-met",
        "--on",
        "2026-11-25",
    ]);
    assert_eq!(service.show(&m)["state"], "drp");
    service.ok(&[
        "--as",
        "asmith",
        "refer-cafcass",
        &m,
        "--reason",
        "Rights still at risk",
        "--formal",
    ]);
    service.refused(&[
        "--as",
        "jwhite",
        "resolve",
        &m,
        "--outcome",
        "x",
        "--resolved-by",
        "tgreen",
    ]);
    service.ok(&["--as", "asmith", "cafcass-decision", &m, "--met"]);
    let shown = service.show(&m);
    assert_eq!(shown["state"], "closed");
    assert!(shown["outcome"]
        .as_str()
        .unwrap_or("")
        .contains("judicial review"));
}

#[test]
fn steps_are_dated_neither_in_the_future_nor_before_the_last_one() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-10"));
    let err = service.refused(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "x",
        "--on",
        "2026-11-27",
    ]);
    assert!(err.contains("in the future (today is 2026-11-26)"), "{err}");
    let err = service.refused(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "x",
        "--on",
        "2026-11-09",
    ]);
    assert!(
        err.contains("before matter Q-2026-0001's last step on 2026-11-10"),
        "{err}"
    );
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "Spoke to the social worker",
        "--on",
        "2026-11-10",
    ]);
}

#[test]
fn bad_input_is_refused_with_its_exit_status_and_changes_nothing() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-10"));
    let before = service.dump();
    let err = service.fails(
        2,
        &[
            "--as",
            "asmith",
            "note",
            &m,
            "--text",
            "x",
            "--on",
            "26/11/2026",
        ],
    );
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    service.fails(
        2,
        &[
            "--as",
            "asmith",
            "note",
            &m,
            "--text",
            "x",
            "--on",
            "2026-02-30",
        ],
    );
    service.fails(2, &["--as", "asmith", "note", &m, "--text", "   "]);
    service.fails(2, &["--as", "asmith", "note", &m, "--text", "bad\u{7}bell"]);
    service.fails(
        2,
        &["--as", "asmith", "note", &m, "--text", &"x".repeat(100_000)],
    );
    service.fails(2, &["--as", "asmith", "frobnicate"]);
    service.fails(4, &["--as", "asmith", "note", "Q-2026-0999", "--text", "x"]);
    service.fails(4, &["--as", "ghost", "note", &m, "--text", "x"]);
    service.fails(
        2,
        &[
            "staff",
            "add",
            "x",
            "--name",
            "X",
            "--role",
            "wizard",
            "--email",
            "x@example.gov.uk",
        ],
    );
    service.fails(
        2,
        &[
            "staff",
            "add",
            "asmith",
            "--name",
            "X",
            "--role",
            "iro",
            "--email",
            "x@example.gov.uk",
        ],
    );
    // A person in the wrong role for a slot is refused by the directory's rule.
    let err = service.fails(
        3,
        &[
            "child",
            "add",
            "LCS-3",
            "--name",
            "X",
            "--team",
            "North",
            "--social-worker",
            "tgreen",
            "--team-manager",
            "tgreen",
            "--service-manager",
            "mblack",
            "--iro",
            "asmith",
            "--iro-team-manager",
            "jwhite",
        ],
    );
    assert!(err.contains("--social-worker tgreen"), "{err}");
    // SQL metacharacters are only ever data.
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "'; DROP TABLE matters; --",
    ]);
    assert_eq!(service.show(&m)["state"], "qap");
    assert_ne!(service.dump(), before, "the note was recorded");
}

#[test]
fn a_missing_or_foreign_database_is_a_database_problem() {
    if crate::common::file_only("a missing or foreign file") {
        return;
    }
    let service = Service::empty();
    let err = service.fails(5, &["list"]);
    assert!(err.contains("run `iro init`"), "{err}");
    assert!(!service.db.exists(), "reading never creates a database");
    std::fs::write(
        &service.db,
        b"this is not sqlite at all, it is a text file with enough bytes in it",
    )
    .expect("write");
    service.fails(5, &["list"]);
    let dir = Service::empty();
    dir.iro()
        .env("IRO_DB", dir.dir.path())
        .args(["list"])
        .assert()
        .code(5);
}

#[test]
fn init_creates_a_private_database_once() {
    let service = Service::empty();
    let out = service.ok(&["init"]);
    if let Some(database) = &service.server {
        // On a server, the database is named in words, never by a URL that may hold a password.
        assert_eq!(
            out.trim(),
            format!(
                "postgres database {} on {}",
                database.name,
                database.socket()
            )
        );
        assert!(service.ok(&["init"]).trim() == out.trim());
        return;
    }
    assert_eq!(out.trim(), service.db.display().to_string());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&service.db)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "no access for group or others: {mode:o}");
    }
    service.ok(&["init"]);
}

/// One matter through the whole protocol, checked after each step as `show --format json` gives it.
#[test]
fn a_matter_from_qap_to_resolution() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-10-01"));
    let check = |state: &str, stage: Option<u64>, due: &str| {
        let shown = service.show(&m);
        assert_eq!(shown["state"], state);
        assert_eq!(shown["stage"].as_u64(), stage);
        assert_eq!(shown["actions"][0]["due"], due);
        shown
    };
    check("qap", None, "2026-10-08");
    // 2026-10-12: the action is overdue; a new timescale is agreed.
    service.extend(&m, "5", Some("2026-10-12"));
    check("qap", None, "2026-10-19");
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "1",
        "--on",
        "2026-10-21",
    ]);
    let shown = check("drp", Some(1), "2026-10-19");
    assert_eq!(shown["drp_deadline"], "2026-11-18");
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "3",
        "--reason",
        "No response at stage 1",
        "--on",
        "2026-10-28",
    ]);
    check("drp", Some(3), "2026-10-19");
    service.ok(&[
        "--as",
        "asmith",
        "refer-cafcass",
        &m,
        "--reason",
        "Risk of breach",
        "--on",
        "2026-10-29",
    ]);
    let shown = check("drp", Some(3), "2026-10-19");
    assert_eq!(shown["referrals"][0]["kind"], "concurrent");
    service.ok(&[
        "--as",
        "asmith",
        "legal-advice",
        &m,
        "--note",
        "Chambers consulted",
        "--on",
        "2026-10-30",
    ]);
    service.ok(&[
        "--as",
        "jwhite",
        "brief-senior",
        &m,
        "--note",
        "Senior IRO manager briefed",
        "--on",
        "2026-10-30",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "complete-action",
        &m,
        "--action",
        "1",
        "--on",
        "2026-11-04",
    ]);
    service.ok(&[
        "--as",
        "jwhite",
        "resolve",
        &m,
        "--outcome",
        "Plan agreed by AD",
        "--resolved-by",
        "adir",
        "--on",
        "2026-11-05",
    ]);
    let shown = check("resolved", Some(3), "2026-10-19");
    assert_eq!(shown["resolved_on"], "2026-11-05");
    assert_eq!(shown["actions"][0]["status"], "done");
    let listed: serde_json::Value =
        serde_json::from_str(&service.ok(&["list", "--state", "resolved", "--format", "json"]))
            .expect("json");
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], m.as_str());
    let kinds: Vec<String> = crate::common::Peek::open(&service.db)
        .texts(
            "SELECT kind FROM events WHERE matter = $1 ORDER BY id",
            &[&m],
        )
        .into_iter()
        .map(|kind| kind.expect("a kind"))
        .collect();
    assert_eq!(
        kinds,
        [
            "qap-raised",
            "action-extended",
            "drp-entered",
            "stage-raised",
            "referred-to-cafcass",
            "legal-advice-sought",
            "senior-manager-briefed",
            "action-completed",
            "resolved"
        ]
    );
}

#[test]
fn list_filters_by_state_stage_child_iro_and_team() {
    let service = Service::new();
    let a = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    let b = service.raise_qap("asmith", "LCS-104233", Some("2026-11-03"));
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &b,
        "--stage",
        "1",
        "--on",
        "2026-11-04",
    ]);
    let ids = |args: &[&str]| -> Vec<String> {
        let json: serde_json::Value =
            serde_json::from_str(&service.ok(&[&["list", "--format", "json"][..], args].concat()))
                .expect("json");
        json.as_array()
            .expect("array")
            .iter()
            .map(|m| m["id"].as_str().unwrap_or("").to_string())
            .collect()
    };
    assert_eq!(ids(&["--state", "qap"]), vec![a.clone()]);
    assert_eq!(ids(&["--stage", "1"]), vec![b.clone()]);
    assert_eq!(ids(&["--iro", "asmith"]), [b.clone(), a.clone()]);
    assert_eq!(ids(&["--team", "South"]), Vec::<String>::new());
    assert_eq!(ids(&["--child", "LCS-200001"]), Vec::<String>::new());
    let csv = service.ok(&["list", "--format", "csv"]);
    assert!(
        csv.starts_with("id,child,iro,team,category,state,stage"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 3);
}

#[test]
fn the_walkthrough_example_runs_as_a_user_would_type_it() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/walkthrough.sh");
    let output = crate::common::script(std::path::Path::new(script))
        .output()
        .expect("run walkthrough");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("matter: Q-2026-0001"), "{stdout}");
    assert!(stdout.contains("resolved 2026-11-05 by adir"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("challenge window closed on 2026-10-08")
    );
}

#[test]
fn the_demo_can_be_run_again_and_never_touches_a_database_it_did_not_make() {
    let service = Service::empty();
    let demo = || {
        let mut cmd = service.iro();
        cmd.env_remove("IRO_DB")
            .current_dir(service.dir.path())
            .arg("demo");
        cmd.output().expect("run demo")
    };
    assert!(demo().status.success());
    let again = demo();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert!(String::from_utf8_lossy(&again.stderr).contains("replacing the previous demo database"));
    // A file named with --db is never replaced.
    let named = service.dir.path().join("iro-demo.db");
    let before = std::fs::read(&named).expect("demo file");
    service
        .iro()
        .env_remove("IRO_DB")
        .args(["--db", named.to_str().unwrap_or_default(), "demo"])
        .assert()
        .code(2);
    assert_eq!(std::fs::read(&named).expect("demo file"), before);
}

#[test]
fn the_listing_marks_a_matter_whose_next_deadline_has_passed() {
    let mut service = Service::new();
    // Due 9 November (five working days from the 2nd), and 2 December (from the 25th).
    let late = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    let running = service.raise_qap("asmith", "LCS-200001", Some("2026-11-25"));
    let row = |listing: &str, id: &str| -> String {
        listing
            .lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("{id} listed: {listing}"))
            .to_string()
    };
    let listing = service.ok(&["list"]);
    assert!(
        row(&listing, &late).contains("2026-11-09 overdue"),
        "{listing}"
    );
    assert!(row(&listing, &running).contains("2026-12-02"), "{listing}");
    assert!(!row(&listing, &running).contains("overdue"), "{listing}");
    assert!(
        listing.contains("2 matter(s), 1 with its next deadline passed"),
        "{listing}"
    );
    // As it stood on the day it fell due, it had not passed yet.
    let then = service.ok(&["list", "--as-of", "2026-11-09"]);
    assert!(!then.contains("overdue"), "{then}");
    assert!(then.contains("1 matter(s)\n"), "{then}");
    // Scripts read the same fields as before.
    let csv = service.ok(&["list", "--format", "csv"]);
    assert!(!csv.contains("overdue"), "{csv}");
    // Once it is done, nothing is running late.
    service.ok(&["--as", "asmith", "complete-action", &late, "--action", "1"]);
    service.today = "2026-11-27".into();
    let listing = service.ok(&["list"]);
    assert!(!row(&listing, &late).contains("overdue"), "{listing}");
}
