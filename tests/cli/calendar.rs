//! `iro calendar`, from the outside: what scripts see on stdout, stderr and in the exit status.
//!
//! Owns: the calendar's black-box tests. Must not touch: any other command's behaviour. Each test runs the
//! binary with a fixed today and a database path in a fresh temporary directory where no file exists: the
//! calendar must answer without a database.

use assert_cmd::Command;
use tempfile::TempDir;

/// `iro calendar ARGS...` with a fixed today and a database path that does not exist.
fn iro_calendar(args: &[&str]) -> (Command, TempDir) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut cmd = Command::cargo_bin("iro").expect("the iro binary");
    cmd.env("IRO_TODAY", "2026-11-26")
        .env("IRO_DB", dir.path().join("iro.db"))
        .env_remove("IRO_USER")
        .arg("calendar")
        .args(args);
    (cmd, dir)
}

/// Runs a command expected to succeed; returns its stdout.
fn stdout_of(args: &[&str]) -> String {
    let (mut cmd, dir) = iro_calendar(args);
    let output = cmd.output().expect("iro runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        !dir.path().join("iro.db").exists(),
        "{args:?}: the calendar created a database"
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs a command expected to be refused as a usage error; returns its one `error:` line.
fn refusal_of(args: &[&str]) -> String {
    let (mut cmd, _dir) = iro_calendar(args);
    let output = cmd.output().expect("iro runs");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8 errors");
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(output.stdout.is_empty(), "{args:?}: nothing on stdout");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|line| line.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{args:?}: one error line in {stderr:?}");
    errors[0].to_owned()
}

#[test]
fn add_counts_working_days_over_christmas() {
    assert_eq!(stdout_of(&["add", "2026-12-24", "5"]), "2027-01-05\n");
    assert_eq!(stdout_of(&["add", "2026-12-24", "0"]), "2026-12-24\n");
    assert_eq!(stdout_of(&["add", "2026-11-26", "20"]), "2026-12-24\n");
}

#[test]
fn between_counts_both_ways() {
    assert_eq!(stdout_of(&["between", "2026-12-24", "2027-01-05"]), "5\n");
    assert_eq!(stdout_of(&["between", "2027-01-05", "2026-12-24"]), "-5\n");
    assert_eq!(stdout_of(&["between", "2026-12-24", "2026-12-28"]), "0\n");
}

#[test]
fn holidays_as_text() {
    assert_eq!(
        stdout_of(&["holidays", "2022"]),
        "2022-01-03\n2022-04-15\n2022-04-18\n2022-05-02\n2022-06-02\n\
         2022-06-03\n2022-08-29\n2022-09-19\n2022-12-26\n2022-12-27\n"
    );
    assert_eq!(
        stdout_of(&["holidays", "2027", "--format", "text"]),
        "2027-01-01\n2027-03-26\n2027-03-29\n2027-05-03\n2027-05-31\n\
         2027-08-30\n2027-12-27\n2027-12-28\n"
    );
}

#[test]
fn holidays_as_json() {
    let json: serde_json::Value =
        serde_json::from_str(&stdout_of(&["holidays", "2022", "--format", "json"]))
            .expect("JSON on stdout");
    let expected = serde_json::json!([
        {"date": "2022-01-03", "name": "New Year's Day (substitute day)"},
        {"date": "2022-04-15", "name": "Good Friday"},
        {"date": "2022-04-18", "name": "Easter Monday"},
        {"date": "2022-05-02", "name": "Early May bank holiday"},
        {"date": "2022-06-02", "name": "Spring bank holiday"},
        {"date": "2022-06-03", "name": "Platinum Jubilee bank holiday"},
        {"date": "2022-08-29", "name": "Summer bank holiday"},
        {"date": "2022-09-19", "name": "Bank Holiday for the State Funeral of Queen Elizabeth II"},
        {"date": "2022-12-26", "name": "Boxing Day"},
        {"date": "2022-12-27", "name": "Christmas Day (substitute day)"},
    ]);
    assert_eq!(json, expected);
}

#[test]
fn is_working_day_answers_yes_or_no() {
    assert_eq!(stdout_of(&["is-working-day", "2026-11-26"]), "yes\n");
    assert_eq!(stdout_of(&["is-working-day", "2026-12-28"]), "no\n");
    assert_eq!(stdout_of(&["is-working-day", "2026-11-28"]), "no\n");
    assert_eq!(stdout_of(&["is-working-day", "2022-09-19"]), "no\n");
}

#[test]
fn malformed_dates_are_refused_with_the_expected_form() {
    for args in [
        &["add", "2026-02-30", "5"][..],
        &["add", "26/11/2026", "5"][..],
        &["add", "tomorrow", "5"][..],
        &["between", "2026-12-24", "2027-1-5"][..],
        &["is-working-day", "2026-13-01"][..],
    ] {
        let error = refusal_of(args);
        assert!(error.contains("YYYY-MM-DD"), "{args:?}: {error}");
    }
}

#[test]
fn a_negative_or_missing_count_is_refused() {
    let error = refusal_of(&["add", "2026-12-24", "-5"]);
    assert!(error.contains("0 or more"), "{error}");
    let error = refusal_of(&["add", "2026-12-24", "five"]);
    assert!(error.contains("0 or more"), "{error}");
    refusal_of(&["add", "2026-12-24"]);
}

#[test]
fn years_outside_the_calendar_are_refused_with_its_range() {
    for year in ["1977", "2200", "-2022"] {
        let error = refusal_of(&["holidays", year]);
        assert!(error.contains("1978 to 2199"), "{year}: {error}");
    }
    let error = refusal_of(&["holidays", "2022", "--format", "csv"]);
    assert!(error.contains("json"), "{error}");
}

#[test]
fn dates_outside_the_calendar_are_refused_with_its_range() {
    for args in [
        &["add", "2200-01-03", "1"][..],
        &["add", "1977-12-30", "1"][..],
        &["is-working-day", "1977-12-30"][..],
        &["between", "2026-12-24", "2200-01-03"][..],
        // Counting runs past the last day of the calendar.
        &["add", "2199-12-30", "5"][..],
    ] {
        let error = refusal_of(args);
        assert!(error.contains("2199-12-31"), "{args:?}: {error}");
    }
}
