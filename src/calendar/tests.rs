//! Calendar tests: every one-off and substitute day by name, official lists, and properties.

use super::*;
use proptest::prelude::*;
use std::collections::HashSet;

fn d(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn dates(year: i32) -> Vec<String> {
    bank_holidays(year)
        .unwrap()
        .into_iter()
        .map(|h| h.date.to_string())
        .collect()
}

fn name_on(day: &str) -> String {
    let day = d(day);
    bank_holidays(day.year())
        .unwrap()
        .into_iter()
        .find(|h| h.date == day)
        .map(|h| h.name)
        .unwrap_or_else(|| panic!("{day} is not a bank holiday"))
}

fn cal() -> Calendar {
    Calendar::england_and_wales()
}

// ---- the official lists, written out (gov.uk england-and-wales and the historical proclamations) ----

#[test]
fn observed_lists_match_the_official_ones() {
    // Month and day of each observed day, in date order.
    let expected = [
        (1978, "01-02 03-24 03-27 05-01 05-29 08-28 12-25 12-26"),
        (
            1981,
            "01-01 04-17 04-20 05-04 05-25 07-29 08-31 12-25 12-28",
        ),
        (1995, "01-02 04-14 04-17 05-08 05-29 08-28 12-25 12-26"),
        (
            1999,
            "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28 12-31",
        ),
        (2000, "01-03 04-21 04-24 05-01 05-29 08-28 12-25 12-26"),
        (
            2002,
            "01-01 03-29 04-01 05-06 06-03 06-04 08-26 12-25 12-26",
        ),
        (2004, "01-01 04-09 04-12 05-03 05-31 08-30 12-27 12-28"),
        (2010, "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28"),
        (
            2011,
            "01-03 04-22 04-25 04-29 05-02 05-30 08-29 12-26 12-27",
        ),
        (
            2012,
            "01-02 04-06 04-09 05-07 06-04 06-05 08-27 12-25 12-26",
        ),
        (2015, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28"),
        (2016, "01-01 03-25 03-28 05-02 05-30 08-29 12-26 12-27"),
        (2017, "01-02 04-14 04-17 05-01 05-29 08-28 12-25 12-26"),
        (2020, "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28"),
        (2021, "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28"),
        (
            2022,
            "01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27",
        ),
        (
            2023,
            "01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26",
        ),
        (2024, "01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26"),
        (2025, "01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26"),
        (2026, "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28"),
        (2027, "01-01 03-26 03-29 05-03 05-31 08-30 12-27 12-28"),
    ];
    for (year, list) in expected {
        let expected: Vec<String> = list
            .split(' ')
            .map(|month_day| format!("{year}-{month_day}"))
            .collect();
        assert_eq!(dates(year), expected, "bank holidays of {year}");
    }
}

#[test]
fn one_off_and_moved_days_are_named() {
    for (day, name) in [
        ("1981-07-29", "Royal wedding bank holiday"),
        ("1995-05-08", "Early May bank holiday (VE day)"),
        ("1999-12-31", "Millennium bank holiday"),
        ("2002-06-03", "Golden Jubilee bank holiday"),
        ("2002-06-04", "Spring bank holiday"),
        ("2011-04-29", "Royal wedding bank holiday"),
        ("2012-06-04", "Spring bank holiday"),
        ("2012-06-05", "Queen's Diamond Jubilee"),
        ("2020-05-08", "Early May bank holiday (VE day)"),
        ("2022-06-02", "Spring bank holiday"),
        ("2022-06-03", "Platinum Jubilee bank holiday"),
        (
            "2022-09-19",
            "Bank Holiday for the State Funeral of Queen Elizabeth II",
        ),
        ("2023-05-01", "Early May bank holiday"),
        (
            "2023-05-08",
            "Bank holiday for the coronation of King Charles III",
        ),
    ] {
        assert_eq!(name_on(day), name, "{day}");
    }
}

#[test]
fn the_usual_days_of_moved_holidays_are_working_days() {
    for day in [
        "1995-05-01",
        "2002-05-27",
        "2012-05-28",
        "2020-05-04",
        "2022-05-30",
    ] {
        assert_eq!(cal().is_working_day(d(day)), Ok(true), "{day}");
    }
}

#[test]
fn substitute_days_are_named() {
    for (day, name) in [
        // New Year's Day on a Saturday, then on a Sunday.
        ("2022-01-03", "New Year's Day (substitute day)"),
        ("2023-01-02", "New Year's Day (substitute day)"),
        ("2017-01-02", "New Year's Day (substitute day)"),
        // Christmas on a Friday: Boxing Day (Saturday) moves to Monday 28.
        ("2015-12-28", "Boxing Day (substitute day)"),
        ("2020-12-28", "Boxing Day (substitute day)"),
        ("2026-12-28", "Boxing Day (substitute day)"),
        // Christmas on a Saturday: Monday 27 and Tuesday 28.
        ("2021-12-27", "Christmas Day (substitute day)"),
        ("2021-12-28", "Boxing Day (substitute day)"),
        ("2027-12-27", "Christmas Day (substitute day)"),
        ("2027-12-28", "Boxing Day (substitute day)"),
        // Christmas on a Sunday: Boxing Day on Monday 26, Christmas on Tuesday 27.
        ("2016-12-26", "Boxing Day"),
        ("2016-12-27", "Christmas Day (substitute day)"),
        ("2022-12-26", "Boxing Day"),
        ("2022-12-27", "Christmas Day (substitute day)"),
    ] {
        assert_eq!(name_on(day), name, "{day}");
    }
    // The weekend dates themselves are not listed: the list is of days actually taken.
    for day in [
        "2022-01-01",
        "2021-12-25",
        "2021-12-26",
        "2022-12-25",
        "2026-12-26",
        "2027-12-25",
    ] {
        let day = d(day);
        assert!(
            bank_holidays(day.year())
                .unwrap()
                .iter()
                .all(|h| h.date != day),
            "{day}"
        );
    }
}

#[test]
fn every_observed_day_is_a_weekday_and_within_its_year() {
    for year in FIRST_YEAR..=LAST_YEAR {
        let days = bank_holidays(year).unwrap();
        assert!((8..=10).contains(&days.len()), "{year}: {days:?}");
        for pair in days.windows(2) {
            assert!(pair[0].date < pair[1].date, "{year}: sorted and distinct");
        }
        for h in &days {
            assert_eq!(h.date.year(), year);
            assert!(h.date.weekday().num_days_from_monday() < 5, "{h:?}");
            assert_eq!(cal().is_working_day(h.date), Ok(false), "{h:?}");
        }
    }
}

#[test]
fn easter_sunday_for_known_years() {
    for (year, easter) in [
        (1978, "1978-03-26"),
        (1981, "1981-04-19"),
        (2000, "2000-04-23"),
        (2008, "2008-03-23"),
        (2011, "2011-04-24"),
        (2019, "2019-04-21"),
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2027, "2027-03-28"),
        (2038, "2038-04-25"),
        // The earliest and latest possible days.
        (1818, "1818-03-22"),
        (2285, "2285-03-22"),
        (1943, "1943-04-25"),
    ] {
        assert_eq!(easter_sunday(year), d(easter), "{year}");
    }
}

// ---- range ----

#[test]
fn years_outside_the_range_are_refused() {
    assert_eq!(
        bank_holidays(1977),
        Err(CalendarError::YearOutOfRange { year: 1977 })
    );
    assert_eq!(
        bank_holidays(2200),
        Err(CalendarError::YearOutOfRange { year: 2200 })
    );
    assert!(bank_holidays(1978).is_ok());
    assert!(bank_holidays(2199).is_ok());
    assert_eq!(
        bank_holidays(2200).unwrap_err().to_string(),
        "year 2200 is outside the calendar's range (1978 to 2199)"
    );
}

#[test]
fn dates_outside_the_range_are_refused() {
    let before = d("1977-12-31");
    let after = d("2200-01-03");
    assert_eq!(
        cal().is_working_day(before),
        Err(CalendarError::DateOutOfRange { date: before })
    );
    assert_eq!(
        cal().is_working_day(after),
        Err(CalendarError::DateOutOfRange { date: after })
    );
    assert_eq!(
        cal().add_working_days(after, 0),
        Err(CalendarError::DateOutOfRange { date: after })
    );
    assert_eq!(
        cal().working_days_between(d("2020-01-01"), after),
        Err(CalendarError::DateOutOfRange { date: after })
    );
    assert_eq!(
        cal().working_days_between(before, d("2020-01-01")),
        Err(CalendarError::DateOutOfRange { date: before })
    );
    assert_eq!(
        CalendarError::DateOutOfRange { date: after }.to_string(),
        "2200-01-03 is outside the calendar's range (1978-01-01 to 2199-12-31)"
    );
    assert_eq!(cal().is_working_day(d("1978-01-03")), Ok(true));
    assert_eq!(cal().is_working_day(d("2199-12-31")), Ok(true));
}

#[test]
fn counting_past_the_last_day_is_refused() {
    let from = d("2199-12-20");
    let last = cal().working_days_between(from, LAST_DAY).unwrap() as u32;
    assert_eq!(cal().add_working_days(from, last), Ok(LAST_DAY));
    assert_eq!(
        cal().add_working_days(from, last + 1),
        Err(CalendarError::BeyondRange {
            from,
            working_days: last + 1
        })
    );
    assert_eq!(
        cal().add_working_days(LAST_DAY, 1),
        Err(CalendarError::BeyondRange {
            from: LAST_DAY,
            working_days: 1
        })
    );
    assert_eq!(
        cal().add_working_days(LAST_DAY, u32::MAX),
        Err(CalendarError::BeyondRange {
            from: LAST_DAY,
            working_days: u32::MAX
        })
    );
    assert!(CalendarError::BeyondRange {
        from,
        working_days: 9
    }
    .to_string()
    .contains("2199-12-31"));
}

// ---- working-day arithmetic ----

#[test]
fn adding_across_christmas_and_new_year() {
    assert_eq!(
        cal().add_working_days(d("2026-12-24"), 5),
        Ok(d("2027-01-05"))
    );
    assert_eq!(
        cal().add_working_days(d("2026-12-24"), 1),
        Ok(d("2026-12-29"))
    );
    assert_eq!(
        cal().add_working_days(d("2026-12-24"), 0),
        Ok(d("2026-12-24"))
    );
    // A Saturday start: the next working day is Monday.
    assert_eq!(
        cal().add_working_days(d("2026-11-28"), 1),
        Ok(d("2026-11-30"))
    );
    // 20 working days from a start on a bank holiday.
    assert_eq!(
        cal().add_working_days(d("2026-05-25"), 20),
        Ok(d("2026-06-22"))
    );
    assert_eq!(
        cal().working_days_between(d("2026-12-24"), d("2027-01-05")),
        Ok(5)
    );
    assert_eq!(
        cal().working_days_between(d("2027-01-05"), d("2026-12-24")),
        Ok(-5)
    );
    assert_eq!(
        cal().working_days_between(d("2026-12-24"), d("2026-12-24")),
        Ok(0)
    );
    // The Christmas break: no working day from the 25th to the 28th.
    assert_eq!(
        cal().working_days_between(d("2026-12-24"), d("2026-12-28")),
        Ok(0)
    );
}

#[test]
fn closure_days_are_skipped() {
    let closures = Calendar::with_closures([d("2026-12-29"), d("2026-12-30"), d("2026-12-31")]);
    assert_eq!(closures.is_working_day(d("2026-12-30")), Ok(false));
    assert_eq!(
        closures.add_working_days(d("2026-12-24"), 1),
        Ok(d("2027-01-04"))
    );
    assert_eq!(
        closures.add_working_days(d("2026-12-24"), 5),
        Ok(d("2027-01-08"))
    );
    assert_eq!(
        closures.working_days_between(d("2026-12-24"), d("2027-01-05")),
        Ok(2)
    );
    // The bank-holiday-only calendar is unaffected.
    assert_eq!(cal().is_working_day(d("2026-12-30")), Ok(true));
    assert!(format!("{closures:?}").contains("closure_days: 3"));
}

#[test]
fn odd_closure_days_change_nothing() {
    let odd = Calendar::with_closures([
        d("1900-01-01"),
        d("2300-06-01"),
        d("2026-11-28"), // a Saturday
        d("2026-12-25"), // a bank holiday
    ]);
    assert!(
        Arc::ptr_eq(&odd.tables, &cal().tables),
        "nothing to add: the shared calendar"
    );
    let repeated = Calendar::with_closures([d("2026-12-29"), d("2026-12-29")]);
    assert_eq!(
        repeated.add_working_days(d("2026-12-24"), 1),
        Ok(d("2026-12-30"))
    );
    assert!(format!("{repeated:?}").contains("closure_days: 1"));
    assert_eq!(format!("{:?}", Calendar::default()), format!("{:?}", cal()));
}

#[test]
fn the_range_holds_the_expected_number_of_days() {
    // 222 years of 365 days, and 54 leap days (1980 to 2196, less 2100).
    assert_eq!(DAYS_IN_RANGE, 81_084);
    assert_eq!(FIRST_DAY.weekday(), Weekday::Sun);
    let tables = &cal().tables;
    assert_eq!(tables.working_before.len(), DAYS_IN_RANGE + 1);
    assert_eq!(*tables.working_days.first().unwrap(), d("1978-01-03"));
    assert_eq!(*tables.working_days.last().unwrap(), LAST_DAY);
}

// ---- properties, and a cross-check against a day-by-day walk ----

/// The definition, walked one day at a time.
struct Naive {
    off: HashSet<NaiveDate>,
}

impl Naive {
    fn new(from: NaiveDate, closures: &[NaiveDate]) -> Naive {
        let last_year = (from.year() + 3).min(LAST_YEAR);
        let mut off: HashSet<NaiveDate> = (from.year()..=last_year)
            .flat_map(|year| bank_holidays(year).unwrap())
            .map(|h| h.date)
            .collect();
        off.extend(closures);
        Naive { off }
    }

    fn is_working(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !self.off.contains(&day)
    }

    fn add(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().unwrap();
            if self.is_working(day) {
                left -= 1;
            }
        }
        day
    }

    fn between(&self, start: NaiveDate, end: NaiveDate) -> i64 {
        start
            .iter_days()
            .skip(1)
            .take_while(|&day| day <= end)
            .filter(|&day| self.is_working(day))
            .count() as i64
    }
}

fn any_date(first: NaiveDate, last: NaiveDate) -> impl Strategy<Value = NaiveDate> {
    (first.num_days_from_ce()..=last.num_days_from_ce())
        .prop_map(|days| NaiveDate::from_num_days_from_ce_opt(days).unwrap())
}

/// Dates from which 400 working days (about 560 days) stay within the range.
fn start_date() -> impl Strategy<Value = NaiveDate> {
    any_date(FIRST_DAY, d("2198-01-01"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn between_undoes_add(from in start_date(), n in 0u32..400) {
        let to = cal().add_working_days(from, n).unwrap();
        prop_assert_eq!(cal().working_days_between(from, to), Ok(i64::from(n)));
        prop_assert_eq!(cal().working_days_between(to, from), Ok(-i64::from(n)));
    }

    #[test]
    fn add_lands_on_a_working_day(from in start_date(), n in 1u32..400) {
        let to = cal().add_working_days(from, n).unwrap();
        prop_assert!(to > from);
        prop_assert_eq!(cal().is_working_day(to), Ok(true));
    }

    #[test]
    fn add_is_monotonic(from in start_date(), n in 0u32..400) {
        let here = cal().add_working_days(from, n).unwrap();
        let next = cal().add_working_days(from, n + 1).unwrap();
        prop_assert!(here < next);
    }

    #[test]
    fn tables_agree_with_a_day_by_day_walk(from in start_date(), n in 0u32..400, span in 0i64..600) {
        let naive = Naive::new(from, &[]);
        let end = from + chrono::TimeDelta::days(span);
        prop_assert_eq!(cal().add_working_days(from, n), Ok(naive.add(from, n)));
        prop_assert_eq!(cal().is_working_day(from), Ok(naive.is_working(from)));
        prop_assert_eq!(cal().working_days_between(from, end), Ok(naive.between(from, end)));
    }
}

proptest! {
    // Each case builds a calendar of its own.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn tables_with_closures_agree_with_a_day_by_day_walk(
        from in start_date(),
        n in 0u32..400,
        span in 0i64..600,
        offsets in proptest::collection::vec(0u64..600, 0..25),
    ) {
        let closures: Vec<NaiveDate> = offsets.iter().map(|&days| from + Days::new(days)).collect();
        let calendar = Calendar::with_closures(closures.iter().copied());
        let naive = Naive::new(from, &closures);
        let end = from + chrono::TimeDelta::days(span);
        prop_assert_eq!(calendar.add_working_days(from, n), Ok(naive.add(from, n)));
        prop_assert_eq!(calendar.working_days_between(from, end), Ok(naive.between(from, end)));
        for day in from.iter_days().take(600) {
            prop_assert_eq!(calendar.is_working_day(day), Ok(naive.is_working(day)));
        }
    }
}
