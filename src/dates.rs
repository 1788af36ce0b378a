//! Parsing and printing of the ISO dates every command takes and prints.
//!
//! One strict form, `YYYY-MM-DD`, so a typo never becomes a plausible date.

use chrono::NaiveDate;

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
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
        format!(
            "'{text}' is not a day of the calendar: expected the form {DATE_FORM}, e.g. 2026-11-26"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        ] {
            let err = parse_date(bad).unwrap_err();
            assert!(err.contains(DATE_FORM), "{bad}: {err}");
        }
    }
}
