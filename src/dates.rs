//! Parsing and printing of the ISO dates every command takes and prints.
//!
//! One strict form, `YYYY-MM-DD`, so a typo never becomes a plausible date.

use chrono::NaiveDate;

use crate::calendar::{FIRST_DAY, LAST_DAY};

/// The form every date on the command line must take.
pub const DATE_FORM: &str = "YYYY-MM-DD";

/// Parses a strict ISO calendar date (`2026-11-26`), as clap's value parser for every date flag.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(format!(
            "'{text}' is not a date: expected the form {DATE_FORM}, e.g. 2026-11-26"
        ));
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        format!(
            "'{text}' is not a day of the calendar: expected the form {DATE_FORM}, e.g. 2026-11-26"
        )
    })?;
    if !(FIRST_DAY..=LAST_DAY).contains(&date) {
        return Err(format!(
            "'{text}' is outside the years iro counts working days in ({FIRST_DAY} to {LAST_DAY})"
        ));
    }
    Ok(date)
}

/// The longest timescale `--within` may give, in working days (about five working years); a longer
/// one is a date, given with `--due`.
pub const MAX_WITHIN: u32 = 1300;

/// Parses a timescale in working days, as clap's value parser for every `--within`.
pub fn parse_within(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(n) if (1..=MAX_WITHIN).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{text}' is not a timescale: give 1 to {MAX_WITHIN} working days, or a date with --due"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timescales_are_a_sensible_number_of_working_days() {
        assert_eq!(parse_within("5"), Ok(5));
        assert_eq!(parse_within("1300"), Ok(1300));
        for bad in ["0", "1301", "-1", "999999999", "five", ""] {
            assert!(parse_within(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn accepts_only_real_iso_dates() {
        assert_eq!(
            parse_date("2026-11-26"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 26).unwrap())
        );
        assert_eq!(
            parse_date("2024-02-29"),
            Ok(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        for bad in [
            "2026-02-30",
            "2025-02-29",
            "26/11/2026",
            "tomorrow",
            "2026-1-05",
            "",
            "2026-11-26 ",
            "+2026-11-2",
            "2026-13-01",
            "2200-01-01",
            "1977-12-31",
        ] {
            let err = parse_date(bad).unwrap_err();
            assert!(
                err.contains(DATE_FORM) || err.contains("outside"),
                "{bad}: {err}"
            );
        }
    }
}
