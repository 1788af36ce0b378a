//! Mistakes corrected, never erased (rule 15): a step voided, a step's text amended, an action
//! withdrawn; each kept on the record, each undone by the audit's replay exactly as by the tool.

use serde_json::Value;

use crate::common::Service;
use crate::protocol::{at_stage_one, meeting};

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

/// The event ids of a matter's steps of one kind, in the order recorded.
pub(crate) fn events_of(service: &Service, matter: &str, kind: &str) -> Vec<i64> {
    let steps = json(&service.ok(&["report", "chronology", matter, "--format", "json"]));
    steps
        .as_array()
        .expect("rows")
        .iter()
        .filter(|s| s["kind"] == kind)
        .map(|s| s["id"].as_i64().expect("id"))
        .collect()
}

/// A matter at stage 2 whose formal meeting was recorded twice: two identical actions 2 and 3.
fn meeting_twice(service: &Service) -> String {
    let m = at_stage_one(service);
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
    service.ok(&meeting(&m, "senior", "2026-11-10"));
    service.ok(&meeting(&m, "senior", "2026-11-10"));
    m
}

/// The numbers of the matter's actions the overdue report lists.
fn overdue_actions(service: &Service, matter: &str) -> Vec<i64> {
    let rows = json(&service.ok(&["report", "overdue", "--format", "json"]));
    rows.as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["matter"] == matter)
        .filter_map(|r| r["action"].as_i64())
        .collect()
}

#[test]
fn a_meeting_recorded_twice_is_voided_and_counts_for_nothing_but_stays_on_the_record() {
    let service = Service::new();
    let m = meeting_twice(&service);
    assert_eq!(
        service.show(&m)["actions"].as_array().map(Vec::len),
        Some(3)
    );
    let overdue = overdue_actions(&service, &m);
    assert!(overdue.contains(&3), "{overdue:?}");
    let meetings = events_of(&service, &m, "meeting-held");
    let [_, second] = meetings[..] else {
        panic!("two meetings: {meetings:?}")
    };
    let void = [
        "--as",
        "senior",
        "void",
        &second.to_string(),
        "--reason",
        "The meeting was recorded twice",
    ];
    service.ok(&void);
    // State, deadlines and the overdue report are as if it had not been taken.
    let shown = service.show(&m);
    let actions = shown["actions"].as_array().expect("actions");
    assert_eq!(actions.len(), 2, "{actions:?}");
    let overdue = overdue_actions(&service, &m);
    assert!(!overdue.contains(&3), "{overdue:?}");
    assert!(overdue.contains(&2), "{overdue:?}");
    // The alert form no longer has the action, and shows the voided step struck through.
    let form = json(&service.ok(&["report", "alert-form", &m, "--format", "json"]));
    assert_eq!(form["actions"].as_array().map(Vec::len), Some(2));
    assert_eq!(form["voided"][0]["event"], second);
    assert_eq!(
        form["voided"][0]["reason"],
        "The meeting was recorded twice"
    );
    let markdown = service.ok(&["report", "alert-form", &m]);
    assert!(
        markdown.contains("- ~~2026-11-10: formal meeting chaired by senior"),
        "{markdown}"
    );
    // The chronology still has both, the second marked with the void and its reason.
    let steps = json(&service.ok(&["report", "chronology", &m, "--format", "json"]));
    let voided = steps
        .as_array()
        .expect("rows")
        .iter()
        .find(|s| s["id"] == second)
        .expect("the voided step is still there");
    assert_eq!(voided["void_reason"], "The meeting was recorded twice");
    assert!(voided["voided_by"].as_i64().is_some_and(|v| v > second));
    let table = service.ok(&["report", "chronology", &m]);
    assert!(table.contains("VOIDED by event"), "{table}");
    service.ok(&["audit", "verify"]);
    // Voided once, it cannot be voided again; voiding the void restores it.
    let err = service.refused(&void);
    assert!(err.contains("voided already"), "{err}");
    let the_void = events_of(&service, &m, "voided")[0];
    service.ok(&[
        "--as",
        "senior",
        "void",
        &the_void.to_string(),
        "--reason",
        "It was a second meeting after all",
    ]);
    assert_eq!(
        service.show(&m)["actions"].as_array().map(Vec::len),
        Some(3)
    );
    service.ok(&["audit", "verify"]);
}

#[test]
fn a_void_a_later_step_stands_on_is_refused_naming_the_step_to_void_first() {
    let service = Service::new();
    let m = meeting_twice(&service);
    service.ok(&[
        "--as",
        "asmith",
        "complete-action",
        &m,
        "--action",
        "3",
        "--on",
        "2026-11-12",
    ]);
    let second = events_of(&service, &m, "meeting-held")[1];
    let completion = events_of(&service, &m, "action-completed")[0];
    let err = service.refused(&[
        "--as",
        "senior",
        "void",
        &second.to_string(),
        "--reason",
        "Twice",
    ]);
    assert!(
        err.contains(&format!(
            "event {completion} (action-completed) depends on event {second}"
        )) && err.contains(&format!("void event {completion} first"))
            && err.contains("rule 15"),
        "{err}"
    );
    // Voiding the completion first, then the meeting, is allowed.
    for event in [completion, second] {
        service.ok(&[
            "--as",
            "senior",
            "void",
            &event.to_string(),
            "--reason",
            "Twice",
        ]);
    }
    service.ok(&["audit", "verify"]);
    // The step that opened the matter is never voided.
    let opened = events_of(&service, &m, "qap-raised")[0];
    let err = service.refused(&[
        "--as",
        "senior",
        "void",
        &opened.to_string(),
        "--reason",
        "x",
    ]);
    assert!(err.contains("opened matter"), "{err}");
}

#[test]
fn a_step_is_corrected_by_its_author_or_an_iro_manager_only() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "Spoke to teh school",
        "--on",
        "2026-11-03",
    ]);
    let note = events_of(&service, &m, "noted")[0].to_string();
    // Someone else's IRO colleague may not; the IRO team manager may; the author may.
    let err = service.refused(&[
        "--as", "pother", "amend", &note, "--text", "x", "--reason", "y",
    ]);
    assert!(err.contains("only its author (asmith)"), "{err}");
    service.ok(&[
        "--as",
        "asmith",
        "amend",
        &note,
        "--text",
        "Spoke to the school",
        "--reason",
        "Typing error",
    ]);
    let steps = json(&service.ok(&["report", "chronology", &m, "--format", "json"]));
    let noted = steps
        .as_array()
        .expect("rows")
        .iter()
        .find(|s| s["kind"] == "noted")
        .expect("note");
    assert_eq!(noted["what"], "note: Spoke to the school");
    assert_eq!(noted["first_recorded_as"], "note: Spoke to teh school");
    assert_eq!(noted["amend_reason"], "Typing error");
    // The same text again is refused; a manager may amend the opening summary.
    let err = service.refused(&[
        "--as",
        "asmith",
        "amend",
        &note,
        "--text",
        "Spoke to the school",
        "--reason",
        "again",
    ]);
    assert!(err.contains("reads that already"), "{err}");
    let opened = events_of(&service, &m, "qap-raised")[0].to_string();
    service.ok(&[
        "--as",
        "jwhite",
        "amend",
        &opened,
        "--text",
        "Permanence plan not progressed",
        "--reason",
        "Clearer",
    ]);
    assert_eq!(
        service.show(&m)["summary"],
        "Permanence plan not progressed"
    );
    service.ok(&["audit", "verify"]);
    // A directory change is not a step on a matter.
    let err = service.fails(2, &["--as", "jwhite", "void", "1", "--reason", "x"]);
    assert!(err.contains("not a step on a matter"), "{err}");
    let err = service.fails(4, &["--as", "jwhite", "void", "99999", "--reason", "x"]);
    assert!(err.contains("no event 99999"), "{err}");
}

#[test]
fn a_withdrawn_action_stops_running_and_is_not_done() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    assert!(!overdue_actions(&service, &m).is_empty());
    let err = service.refused(&[
        "--as",
        "pother",
        "action",
        "withdraw",
        &m,
        "--action",
        "1",
        "--reason",
        "Not needed",
    ]);
    assert!(err.contains("rule 15"), "{err}");
    service.ok(&[
        "--as",
        "asmith",
        "action",
        "withdraw",
        &m,
        "--action",
        "1",
        "--reason",
        "Overtaken by the plan",
    ]);
    assert_eq!(service.show(&m)["actions"][0]["status"], "withdrawn");
    assert!(overdue_actions(&service, &m).is_empty());
    let err = service.refused(&["--as", "asmith", "complete-action", &m, "--action", "1"]);
    assert!(err.contains("withdrawn"), "{err}");
    service.ok(&["audit", "verify"]);
    // Withdrawing is a step: it is voided like any other, and the action runs again.
    let withdrawn = events_of(&service, &m, "action-withdrawn")[0].to_string();
    service.ok(&[
        "--as",
        "asmith",
        "void",
        &withdrawn,
        "--reason",
        "Wrong action",
    ]);
    assert_eq!(service.show(&m)["actions"][0]["status"], "open");
    service.ok(&["audit", "verify"]);
}

#[test]
fn a_void_never_leaves_a_step_the_rules_forbid_nor_reuses_an_action_number() {
    let service = Service::new();
    let m = meeting_twice(&service);
    // The formal meeting stands on stage 2: voiding the stage is refused, naming the meeting.
    let stage_2 = events_of(&service, &m, "stage-raised")[0];
    let first_meeting = events_of(&service, &m, "meeting-held")[0];
    let err = service.refused(&[
        "--as",
        "asmith",
        "void",
        &stage_2.to_string(),
        "--reason",
        "Entered in error",
    ]);
    assert!(
        err.contains(&format!(
            "event {first_meeting} (meeting-held) depends on event {stage_2}"
        )),
        "{err}"
    );
    // Void the second meeting; a new action takes the next number, and restoring the meeting would
    // give its action's number twice: refused.
    let second = events_of(&service, &m, "meeting-held")[1];
    service.ok(&[
        "--as",
        "senior",
        "void",
        &second.to_string(),
        "--reason",
        "Twice",
    ]);
    service.ok(&[
        "--as",
        "asmith",
        "action",
        "add",
        &m,
        "--action",
        "Write to the AD",
        "--owner",
        "asmith",
        "--within",
        "3",
    ]);
    let the_void = events_of(&service, &m, "voided")[0];
    let err = service.refused(&[
        "--as",
        "senior",
        "void",
        &the_void.to_string(),
        "--reason",
        "Restore",
    ]);
    assert!(
        err.contains("an action of that number exists already"),
        "{err}"
    );
    // A correction is never dated before the step it corrects.
    let err = service.refused(&[
        "--as",
        "senior",
        "void",
        &first_meeting.to_string(),
        "--reason",
        "x",
        "--on",
        "2026-11-09",
    ]);
    assert!(err.contains("before the step it corrects"), "{err}");
    service.ok(&["audit", "verify"]);
}

#[test]
fn a_voided_resolution_leaves_the_figures_and_the_alert_form_keeps_its_revisions() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    service.ok(&[
        "--as",
        "asmith",
        "resolve",
        &m,
        "--outcome",
        "Done",
        "--on",
        "2026-11-04",
        "--yes",
    ]);
    let stats = |service: &Service| {
        json(&service.ok(&[
            "report",
            "stats",
            "--from",
            "2026-04-01",
            "--to",
            "2027-03-31",
            "--format",
            "json",
        ]))
    };
    assert_eq!(stats(&service)["totals"]["qap"]["resolved"], 1);
    let resolved = events_of(&service, &m, "resolved")[0].to_string();
    service.ok(&[
        "--as",
        "asmith",
        "void",
        &resolved,
        "--reason",
        "Not resolved yet",
    ]);
    assert_eq!(service.show(&m)["state"], "qap");
    assert_eq!(stats(&service)["totals"]["qap"]["resolved"], 0);

    // A revision of the alert form, once made, stays: a void is a revision of its own.
    let drp = meeting_twice(&service);
    let revisions = |service: &Service| {
        json(&service.ok(&["report", "alert-form", &drp, "--format", "json"]))["revisions"]
            .as_u64()
            .expect("revisions")
    };
    let before = revisions(&service);
    let second = events_of(&service, &drp, "meeting-held")[1];
    service.ok(&[
        "--as",
        "senior",
        "void",
        &second.to_string(),
        "--reason",
        "Twice",
    ]);
    assert_eq!(revisions(&service), before + 1);
    let earlier = json(&service.ok(&[
        "report",
        "alert-form",
        &drp,
        "--revision",
        &before.to_string(),
        "--format",
        "json",
    ]));
    assert_eq!(
        earlier["actions"].as_array().map(Vec::len),
        Some(3),
        "as it stood"
    );
}

/// The delivery status of each message about a meeting, in the order queued.
fn meeting_messages(service: &Service) -> Vec<String> {
    let messages = json(&service.ok(&["outbox", "list", "--format", "json"]));
    messages
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["event_kind"] == "meeting-held")
        .map(|m| m["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn nobody_is_told_of_a_voided_step_and_whoever_was_told_hears_it_was_in_error() {
    let service = Service::new();
    let m = meeting_twice(&service);
    assert_eq!(meeting_messages(&service), ["pending", "pending"]);
    let second = events_of(&service, &m, "meeting-held")[1].to_string();
    service.ok(&["--as", "senior", "void", &second, "--reason", "Twice"]);
    // The duplicate's message had not gone: it never will.
    assert_eq!(meeting_messages(&service), ["pending", "withdrawn"]);
    let the_void = events_of(&service, &m, "voided")[0].to_string();
    service.ok(&["--as", "senior", "void", &the_void, "--reason", "Restore"]);
    assert_eq!(meeting_messages(&service), ["pending", "pending"]);
    // Once written out, a message cannot be unsent: those it went to are told the step was voided.
    let out = service.dir.path().join("eml");
    service.ok(&["outbox", "write", out.to_str().expect("path")]);
    service.ok(&[
        "--as",
        "senior",
        "void",
        &second,
        "--reason",
        "Twice after all",
    ]);
    let messages = json(&service.ok(&["outbox", "list", "--format", "json"]));
    let notice = messages
        .as_array()
        .expect("messages")
        .iter()
        .find(|m| m["event_kind"] == "voided")
        .expect("a notice of the void");
    assert!(notice["subject"]
        .as_str()
        .is_some_and(|s| s.contains("entered in error")));
    assert_eq!(notice["status"], "pending");
    service.ok(&["audit", "verify"]);
}
