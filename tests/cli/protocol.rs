//! The rest of the protocol: pre-review consultation, formal meetings, alert form revisions, the
//! CAFCASS pack and the supervision view.

use crate::common::Service;

fn consult(service: &Service, on: &str) -> String {
    service
        .ok(&[
            "--as",
            "asmith",
            "consult",
            "LCS-104233",
            "--category",
            "health-assessment",
            "--summary",
            "Health assessment overdue",
            "--with",
            "bking",
            "--with",
            "tgreen",
            "--on",
            on,
        ])
        .trim()
        .to_string()
}

#[test]
fn a_consultation_is_settled_or_becomes_a_qap_or_epcp_and_the_figures_count_each_level() {
    let mut service = Service::new();
    let settled = consult(&service, "2026-10-01");
    assert!(settled.starts_with("C-2026-"), "{settled}");
    assert_eq!(service.show(&settled)["state"], "consultation");
    service.ok(&[
        "--as",
        "asmith",
        "resolve",
        &settled,
        "--outcome",
        "Booked after a call",
        "--on",
        "2026-10-02",
    ]);
    let to_qap = consult(&service, "2026-10-05");
    // A consultation's QAP keeps its concern: --category and --summary are not given again.
    service.fails(
        2,
        &[
            "--as",
            "asmith",
            "raise-qap",
            &to_qap,
            "--category",
            "contact",
            "--summary",
            "x",
            "--action",
            "a",
            "--owner",
            "bking",
            "--within",
            "5",
        ],
    );
    // Typed on the day: the team manager is told that day.
    service.today = "2026-10-07".into();
    service.ok(&[
        "--as",
        "asmith",
        "raise-qap",
        &to_qap,
        "--action",
        "Book the assessment",
        "--owner",
        "bking",
        "--within",
        "5",
    ]);
    service.today = crate::common::TODAY.into();
    let shown = service.show(&to_qap);
    assert_eq!(shown["state"], "qap");
    assert_eq!(shown["raised_on"], "2026-10-05");
    assert_eq!(shown["qap_raised_on"], "2026-10-07");
    assert_eq!(shown["challenge_deadline"], "2026-10-14");
    let to_drp = consult(&service, "2026-10-05");
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &to_drp,
        "--stage",
        "1",
        "--on",
        "2026-10-08",
    ]);
    assert_eq!(service.show(&to_drp)["state"], "drp");
    // Its history is kept: the chronology starts with the consultation.
    let chronology: serde_json::Value =
        serde_json::from_str(&service.ok(&["report", "chronology", &to_drp, "--format", "json"]))
            .expect("json");
    assert_eq!(chronology[0]["kind"], "consultation-opened");
    assert_eq!(chronology[1]["kind"], "drp-entered");
    let stats: serde_json::Value = serde_json::from_str(&service.ok(&[
        "report",
        "stats",
        "--from",
        "2026-10-01",
        "--to",
        "2026-10-31",
        "--format",
        "json",
    ]))
    .expect("json");
    let k = &stats["totals"]["consultation"];
    assert_eq!(
        (k["opened"].as_u64(), k["settled"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(
        (k["to_qap"].as_u64(), k["to_drp"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(stats["totals"]["qap"]["raised"], 1);
    assert_eq!(
        stats["totals"]["qap"]["escalated"], 0,
        "a consultation entering EPCP/DRP was never a QAP"
    );
    assert_eq!(
        stats["totals"]["qap"]["resolved"], 0,
        "a settled consultation is not a resolved QAP"
    );
    assert_eq!(
        stats["by_team"]["North"]["consultation"],
        stats["totals"]["consultation"]
    );
}

/// A QAP entered into EPCP/DRP at stage 1 on 2026-11-02.
pub(crate) fn at_stage_one(service: &Service) -> String {
    let m = service
        .ok(&[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
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
            "--on",
            "2026-10-26",
        ])
        .trim()
        .to_string();
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "1",
        "--on",
        "2026-11-02",
    ]);
    m
}

pub(crate) fn meeting<'a>(m: &'a str, chair: &'a str, on: &'a str) -> Vec<&'a str> {
    vec![
        "--as",
        "senior",
        "meeting",
        m,
        "--chair",
        chair,
        "--attendee",
        "tgreen",
        "--attendee",
        "mblack",
        "--on",
        on,
        "--action",
        "Present the plan to panel",
        "--owner",
        "mblack",
        "--within",
        "10",
    ]
}

#[test]
fn formal_meetings_are_held_at_stage_two_or_three_chaired_by_the_senior_iro_manager() {
    let service = Service::new();
    let m = at_stage_one(&service);
    let err = service.refused(&meeting(&m, "senior", "2026-11-05"));
    assert!(err.contains("stage 2 or 3"), "{err}");
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
    let err = service.refused(&meeting(&m, "asmith", "2026-11-10"));
    assert!(err.contains("chaired by a senior IRO manager"), "{err}");
    let before: serde_json::Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    service.ok(&meeting(&m, "senior", "2026-11-10"));
    let actions = service.show(&m)["actions"].clone();
    assert_eq!(actions[1]["text"], "Present the plan to panel");
    assert_eq!(actions[1]["due"], "2026-11-24");
    let form = service.ok(&["report", "alert-form", &m]);
    assert!(form.contains("Present the plan to panel"), "{form}");
    // Those present and the parties of stage 2 are told.
    let after: serde_json::Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    let told = &after[before.as_array().map_or(0, Vec::len)];
    assert_eq!(told["event_kind"], "meeting-held");
    let to = told["to"].to_string();
    for person in ["mblack", "tgreen", "senior"] {
        assert!(to.contains(person), "{person} told: {to}");
    }
}

#[test]
fn every_alert_form_change_is_a_numbered_revision_and_earlier_ones_can_be_shown() {
    let service = Service::new();
    let m = at_stage_one(&service);
    service.extend(&m, "10", Some("2026-11-04"));
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "Chased the team",
        "--on",
        "2026-11-05",
    ]);
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
    let current = service.ok(&["report", "alert-form", &m]);
    assert!(current.contains("Revision 3 of 3"), "{current}");
    assert!(
        current.contains("stage 1 to stage 2; stage response due 2026-11-16: No response"),
        "what changed: {current}"
    );
    assert!(
        current.contains("note: Chased the team"),
        "what changed: {current}"
    );
    let first = service.ok(&["report", "alert-form", &m, "--revision", "1"]);
    assert!(
        first.contains("Revision 1 of 3: the form as EPCP/DRP was entered"),
        "{first}"
    );
    assert!(first.contains("in EPCP/DRP at stage 1"), "{first}");
    assert!(first.contains("| 1 | Complete viability assessment | Name of bking | 2026-11-02 | open | 2026-11-02 set 2026-10-26 |"), "{first}");
    let second: serde_json::Value = serde_json::from_str(&service.ok(&[
        "report",
        "alert-form",
        &m,
        "--revision",
        "2",
        "--format",
        "json",
    ]))
    .expect("json");
    assert_eq!(second["revision"], 2);
    assert_eq!(second["stage"], 1);
    assert_eq!(second["actions"][0]["due"], "2026-11-18");
    assert_eq!(
        second["actions"][0]["due_history"].as_array().map(Vec::len),
        Some(2)
    );
    let err = service.fails(2, &["report", "alert-form", &m, "--revision", "4"]);
    assert!(err.contains("revisions 1 to 3"), "{err}");
}

#[test]
fn the_cafcass_pack_holds_the_record_with_a_manifest_of_digests_and_the_head_hash() {
    use sha2::{Digest, Sha256};
    let service = Service::new();
    let m = at_stage_one(&service);
    let out = service.dir.path().join("pack");
    let err = service.fails(
        3,
        &[
            "report",
            "cafcass-pack",
            &m,
            "--out",
            out.to_str().unwrap_or_default(),
        ],
    );
    assert!(err.contains("never referred to CAFCASS"), "{err}");
    assert!(!out.exists(), "a refused pack writes nothing");
    service.ok(&[
        "--as",
        "asmith",
        "legal-advice",
        &m,
        "--note",
        "Advice from chambers <b>urgent</b>",
        "--on",
        "2026-11-03",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "refer-cafcass",
        &m,
        "--reason",
        "Risk of breach",
        "--on",
        "2026-11-04",
    ]);
    service.ok(&[
        "report",
        "cafcass-pack",
        &m,
        "--out",
        out.to_str().unwrap_or_default(),
    ]);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("manifest.json")).expect("manifest"),
    )
    .expect("json");
    assert_eq!(manifest["matter"], m.as_str());
    assert_eq!(
        manifest["audit_head"].as_str(),
        Some(service.ok(&["audit", "head"]).trim())
    );
    for file in manifest["files"].as_array().expect("files") {
        let bytes =
            std::fs::read(out.join(file["name"].as_str().unwrap_or_default())).expect("file");
        assert_eq!(
            file["sha256"].as_str(),
            Some(format!("{:x}", Sha256::digest(&bytes)).as_str())
        );
    }
    let markdown = std::fs::read_to_string(out.join("cafcass-pack.md")).expect("md");
    for part in [
        "## Chronology",
        "## Legal advice and formal meetings",
        "Revision 1 of 1",
        "## Messages",
        "Risk of breach",
    ] {
        assert!(markdown.contains(part), "{part}: {markdown}");
    }
    let html = std::fs::read_to_string(out.join("cafcass-pack.html")).expect("html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("&lt;b&gt;urgent&lt;/b&gt;"),
        "typed markup is shown, not obeyed"
    );
    assert!(!html.contains("<b>urgent"), "{html}");
    assert!(
        !html.contains("http:") && !html.contains("https:"),
        "no external assets"
    );
    assert!(html.contains("Content-Security-Policy"));
    service.fails(
        2,
        &[
            "report",
            "cafcass-pack",
            &m,
            "--out",
            out.to_str().unwrap_or_default(),
        ],
    );
}

#[test]
fn supervision_shows_what_happened_since_the_last_discussion_and_what_is_due() {
    let service = Service::new();
    let m = at_stage_one(&service);
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--supervision",
        "--text",
        "Agreed to wait",
        "--on",
        "2026-11-03",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "Team manager on leave",
        "--on",
        "2026-11-04",
    ]);
    let other = consult(&service, "2026-11-20");
    service.refused(&["--as", "tgreen", "note", &m, "--supervision", "--text", "x"]);
    let view: serde_json::Value = serde_json::from_str(&service.ok(&[
        "report",
        "supervision",
        "--iro",
        "asmith",
        "--format",
        "json",
    ]))
    .expect("json");
    let items = view.as_array().expect("array");
    assert_eq!(items.len(), 2);
    let item = items
        .iter()
        .find(|i| i["matter"] == m.as_str())
        .expect("matter listed");
    assert_eq!(item["last_supervision"], "2026-11-03");
    assert_eq!(item["since"].as_array().map(Vec::len), Some(1));
    assert_eq!(item["since"][0]["what"], "note: Team manager on leave");
    // Action 1 was due 2026-11-02 (overdue); the resolution deadline 2026-11-30 is within 10 working days.
    assert_eq!(item["overdue"][0]["due"], "2026-11-02");
    assert_eq!(item["due_soon"][0]["item"], "EPCP/DRP resolution");
    assert_eq!(item["due_soon"][0]["working_days"], 2);
    let fresh = items
        .iter()
        .find(|i| i["matter"] == other.as_str())
        .expect("consultation listed");
    assert_eq!(fresh["last_supervision"], serde_json::Value::Null);
    let table = service.ok(&["report", "supervision", "--iro", "asmith"]);
    assert!(
        table.contains("last discussed in supervision 2026-11-03"),
        "{table}"
    );
    service.fails(4, &["report", "supervision", "--iro", "ghost"]);
}

#[test]
fn a_policy_with_stage_response_days_puts_each_stage_on_the_overdue_report() {
    let service = Service::new();
    std::fs::write(
        service.dir.path().join("iro.toml"),
        "stage_response_days = 5\n",
    )
    .expect("policy");
    let m = at_stage_one(&service);
    let shown = service.show(&m);
    assert_eq!(shown["stages"][0]["response_deadline"], "2026-11-09");
    let overdue: serde_json::Value =
        serde_json::from_str(&service.ok(&["report", "overdue", "--format", "json"]))
            .expect("json");
    let items: Vec<(&str, &str)> = overdue
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["item"].as_str().unwrap_or(""),
                r["due"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        items.contains(&("stage-response", "2026-11-09")),
        "{items:?}"
    );
    assert!(items.contains(&("qap-action", "2026-11-02")), "{items:?}");
    // A new stage gets its own response deadline; the old one no longer runs.
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
        "2026-11-24",
    ]);
    let overdue = service.ok(&["report", "overdue", "--format", "csv"]);
    assert!(
        !overdue.contains("stage-response"),
        "stage 2 responds by 2026-11-30: {overdue}"
    );
    // Five working days would be 2026-12-01, past the resolution deadline: it never runs past it.
    assert_eq!(
        service.show(&m)["stages"][1]["response_deadline"],
        "2026-11-30"
    );
}

#[test]
fn a_policy_check_warns_of_a_long_resolution_period_and_refuses_a_resolving_role_not_a_manager() {
    let service = Service::new();
    let file = service.dir.path().join("check.toml");
    std::fs::write(&file, "resolution_days = 30\n").expect("write");
    let output = service
        .iro()
        .args(["policy", "check", file.to_str().expect("path")])
        .output()
        .expect("run");
    assert!(output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("warning:") && err.contains("no more than 20 working days"),
        "{err}"
    );
    std::fs::write(
        &file,
        "resolving_roles = [\"team-manager\", \"iro\", \"assistant-director\"]\n",
    )
    .expect("write");
    let err = service.fails(2, &["policy", "check", file.to_str().expect("path")]);
    assert!(
        err.contains("'iro' is not a manager of the child's social work line"),
        "{err}"
    );
    // Stage response timescales are on by default, and 0 turns them off.
    let shown = service.ok(&["policy", "show"]);
    assert!(shown.contains("stage_response_days = 5"), "{shown}");
    std::fs::write(
        service.dir.path().join("iro.toml"),
        "stage_response_days = 0\n",
    )
    .expect("write");
    let m = at_stage_one(&service);
    assert!(service.show(&m)["stages"][0]["response_deadline"].is_null());
}

#[test]
fn a_stage_entered_after_the_resolution_deadline_has_its_own_response_and_the_form_says_so() {
    let service = Service::new();
    // Stage 1 from 2026-11-02: resolution deadline 2026-11-30.
    let m = at_stage_one(&service);
    let mut service = service;
    service.today = "2026-12-01".into();
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &m,
        "--stage",
        "2",
        "--reason",
        "No response",
    ]);
    assert_eq!(
        service.show(&m)["stages"][1]["response_deadline"],
        "2026-12-08"
    );
    let form = service.ok(&["report", "alert-form", &m]);
    assert!(
        form.contains(
            "| 2 | 2026-12-01 (the resolution period passed on 2026-11-30) | 2026-12-08 |"
        ),
        "{form}"
    );
}
