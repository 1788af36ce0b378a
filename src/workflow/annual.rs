//! The annual report: the period's figures and the previous period's (one computation, `figures`,
//! the same `report stats` gives), drawn and written as a new directory: `annual.html`, `annual.md` with
//! its charts as SVG files, and the figures as CSV.

use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};

use super::figures;
use crate::calendar::Calendar;
use crate::files;
use crate::render::{self, Breakdown, Stats};
use crate::store::Store;

/// The period before `from`..`to` of the same length: the same months a year (or as many months as the
/// period spans) earlier when it runs from the first of a month to the last of one, else as many days.
pub fn previous_period(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let last_of_month = to.succ_opt().is_some_and(|next| next.day() == 1);
    if from.day() == 1 && last_of_month {
        let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32 + 1;
        let start = from
            .checked_sub_months(Months::new(months as u32))
            .expect("a month in range");
        return (start, from.pred_opt().expect("a day before"));
    }
    let days = (to - from).num_days() + 1;
    let end = from.pred_opt().expect("a day before");
    (end - chrono::Duration::days(days - 1), end)
}

/// Both periods' figures.
pub struct Annual {
    pub current: Stats,
    pub previous: Stats,
}

/// Both periods' figures at once, one on each connection (a year at national scale is seconds of
/// reading each); read again should a step land between the two snapshots, so both are of one record.
pub fn figures_on_two(
    first: &mut Store,
    second: &mut Store,
    calendar: &Calendar,
    from: NaiveDate,
    to: NaiveDate,
    categories: &[String],
) -> anyhow::Result<Annual> {
    let (before_from, before_to) = previous_period(from, to);
    loop {
        let (current, previous) = std::thread::scope(|scope| {
            let current = scope.spawn(|| -> anyhow::Result<_> {
                let tx = first.read()?;
                let stats = figures::period(&tx, calendar, from, to, categories)?;
                Ok((tx.head()?, stats))
            });
            let previous = scope.spawn(|| -> anyhow::Result<_> {
                let tx = second.read()?;
                let stats = figures::period(&tx, calendar, before_from, before_to, categories)?;
                Ok((tx.head()?, stats))
            });
            (
                current.join().expect("the figures do not panic"),
                previous.join().expect("the figures do not panic"),
            )
        });
        let ((head, current), (other_head, previous)) = (current?, previous?);
        if head == other_head {
            return Ok(Annual { current, previous });
        }
    }
}

/// A letter for the `n`th team (from 0): A to Z, then AA, AB, ...
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push((b'A' + (n % 26) as u8) as char);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.iter().rev().collect()
}

/// Writes the report into the new directory `out`, whole or not at all; gives its path.
pub fn write(annual: &Annual, redact_teams: bool, out: &Path) -> anyhow::Result<PathBuf> {
    let staging = files::Staging::new(out)?;
    // Teams by letter in the order of their names, the same letter in both periods.
    let mut teams: Vec<&String> = annual
        .current
        .by_team
        .keys()
        .chain(annual.previous.by_team.keys())
        .collect();
    teams.sort();
    teams.dedup();
    let team_name = |team: &str| -> String {
        match (redact_teams, teams.iter().position(|t| *t == team)) {
            (true, Some(i)) => format!("Team {}", letters(i)),
            _ => team.to_string(),
        }
    };
    let report = render::annual::annual(&render::annual::AnnualFigures {
        current: &annual.current,
        previous: &annual.previous,
        team_name: &team_name,
    })?;
    staging.write("annual.html", report.html.as_bytes())?;
    staging.write("annual.md", report.markdown.as_bytes())?;
    for (file, svg) in &report.charts {
        staging.write(file, svg.as_bytes())?;
    }
    // The figures by category, team and month (not by person: the report is the service's).
    let shown = [Breakdown::Category, Breakdown::Team, Breakdown::Month];
    let name = |by: Breakdown, group: &str| match by {
        Breakdown::Team => team_name(group),
        _ => group.to_string(),
    };
    for (file, stats) in [
        ("figures.csv", &annual.current),
        ("figures-previous.csv", &annual.previous),
    ] {
        let mut csv = Vec::new();
        render::stats_csv(stats, &shown, &name, &mut csv)?;
        staging.write(file, &csv)?;
    }
    Ok(staging.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn the_previous_period_is_the_same_months_before_or_the_same_number_of_days() {
        assert_eq!(
            previous_period(day("2026-04-01"), day("2027-03-31")),
            (day("2025-04-01"), day("2026-03-31"))
        );
        assert_eq!(
            previous_period(day("2026-03-01"), day("2026-03-31")),
            (day("2026-02-01"), day("2026-02-28"))
        );
        assert_eq!(
            previous_period(day("2026-03-10"), day("2026-03-19")),
            (day("2026-02-28"), day("2026-03-09"))
        );
    }

    #[test]
    fn teams_are_lettered_past_z() {
        assert_eq!(letters(0), "A");
        assert_eq!(letters(25), "Z");
        assert_eq!(letters(26), "AA");
        assert_eq!(letters(27), "AB");
        assert_eq!(letters(26 * 27), "AAA");
    }
}
