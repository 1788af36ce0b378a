//! `report annual`: the annual report to the corporate parenting board, drawn.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::super::{service_calendar, Context};
use crate::dates::parse_date;
use crate::error::Status;
use crate::workflow::annual;

/// Write the annual report: headline figures beside the previous period's, charts, and the figures as CSV
#[derive(Debug, Args)]
#[command(
    after_help = "Writes annual.html (self-contained and printable), annual.md with a chart per .svg file \
beside it, figures.csv and figures-previous.csv into a new directory. No child is named or referred to.\n\n\
Example:\n  iro report annual --from 2025-04-01 --to 2026-03-31 --out annual-2025-26 --redact-teams"
)]
pub struct AnnualArgs {
    /// The first day of the period (included)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: NaiveDate,
    /// The last day of the period (included)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: NaiveDate,
    /// The new directory to write the report into (it must not exist yet, or be empty)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Name teams by letter (Team A, Team B, ...) instead of by name
    #[arg(long)]
    pub redact_teams: bool,
}

pub(super) fn run(ctx: &mut Context, args: &AnnualArgs) -> anyhow::Result<Status> {
    crate::commands::period(args.from, args.to)?;
    if args.to > ctx.today {
        return Err(crate::error::Problem::Usage(format!(
            "--to {} is after today ({}): a report covers days that have passed",
            args.to, ctx.today
        ))
        .into());
    }
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(ctx, &tx)?;
    drop(tx);
    let mut second = store.another()?;
    let figures = annual::figures_on_two(
        &mut store,
        &mut second,
        &calendar,
        args.from,
        args.to,
        &ctx.policy.categories,
    )?;
    let written = annual::write(&figures, args.redact_teams, &args.out)?;
    writeln!(ctx.out, "{}", written.display())?;
    Ok(Status::Done)
}
