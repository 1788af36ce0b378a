//! Every kind of message as the recipient's mail program receives it: one `.eml` snapshot per kind,
//! so a change to what people are told is seen in review.

use std::collections::BTreeMap;

use crate::common::Service;

/// The autumn of the figures' test, and the steps it lacks: a CAFCASS referral and its decision, a
/// note's amendment, an action added and one withdrawn, the morning's reminders, then a leaver's
/// actions passed on and the CAFCASS pack provided.
fn every_kind() -> Service {
    let service = crate::stats::autumn();
    let c = "Q-2026-0004";
    let step = |who: &str, on: &str, args: &[&str]| {
        let mut all = vec!["--as", who];
        all.extend_from_slice(args);
        all.extend(["--on", on, "--yes"]);
        service.ok(&all);
    };
    step(
        "pother",
        "2026-11-12",
        &["refer-cafcass", c, "--reason", "Rights at risk"],
    );
    step(
        "pother",
        "2026-11-16",
        &["cafcass-decision", c, "--not-met", "--note", "Not yet"],
    );
    step(
        "pother",
        "2026-11-17",
        &[
            "action",
            "add",
            c,
            "--action",
            "Review contact",
            "--owner",
            "bking",
            "--within",
            "5",
        ],
    );
    step(
        "pother",
        "2026-11-18",
        &[
            "action",
            "withdraw",
            c,
            "--action",
            "2",
            "--reason",
            "Overtaken by the plan",
        ],
    );
    // A step told and delivered, then voided: those told are told it was entered in error.
    step(
        "pother",
        "2026-11-19",
        &["legal-advice", c, "--note", "Counsel consulted"],
    );
    let delivered = service.dir.path().join("delivered");
    service.ok(&["outbox", "write", delivered.to_str().expect("a path")]);
    let advice = crate::corrections::events_of(&service, c, "legal-advice-sought")[0].to_string();
    step(
        "pother",
        "2026-11-20",
        &["void", &advice, "--reason", "Recorded on the wrong child"],
    );
    // A note on the matter resolved weeks before, by someone other than its IRO: the IRO is told, and
    // the message, written after the ending, says nothing of it having ended since.
    step(
        "jwhite",
        "2026-11-23",
        &[
            "note",
            "Q-2026-0002",
            "--text",
            "Closed on the child's file",
        ],
    );
    let mut remind = service.iro();
    remind
        .env("IRO_TODAY", "2026-11-27")
        .args(["outbox", "remind"]);
    assert!(remind.output().expect("run iro").status.success());
    // After the reminders: the social worker leaving, her actions passed on, and the CAFCASS pack
    // provided.
    service.ok(&[
        "staff",
        "add",
        "nworker",
        "--name",
        "Nat Worker",
        "--role",
        "social-worker",
        "--email",
        "nworker@example.gov.uk",
        "--team",
        "North",
        "--on",
        "2026-11-30",
    ]);
    service.ok(&[
        "staff",
        "leave",
        "bking",
        "--on",
        "2026-11-30",
        "--successor",
        "nworker",
    ]);
    let pack = service.dir.path().join("pack");
    service.ok(&[
        "--as",
        "pother",
        "report",
        "cafcass-pack",
        c,
        "--out",
        pack.to_str().expect("a path"),
        "--provided",
    ]);
    service
}

/// The headers that differ from run to run (when it was written, its unique id) made fixed.
fn steady(eml: &str) -> String {
    eml.lines()
        .map(|line| {
            if line.starts_with("Date: ") {
                "Date: [when it was written]".to_string()
            } else if line.starts_with("Message-ID: ") {
                "Message-ID: [unique]".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn each_kind_of_message_as_it_is_received() {
    let service = every_kind();
    let listed: serde_json::Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    let dir = service.dir.path().join("mail");
    service.ok(&[
        "outbox",
        "write",
        dir.to_str().expect("a path"),
        "--from",
        "IRO Service <iro@council.example>",
    ]);
    // Every message, those delivered before the void among them, in outbox order; the first of each
    // kind by the outbox id each file name ends with.
    let mut files: Vec<(i64, String)> = Vec::new();
    for place in [service.dir.path().join("delivered"), dir] {
        for entry in std::fs::read_dir(place).expect("a directory") {
            let file = entry.expect("an entry").path().display().to_string();
            let id: i64 = file
                .trim_end_matches(".eml")
                .rsplit('-')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("an outbox id");
            files.push((id, file));
        }
    }
    files.sort();
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for (id, file) in files {
        let kind = listed
            .as_array()
            .expect("messages")
            .iter()
            .find(|m| m["id"] == id)
            .map(|m| m["event_kind"].as_str().expect("a kind").to_string())
            .expect("a listed message");
        first.entry(kind).or_insert(file);
    }
    for kind in [
        "qap-raised",
        "challenged",
        "action-extended",
        "action-completed",
        "legal-advice-sought",
        "drp-entered",
        "stage-raised",
        "meeting-held",
        "resolved",
        "referred-to-cafcass",
        "cafcass-decided",
        "senior-manager-briefed",
        "voided",
        "actions-added",
        "action-withdrawn",
        "noted",
        "reminder",
        "action-reassigned",
        "cafcass-pack-provided",
    ] {
        let file = first
            .get(kind)
            .unwrap_or_else(|| panic!("no {kind} message among {:?}", first.keys()));
        let eml = std::fs::read_to_string(file).expect("the .eml");
        assert!(eml.contains("MIME-Version: 1.0"), "{kind}: {eml}");
        // No word of the tool's inside: no rule numbers, no state names.
        assert!(!eml.contains("rule "), "{kind}: {eml}");
        assert!(!eml.contains("State: "), "{kind}: {eml}");
        // Delivered after its matter ended, a message says so before anything else; the message of
        // the ending does not.
        let note = "Since this message was written, matter Q-2026-0002 was resolved on Monday 2 November 2026";
        let parsed = mail_parser::MessageParser::default()
            .parse(eml.as_bytes())
            .expect("a message");
        let body = parsed.body_text(0).expect("a body").to_string();
        match kind {
            "challenged" | "drp-entered" | "meeting-held" => {
                assert!(body.starts_with(note), "{kind}: {body}")
            }
            "resolved" | "noted" => {
                assert!(
                    !body.contains("Since this message was written"),
                    "{kind}: {body}"
                )
            }
            _ => {}
        }
        insta::assert_snapshot!(format!("eml_{kind}"), steady(&eml));
    }
}
