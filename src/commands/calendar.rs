//! `iro calendar`: working-day arithmetic and bank holidays at the command line.
//!
//! Owns: the `calendar` subcommands' arguments (their `///` comments are the help) and what each prints.
//! Must not touch: the database or the clock. The shell hands in the [`Calendar`] (with the database's
//! closure days when there is a database); every answer comes from it, and a [`CalendarError`] goes back
//! unchanged so that `main` can give it its exit code.
//!
//! [`CalendarError`]: crate::calendar::CalendarError

use std::io::Write;

use chrono::NaiveDate;
use clap::{Args, Subcommand, ValueEnum};

use crate::calendar::{bank_holidays, Calendar, FIRST_YEAR, LAST_YEAR};
use crate::dates::parse_date;

/// Working days and bank holidays (England and Wales, plus the service's closure days).
#[derive(Debug, Args)]
#[command(after_help = "\
A working day is Monday to Friday, except bank holidays in England and Wales
and the service's closure days. \"Within N working days of DATE\" ends on the
Nth working day after DATE; DATE itself never counts.

Examples:
  iro calendar add 2026-12-24 5              # 2027-01-05
  iro calendar between 2026-12-24 2027-01-05 # 5
  iro calendar holidays 2027 --format json
  iro calendar is-working-day 2026-12-28     # no")]
pub struct CalendarArgs {
    #[command(subcommand)]
    pub command: CalendarCommand,
}

/// A question for the calendar.
#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print the date N working days after DATE (DATE itself never counts)
    #[command(after_help = "Example:\n  iro calendar add 2026-12-24 5    # 2027-01-05")]
    Add {
        /// The day to count from (YYYY-MM-DD)
        #[arg(value_name = "DATE", value_parser = parse_date)]
        date: NaiveDate,
        /// How many working days to count (a whole number, 0 or more)
        #[arg(value_name = "N", value_parser = parse_working_days, allow_negative_numbers = true)]
        working_days: u32,
    },
    /// Count the working days after START, up to and including END (negative if END is earlier)
    #[command(after_help = "Example:\n  iro calendar between 2026-12-24 2027-01-05    # 5")]
    Between {
        /// The day to count from, not itself counted (YYYY-MM-DD)
        #[arg(value_name = "START", value_parser = parse_date)]
        start: NaiveDate,
        /// The last day counted (YYYY-MM-DD)
        #[arg(value_name = "END", value_parser = parse_date)]
        end: NaiveDate,
    },
    /// List the bank holidays of England and Wales in YEAR, as the days actually taken off
    #[command(
        after_help = "Examples:\n  iro calendar holidays 2027\n  iro calendar holidays 2022 --format json"
    )]
    Holidays {
        /// The year (1978 to 2199)
        #[arg(value_name = "YEAR", value_parser = parse_year, allow_negative_numbers = true)]
        year: i32,
        /// How to print the list
        #[arg(long, value_enum, default_value_t = HolidayFormat::Text)]
        format: HolidayFormat,
    },
    /// Print "yes" if DATE is a working day, "no" if not (exit status 0 either way)
    #[command(after_help = "Example:\n  iro calendar is-working-day 2026-12-28    # no")]
    IsWorkingDay {
        /// The day to ask about (YYYY-MM-DD)
        #[arg(value_name = "DATE", value_parser = parse_date)]
        date: NaiveDate,
    },
}

/// How `calendar holidays` prints its list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HolidayFormat {
    /// One ISO date per line
    Text,
    /// A JSON array of {"date", "name"}
    Json,
}

/// Answers one calendar question on `out`.
/// The calendar needs no database, but honours the service's closure days when there is one.
pub fn command(
    ctx: &mut super::Context,
    args: &CalendarArgs,
) -> anyhow::Result<crate::error::Status> {
    use crate::store::{Location, Store, StoreError};
    let store = match ctx.db_location().ok() {
        None => None,
        Some(Location::File(path)) if !path.is_file() => None,
        Some(location) => match Store::open_at(&location, ctx.now, &mut |_, _| {}) {
            // A server's database not yet made an iro one is no database to the calendar, as a
            // missing file is.
            Err(StoreError::NotIro(_)) if matches!(location, Location::Server(_)) => None,
            other => Some(other?),
        },
    };
    let calendar = match store {
        Some(mut store) => {
            let tx = store.read()?;
            super::service_calendar(ctx, &tx)?
        }
        None => crate::workflow::calendar::without_database(&ctx.policy_closure_days()),
    };
    run(args, &calendar, ctx.out)?;
    Ok(crate::error::Status::Done)
}

pub fn run(args: &CalendarArgs, calendar: &Calendar, out: &mut dyn Write) -> anyhow::Result<()> {
    match &args.command {
        CalendarCommand::Add { date, working_days } => {
            writeln!(out, "{}", calendar.add_working_days(*date, *working_days)?)?;
        }
        CalendarCommand::Between { start, end } => {
            writeln!(out, "{}", calendar.working_days_between(*start, *end)?)?;
        }
        CalendarCommand::Holidays { year, format } => {
            let holidays = bank_holidays(*year)?;
            match format {
                HolidayFormat::Text => {
                    for holiday in &holidays {
                        writeln!(out, "{}", holiday.date)?;
                    }
                }
                HolidayFormat::Json => {
                    serde_json::to_writer_pretty(&mut *out, &holidays)?;
                    writeln!(out)?;
                }
            }
        }
        CalendarCommand::IsWorkingDay { date } => {
            let answer = if calendar.is_working_day(*date)? {
                "yes"
            } else {
                "no"
            };
            writeln!(out, "{answer}")?;
        }
    }
    Ok(())
}

/// Parses N of `calendar add`: a whole number of working days, 0 or more.
fn parse_working_days(text: &str) -> Result<u32, String> {
    text.parse::<u32>().map_err(|_| {
        format!(
            "'{text}' is not a number of working days: expected a whole number, 0 or more, e.g. 20"
        )
    })
}

/// Parses YEAR of `calendar holidays`: a year within the calendar's range.
fn parse_year(text: &str) -> Result<i32, String> {
    let range = format!("expected a year from {FIRST_YEAR} to {LAST_YEAR}, e.g. 2027");
    match text.parse::<i32>() {
        Ok(year) if (FIRST_YEAR..=LAST_YEAR).contains(&year) => Ok(year),
        Ok(_) => Err(format!("{text} is outside the calendar's range: {range}")),
        Err(_) => Err(format!("'{text}' is not a year: {range}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::CalendarError;
    use clap::{CommandFactory, Parser};

    /// A stand-in for the top-level parser, so that these tests do not depend on its other commands.
    #[derive(Debug, Parser)]
    #[command(name = "iro")]
    struct Cli {
        #[command(subcommand)]
        command: Top,
    }

    #[derive(Debug, Subcommand)]
    enum Top {
        Calendar(CalendarArgs),
    }

    fn parse(args: &[&str]) -> Result<CalendarArgs, clap::Error> {
        let argv = ["iro", "calendar"].iter().chain(args);
        Cli::try_parse_from(argv).map(|cli| match cli.command {
            Top::Calendar(args) => args,
        })
    }

    fn output(args: &[&str], calendar: &Calendar) -> anyhow::Result<String> {
        let args = parse(args).unwrap();
        let mut out = Vec::new();
        run(&args, calendar, &mut out)?;
        Ok(String::from_utf8(out).unwrap())
    }

    fn d(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    #[test]
    fn the_command_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn answers_each_question() {
        let calendar = Calendar::england_and_wales();
        assert_eq!(
            output(&["add", "2026-12-24", "5"], &calendar).unwrap(),
            "2027-01-05\n"
        );
        assert_eq!(
            output(&["add", "2026-12-24", "0"], &calendar).unwrap(),
            "2026-12-24\n"
        );
        assert_eq!(
            output(&["between", "2026-12-24", "2027-01-05"], &calendar).unwrap(),
            "5\n"
        );
        assert_eq!(
            output(&["between", "2027-01-05", "2026-12-24"], &calendar).unwrap(),
            "-5\n"
        );
        assert_eq!(
            output(&["is-working-day", "2026-12-28"], &calendar).unwrap(),
            "no\n"
        );
        assert_eq!(
            output(&["is-working-day", "2026-12-29"], &calendar).unwrap(),
            "yes\n"
        );
    }

    #[test]
    fn closure_days_come_from_the_calendar_handed_in() {
        let calendar = Calendar::with_closures([d("2026-12-29")]);
        assert_eq!(
            output(&["add", "2026-12-24", "1"], &calendar).unwrap(),
            "2026-12-30\n"
        );
        assert_eq!(
            output(&["is-working-day", "2026-12-29"], &calendar).unwrap(),
            "no\n"
        );
    }

    #[test]
    fn lists_holidays_as_text_and_json() {
        let calendar = Calendar::default();
        assert_eq!(
            output(&["holidays", "2022"], &calendar).unwrap(),
            "2022-01-03\n2022-04-15\n2022-04-18\n2022-05-02\n2022-06-02\n2022-06-03\n2022-08-29\n2022-09-19\n2022-12-26\n2022-12-27\n"
        );
        let json: serde_json::Value = serde_json::from_str(
            &output(&["holidays", "2022", "--format", "json"], &calendar).unwrap(),
        )
        .unwrap();
        let list = json.as_array().unwrap();
        assert_eq!(list.len(), 10);
        assert_eq!(
            list[0],
            serde_json::json!({"date": "2022-01-03", "name": "New Year's Day (substitute day)"})
        );
        assert_eq!(
            list[9],
            serde_json::json!({"date": "2022-12-27", "name": "Christmas Day (substitute day)"})
        );
    }

    #[test]
    fn out_of_range_dates_are_refused_as_they_are_read_and_results_past_the_range_are_calendar_errors(
    ) {
        let calendar = Calendar::england_and_wales();
        for args in [
            &["add", "2200-01-03", "1"][..],
            &["is-working-day", "1977-12-30"],
        ] {
            let error = parse(args).expect_err("out of range");
            assert!(error.to_string().contains("outside the years"), "{error}");
        }
        let error = output(&["add", "2199-12-31", "1"], &calendar).unwrap_err();
        assert!(matches!(
            error.downcast_ref(),
            Some(CalendarError::BeyondRange { .. })
        ));
    }

    #[test]
    fn malformed_arguments_are_usage_errors_naming_the_expected_form() {
        for (args, expected) in [
            (&["add", "2026-02-30", "1"][..], "YYYY-MM-DD"),
            (&["add", "26/11/2026", "1"][..], "YYYY-MM-DD"),
            (&["between", "tomorrow", "2026-12-01"][..], "YYYY-MM-DD"),
            (&["add", "2026-12-24", "-5"][..], "0 or more"),
            (&["add", "2026-12-24", "five"][..], "0 or more"),
            (&["holidays", "1977"][..], "from 1978 to 2199"),
            (&["holidays", "2200"][..], "from 1978 to 2199"),
            (&["holidays", "-1"][..], "from 1978 to 2199"),
            (&["holidays", "twenty"][..], "from 1978 to 2199"),
            (&["holidays", "2022", "--format", "csv"][..], "text"),
        ] {
            let error = parse(args).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{args:?}");
            assert!(error.to_string().contains(expected), "{args:?}: {error}");
        }
    }

    #[test]
    fn help_shows_examples() {
        let mut cli = Cli::command();
        let calendar = cli.find_subcommand_mut("calendar").unwrap();
        let help = calendar.render_long_help().to_string();
        assert!(help.contains("iro calendar add 2026-12-24 5"), "{help}");
        let add = calendar.find_subcommand_mut("add").unwrap();
        assert!(add.render_long_help().to_string().contains("Example:"));
    }
}
