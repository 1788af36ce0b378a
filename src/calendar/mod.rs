//! Working days and the bank holidays of England and Wales (rule 1).
//!
//! Owns: the observed bank holidays for every year from [`FIRST_YEAR`] to [`LAST_YEAR`] (standing rules,
//! Gregorian Easter, substitute days, and the days moved or added by proclamation), and the working-day
//! arithmetic every deadline is computed with: "within N working days of D" is the Nth working day after D,
//! D itself never counting.
//!
//! Must not touch: I/O, the clock, clap or the database. Closure days come in as plain dates from whoever
//! read them; "today" is never asked for here.
//!
//! Reports call this once per row, so nothing here walks day by day: a [`Calendar`] holds two tables built
//! once (the count of working days before each day of the range, and the date of the k-th working day), and
//! every question is one or two lookups. Building them takes well under a millisecond; the bank-holiday-only
//! tables are built once per process and shared.

use std::fmt;
use std::sync::{Arc, OnceLock};

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The first year the calendar knows: the year the Early May bank holiday began.
pub const FIRST_YEAR: i32 = 1978;
/// The last year the calendar knows.
pub const LAST_YEAR: i32 = 2199;
/// The first day the calendar knows.
pub const FIRST_DAY: NaiveDate = ymd(FIRST_YEAR, 1, 1);
/// The last day the calendar knows.
pub const LAST_DAY: NaiveDate = ymd(LAST_YEAR, 12, 31);

/// A question the calendar cannot answer because it reaches outside its range of years.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// A date given to the calendar lies outside its range.
    #[error("{date} is outside the calendar's range ({FIRST_DAY} to {LAST_DAY})")]
    DateOutOfRange { date: NaiveDate },
    /// A year given to the calendar lies outside its range.
    #[error("year {year} is outside the calendar's range ({FIRST_YEAR} to {LAST_YEAR})")]
    YearOutOfRange { year: i32 },
    /// Counting forward from a date runs past the calendar's last day.
    #[error(
        "{working_days} working days after {from} falls beyond the calendar's last day ({LAST_DAY})"
    )]
    BeyondRange { from: NaiveDate, working_days: u32 },
}

/// One observed bank holiday: the weekday actually taken off, and its name as gov.uk gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BankHoliday {
    pub date: NaiveDate,
    pub name: String,
}

/// The observed bank holidays of England and Wales in `year`, sorted by date.
pub fn bank_holidays(year: i32) -> Result<Vec<BankHoliday>, CalendarError> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(CalendarError::YearOutOfRange { year });
    }
    Ok(observed_days(year)
        .into_iter()
        .map(|(date, name)| BankHoliday {
            date,
            name: name.to_owned(),
        })
        .collect())
}

/// Working days: Monday to Friday, less the bank holidays of England and Wales and any closure days.
///
/// Cheap to clone (the tables are shared); every question is answered in constant time.
#[derive(Clone)]
pub struct Calendar {
    tables: Arc<Tables>,
}

impl Calendar {
    /// The calendar of bank holidays only, built once per process and shared.
    pub fn england_and_wales() -> Calendar {
        static BANK_HOLIDAYS_ONLY: OnceLock<Arc<Tables>> = OnceLock::new();
        let tables = BANK_HOLIDAYS_ONLY.get_or_init(|| Arc::new(Tables::build(&[])));
        Calendar {
            tables: Arc::clone(tables),
        }
    }

    /// The bank holidays plus the service's closure days.
    ///
    /// Closure days outside the range, or already off (weekends, bank holidays, repeats), change nothing:
    /// a closure list kept for years should not start failing when it holds an odd date.
    pub fn with_closures<I: IntoIterator<Item = NaiveDate>>(closures: I) -> Calendar {
        // Judged by the rules rather than by the shared tables, so that a process with closure days
        // builds one set of tables, not two.
        let mut extra: Vec<usize> = closures
            .into_iter()
            .filter(|&day| !is_weekend(day) && !is_bank_holiday(day))
            .filter_map(day_index)
            .collect();
        if extra.is_empty() {
            return Calendar::england_and_wales();
        }
        extra.sort_unstable();
        extra.dedup();
        Calendar {
            tables: Arc::new(Tables::build(&extra)),
        }
    }

    /// Whether `day` is a working day.
    pub fn is_working_day(&self, day: NaiveDate) -> Result<bool, CalendarError> {
        Ok(self.tables.is_working(index_in_range(day)?))
    }

    /// The `n`th working day after `from` (`from` itself never counts; `n = 0` gives `from`).
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        let index = index_in_range(from)?;
        if n == 0 {
            return Ok(from);
        }
        // The working days up to and including `from`, plus n, is the rank of the answer; the table of
        // working days is indexed from 0, hence the - 1 (n >= 1 here). Counted in u64 so that no n can
        // overflow, whatever the width of usize.
        let rank = u64::from(self.tables.working_before[index + 1]) + u64::from(n) - 1;
        usize::try_from(rank)
            .ok()
            .and_then(|rank| self.tables.working_days.get(rank))
            .copied()
            .ok_or(CalendarError::BeyondRange {
                from,
                working_days: n,
            })
    }

    /// The number of working days `w` with `start < w <= end`; negative (the same count) when `end < start`.
    pub fn working_days_between(
        &self,
        start: NaiveDate,
        end: NaiveDate,
    ) -> Result<i64, CalendarError> {
        let start = index_in_range(start)?;
        let end = index_in_range(end)?;
        let before = &self.tables.working_before;
        Ok(i64::from(before[end + 1]) - i64::from(before[start + 1]))
    }
}

impl Default for Calendar {
    fn default() -> Calendar {
        Calendar::england_and_wales()
    }
}

impl fmt::Debug for Calendar {
    // The tables run to tens of thousands of entries; what identifies a calendar is its range and its
    // closure days.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Calendar")
            .field("first_day", &FIRST_DAY)
            .field("last_day", &LAST_DAY)
            .field("working_days", &self.tables.working_days.len())
            .field("closure_days", &self.tables.closure_days)
            .finish()
    }
}

/// The number of days from [`FIRST_DAY`] to [`LAST_DAY`] inclusive.
const DAYS_IN_RANGE: usize = (LAST_DAY.signed_duration_since(FIRST_DAY).num_days() + 1) as usize;

/// The lookup tables behind a [`Calendar`].
struct Tables {
    /// `working_before[i]` is the number of working days strictly before day `i` of the range; one entry
    /// longer than the range so that "up to and including day i" is `working_before[i + 1]`.
    working_before: Box<[u32]>,
    /// `working_days[k]` is the (k+1)-th working day of the range.
    working_days: Box<[NaiveDate]>,
    /// How many closure days took a working day away (for `Debug`).
    closure_days: usize,
}

impl Tables {
    /// Builds the tables for the bank holidays plus `closures` (day indexes of working days, no repeats).
    fn build(closures: &[usize]) -> Tables {
        let mut off = vec![false; DAYS_IN_RANGE];
        // Day 0 is FIRST_DAY; weekdays repeat every 7 days from it.
        let first_weekday = FIRST_DAY.weekday().num_days_from_monday() as usize;
        for (index, day_off) in off.iter_mut().enumerate() {
            *day_off = (first_weekday + index) % 7 >= 5; // Saturday is 5, Sunday 6
        }
        for year in FIRST_YEAR..=LAST_YEAR {
            for (date, _) in observed_days(year) {
                if let Some(index) = day_index(date) {
                    off[index] = true;
                }
            }
        }
        for &index in closures {
            off[index] = true;
        }

        let mut working_before = Vec::with_capacity(DAYS_IN_RANGE + 1);
        let mut working_days = Vec::with_capacity(DAYS_IN_RANGE * 5 / 7);
        let mut count: u32 = 0;
        working_before.push(count);
        let mut date = FIRST_DAY;
        for (index, &day_off) in off.iter().enumerate() {
            if !day_off {
                count += 1;
                working_days.push(date);
            }
            working_before.push(count);
            if index + 1 < DAYS_IN_RANGE {
                date = date
                    .succ_opt()
                    .expect("every day before LAST_DAY has a successor");
            }
        }
        Tables {
            working_before: working_before.into_boxed_slice(),
            working_days: working_days.into_boxed_slice(),
            closure_days: closures.len(),
        }
    }

    fn is_working(&self, index: usize) -> bool {
        self.working_before[index + 1] > self.working_before[index]
    }
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Whether `day` is a bank holiday (false outside the range).
fn is_bank_holiday(day: NaiveDate) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&day.year())
        && observed_days(day.year())
            .iter()
            .any(|&(holiday, _)| holiday == day)
}

/// The position of `date` in the range, if it is in the range.
fn day_index(date: NaiveDate) -> Option<usize> {
    let offset = date.num_days_from_ce() - FIRST_DAY.num_days_from_ce();
    usize::try_from(offset)
        .ok()
        .filter(|&index| index < DAYS_IN_RANGE)
}

fn index_in_range(date: NaiveDate) -> Result<usize, CalendarError> {
    day_index(date).ok_or(CalendarError::DateOutOfRange { date })
}

/// A date known when the program is compiled; an impossible one stops the build, never the program.
const fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(date) => date,
        None => panic!("not a day of the calendar"),
    }
}

/// A standing bank holiday that a proclamation has moved in some year.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Standing {
    EarlyMay,
    Spring,
}

/// Standing bank holidays moved by proclamation: in the year of `to`, the holiday is taken on `to`
/// instead of its usual day.
const MOVED: [(Standing, NaiveDate, &str); 5] = [
    // 50th anniversary of VE Day.
    (
        Standing::EarlyMay,
        ymd(1995, 5, 8),
        "Early May bank holiday (VE day)",
    ),
    // Moved to sit beside the Golden Jubilee bank holiday (3 June).
    (Standing::Spring, ymd(2002, 6, 4), "Spring bank holiday"),
    // Moved to sit beside the Diamond Jubilee bank holiday (5 June).
    (Standing::Spring, ymd(2012, 6, 4), "Spring bank holiday"),
    // 75th anniversary of VE Day (a Friday).
    (
        Standing::EarlyMay,
        ymd(2020, 5, 8),
        "Early May bank holiday (VE day)",
    ),
    // Moved to the Thursday before the Platinum Jubilee bank holiday (3 June).
    (Standing::Spring, ymd(2022, 6, 2), "Spring bank holiday"),
];

/// Bank holidays proclaimed for one year only, in addition to the standing ones.
const ONE_OFF: [(NaiveDate, &str); 8] = [
    (ymd(1981, 7, 29), "Royal wedding bank holiday"),
    (ymd(1999, 12, 31), "Millennium bank holiday"),
    (ymd(2002, 6, 3), "Golden Jubilee bank holiday"),
    (ymd(2011, 4, 29), "Royal wedding bank holiday"),
    (ymd(2012, 6, 5), "Queen's Diamond Jubilee"),
    (ymd(2022, 6, 3), "Platinum Jubilee bank holiday"),
    (
        ymd(2022, 9, 19),
        "Bank Holiday for the State Funeral of Queen Elizabeth II",
    ),
    (
        ymd(2023, 5, 8),
        "Bank holiday for the coronation of King Charles III",
    ),
];

const NEW_YEAR: &str = "New Year's Day";
const NEW_YEAR_SUBSTITUTE: &str = "New Year's Day (substitute day)";
const CHRISTMAS: &str = "Christmas Day";
const CHRISTMAS_SUBSTITUTE: &str = "Christmas Day (substitute day)";
const BOXING_DAY: &str = "Boxing Day";
const BOXING_DAY_SUBSTITUTE: &str = "Boxing Day (substitute day)";

/// The observed bank holidays of a year in range, sorted. Every one falls within its own year: the latest
/// substitute day is 3 January or 28 December.
fn observed_days(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let mut days = Vec::with_capacity(12);

    let new_year = date(year, 1, 1);
    days.push(match new_year.weekday() {
        Weekday::Sat => (date(year, 1, 3), NEW_YEAR_SUBSTITUTE),
        Weekday::Sun => (date(year, 1, 2), NEW_YEAR_SUBSTITUTE),
        _ => (new_year, NEW_YEAR),
    });

    let easter = easter_sunday(year);
    days.push((easter - Days::new(2), "Good Friday"));
    days.push((easter + Days::new(1), "Easter Monday"));

    days.push(
        moved_or(Standing::EarlyMay, year)
            .unwrap_or((first_monday(year, 5), "Early May bank holiday")),
    );
    days.push(
        moved_or(Standing::Spring, year).unwrap_or((last_monday(year, 5), "Spring bank holiday")),
    );
    days.push((last_monday(year, 8), "Summer bank holiday"));

    // Christmas Day and Boxing Day each get a weekday: a weekend one moves to the next weekday not
    // already taken, so a Saturday Christmas gives Monday 27 (Christmas) and Tuesday 28 (Boxing Day),
    // and a Sunday Christmas gives Monday 26 (Boxing Day) and Tuesday 27 (Christmas).
    match date(year, 12, 25).weekday() {
        Weekday::Sat => days.extend([
            (date(year, 12, 27), CHRISTMAS_SUBSTITUTE),
            (date(year, 12, 28), BOXING_DAY_SUBSTITUTE),
        ]),
        Weekday::Sun => days.extend([
            (date(year, 12, 26), BOXING_DAY),
            (date(year, 12, 27), CHRISTMAS_SUBSTITUTE),
        ]),
        Weekday::Fri => days.extend([
            (date(year, 12, 25), CHRISTMAS),
            (date(year, 12, 28), BOXING_DAY_SUBSTITUTE),
        ]),
        _ => days.extend([
            (date(year, 12, 25), CHRISTMAS),
            (date(year, 12, 26), BOXING_DAY),
        ]),
    }

    days.extend(
        ONE_OFF
            .iter()
            .filter(|(day, _)| day.year() == year)
            .copied(),
    );
    days.sort_unstable_by_key(|&(day, _)| day);
    days
}

/// The day a proclamation moved `holiday` to in `year`, if it did.
fn moved_or(holiday: Standing, year: i32) -> Option<(NaiveDate, &'static str)> {
    MOVED
        .iter()
        .find(|(which, to, _)| *which == holiday && to.year() == year)
        .map(|&(_, to, name)| (to, name))
}

/// A fixed month and day of a year in range.
fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day)
        .expect("a fixed day of the year exists in every year of the range")
}

fn first_monday(year: i32, month: u32) -> NaiveDate {
    let first = date(year, month, 1);
    let days_to_monday = (7 - first.weekday().num_days_from_monday()) % 7;
    first + Days::new(u64::from(days_to_monday))
}

/// The last Monday of a 31-day month (May and August, the only ones asked for).
fn last_monday(year: i32, month: u32) -> NaiveDate {
    let last = date(year, month, 31);
    last - Days::new(u64::from(last.weekday().num_days_from_monday()))
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm, "Meeus/Jones/Butcher").
fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let (b, c) = (year / 100, year % 100);
    let (d, e) = (b / 4, b % 4);
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    // month is 3 or 4 and day 1..=31 by construction, and the values are positive for positive years.
    date(year, month as u32, day as u32)
}

#[cfg(test)]
mod tests;
