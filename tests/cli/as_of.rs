//! Reports as they stood: a night's overdue report re-run for that night, weeks later, prints what it
//! printed; the caseload as it stood leaves out what was raised since and keeps what was open then.

use serde_json::Value;

use crate::common::Service;

fn csv(service: &Service, args: &[&str]) -> String {
    let output = service.iro().args(args).output().expect("run");
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn a_fortnight_of_nightly_reports_is_printed_again_byte_for_byte() {
    let mut service = Service::new();
    // Short thresholds, so that something drifts within a fortnight.
    std::fs::write(
        service.dir.path().join("iro.toml"),
        "drift_days = 2\nmax_extensions = 1\n",
    )
    .expect("a policy");
    let days = [
        "2026-11-09",
        "2026-11-10",
        "2026-11-11",
        "2026-11-12",
        "2026-11-13",
        "2026-11-16",
        "2026-11-17",
        "2026-11-18",
        "2026-11-19",
        "2026-11-20",
    ];
    let mut nightly = Vec::new();
    // The other reports of the night: what drifted, the listing, and the IRO's supervision agenda.
    let others: [&[&str]; 3] = [
        &["report", "drift", "--format", "csv"],
        &["list", "--format", "json"],
        &[
            "report",
            "supervision",
            "--iro",
            "asmith",
            "--format",
            "json",
        ],
    ];
    let mut printed_others: Vec<Vec<String>> = Vec::new();
    let (mut a, mut b, mut c) = (String::new(), String::new(), String::new());
    for day in days {
        service.today = day.into();
        let raise = |service: &Service, child: &str, within: &str| {
            service
                .ok(&[
                    "--as",
                    "asmith",
                    "raise-qap",
                    child,
                    "--category",
                    "permanence",
                    "--summary",
                    "Plan drifting",
                    "--action",
                    "Assess",
                    "--owner",
                    "bking",
                    "--within",
                    within,
                ])
                .trim()
                .to_string()
        };
        match day {
            "2026-11-09" => {
                a = raise(&service, "LCS-104233", "2");
                b = raise(&service, "LCS-200001", "3");
            }
            "2026-11-12" => {
                service.extend(&a, "3", None);
                service.ok(&["--as", "asmith", "escalate", &b, "--stage", "1", "--yes"]);
            }
            "2026-11-13" => {
                service.ok(&["--as", "asmith", "complete-action", &b, "--action", "1"]);
                c = raise(&service, "LCS-104233", "1");
            }
            "2026-11-17" => {
                service.ok(&[
                    "--as",
                    "asmith",
                    "resolve",
                    &c,
                    "--outcome",
                    "Done",
                    "--yes",
                ]);
            }
            "2026-11-18" => {
                service.ok(&[
                    "--as", "asmith", "action", "add", &a, "--action", "Review", "--owner", "cdoe",
                    "--within", "1",
                ]);
            }
            _ => {}
        }
        nightly.push(csv(&service, &["report", "overdue", "--format", "csv"]));
        printed_others.push(others.iter().map(|args| csv(&service, args)).collect());
    }
    let drifted: Vec<usize> = printed_others
        .iter()
        .map(|o| o[0].lines().count())
        .collect();
    assert!(
        drifted.iter().any(|n| *n > 2),
        "something drifted: {drifted:?}"
    );
    assert_ne!(printed_others[2], printed_others[9], "the night changed");
    assert!(
        nightly.iter().any(|n| n.lines().count() > 2),
        "something was overdue"
    );
    assert_ne!(
        nightly[2], nightly[9],
        "the report changed over the fortnight"
    );
    // A week after, each night again from the record.
    service.today = "2026-11-26".into();
    for (day, printed) in days.iter().zip(&nightly) {
        let again = csv(
            &service,
            &["report", "overdue", "--format", "csv", "--as-of", day],
        );
        assert_eq!(&again, printed, "the night of {day}");
    }
    for (day, printed) in days.iter().zip(&printed_others) {
        for (args, printed) in others.iter().zip(printed) {
            let mut again: Vec<&str> = args.to_vec();
            again.extend(["--as-of", day]);
            assert_eq!(
                &csv(&service, &again),
                printed,
                "{args:?} on the night of {day}"
            );
        }
    }
    // As known on a day before anything here was recorded, nothing; as known by any later day, all.
    let none = csv(
        &service,
        &[
            "report",
            "overdue",
            "--format",
            "csv",
            "--as-of",
            "2026-11-20",
            "--as-known-on",
            "2026-01-01",
        ],
    );
    assert_eq!(none.lines().count(), 1, "the header alone: {none}");
    let all = csv(
        &service,
        &[
            "report",
            "overdue",
            "--format",
            "csv",
            "--as-of",
            "2026-11-20",
            "--as-known-on",
            "2199-12-31",
        ],
    );
    assert_eq!(&all, &nightly[9]);
}

#[test]
fn the_caseload_as_it_stood_holds_what_was_open_that_day_and_nothing_raised_since() {
    let mut service = Service::new();
    service.today = "2026-11-02".into();
    let early = service.raise_qap("asmith", "LCS-104233", None);
    service.today = "2026-11-10".into();
    service.ok(&[
        "--as",
        "asmith",
        "resolve",
        &early,
        "--outcome",
        "Done",
        "--yes",
    ]);
    service.today = "2026-11-20".into();
    let later = service.raise_qap("asmith", "LCS-200001", None);
    service.today = "2026-11-26".into();
    let open = |as_of: &str| -> Vec<String> {
        let report: Value = serde_json::from_str(
            &service.ok(&["report", "open", "--format", "json", "--as-of", as_of]),
        )
        .expect("json");
        report["matters"]
            .as_array()
            .expect("matters")
            .iter()
            .map(|m| m["matter"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(open("2026-11-05"), [early]);
    assert_eq!(open("2026-11-12"), Vec::<String>::new());
    assert_eq!(open("2026-11-25"), [later]);
}

#[test]
fn a_matter_is_shown_as_it_stood_on_a_day() {
    let mut service = Service::new();
    service.today = "2026-11-02".into();
    let m = service.raise_qap("asmith", "LCS-104233", None);
    service.today = "2026-11-10".into();
    service.ok(&["--as", "asmith", "escalate", &m, "--stage", "1", "--yes"]);
    service.today = "2026-11-26".into();
    let then: Value = serde_json::from_str(&service.ok(&[
        "show",
        &m,
        "--as-of",
        "2026-11-05",
        "--format",
        "json",
    ]))
    .expect("json");
    assert_eq!(then["state"], "qap");
    assert_eq!(then["steps"].as_array().map(Vec::len), Some(1));
    assert_eq!(service.show(&m)["state"], "drp");
    let err = service.fails(4, &["show", &m, "--as-of", "2026-10-01"]);
    assert!(err.contains("was not raised yet on 2026-10-01"), "{err}");
}

#[test]
fn the_caseload_is_shown_by_iro_team_manager() {
    let service = Service::new();
    service.raise_qap("asmith", "LCS-104233", None);
    let open = |manager: &str| -> usize {
        let report: Value = serde_json::from_str(&service.ok(&[
            "report",
            "open",
            "--iro-team-manager",
            manager,
            "--format",
            "json",
        ]))
        .expect("json");
        report["total"].as_u64().unwrap_or_default() as usize
    };
    // The fixture children's IRO team manager is jwhite.
    assert_eq!(open("jwhite"), 1);
    assert_eq!(open("senior"), 0);
}

#[test]
fn the_alert_form_as_of_a_day_gone_is_the_revision_that_stood_then() {
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
    let then: Value = serde_json::from_str(&service.ok(&[
        "report",
        "alert-form",
        &m,
        "--as-of",
        "2026-11-05",
        "--format",
        "json",
    ]))
    .expect("json");
    assert_eq!(then["stage"], 1);
    assert_eq!(then["revision"], 1);
    let now: Value =
        serde_json::from_str(&service.ok(&["report", "alert-form", &m, "--format", "json"]))
            .expect("json");
    assert_eq!(now["stage"], 2);
    let err = service.fails(2, &["report", "alert-form", &m, "--as-of", "2026-10-27"]);
    assert!(err.contains("had no alert form yet on 2026-10-27"), "{err}");
}

#[test]
fn a_day_after_today_is_refused_wherever_the_record_is_shown_as_it_stood() {
    let service = Service::new();
    let qap = service.raise_qap("asmith", "LCS-104233", Some("2026-11-02"));
    let before = service.dump();
    let outbox_before = service.ok(&["outbox", "list", "--format", "json"]);
    let tomorrow = "2026-11-27";
    assert_eq!(service.today, "2026-11-26", "the service's today");
    let pack = service.dir.path().join("pack");
    let pack = pack.to_str().expect("a path");
    let commands: [&[&str]; 10] = [
        &["report", "overdue"],
        &["report", "open"],
        &["report", "drift"],
        &["report", "alert-form", &qap],
        &["report", "supervision", "--iro", "asmith"],
        &["report", "cafcass-pack", &qap, "--out", pack],
        &["list"],
        &["show", &qap],
        &["--as", "asmith", "outbox", "remind"],
        &["report", "overdue", "--format", "csv"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.extend(["--as-of", tomorrow]);
        let told = service.fails(2, &args);
        assert!(
            told.contains("--as-of 2026-11-27 is after today (2026-11-26)"),
            "{args:?}: {told}"
        );
    }
    assert_eq!(service.dump(), before, "nothing changed");
    assert_eq!(
        service.ok(&["outbox", "list", "--format", "json"]),
        outbox_before,
        "no digest queued"
    );
    assert!(!service.dir.path().join("pack").exists(), "no pack written");
    // Today itself is the record as it stands.
    service.ok(&["report", "overdue", "--as-of", "2026-11-26"]);
    service.ok(&["show", &qap, "--as-of", "2026-11-26"]);
}
