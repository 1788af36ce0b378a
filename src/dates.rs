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

/// How a spreadsheet writes the day, month and year of a date that is not ISO: `--dates` on an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// ISO only (`2025-04-07`), and what cannot be misread: `7 Apr 2025`, Excel's `2025-04-07 00:00:00`.
    #[default]
    Iso,
    /// Also day/month/year, as a UK service writes it: `07/04/2025`, `7-4-2025`, `07.04.2025`.
    Dmy,
    /// Also month/day/year: `04/07/2025`.
    Mdy,
    /// Also year/month/day with slashes or dots: `2025/04/07`.
    Ymd,
}

impl DateOrder {
    /// The word `--dates` takes for it.
    pub fn word(self) -> &'static str {
        match self {
            DateOrder::Iso => "iso",
            DateOrder::Dmy => "dmy",
            DateOrder::Mdy => "mdy",
            DateOrder::Ymd => "ymd",
        }
    }
}

/// Parses a date as a spreadsheet gives it, in the order `order` says its numbers run. A two-digit
/// year is refused (is `07/04/25` 1925?), as is anything chrono cannot read whole.
pub fn parse_date_as(text: &str, order: DateOrder) -> Result<NaiveDate, String> {
    let text = text.trim();
    if let Ok(date) = parse_date(text) {
        return Ok(date);
    }
    // Excel writes a date cell in a CSV as a date-time at midnight; any time of day is the same day.
    let (day_part, time_part) = match text.split_once([' ', 'T']) {
        Some((day, time)) if time.contains(':') => (day, Some(time)),
        _ => (text, None),
    };
    if let Some(time) = time_part {
        if chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M:%S")
            .or_else(|_| chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M:%S%.f"))
            .or_else(|_| chrono::NaiveTime::parse_from_str(time.trim(), "%H:%M"))
            .is_err()
        {
            return Err(format!(
                "'{text}' is not a date: the time after it does not read"
            ));
        }
    }
    // A month written as a word cannot be misread, whatever the order.
    let worded = [
        "%d %b %Y",
        "%d %B %Y",
        "%d-%b-%Y",
        "%d %b, %Y",
        "%b %d %Y",
        "%B %d %Y",
        "%B %d, %Y",
    ];
    let numbered: &[&str] = match order {
        DateOrder::Iso => &["%Y-%m-%d"],
        DateOrder::Dmy => &["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"],
        DateOrder::Mdy => &["%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y"],
        DateOrder::Ymd => &["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"],
    };
    let parts: Vec<&str> = day_part
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .collect();
    let year_has_four_digits = parts
        .iter()
        .any(|part| part.len() == 4 && part.bytes().all(|b| b.is_ascii_digit()));
    if !year_has_four_digits
        && parts.len() == 3
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(format!(
            "'{text}' has a two-digit year, which could be any century: write the year in full"
        ));
    }
    let starts_with_year = parts
        .first()
        .is_some_and(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit()));
    let parsed = year_has_four_digits
        .then(|| {
            worded
                .iter()
                .chain(numbered)
                .find_map(|form| NaiveDate::parse_from_str(day_part, form).ok())
        })
        .flatten();
    match parsed {
        Some(date) if (FIRST_DAY..=LAST_DAY).contains(&date) => Ok(date),
        Some(_) => Err(format!(
            "'{text}' is outside the years iro counts working days in ({FIRST_DAY} to {LAST_DAY})"
        )),
        None if order == DateOrder::Iso && starts_with_year && day_part.contains(['/', '.']) => {
            Err(format!(
                "'{text}' is not a date iro reads without being told the order: give --dates ymd for year/month/day"
            ))
        }
        None if order == DateOrder::Iso && day_part.contains(['/', '.']) => Err(format!(
            "'{text}' is not a date iro reads without being told the order: give --dates dmy for day/month/year (a UK service's 07/04/2025), --dates mdy or --dates ymd"
        )),
        None if order == DateOrder::Iso => Err(format!(
            "'{text}' is not a date: expected {DATE_FORM} (or give --dates for a sheet that writes dates another way)"
        )),
        None => Err(format!(
            "'{text}' is not a day of the calendar written as --dates {} reads, nor {DATE_FORM}",
            order.word()
        )),
    }
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
    fn a_spreadsheet_date_is_read_in_the_order_it_is_told() {
        let day = NaiveDate::from_ymd_opt(2025, 4, 7).unwrap();
        for (text, order) in [
            ("2025-04-07", DateOrder::Iso),
            ("2025-04-07 00:00:00", DateOrder::Iso),
            ("2025-04-07T00:00:00", DateOrder::Iso),
            ("7 Apr 2025", DateOrder::Iso),
            ("7 April 2025", DateOrder::Dmy),
            ("07/04/2025", DateOrder::Dmy),
            ("7/4/2025", DateOrder::Dmy),
            ("07.04.2025", DateOrder::Dmy),
            ("07/04/2025 00:00", DateOrder::Dmy),
            ("04/07/2025", DateOrder::Mdy),
            ("2025/04/07", DateOrder::Ymd),
        ] {
            assert_eq!(parse_date_as(text, order), Ok(day), "{text} as {order:?}");
        }
        let refused = |text: &str, order| parse_date_as(text, order).expect_err(text);
        assert!(refused("07/04/2025", DateOrder::Iso).contains("--dates dmy"));
        assert!(refused("07/04/25", DateOrder::Dmy).contains("two-digit year"));
        assert!(refused("31/02/2025", DateOrder::Dmy).contains("not a day of the calendar"));
        assert!(refused("13/13/2025", DateOrder::Mdy).contains("not a day of the calendar"));
        assert!(refused("2025/12/01", DateOrder::Iso).contains("--dates ymd"));
        assert!(refused("2025-04-07 noon", DateOrder::Iso).contains("not a date"));
    }

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
