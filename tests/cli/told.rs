//! Who is told beyond the stage table (rule 10): the owner of an action, the child's IRO of steps others
//! take and of every challenge, the senior IRO manager of every step while in EPCP/DRP, CAFCASS of a
//! referral; and the provision of the CAFCASS pack recorded.

use serde_json::Value;

use crate::common::Service;
use crate::protocol::at_stage_one;

/// The last message queued about `matter` for a step of `kind`: who it went to and who was copied.
fn told(service: &Service, matter: &str, kind: &str) -> Option<(Vec<String>, Vec<String>)> {
    let listed: Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("recipients")
            .iter()
            .map(|r| r["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    listed
        .as_array()
        .expect("messages")
        .iter()
        .rev()
        .find(|m| m["matter"] == matter && m["event_kind"] == kind)
        .map(|m| (ids(&m["to"]), ids(&m["cc"])))
}

#[test]
fn the_senior_iro_manager_is_kept_informed_throughout_epcp() {
    let service = Service::new();
    let m = at_stage_one(&service);
    for (args, kind) in [
        (
            vec![
                "extend",
                &m,
                "--action",
                "1",
                "--within",
                "10",
                "--agreed-by",
                "jwhite",
                "--reason",
                "Assessor ill",
                "--on",
                "2026-11-03",
            ],
            "action-extended",
        ),
        (
            vec!["complete-action", &m, "--action", "1", "--on", "2026-11-04"],
            "action-completed",
        ),
        (
            vec!["note", &m, "--text", "Chased", "--on", "2026-11-05"],
            "noted",
        ),
    ] {
        let mut all = vec!["--as", "asmith"];
        all.extend(args);
        service.ok(&all);
        let (to, cc) = told(&service, &m, kind).unwrap_or_else(|| panic!("{kind} told no one"));
        assert!(cc.contains(&"senior".to_string()), "{kind}: {to:?} {cc:?}");
    }
    // A briefing tells the senior IRO manager.
    service.ok(&[
        "--as",
        "jwhite",
        "brief-senior",
        &m,
        "--note",
        "Briefed",
        "--on",
        "2026-11-05",
    ]);
    let (to, cc) = told(&service, &m, "senior-manager-briefed").expect("briefing told");
    assert!(cc.contains(&"senior".to_string()), "{to:?} {cc:?}");
    // ...and the child's IRO, as a step another took on their matter.
    assert!(to.contains(&"asmith".to_string()), "{to:?}");
}

#[test]
fn an_action_owner_and_the_childs_iro_are_told_of_what_concerns_them() {
    let service = Service::new();
    // An action owned by the team manager, not the social worker: its owner is told.
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
            "Book panel",
            "--owner",
            "mblack",
            "--within",
            "10",
            "--on",
            "2026-11-02",
        ])
        .trim()
        .to_string();
    let (to, _) = told(&service, &m, "qap-raised").expect("told");
    assert!(to.contains(&"mblack".to_string()), "{to:?}");
    // A challenge tells the child's IRO.
    service.ok(&[
        "--as",
        "tgreen",
        "challenge",
        &m,
        "--reason",
        "Panel is full",
        "--on",
        "2026-11-03",
    ]);
    let (to, _) = told(&service, &m, "challenged").expect("challenge told");
    assert_eq!(to, ["asmith"]);
    // More actions on a QAP: their owner is told, with the QAP's parties.
    service.ok(&[
        "--as",
        "asmith",
        "action",
        "add",
        &m,
        "--action",
        "Ask the virtual school",
        "--owner",
        "cdoe",
        "--within",
        "5",
        "--on",
        "2026-11-04",
    ]);
    assert_eq!(service.show(&m)["actions"][1]["owner"], "cdoe");
    let (to, cc) = told(&service, &m, "actions-added").expect("added told");
    assert!(to.contains(&"cdoe".to_string()) && cc.contains(&"tgreen".to_string()));
}

#[test]
fn actions_can_be_added_to_the_alert_form_at_stage_one_and_cafcass_is_told_of_a_referral() {
    let service = Service::new();
    std::fs::write(
        service.dir.path().join("iro.toml"),
        "cafcass_email = \"referrals@cafcass.example\"\n",
    )
    .expect("policy");
    let m = at_stage_one(&service);
    service.ok(&[
        "--as",
        "asmith",
        "action",
        "add",
        &m,
        "--action",
        "Convene a strategy meeting",
        "--owner",
        "tgreen",
        "--within",
        "5",
        "--on",
        "2026-11-03",
    ]);
    let form: Value =
        serde_json::from_str(&service.ok(&["report", "alert-form", &m, "--format", "json"]))
            .expect("json");
    assert_eq!(form["actions"][1]["text"], "Convene a strategy meeting");
    let (to, cc) = told(&service, &m, "actions-added").expect("told");
    assert!(to.contains(&"tgreen".to_string()) && cc.contains(&"senior".to_string()));
    service.ok(&[
        "--as",
        "asmith",
        "refer-cafcass",
        &m,
        "--reason",
        "Rights at risk",
        "--on",
        "2026-11-04",
    ]);
    let listed: Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    let referral = listed
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["event_kind"] == "referred-to-cafcass")
        .expect("referral told");
    assert!(referral["to"]
        .as_array()
        .expect("to")
        .iter()
        .any(|r| r["email"] == "referrals@cafcass.example"));
    // The pack's provision is a step on the record, with the manifest's digest.
    let out = service.dir.path().join("pack");
    service.ok(&[
        "--as",
        "asmith",
        "report",
        "cafcass-pack",
        &m,
        "--out",
        out.to_str().expect("path"),
        "--provided",
    ]);
    let manifest = std::fs::read(out.join("manifest.json")).expect("manifest");
    let digest = {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(&manifest))
    };
    let steps = service.show(&m)["steps"].clone();
    let provided = steps
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| s["kind"] == "cafcass-pack-provided")
        .expect("recorded");
    assert!(provided["what"]
        .as_str()
        .is_some_and(|w| w.contains(&digest)));
    service.ok(&["audit", "verify"]);
}

#[test]
fn a_back_dated_qap_gives_the_team_manager_their_window_from_the_day_they_are_told() {
    let service = Service::new();
    // Typed on 2026-11-26 for a review on 2026-11-02: the window runs from the 26th.
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
            "Book panel",
            "--owner",
            "bking",
            "--within",
            "10",
            "--on",
            "2026-11-02",
        ])
        .trim()
        .to_string();
    assert_eq!(service.show(&m)["challenge_deadline"], "2026-12-03");
    let listed: Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    let body = listed
        .as_array()
        .expect("messages")
        .iter()
        .find(|msg| msg["matter"] == m.as_str())
        .and_then(|msg| msg["body"].as_str().map(str::to_string))
        .expect("the QAP's message");
    assert!(
        body.contains("may challenge them until Thursday 3 December 2026"),
        "{body}"
    );
    // Typed on the day, the window runs from that day.
    let on_the_day = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    assert_eq!(
        service.show(&on_the_day)["challenge_deadline"],
        "2026-11-09"
    );
    service.ok(&["audit", "verify"]);
}

/// The reminders in the outbox: (to, subject, body).
fn reminders(service: &Service) -> Vec<(String, String, String)> {
    let listed: Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    listed
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["event_kind"] == "reminder")
        .map(|m| {
            (
                m["to"][0]["id"].as_str().unwrap_or_default().to_string(),
                m["subject"].as_str().unwrap_or_default().to_string(),
                m["body"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn each_person_is_reminded_once_a_day_of_what_they_own_or_manage() {
    let mut service = Service::new();
    // Action 1 due 2026-11-09 (overdue by the 26th); a QAP raised today whose action falls due within
    // 5 working days, and whose challenge window is open.
    let late = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    let soon = service
        .ok(&[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-200001",
            "--category",
            "contact",
            "--summary",
            "Contact stopped",
            "--action",
            "Restart contact",
            "--owner",
            "cdoe",
            "--within",
            "3",
        ])
        .trim()
        .to_string();
    service.ok(&["outbox", "remind"]);
    let first = reminders(&service);
    let to: Vec<&str> = first.iter().map(|(to, _, _)| to.as_str()).collect();
    assert_eq!(to, ["asmith", "bking", "cdoe", "tgreen"], "{first:#?}");
    let body = |who: &str| {
        first
            .iter()
            .find(|(to, _, _)| to == who)
            .map(|(_, _, body)| body.clone())
            .expect("a digest")
    };
    // The owner: their overdue action. The IRO: both matters. The team manager: the window.
    assert!(body("bking").contains(&format!("{late} LCS-104233: action 1")));
    assert!(body("bking").contains("overdue"));
    assert!(!body("bking").contains(&soon));
    assert!(body("asmith").contains(&late) && body("asmith").contains(&soon));
    assert!(body("tgreen").contains("challenge window"));
    assert!(
        !body("asmith").contains("Sam Jones"),
        "children by reference only"
    );
    // Again the same day: nothing more. The next day: a new digest each.
    service.ok(&["outbox", "remind"]);
    assert_eq!(reminders(&service).len(), first.len());
    service.today = "2026-11-27".into();
    service.ok(&["outbox", "remind"]);
    assert!(reminders(&service).len() > first.len());
    service.ok(&["audit", "verify"]);
}

#[test]
fn the_senior_iro_manager_hears_of_cafcass_decisions_and_passed_deadlines_and_absent_owners_are_told(
) {
    let mut service = Service::new();
    // Stage 1 from 2026-11-02: the resolution deadline is 2026-11-30.
    let m = at_stage_one(&service);
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
    // A meeting's action owned by someone who was not there: they are told.
    service.ok(&[
        "--as",
        "senior",
        "meeting",
        &m,
        "--chair",
        "senior",
        "--attendee",
        "tgreen",
        "--on",
        "2026-11-10",
        "--action",
        "Find a placement",
        "--owner",
        "cdoe",
        "--within",
        "5",
    ]);
    let (to, _) = told(&service, &m, "meeting-held").expect("meeting told");
    assert!(to.contains(&"cdoe".to_string()), "{to:?}");
    service.ok(&[
        "--as",
        "asmith",
        "refer-cafcass",
        &m,
        "--reason",
        "Rights at risk",
        "--on",
        "2026-11-11",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "cafcass-decision",
        &m,
        "--met",
        "--on",
        "2026-11-12",
    ]);
    let (_, cc) = told(&service, &m, "cafcass-decided").expect("decision told");
    assert!(cc.contains(&"senior".to_string()), "{cc:?}");
    // Once the resolution deadline has passed, the senior IRO manager's digest says so.
    service.today = "2026-12-01".into();
    service.ok(&["outbox", "remind"]);
    let listed: Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    let senior = listed
        .as_array()
        .expect("messages")
        .iter()
        .find(|msg| msg["event_kind"] == "reminder" && msg["to"][0]["id"] == "senior")
        .expect("the senior IRO manager's digest");
    let body = senior["body"].as_str().unwrap_or_default();
    assert!(body.contains("EPCP/DRP resolution deadline"), "{body}");
    assert!(
        body.contains("the resolution deadline has passed"),
        "{body}"
    );
}

#[test]
fn the_manager_who_owes_a_stage_response_is_reminded_of_it() {
    let mut service = Service::new();
    // Stage 1 from 2026-11-02: the team manager's response was due five working days on, 2026-11-09.
    let m = at_stage_one(&service);
    service.today = "2026-11-12".into();
    service.ok(&["outbox", "remind"]);
    let digests = reminders(&service);
    let body = |who: &str| {
        digests
            .iter()
            .find(|(to, _, _)| to == who)
            .map(|(_, _, body)| body.clone())
            .unwrap_or_default()
    };
    assert!(
        body("tgreen").contains(&m) && body("tgreen").contains("stage response"),
        "{digests:#?}"
    );
    assert!(body("tgreen").contains("your response at this stage is due"));
    assert!(
        body("asmith").contains("stage response"),
        "the IRO chases it"
    );
    // At stage 2 it is the service manager's.
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
        "2026-11-12",
    ]);
    service.today = "2026-11-20".into();
    service.ok(&["outbox", "remind"]);
    let later = reminders(&service);
    assert!(
        later.iter().any(|(to, subject, body)| to == "mblack"
            && subject.contains("20 November")
            && body.contains("stage response")),
        "{later:#?}"
    );
}

#[test]
fn a_policy_that_has_the_service_manager_resolve_stage_one_has_them_owe_its_response() {
    let mut service = Service::new();
    std::fs::write(
        service.dir.path().join("iro.toml"),
        "resolving_roles = [\"service-manager\", \"service-manager\", \"assistant-director\"]\n",
    )
    .expect("a policy");
    let m = at_stage_one(&service);
    service.today = "2026-11-12".into();
    let csv = service.ok(&["report", "overdue", "--format", "csv"]);
    let row = csv
        .lines()
        .find(|l| l.contains(&m) && l.contains("stage-response"))
        .unwrap_or_else(|| panic!("a stage response row: {csv}"));
    assert!(row.contains(",mblack,"), "{row}");
    service.ok(&["outbox", "remind"]);
    let digests = reminders(&service);
    assert!(
        digests
            .iter()
            .any(|(to, _, body)| to == "mblack"
                && body.contains("your response at this stage is due")),
        "{digests:#?}"
    );
    assert!(
        !digests
            .iter()
            .any(|(to, _, body)| to == "tgreen"
                && body.contains("your response at this stage is due")),
        "{digests:#?}"
    );
}
