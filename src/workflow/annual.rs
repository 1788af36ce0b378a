//! The annual report: the period's figures and the previous period's (one computation, `figures`,
//! the same `report stats` gives), drawn and written as a new directory: `annual.html`, `annual.md` with
//! its charts as SVG files, and the figures as CSV.

use std::path::{Path, PathBuf};

use chrono::{Datelike, Months, NaiveDate};

use super::figures;
use crate::calendar::Calendar;
use crate::files;
use crate::render::{self, Breakdown, Stats};
use crate::store::reports::ChildrenOverTime;
use crate::store::{Store, Tx};

/// The period a period is compared with: the same days a year before (a board compares a year, or a
/// quarter, with the one a year earlier, which seasons alike), or for a period longer than a year, as
/// many days just before it.
pub fn previous_period(from: NaiveDate, to: NaiveDate) -> (NaiveDate, NaiveDate) {
    let year = Months::new(12);
    match (from.checked_sub_months(year), to.checked_sub_months(year)) {
        (Some(start), Some(end)) if end < from => {
            // A year back from 28 February can stop a leap day short of the period: take it in.
            let leap_day = end
                .succ_opt()
                .filter(|next| next.month() == 2 && next.day() == 29 && *next < from);
            (start, leap_day.unwrap_or(end))
        }
        _ => {
            let days = (to - from).num_days() + 1;
            let end = from.pred_opt().expect("a day before");
            (end - chrono::Duration::days(days - 1), end)
        }
    }
}

/// Both periods' figures.
pub struct Annual {
    pub current: Stats,
    pub previous: Stats,
    /// The day the record's first step took effect: a period before it has no figures, not zeros.
    pub record_began: Option<NaiveDate>,
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
        // What the figures look up about each child is read once, for both periods, its two halves
        // one on each connection, as the record stood when the periods are read (the heads are
        // compared below).
        let ((managers, managers_head), (first_concern, first_concerns_head)) = read_on_both(
            first,
            second,
            |tx| Ok(tx.iro_team_managers()?),
            |tx| Ok(tx.first_concerns()?),
        )?;
        let history = &ChildrenOverTime {
            managers,
            first_concern,
        };
        let (((current, record_began), head), (previous, other_head)) = read_on_both(
            first,
            second,
            |tx| {
                let stats = figures::period_under(tx, history, calendar, from, to, categories)?;
                Ok((stats, tx.first_step_on()?))
            },
            |tx| figures::period_under(tx, history, calendar, before_from, before_to, categories),
        )?;
        if [&other_head, &managers_head, &first_concerns_head]
            .iter()
            .all(|h| **h == head)
        {
            return Ok(Annual {
                current,
                previous,
                record_began,
            });
        }
    }
}

/// The head of the record a read saw: the last event's id and hash (`Tx::head`).
type Head = (i64, String);

/// Reads `one` on the first store and `other` on the second at the same time, each in a transaction
/// of its own; gives each result with the head of the record it read.
fn read_on_both<A: Send, B: Send>(
    first: &mut Store,
    second: &mut Store,
    one: impl FnOnce(&Tx) -> anyhow::Result<A> + Send,
    other: impl FnOnce(&Tx) -> anyhow::Result<B> + Send,
) -> anyhow::Result<((A, Head), (B, Head))> {
    let (one, other) = std::thread::scope(|scope| {
        let one = scope.spawn(|| -> anyhow::Result<_> {
            let tx = first.read()?;
            Ok((one(&tx)?, tx.head()?))
        });
        let other = scope.spawn(|| -> anyhow::Result<_> {
            let tx = second.read()?;
            Ok((other(&tx)?, tx.head()?))
        });
        (
            one.join().expect("the figures do not panic"),
            other.join().expect("the figures do not panic"),
        )
    });
    Ok((one?, other?))
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
        record_began: annual.record_began,
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
    fn the_previous_period_is_the_same_days_a_year_before_or_as_many_days_before() {
        assert_eq!(
            previous_period(day("2026-04-01"), day("2027-03-31")),
            (day("2025-04-01"), day("2026-03-31"))
        );
        assert_eq!(
            previous_period(day("2026-03-01"), day("2026-03-31")),
            (day("2025-03-01"), day("2025-03-31"))
        );
        assert_eq!(
            previous_period(day("2026-01-01"), day("2026-11-26")),
            (day("2025-01-01"), day("2025-11-26"))
        );
        // Longer than a year: as many days just before.
        assert_eq!(
            previous_period(day("2025-03-01"), day("2028-02-29")),
            (day("2022-03-01"), day("2025-02-28"))
        );
        // No day falls between the two: a leap day at the end of the year before is in it.
        assert_eq!(
            previous_period(day("2024-03-01"), day("2025-02-28")),
            (day("2023-03-01"), day("2024-02-29"))
        );
        // A leap day a year on is the last of February.
        assert_eq!(
            previous_period(day("2024-02-29"), day("2024-03-31")),
            (day("2023-02-28"), day("2023-03-31"))
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
