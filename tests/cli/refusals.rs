//! Every rule's refusals as a person sees them: the exit status and the one line that names the rule
//! and the facts that decided it, snapshotted together so a changed message is seen in review. Each
//! leaves the database as it was.

use insta::assert_snapshot;

use crate::common::Service;

/// A service with a QAP raised on 2 November (Q-2026-0001) and one entered into EPCP/DRP at stage 1
/// on 3 November (Q-2026-0002), on a today of 26 November 2026.
fn service() -> (Service, String, String) {
    let service = Service::new();
    let qap = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    let drp = service.raise_qap("asmith", "LCS-200001", Some("2026-11-02"));
    service.ok(&[
        "--as",
        "asmith",
        "escalate",
        &drp,
        "--stage",
        "1",
        "--on",
        "2026-11-03",
    ]);
    (service, qap, drp)
}

#[test]
fn each_rule_refuses_as_it_says() {
    let (s, qap, drp) = service();
    let raise = |on: &str, due: &str| {
        s.refusal(&[
            "--as",
            "asmith",
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
            "--due",
            due,
            "--on",
            on,
        ])
    };
    assert_snapshot!(
        "rule_1_due_date_not_after_the_step",
        raise("2026-11-20", "2026-11-20")
    );
    assert_snapshot!(
        "rule_2_a_qap_raised_twice",
        s.refusal(&[
            "--as",
            "asmith",
            "raise-qap",
            &qap,
            "--action",
            "More",
            "--owner",
            "bking",
            "--within",
            "5",
        ])
    );
    assert_snapshot!(
        "rule_2_no_such_action",
        s.refusal(&["--as", "asmith", "complete-action", &qap, "--action", "9"])
    );
    assert_snapshot!(
        "rule_3_the_window_has_closed",
        s.refusal(&["--as", "tgreen", "challenge", &qap, "--reason", "Too late"])
    );
    assert_snapshot!(
        "rule_4_agreed_by_someone_else",
        s.refusal(&[
            "--as",
            "asmith",
            "extend",
            &qap,
            "--action",
            "1",
            "--within",
            "10",
            "--agreed-by",
            "tgreen",
            "--reason",
            "Ill",
        ])
    );
    assert_snapshot!(
        "rule_4_an_earlier_date",
        s.refusal(&[
            "--as",
            "asmith",
            "extend",
            &qap,
            "--action",
            "1",
            "--due",
            "2026-11-09",
            "--agreed-by",
            "jwhite",
            "--reason",
            "Ill",
            "--on",
            "2026-11-05",
        ])
    );
    assert_snapshot!(
        "rule_5_stage_two_without_a_reason",
        s.refusal(&["--as", "asmith", "escalate", &qap, "--stage", "2"])
    );
    assert_snapshot!(
        "rule_6_a_stage_down",
        s.refusal(&["--as", "asmith", "escalate", &drp, "--stage", "1"])
    );
    assert_snapshot!(
        "rule_6_a_stage_skipped_without_a_reason",
        s.refusal(&["--as", "asmith", "escalate", &drp, "--stage", "3"])
    );
    assert_snapshot!(
        "rule_7_no_resolving_manager_named",
        s.refusal(&["--as", "jwhite", "resolve", &drp, "--outcome", "Agreed"])
    );
    assert_snapshot!(
        "rule_7_the_wrong_manager_for_the_stage",
        s.refusal(&[
            "--as",
            "jwhite",
            "resolve",
            &drp,
            "--outcome",
            "Agreed",
            "--resolved-by",
            "tother"
        ])
    );
    assert_snapshot!(
        "rule_8_a_qap_referred_to_cafcass",
        s.refusal(&[
            "--as",
            "asmith",
            "refer-cafcass",
            &qap,
            "--reason",
            "Rights"
        ])
    );
    assert_snapshot!(
        "rule_8_formal_too_soon",
        s.refusal(&[
            "--as",
            "asmith",
            "refer-cafcass",
            &drp,
            "--reason",
            "Rights",
            "--formal"
        ])
    );
    assert_snapshot!(
        "rule_9_a_meeting_at_stage_one",
        s.refusal(&[
            "--as",
            "senior",
            "meeting",
            &drp,
            "--chair",
            "senior",
            "--attendee",
            "tgreen"
        ])
    );
    assert_snapshot!(
        "rule_11_a_step_in_the_future",
        raise("2026-11-27", "2026-12-20")
    );
    assert_snapshot!(
        "rule_11_a_step_before_the_last",
        s.refusal(&[
            "--as",
            "asmith",
            "legal-advice",
            &drp,
            "--note",
            "Chambers",
            "--on",
            "2026-11-02"
        ])
    );
    assert_snapshot!(
        "rule_12_a_social_worker_raising_a_qap",
        s.refusal(&[
            "--as",
            "bking",
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
        ])
    );
    assert_snapshot!(
        "rule_12_another_team_manager_challenging",
        s.refusal(&["--as", "tother", "challenge", &qap, "--reason", "Not mine"])
    );
    assert_snapshot!(
        "rule_12_another_iro_escalating",
        s.refusal(&["--as", "pother", "escalate", &qap, "--stage", "1"])
    );
    assert_snapshot!("rule_13_an_action_for_a_leaver", {
        s.ok(&[
            "staff",
            "add",
            "cnew",
            "--name",
            "C New",
            "--role",
            "practice-supervisor",
            "--email",
            "cnew@example.gov.uk",
            "--on",
            "2026-11-02",
        ]);
        s.ok(&[
            "staff",
            "leave",
            "cdoe",
            "--on",
            "2026-11-20",
            "--successor",
            "cnew",
        ]);
        s.refusal(&[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
            "--category",
            "permanence",
            "--summary",
            "Drift",
            "--action",
            "Assess",
            "--owner",
            "cdoe",
            "--within",
            "5",
        ])
    });
}

#[test]
fn who_is_acting_refuses_as_it_says() {
    let (s, qap, _) = service();
    let login = crate::common::login();
    // asmith acts through her own login; the one running these tests is bound to no one.
    s.ok(&["staff", "update", "asmith", "--login", "alex-smith"]);
    s.ok(&["staff", "update", "support", "--login", "support-desk"]);
    let seen = |text: String| text.replace(&login, "<the login running>");
    assert_snapshot!(
        "rule_14_acting_as_someone_with_their_own_login",
        seen(s.refusal(&["--as", "asmith", "note", &qap, "--text", "As if"]))
    );
    assert_snapshot!(
        "rule_12_a_directory_change_by_someone_who_may_not",
        seen(s.refusal(&["--as", "tgreen", "staff", "update", "bking", "--team", "South"]))
    );
    assert_snapshot!(
        "rule_12_a_directory_change_by_no_one_in_the_directory",
        seen(s.refusal(&["staff", "update", "bking", "--team", "South"]))
    );
}

#[test]
fn nothing_changes_a_finished_matter() {
    let (s, qap, _) = service();
    s.ok(&[
        "--as",
        "asmith",
        "resolve",
        &qap,
        "--outcome",
        "Done",
        "--on",
        "2026-11-05",
    ]);
    assert_snapshot!(
        "rule_11_a_resolved_matter",
        s.refusal(&["--as", "asmith", "escalate", &qap, "--stage", "1"])
    );
}

#[test]
fn a_childs_reference_where_a_matter_was_wanted_says_where_their_matters_are() {
    let (s, qap, _) = service();
    let before = s.dump();
    let told = s.fails(4, &["show", "LCS-104233"]);
    assert!(
        told.contains("'LCS-104233' is a child, not a matter: `iro list --child LCS-104233`"),
        "{told}"
    );
    let told = s.fails(
        4,
        &[
            "--as",
            "asmith",
            "resolve",
            "LCS-104233",
            "--outcome",
            "Done",
        ],
    );
    assert!(told.contains("is a child, not a matter"), "{told}");
    assert_eq!(s.dump(), before, "nothing changed");
    // The matters it points to are the child's.
    let listed = s.ok(&["list", "--child", "LCS-104233", "--format", "csv"]);
    assert!(listed.contains(&qap), "{listed}");
    // Neither a matter nor a child: as before.
    let told = s.fails(4, &["show", "LCS-999999"]);
    assert!(
        told.contains("no matter 'LCS-999999' (see `iro list`)"),
        "{told}"
    );
}
