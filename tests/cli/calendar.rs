//! `iro calendar`, from the outside: what scripts see on stdout, stderr and in the exit status.
//!
//! Owns: the calendar's black-box tests. Must not touch: any other command's behaviour. Most tests run
//! against a database path where no file exists: the calendar must answer without a database, and must
//! not create one.

use crate::common::Service;

/// Runs `iro calendar ARGS...` with no database; it must succeed. Returns its stdout.
fn calendar(args: &[&str]) -> String {
    let service = Service::empty();
    let stdout = service.ok(&[&["calendar"], args].concat());
    assert!(
        !service.db.exists(),
        "{args:?}: the calendar created a database"
    );
    stdout
}

/// Runs `iro calendar ARGS...` with no database; it must be refused as a usage error (exit 2) with one
/// `error:` line, which is returned.
fn refused(args: &[&str]) -> String {
    Service::empty().fails(2, &[&["calendar"], args].concat())
}

#[test]
fn add_counts_working_days_over_christmas() {
    assert_eq!(calendar(&["add", "2026-12-24", "5"]), "2027-01-05\n");
    assert_eq!(calendar(&["add", "2026-12-24", "0"]), "2026-12-24\n");
    assert_eq!(calendar(&["add", "2026-11-26", "20"]), "2026-12-24\n");
}

#[test]
fn between_counts_both_ways() {
    assert_eq!(calendar(&["between", "2026-12-24", "2027-01-05"]), "5\n");
    assert_eq!(calendar(&["between", "2027-01-05", "2026-12-24"]), "-5\n");
    assert_eq!(calendar(&["between", "2026-12-24", "2026-12-28"]), "0\n");
}

#[test]
fn holidays_as_text() {
    assert_eq!(
        calendar(&["holidays", "2022"]),
        "2022-01-03\n2022-04-15\n2022-04-18\n2022-05-02\n2022-06-02\n\
         2022-06-03\n2022-08-29\n2022-09-19\n2022-12-26\n2022-12-27\n"
    );
    assert_eq!(
        calendar(&["holidays", "2027", "--format", "text"]),
        "2027-01-01\n2027-03-26\n2027-03-29\n2027-05-03\n2027-05-31\n\
         2027-08-30\n2027-12-27\n2027-12-28\n"
    );
}

#[test]
fn holidays_as_json() {
    let json: serde_json::Value =
        serde_json::from_str(&calendar(&["holidays", "2022", "--format", "json"]))
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
    assert_eq!(calendar(&["is-working-day", "2026-11-26"]), "yes\n");
    assert_eq!(calendar(&["is-working-day", "2026-12-28"]), "no\n");
    assert_eq!(calendar(&["is-working-day", "2026-11-28"]), "no\n");
    assert_eq!(calendar(&["is-working-day", "2022-09-19"]), "no\n");
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
        let error = refused(args);
        assert!(error.contains("YYYY-MM-DD"), "{args:?}: {error}");
    }
}

#[test]
fn a_negative_or_missing_count_is_refused() {
    let error = refused(&["add", "2026-12-24", "-5"]);
    assert!(error.contains("0 or more"), "{error}");
    let error = refused(&["add", "2026-12-24", "five"]);
    assert!(error.contains("0 or more"), "{error}");
    let error = refused(&["add", "2026-12-24"]);
    assert!(error.contains("<N>"), "{error}");
}

#[test]
fn years_outside_the_calendar_are_refused_with_its_range() {
    for year in ["1977", "2200", "-2022", "twenty"] {
        let error = refused(&["holidays", year]);
        assert!(error.contains("1978 to 2199"), "{year}: {error}");
    }
    let error = refused(&["holidays", "2022", "--format", "csv"]);
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
        let error = refused(args);
        assert!(error.contains("2199-12-31"), "{args:?}: {error}");
    }
}

#[test]
fn closure_days_in_the_database_are_skipped() {
    let service = Service::empty();
    service.ok(&["init"]);
    service.ok(&[
        "closure",
        "add",
        "2026-12-29",
        "--reason",
        "Christmas shutdown",
    ]);
    assert_eq!(
        service.ok(&["calendar", "add", "2026-12-24", "5"]),
        "2027-01-06\n"
    );
    assert_eq!(
        service.ok(&["calendar", "is-working-day", "2026-12-29"]),
        "no\n"
    );
    assert_eq!(
        service.ok(&["calendar", "between", "2026-12-24", "2027-01-05"]),
        "4\n"
    );
}
