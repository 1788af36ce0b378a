//! `iro` at home in a terminal and in a service: prompts (through a pseudo-terminal) and their absence
//! without one, completions and manual pages, help examples, --quiet/--verbose/--version, the policy
//! file, and importing a spreadsheet tracker.

use std::path::{Path, PathBuf};
use std::process::Command;

use rexpect::process::wait::WaitStatus;
use rexpect::session::PtySession;

use crate::common::Service;

fn iro_path() -> &'static str {
    env!("CARGO_BIN_EXE_iro")
}

fn sample_tracker() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/tracker.csv")
}

/// Runs `iro` with `args` and returns (status, stdout, stderr).
fn run(service: &Service, args: &[&str]) -> (Option<i32>, String, String) {
    let output = service.iro().args(args).output().expect("run iro");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

// Prompts, through a pseudo-terminal.

/// `iro` in a pseudo-terminal (stdin and stdout a terminal), over the service's database.
fn pty(service: &Service, args: &[&str]) -> PtySession {
    let mut cmd = crate::common::at_a_terminal(&service.db, &service.today);
    cmd.args(args).env("TERM", "xterm");
    rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn iro in a pty")
}

/// Types keys at the terminal (rexpect buffers what it sends until flushed).
fn keys(session: &mut PtySession, keys: &str) {
    session.send(keys).expect("send keys");
    session.flush().expect("flush keys");
}

fn exit_code(session: &mut PtySession) -> i32 {
    match session.process.wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("iro did not exit normally: {other:?}"),
    }
}

#[test]
fn at_a_terminal_raise_qap_asks_for_everything_it_lacks() {
    let service = Service::new();
    let mut p = pty(&service, &["--as", "asmith", "raise-qap"]);
    p.exp_string("Child").expect("child prompt");
    keys(&mut p, "200001");
    keys(&mut p, "\r");
    p.exp_string("Category").expect("category prompt");
    keys(&mut p, "contact");
    keys(&mut p, "\r");
    p.exp_string("Summary of the concern")
        .expect("summary prompt");
    keys(&mut p, "Contact lapsed\r");
    p.exp_string("Action").expect("action prompt");
    keys(&mut p, "Restart contact\r");
    p.exp_string("Owner of the action").expect("owner prompt");
    keys(&mut p, "bking");
    keys(&mut p, "\r");
    p.exp_string("Due").expect("due prompt");
    // A date is checked before it is taken.
    keys(&mut p, "2026-02-30\r");
    p.exp_string("neither a date").expect("the date is refused");
    for _ in 0.."2026-02-30".len() {
        keys(&mut p, "\u{8}");
    }
    keys(&mut p, "5\r");
    p.exp_string("Q-2026-0001").expect("the new id");
    p.exp_eof().expect("ends");
    assert_eq!(exit_code(&mut p), 0);
    let m = service.show("Q-2026-0001");
    assert_eq!(m["child"], "LCS-200001");
    assert_eq!(m["category"], "contact");
    assert_eq!(m["actions"][0]["owner"], "bking");
    assert_eq!(m["actions"][0]["due"], "2026-12-03");
}

#[test]
fn at_a_terminal_a_missing_reason_is_asked_for_then_the_rules_judge() {
    let service = Service::new();
    let id = service.raise_qap("asmith", "LCS-104233", None);
    let mut p = pty(&service, &["--as", "asmith", "--yes", "refer-cafcass", &id]);
    // A QAP matter cannot go to CAFCASS; the reason is still asked for, then the rule refuses.
    p.exp_string("Why it goes to CAFCASS")
        .expect("reason prompt");
    keys(&mut p, "Article 8\r");
    p.exp_eof().expect("ends");
    assert_eq!(exit_code(&mut p), 3);

    // Without --yes, a step the rules refuse is refused before anyone is asked to confirm it.
    let mut p = pty(
        &service,
        &["--as", "asmith", "refer-cafcass", &id, "--reason", "Risk"],
    );
    let screen = p.exp_eof().expect("ends");
    assert!(screen.contains("rule 8"), "{screen}");
    assert!(!screen.contains("[y/N]"), "{screen}");
    assert_eq!(exit_code(&mut p), 3);
}

#[test]
fn escalate_states_the_consequence_and_a_no_records_nothing() {
    let service = Service::new();
    let id = service.raise_qap("asmith", "LCS-104233", None);
    let before = service.dump();
    let mut p = pty(
        &service,
        &["--as", "asmith", "escalate", &id, "--stage", "1"],
    );
    p.exp_string("resolution deadline is set to 2026-12-24 (20 working days)")
        .expect("the consequence");
    p.exp_string("the social work team manager is told")
        .expect("who is told");
    keys(&mut p, "n");
    p.exp_string("cancelled").expect("cancelled");
    p.exp_eof().expect("ends");
    assert_eq!(exit_code(&mut p), 1);
    assert_eq!(
        service.dump(),
        before,
        "a declined step changed the database"
    );

    let mut p = pty(
        &service,
        &["--as", "asmith", "escalate", &id, "--stage", "1"],
    );
    p.exp_string("Enter EPCP/DRP").expect("the question");
    keys(&mut p, "y");
    p.exp_eof().expect("ends");
    assert_eq!(exit_code(&mut p), 0);
    assert_eq!(service.show(&id)["state"], "drp");

    // --yes goes ahead without asking.
    let mut p = pty(
        &service,
        &["--as", "asmith", "--yes", "escalate", &id, "--stage", "2"],
    );
    p.exp_eof().expect("ends without a question");
    assert_eq!(exit_code(&mut p), 0);
    assert_eq!(service.show(&id)["stage"], 2);
}

#[test]
fn resolve_at_a_terminal_picks_the_matter_and_the_manager_then_confirms() {
    let service = Service::new();
    let id = service.raise_qap("asmith", "LCS-104233", None);
    service.ok(&["--as", "asmith", "escalate", &id, "--stage", "1"]);
    let mut p = pty(&service, &["--as", "jwhite", "resolve"]);
    p.exp_string("Matter to resolve").expect("matter prompt");
    keys(&mut p, &id);
    keys(&mut p, "\r");
    p.exp_string("Outcome").expect("outcome prompt");
    keys(&mut p, "Plan agreed\r");
    p.exp_string("Who resolved it (a team-manager at stage 1)")
        .expect("manager prompt");
    keys(&mut p, "tgreen");
    keys(&mut p, "\r");
    p.exp_string("nothing changes it afterwards")
        .expect("consequence");
    keys(&mut p, "y");
    p.exp_eof().expect("ends");
    assert_eq!(exit_code(&mut p), 0);
    let m = service.show(&id);
    assert_eq!(m["state"], "resolved");
    assert_eq!(m["resolved_by"], "tgreen");
}

#[test]
fn at_a_terminal_the_acting_person_is_asked_for_when_unknown() {
    let service = Service::new();
    let id = service.raise_qap("asmith", "LCS-104233", None);
    service.ok(&["--as", "asmith", "escalate", &id, "--stage", "1"]);
    // The login running is bound to no one, and is no staff id: iro cannot know who is acting.
    service.ok(&["staff", "update", "support", "--login", "someone-else"]);
    let mut p = pty(&service, &["refer-cafcass", &id, "--reason", "Risk"]);
    p.exp_string("Who is acting (--as)").expect("actor prompt");
    keys(&mut p, "asmith");
    keys(&mut p, "\r");
    p.exp_string("It is a concurrent referral: EPCP/DRP goes on")
        .expect("the consequence");
    p.exp_string("[y/N]").expect("the question");
    keys(&mut p, "y");
    p.exp_eof().expect("ends");
    assert_eq!(exit_code(&mut p), 0);
    let m = service.show(&id);
    assert_eq!(m["referrals"][0]["kind"], "concurrent", "{m}");
}

// Without a terminal: never a prompt, one usage error naming every missing flag.

#[test]
fn without_a_terminal_missing_values_are_named_all_at_once() {
    let service = Service::new();
    let id = service.raise_qap("asmith", "LCS-104233", None);
    let before = service.dump();
    let err = service.fails(2, &["--as", "asmith", "raise-qap"]);
    for flag in ["CHILD", "--category", "--summary", "--action"] {
        assert!(err.contains(flag), "{flag}: {err}");
    }
    let err = service.fails(2, &["--as", "asmith", "raise-qap", "LCS-104233"]);
    assert!(err.contains("--category, --summary, --action"), "{err}");
    let err = service.fails(2, &["--as", "asmith", "escalate"]);
    assert!(err.contains("MATTER") && err.contains("--stage"), "{err}");
    let err = service.fails(2, &["--as", "asmith", "escalate", "--child", "LCS-104233"]);
    assert!(err.contains("--category, --summary, --stage"), "{err}");
    let err = service.fails(2, &["--as", "jwhite", "resolve"]);
    assert!(err.contains("MATTER, --outcome"), "{err}");
    let err = service.fails(2, &["--as", "asmith", "refer-cafcass", &id]);
    assert!(err.contains("--reason"), "{err}");
    assert_eq!(service.dump(), before);
}

#[test]
fn categories_come_from_the_policy() {
    let service = Service::new();
    let err = service.fails(
        2,
        &[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
            "--category",
            "x",
            "--summary",
            "s",
            "--action",
            "a",
            "--owner",
            "bking",
            "--within",
            "5",
        ],
    );
    assert!(err.contains("'x' is not one of"), "{err}");
    assert!(
        err.contains("permanence") && err.contains("contact"),
        "{err}"
    );
    let err = service.fails(
        2,
        &[
            "--as",
            "asmith",
            "escalate",
            "--child",
            "LCS-104233",
            "--category",
            "x",
            "--summary",
            "s",
            "--stage",
            "1",
        ],
    );
    assert!(err.contains("'x' is not one of"), "{err}");
    std::fs::write(
        service.dir.path().join("iro.toml"),
        "categories = [\"x\", \"education\"]\n",
    )
    .expect("write policy");
    service.ok(&[
        "--as",
        "asmith",
        "raise-qap",
        "LCS-104233",
        "--category",
        "x",
        "--summary",
        "s",
        "--action",
        "a",
        "--owner",
        "bking",
        "--within",
        "5",
    ]);
    let err = service.fails(
        2,
        &[
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
            "--category",
            "permanence",
            "--summary",
            "s",
            "--action",
            "a",
            "--owner",
            "bking",
            "--within",
            "5",
        ],
    );
    assert!(err.contains("x, education"), "{err}");
}

// Conventions.

#[test]
fn bash_loads_the_completions() {
    let service = Service::new();
    let script = format!(
        "source <('{}' completions bash) && complete -p iro",
        iro_path()
    );
    let output = Command::new("bash")
        .args(["-c", &script])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("IRO_DB", &service.db)
        .output()
        .expect("run bash");
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        said.contains("-F _iro") && said.trim_end().ends_with(" iro"),
        "{said}"
    );
    for shell in ["zsh", "fish", "powershell"] {
        let out = service.ok(&["completions", shell]);
        assert!(out.contains("raise-qap"), "{shell}");
    }
    service.fails(2, &["completions", "tcsh"]);
}

#[test]
fn man_pages_are_roff() {
    let service = Service::new();
    let page = service.ok(&["man"]);
    assert!(page.contains(".TH iro 1"), "{page}");
    assert!(page.contains("raise\\-qap"), "{page}");
    let page = service.ok(&["man", "import"]);
    assert!(page.contains(".TH iro-import"), "{page}");
    service.fails(2, &["man", "nonsense"]);
}

#[test]
fn every_command_has_an_example_in_its_help() {
    let service = Service::new();
    let root = iro::cli::command();
    let mut paths: Vec<Vec<String>> = Vec::new();
    for sub in root.get_subcommands() {
        paths.push(vec![sub.get_name().to_string()]);
        for nested in sub.get_subcommands() {
            paths.push(vec![
                sub.get_name().to_string(),
                nested.get_name().to_string(),
            ]);
        }
    }
    assert!(paths.len() > 30);
    for path in paths {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = service.ok(&args);
        assert!(
            help.contains("Example"),
            "iro {} --help has no example",
            path.join(" ")
        );
    }
}

#[test]
fn quiet_verbose_and_version() {
    let service = Service::new();
    let (code, out, err) = run(
        &service,
        &[
            "--quiet",
            "--as",
            "asmith",
            "raise-qap",
            "LCS-104233",
            "--category",
            "permanence",
            "--summary",
            "s",
            "--action",
            "a",
            "--owner",
            "bking",
            "--within",
            "5",
        ],
    );
    assert_eq!(code, Some(0));
    assert_eq!(out, "Q-2026-0001\n");
    assert_eq!(err, "", "--quiet printed messages");
    // Errors still show with --quiet.
    let err = service.fails(2, &["-q", "--as", "asmith", "resolve", "Q-2026-0001"]);
    assert!(err.contains("--outcome"), "{err}");
    let (code, _, err) = run(&service, &["--verbose", "list"]);
    assert_eq!(code, Some(0));
    assert!(err.contains("policy: the built-in defaults"), "{err}");
    let named = match &service.server {
        Some(database) => format!("postgres database {}", database.name),
        None => service.db.display().to_string(),
    };
    assert!(err.contains(&named), "{err}");
    let version = service.ok(&["--version"]);
    assert_eq!(version.trim(), format!("iro {}", env!("CARGO_PKG_VERSION")));
    service.fails(2, &["--quiet", "--verbose", "list"]);
}

#[test]
fn tables_are_not_coloured_off_a_terminal() {
    let service = Service::new();
    service.raise_qap("asmith", "LCS-104233", None);
    let mut cmd = service.iro();
    cmd.env_remove("NO_COLOR").env("IRO_TODAY", "2027-03-01");
    let output = cmd.args(["report", "overdue"]).output().expect("run");
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.contains("Q-2026-0001"), "{out}");
    assert!(!out.contains('\u{1b}'), "escape codes in a pipe: {out}");
}

#[test]
fn overdue_rows_are_red_at_a_terminal_unless_no_color() {
    let service = Service::new();
    service.raise_qap("asmith", "LCS-104233", None);
    let mut cmd = crate::common::at_a_terminal(&service.db, &service.today);
    cmd.args(["report", "overdue"])
        .env("IRO_TODAY", "2027-03-01")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn");
    let screen = p.exp_eof().expect("ends");
    assert!(screen.contains("1 overdue as of 2027-03-01"), "{screen}");
    assert!(
        screen.contains("\u{1b}[38;5;9m"),
        "no red at a terminal: {screen:?}"
    );

    let mut cmd = crate::common::at_a_terminal(&service.db, &service.today);
    cmd.args(["report", "overdue"])
        .env("IRO_TODAY", "2027-03-01")
        .env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn");
    let screen = p.exp_eof().expect("ends");
    assert!(screen.contains("1 overdue as of 2027-03-01"), "{screen}");
    assert!(
        !screen.contains("\u{1b}["),
        "colour despite NO_COLOR: {screen:?}"
    );
}

// The policy file.

#[test]
fn policy_show_says_where_the_policy_came_from() {
    let service = Service::new();
    let out = service.ok(&["policy", "show"]);
    assert!(
        out.starts_with("# The policy in force: the built-in defaults"),
        "{out}"
    );
    assert!(out.contains("challenge_days = 5"), "{out}");
    assert!(out.contains("resolution_days = 20"), "{out}");
    assert!(out.contains("care-planning-drift-and-delay"), "{out}");

    let beside = service.dir.path().join("iro.toml");
    std::fs::write(
        &beside,
        "challenge_days = 7\nstage_response_days = 10\nstage_names = [\"Team\", \"Service\", \"Director\"]\n\
         [[closure_days]]\ndate = 2026-12-29\nreason = \"Christmas\"\n",
    )
    .expect("write");
    let out = service.ok(&["policy", "show"]);
    assert!(
        out.contains(&format!(
            "{} ({})",
            beside.display(),
            // On a server the tests give the file as IRO_CONFIG (see `common::at_a_terminal`).
            if crate::common::on_server() {
                "IRO_CONFIG"
            } else {
                "beside the database"
            }
        )),
        "{out}"
    );
    assert!(out.contains("challenge_days = 7"), "{out}");
    assert!(out.contains("stage_response_days = 10"), "{out}");
    assert!(out.contains("\"Director\""), "{out}");
    assert!(out.contains("2026-12-29"), "{out}");
    let table = service.ok(&["policy", "show", "--format", "table"]);
    assert!(
        table.contains("10 working days") && table.contains("Christmas"),
        "{table}"
    );

    // --config wins over IRO_CONFIG, which wins over the file beside the database.
    let flag = service.dir.path().join("flag.toml");
    let env = service.dir.path().join("env.toml");
    std::fs::write(&flag, "challenge_days = 3\n").expect("write");
    std::fs::write(&env, "challenge_days = 4\n").expect("write");
    let out = String::from_utf8(
        service
            .iro()
            .env("IRO_CONFIG", &env)
            .args(["policy", "show"])
            .output()
            .expect("run")
            .stdout,
    )
    .expect("utf-8");
    assert!(
        out.contains("challenge_days = 4") && out.contains("(IRO_CONFIG)"),
        "{out}"
    );
    let out = String::from_utf8(
        service
            .iro()
            .env("IRO_CONFIG", &env)
            .args(["--config", flag.to_str().expect("path"), "policy", "show"])
            .output()
            .expect("run")
            .stdout,
    )
    .expect("utf-8");
    assert!(
        out.contains("challenge_days = 3") && out.contains("(--config)"),
        "{out}"
    );
    service.fails(2, &["--config", "/nowhere/iro.toml", "policy", "show"]);
}

#[test]
fn a_bad_policy_file_is_refused_naming_the_line_and_the_key() {
    let service = Service::new();
    let path = service.dir.path().join("iro.toml");
    let before = service.dump();
    for (text, expected) in [
        (
            "challenge_days = 5\n\nresolution_days = 0\n",
            "iro.toml line 3: key `resolution_days`: must be a number of working days from 1 to 260",
        ),
        (
            "challenge_days = \"five\"\n",
            "iro.toml line 1: key `challenge_days`: invalid type",
        ),
        (
            "categories = [\"permanence\",\n  \"care plan\"]\n",
            "iro.toml line 2: key `categories`: category 'care plan' contains a space",
        ),
        (
            "resolving_roles = [\"team-manager\", \"boss\", \"assistant-director\"]\n",
            "iro.toml line 1: key `resolving_roles`: 'boss' is not a role",
        ),
        (
            "challenge_window = 5\n",
            "iro.toml line 1: key `challenge_window`: unknown field",
        ),
    ] {
        std::fs::write(&path, text).expect("write");
        let err = service.fails(
            2,
            &[
                "--as", "asmith", "raise-qap", "LCS-104233", "--category", "permanence",
                "--summary", "s", "--action", "a", "--owner", "bking", "--within", "5",
            ],
        );
        assert!(err.contains(expected), "{text}: {err}");
        let err = service.fails(2, &["policy", "check", path.to_str().expect("path")]);
        assert!(err.contains(expected), "{text}: {err}");
    }
    assert_eq!(service.dump(), before);
    std::fs::write(&path, "challenge_days = 6\n").expect("write");
    let (code, _, err) = run(&service, &["policy", "check", path.to_str().expect("path")]);
    assert_eq!(code, Some(0));
    assert!(err.contains("checks out"), "{err}");
}

#[test]
fn changing_the_policy_never_moves_a_deadline_already_set() {
    let service = Service::new();
    let before = service.raise_qap("asmith", "LCS-104233", None);
    assert_eq!(service.show(&before)["challenge_deadline"], "2026-12-03");
    std::fs::write(
        service.dir.path().join("iro.toml"),
        "challenge_days = 10\nresolution_days = 30\n",
    )
    .expect("write");
    let after = service.raise_qap("asmith", "LCS-104233", None);
    assert_eq!(service.show(&before)["challenge_deadline"], "2026-12-03");
    assert_eq!(service.show(&after)["challenge_deadline"], "2026-12-10");
    service.ok(&["--as", "asmith", "escalate", &after, "--stage", "1"]);
    let thirty = service.ok(&["calendar", "add", "2026-11-26", "30"]);
    assert_eq!(service.show(&after)["drp_deadline"], thirty.trim());
}

#[test]
fn the_policy_closure_days_join_the_calendar() {
    let service = Service::new();
    assert_eq!(
        service.ok(&["calendar", "add", "2026-11-26", "1"]).trim(),
        "2026-11-27"
    );
    std::fs::write(
        service.dir.path().join("iro.toml"),
        "[[closure_days]]\ndate = \"2026-11-27\"\nreason = \"Staff training day\"\n",
    )
    .expect("write");
    assert_eq!(
        service.ok(&["calendar", "add", "2026-11-26", "1"]).trim(),
        "2026-11-30"
    );
    // And the deadlines the rules set skip it too.
    let id = service.raise_qap("asmith", "LCS-104233", None);
    assert_eq!(service.show(&id)["challenge_deadline"], "2026-12-04");
}

// Importing a spreadsheet tracker.

#[test]
fn the_sample_tracker_imports_as_if_typed() {
    let service = Service::new();
    let sample = sample_tracker();
    let sample = sample.to_str().expect("path");
    let out = service.ok(&["import", sample]);
    let ids: Vec<&str> = out.lines().collect();
    assert_eq!(ids.len(), 5, "{out}");
    let list: serde_json::Value =
        serde_json::from_str(&service.ok(&["list", "--format", "json"])).expect("json");
    let states: Vec<(&str, &str)> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|m| {
            (
                m["category"].as_str().unwrap_or(""),
                m["state"].as_str().unwrap_or(""),
            )
        })
        .collect();
    for expected in [
        ("permanence", "resolved"),
        ("contact", "resolved"),
        ("placement-stability-or-suitability", "drp"),
        ("personal-education-plan", "resolved"),
        ("health-assessment", "qap"),
    ] {
        assert!(states.contains(&expected), "{expected:?} in {states:?}");
    }
    let chronology = service.ok(&["report", "chronology", "--child", "LCS-200001"]);
    for step in [
        "QAP raised (contact)",
        "entered EPCP/DRP at stage 1",
        "stage 1 to stage 2",
        "resolved by mblack",
        "QAP raised (health-assessment)",
    ] {
        assert!(chronology.contains(step), "{step}: {chronology}");
    }
    let stats: serde_json::Value = serde_json::from_str(&service.ok(&[
        "report",
        "stats",
        "--from",
        "2026-01-01",
        "--to",
        "2026-12-31",
        "--format",
        "json",
    ]))
    .expect("stats json");
    assert_eq!(stats["totals"]["qap"]["raised"], 4, "{stats}");
    assert_eq!(stats["totals"]["drp"]["entered"]["total"], 3, "{stats}");
    let overdue = service.ok(&["report", "overdue", "--format", "csv"]);
    assert!(
        overdue.contains("Book the initial health assessment"),
        "{overdue}"
    );
    service.ok(&["audit", "verify"]);
    // History brought in tells no one: no mail about steps taken months ago.
    let outbox: serde_json::Value =
        serde_json::from_str(&service.ok(&["outbox", "list", "--format", "json"])).expect("json");
    assert_eq!(outbox.as_array().map(Vec::len), Some(0), "{outbox}");
}

#[test]
fn a_dry_run_checks_every_row_and_changes_nothing() {
    let service = Service::new();
    let bytes = service.snapshot();
    let before = service.dump();
    let sample = sample_tracker();
    let (code, out, err) = run(
        &service,
        &["import", "--dry-run", sample.to_str().expect("path")],
    );
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, "");
    assert!(
        err.contains("all 5 row(s) pass") && err.contains("nothing was recorded"),
        "{err}"
    );
    assert_eq!(service.snapshot(), bytes);
    assert_eq!(service.dump(), before);
}

#[test]
fn a_broken_tracker_changes_nothing_and_lists_every_error() {
    let service = Service::new();
    let sample = std::fs::read_to_string(sample_tracker()).expect("sample");
    let mut lines: Vec<String> = sample.lines().map(str::to_string).collect();
    // Row 3 (the second data row): a date that is not one.
    lines[2] = lines[2].replace("2026-05-11", "2026-05-32");
    // Row 4: the stage goes down (stage 3 entered before stage 2).
    lines[3] = lines[3].replace(",2026-07-01,2026-07-15,", ",2026-07-15,2026-07-01,");
    // Row 5: a child the service does not know.
    lines[4] = lines[4].replace("LCS-104233", "LCS-999999");
    let broken = service.dir.path().join("broken.csv");
    std::fs::write(&broken, lines.join("\n") + "\n").expect("write");

    let bytes = service.snapshot();
    let before = service.dump();
    let (code, out, err) = run(&service, &["import", broken.to_str().expect("path")]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(out, "");
    let said: Vec<&str> = err.lines().collect();
    assert!(
        said[0].starts_with("row 3, column raised_on: '2026-05-32'"),
        "{err}"
    );
    assert!(said[1].starts_with("row 4, column stage_2_on: "), "{err}");
    assert!(said[1].contains("rule 6"), "{err}");
    assert!(
        said[2].starts_with("row 5, column child: no child 'LCS-999999'"),
        "{err}"
    );
    assert_eq!(
        said.last().copied().unwrap_or_default(),
        format!(
            "error: {}: 3 error(s) in 3 row(s); nothing was imported",
            broken.display()
        )
    );
    assert_eq!(said.len(), 4, "{err}");
    assert_eq!(service.snapshot(), bytes, "the file changed");
    assert_eq!(service.dump(), before);

    // With --strict, a heading iro does not read is refused before any row.
    std::fs::write(&broken, "child,colour\nLCS-104233,red\n").expect("write");
    let err = service.fails(2, &["import", "--strict", broken.to_str().expect("path")]);
    assert!(
        err.contains("column 'colour' is not one iro reads"),
        "{err}"
    );
    assert_eq!(service.dump(), before);
}

/// The sample tracker fifty times over, 250 rows, in the service's directory: enough for a bar.
fn big_tracker(service: &Service) -> String {
    let sample = std::fs::read_to_string(sample_tracker()).expect("sample");
    let mut lines = sample.lines();
    // Each copy of a row is a row of its own, by its source id.
    let mut big = format!("source_id,{}\n", lines.next().expect("header"));
    let rows: Vec<&str> = lines.collect();
    for copy in 0..50 {
        for (n, row) in rows.iter().enumerate() {
            big.push_str(&format!("r{copy}-{n},{row}\n"));
        }
    }
    let path = service.dir.path().join("big.csv");
    std::fs::write(&path, big).expect("write");
    path.to_str().expect("path").to_string()
}

#[test]
fn a_large_import_shows_progress_only_at_a_terminal() {
    let service = Service::new();
    let path = &big_tracker(&service);

    let mut p = pty(&service, &["import", "--dry-run", path]);
    let screen = p.exp_eof().expect("ends");
    assert!(
        screen.contains("importing ") && screen.contains("/250 rows"),
        "{screen:?}"
    );
    assert!(screen.contains("all 250 row(s) pass"), "{screen:?}");
    assert_eq!(exit_code(&mut p), 0);

    let (code, _, err) = run(&service, &["import", "--dry-run", path]);
    assert_eq!(code, Some(0));
    assert!(!err.contains("importing"), "{err}");
    assert!(err.contains("all 250 row(s) pass"), "{err}");
}

#[test]
fn audit_verify_shows_progress_only_at_a_terminal() {
    let service = Service::new();
    let path = big_tracker(&service);
    let (code, _, err) = run(&service, &["import", &path]);
    assert_eq!(code, Some(0), "{err}");

    let mut p = pty(&service, &["audit", "verify"]);
    let screen = p.exp_eof().expect("ends");
    assert!(
        screen.contains("checking ") && screen.contains(" rows"),
        "{screen:?}"
    );
    assert!(screen.contains("ok "), "{screen:?}");
    assert_eq!(exit_code(&mut p), 0);

    let (code, out, err) = run(&service, &["audit", "verify"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("ok "), "{out}");
    assert!(!err.contains("checking"), "{err}");
}

#[test]
fn tracker_headers_are_read_as_spreadsheets_write_them() {
    let service = Service::new();
    let path = service.dir.path().join("excel.csv");
    std::fs::write(
        &path,
        "\u{feff}Child,IRO,Category,Summary,Raised on,Action,Action-Owner,ACTION DUE\r\n\
         LCS-104233,asmith,contact,Contact lapsed,2026-11-02,Restart contact,bking,2026-11-30\r\n\
         ,,,,,,,\r\n",
    )
    .expect("write");
    let out = service.ok(&["import", path.to_str().expect("path")]);
    assert_eq!(out, "Q-2026-0001\n");
    assert_eq!(
        service.show("Q-2026-0001")["actions"][0]["due"],
        "2026-11-30"
    );

    let before = service.dump();
    std::fs::write(
        &path,
        "child,category,summary,raised_on,action,action_due\n\
         LCS-104233,contact,s,2026-11-02,a,2026-11-30,extra\n",
    )
    .expect("write");
    let (code, _, err) = run(&service, &["import", path.to_str().expect("path")]);
    assert_eq!(code, Some(2));
    assert!(
        err.starts_with("row 2, column (row): has 7 cells, more than the header's 6 columns"),
        "{err}"
    );
    assert_eq!(service.dump(), before);
}

#[test]
fn consult_asks_at_a_terminal_and_names_every_missing_flag_without_one() {
    let service = Service::new();
    let err = service.fails(2, &["--as", "asmith", "consult"]);
    for flag in ["CHILD", "--category", "--summary", "--with"] {
        assert!(err.contains(flag), "{flag}: {err}");
    }
    let mut p = pty(&service, &["--as", "asmith", "consult", "--with", "bking"]);
    p.exp_string("Child").expect("child prompt");
    keys(&mut p, "200001");
    keys(&mut p, "\r");
    p.exp_string("Category").expect("category prompt");
    keys(&mut p, "health-assessment");
    keys(&mut p, "\r");
    p.exp_string("Summary of the concern")
        .expect("summary prompt");
    keys(&mut p, "Health assessment overdue\r");
    p.exp_string("C-2026-0001").expect("the new id");
    p.exp_eof().expect("ends");
    assert_eq!(exit_code(&mut p), 0);
    let m = service.show("C-2026-0001");
    assert_eq!(
        (m["child"].as_str(), m["state"].as_str()),
        (Some("LCS-200001"), Some("consultation"))
    );
}

#[test]
fn a_large_directory_import_shows_progress_only_at_a_terminal() {
    let service = Service::new();
    let mut extract = String::from(
        "ref,name,team,social_worker,team_manager,service_manager,iro,iro_team_manager\n",
    );
    for n in 0..250 {
        extract.push_str(&format!(
            "LCS-{:06},Child {n},North,bking,tgreen,mblack,asmith,jwhite\n",
            300_000 + n
        ));
    }
    let path = service.dir.path().join("children.csv");
    std::fs::write(&path, extract).expect("write");
    let path = path.to_str().expect("path");
    let args = ["directory", "import", "--children", path, "--dry-run"];

    let mut p = pty(&service, &args);
    let screen = p.exp_eof().expect("ends");
    assert!(
        screen.contains("importing ") && screen.contains("/250 rows"),
        "{screen:?}"
    );
    assert!(
        screen.contains("250 change(s) would be recorded"),
        "{screen:?}"
    );
    assert_eq!(exit_code(&mut p), 0);

    let (code, _, err) = run(&service, &args);
    assert_eq!(code, Some(0));
    assert!(!err.contains("importing"), "{err}");
    assert!(err.contains("250 change(s) would be recorded"), "{err}");
}

#[test]
fn a_spreadsheet_is_never_written_to_a_terminal() {
    let service = Service::new();
    let mut p = pty(&service, &["report", "overdue", "--format", "xlsx"]);
    let screen = p.exp_eof().expect("ends");
    assert!(screen.contains("send it to a file"), "{screen}");
    assert!(!screen.contains("PK"), "{screen}");
    assert_eq!(exit_code(&mut p), 2);
}
