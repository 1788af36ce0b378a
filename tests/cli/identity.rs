//! Who is acting: the login that runs a command is recorded with each step, a member of staff bound to
//! a login acts only through it (or through a manager entering for them), authority follows the child
//! and their cover, only the directory's managers change it, and the policy is a file iro can trust.
//! The tests run as whatever user runs them, binding staff to that login and to logins that are not it.

use serde_json::Value;

use crate::common::{login, Service};

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("json")
}

/// The last event as `export events --format json` gives it.
/// The last step recorded (not the messages it queued).
fn last_event(service: &Service) -> Value {
    let events = json(&service.ok(&["export", "events", "--format", "json"]));
    events
        .as_array()
        .expect("events")
        .iter()
        .rev()
        .find(|e| {
            !e["kind"]
                .as_str()
                .unwrap_or_default()
                .starts_with("message-")
        })
        .expect("an event")
        .clone()
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn note(service: &Service, actor: Option<&str>, matter: &str, text: &str) -> std::process::Output {
    let mut args: Vec<&str> = Vec::new();
    if let Some(actor) = actor {
        args.extend(["--as", actor]);
    }
    args.extend(["note", matter, "--text", text]);
    service.iro().args(&args).output().expect("run")
}

#[test]
fn every_step_records_the_login_that_ran_it_whatever_the_environment_says() {
    let service = Service::new();
    let me = login();
    let m = service.raise_qap("asmith", "LCS-104233", None);
    // `$USER` names someone else: it is not who ran the command.
    let output = service
        .iro()
        .env("USER", "asmith")
        .env("LOGNAME", "asmith")
        .args(["--as", "asmith", "note", &m, "--text", "Seen"])
        .output()
        .expect("run");
    assert!(output.status.success());
    let event = last_event(&service);
    assert_eq!(event["actor"], "asmith");
    assert_eq!(event["entered_by"], me.as_str());
    assert_eq!(event["policy_digest"].as_str().map(str::len), Some(64));

    // The chronology and `show` say it too.
    let chronology = service.ok(&["report", "chronology", &m, "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(chronology.as_bytes());
    let header = reader.headers().expect("header").clone();
    let at = header
        .iter()
        .position(|h| h == "entered_by")
        .expect("entered_by");
    for row in reader.records() {
        assert_eq!(&row.expect("row")[at], me.as_str());
    }
    let shown = service.show(&m);
    let steps = shown["steps"].as_array().expect("steps");
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[1]["kind"], "noted");
    assert_eq!(steps[1]["entered_by"], me.as_str());
    // With no --as, the actor is the member of staff bound to the login: here, business support.
    let output = note(&service, None, &m, "Filed");
    assert!(output.status.success());
    assert_eq!(last_event(&service)["actor"], "support");
}

#[test]
fn a_member_of_staff_bound_to_a_login_acts_only_through_it_or_a_manager_entering_for_them() {
    let service = Service::new();
    let me = login();
    let m = service.raise_qap("asmith", "LCS-104233", None);
    service.ok(&["staff", "update", "asmith", "--login", "alex-smith"]);

    // Business support (an admin, bound to this login) may enter a step for asmith; both are recorded.
    let output = note(&service, Some("asmith"), &m, "Entered by support");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let event = last_event(&service);
    assert_eq!(
        (event["actor"].as_str(), event["entered_by"].as_str()),
        (Some("asmith"), Some(me.as_str()))
    );
    let listed = json(&service.ok(&["audit", "identities", "--format", "json"]));
    let row = listed
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["event"] == event["id"])
        .expect("the step entered for asmith is listed");
    assert_eq!(row["actor_login"], "alex-smith");
    assert_eq!(row["entered_as"], "support");
    assert_eq!(row["entered_as_role"], "admin");
    let table = service.ok(&["audit", "identities"]);
    assert!(
        table.contains("entered on asmith's behalf (login alex-smith) by support, an admin"),
        "{table}"
    );
    assert!(
        table.contains("has no login bound: anyone can act as them"),
        "{table}"
    );

    // This login bound to an IRO instead: asmith's steps are refused, naming both, and nothing changes.
    service.ok(&["staff", "update", "support", "--login", "support-desk"]);
    // jwhite has no login: anyone may act as them, and an IRO team manager may change the directory.
    service.ok(&[
        "--as", "jwhite", "staff", "update", "pother", "--login", &me,
    ]);
    let err = service.refused(&["--as", "asmith", "note", &m, "--text", "As if"]);
    assert!(
        err.contains("asmith acts through the login 'alex-smith'"),
        "{err}"
    );
    assert!(
        err.contains(&format!("this is '{me}' (pother, an iro)")),
        "{err}"
    );
    assert!(err.contains("[rule 14: identity]"), "{err}");
    // As themselves, and as someone with no login, it goes through.
    assert!(note(&service, Some("pother"), &m, "Mine").status.success());
    assert!(note(&service, None, &m, "Also mine").status.success());
    assert_eq!(last_event(&service)["actor"], "pother");
    assert!(note(&service, Some("tgreen"), &m, "Unbound")
        .status
        .success());
    // Nor can an IRO change the directory.
    let err = service.refused(&["staff", "update", "bking", "--team", "South"]);
    assert!(err.contains("pother is an iro: only an admin, an iro-team-manager or a senior-iro-manager may change the directory"), "{err}");
}

#[test]
fn the_directory_is_set_up_by_anyone_then_changed_only_by_its_managers() {
    let service = Service::empty();
    service.ok(&["init"]);
    let add = |id: &str, role: &str| {
        vec![
            "staff".to_string(),
            "add".into(),
            id.into(),
            "--name".into(),
            format!("Name of {id}"),
            "--role".into(),
            role.into(),
            "--email".into(),
            format!("{id}@example.gov.uk"),
        ]
    };
    // Before any manager exists, anyone may set the directory up.
    service.ok(&args(&add("asmith", "iro")));
    service.ok(&args(&add("jwhite", "iro-team-manager")));
    // Now only a manager may, and this login is no one's.
    let err = service.refused(&args(&add("tgreen", "team-manager")));
    assert!(err.contains("is not in the directory: only an admin, an IRO team manager or the senior IRO manager may change it"), "{err}");
    let mut as_iro = vec!["--as".to_string(), "asmith".into()];
    as_iro.extend(add("tgreen", "team-manager"));
    let err = service.refused(&args(&as_iro));
    assert!(err.contains("asmith is an iro"), "{err}");
    let mut as_manager = vec!["--as".to_string(), "jwhite".into()];
    as_manager.extend(add("tgreen", "team-manager"));
    service.ok(&args(&as_manager));
    // A manager who has left changes nothing.
    service.ok(&[
        "--as",
        "jwhite",
        "staff",
        "add",
        "senior",
        "--name",
        "S",
        "--role",
        "senior-iro-manager",
        "--email",
        "senior@example.gov.uk",
    ]);
    service.ok(&[
        "--as",
        "senior",
        "staff",
        "leave",
        "jwhite",
        "--on",
        "2026-11-26",
    ]);
    let err = service.refused(&[
        "--as", "jwhite", "staff", "update", "tgreen", "--team", "South",
    ]);
    assert!(err.contains("jwhite left on 2026-11-26"), "{err}");
}

#[test]
fn authority_passes_to_the_cover_and_the_successor_and_follows_a_move() {
    let service = Service::new();
    let m = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    // Another IRO is refused; as asmith's cover they act for her, on the days of the cover only.
    service.refused(&["--as", "pother", "note", &m, "--text", "x", "--supervision"]);
    service.ok(&[
        "cover",
        "asmith",
        "--by",
        "pother",
        "--from",
        "2026-11-16",
        "--to",
        "2026-11-20",
    ]);
    service.ok(&[
        "--as",
        "pother",
        "note",
        &m,
        "--text",
        "Covering",
        "--supervision",
        "--on",
        "2026-11-18",
    ]);
    let err = service.refused(&[
        "--as",
        "pother",
        "note",
        &m,
        "--text",
        "Late",
        "--supervision",
        "--on",
        "2026-11-23",
    ]);
    assert!(err.contains("pother is not the IRO of LCS-104233"), "{err}");

    // The team manager's cover may challenge in her place.
    let second = service.raise_qap("asmith", "LCS-200001", Some("2026-11-23"));
    service.ok(&["cover", "tgreen", "--by", "tother", "--from", "2026-11-23"]);
    service.ok(&[
        "--as",
        "tother",
        "challenge",
        &second,
        "--reason",
        "Not agreed",
        "--on",
        "2026-11-24",
    ]);

    // When the IRO leaves, her successor acts on her children's matters.
    service.ok(&[
        "staff",
        "add",
        "liro",
        "--name",
        "L Iro",
        "--role",
        "iro",
        "--email",
        "liro@example.gov.uk",
        "--on",
        "2026-11-02",
    ]);
    service.ok(&[
        "staff",
        "leave",
        "asmith",
        "--on",
        "2026-11-24",
        "--successor",
        "liro",
    ]);
    service.ok(&[
        "--as",
        "liro",
        "resolve",
        &m,
        "--outcome",
        "Plan agreed",
        "--on",
        "2026-11-25",
    ]);
    assert_eq!(service.show(&m)["state"], "resolved");

    // A child's move decides whose manager resolves: the old team's may not.
    let third = service.raise_qap("liro", "LCS-200001", Some("2026-11-25"));
    service.ok(&[
        "--as",
        "liro",
        "escalate",
        &third,
        "--stage",
        "1",
        "--on",
        "2026-11-25",
    ]);
    service.ok(&[
        "child",
        "reallocate",
        "LCS-200001",
        "--team",
        "South",
        "--team-manager",
        "tother",
        "--on",
        "2026-11-26",
    ]);
    let err = service.refused(&[
        "--as",
        "jwhite",
        "resolve",
        &third,
        "--outcome",
        "Agreed",
        "--resolved-by",
        "tgreen",
    ]);
    assert!(
        err.contains("the child's own team-manager (tother)"),
        "{err}"
    );
    // Recorded by the child's own IRO team manager, not another one; the senior IRO manager may.
    service.ok(&[
        "staff",
        "add",
        "kother",
        "--name",
        "K Other",
        "--role",
        "iro-team-manager",
        "--email",
        "kother@example.gov.uk",
        "--on",
        "2026-11-02",
    ]);
    let err = service.refused(&[
        "--as",
        "kother",
        "resolve",
        &third,
        "--outcome",
        "Agreed",
        "--resolved-by",
        "tother",
    ]);
    assert!(
        err.contains("only the IRO team manager of LCS-200001 (jwhite)"),
        "{err}"
    );
    // A QAP is never named as resolved by a social work manager.
    let fourth = service.raise_qap("liro", "LCS-104233", Some("2026-11-26"));
    let err = service.refused(&[
        "--as",
        "liro",
        "resolve",
        &fourth,
        "--outcome",
        "Done",
        "--resolved-by",
        "tgreen",
    ]);
    assert!(
        err.contains("a QAP is resolved by the IRO of LCS-104233 (liro) or an IRO manager"),
        "{err}"
    );
    service.ok(&[
        "--as",
        "senior",
        "resolve",
        &third,
        "--outcome",
        "Agreed",
        "--resolved-by",
        "tother",
    ]);
    assert!(service.ok(&["audit", "verify"]).starts_with("ok "));
}

#[test]
fn a_policy_file_someone_else_could_change_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let service = Service::new();
    let policy = service.dir.path().join("iro.toml");
    std::fs::write(&policy, "challenge_days = 5\n").expect("write");
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let before = service.dump();
    let err = service.fails(
        5,
        &[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
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
    assert!(
        err.contains("the policy file") && err.contains("can be changed by other users (mode 666)"),
        "{err}"
    );
    assert!(err.contains("chmod go-w"), "{err}");
    assert_eq!(service.dump(), before);
    std::fs::set_permissions(&policy, std::fs::Permissions::from_mode(0o644)).expect("chmod");

    // Each step records the digest `policy show` names; a changed policy, a new digest, both kept.
    let shown = service.ok(&["policy", "show"]);
    let digest = shown
        .lines()
        .find_map(|l| l.strip_prefix("# digest: "))
        .expect("policy show names its digest")
        .to_string();
    let m = service.raise_qap("asmith", "LCS-104233", None);
    assert_eq!(last_event(&service)["policy_digest"], digest.as_str());
    std::fs::write(&policy, "challenge_days = 7\n").expect("write");
    service.ok(&[
        "--as",
        "asmith",
        "note",
        &m,
        "--text",
        "Under the new policy",
    ]);
    let changed = last_event(&service)["policy_digest"]
        .as_str()
        .expect("a digest")
        .to_string();
    assert_ne!(changed, digest);
    let kept: Vec<String> = crate::common::Peek::open(&service.db)
        .texts("SELECT policy FROM policies ORDER BY recorded_at", &[])
        .into_iter()
        .map(|p| p.expect("a policy"))
        .collect();
    assert!(
        kept.iter().any(|p| p.contains("challenge_days = 7")),
        "{kept:?}"
    );
    assert!(
        kept.iter().any(|p| p.contains("challenge_days = 5")),
        "{kept:?}"
    );

    // A file another user owns: only root can make one to try.
    if login() == "root" {
        std::os::unix::fs::chown(&policy, Some(65534), None).expect("chown");
        let err = service.fails(5, &["--as", "asmith", "note", &m, "--text", "x"]);
        assert!(err.contains("belongs to another user (uid 65534)"), "{err}");
    }
}
