//! `iro cover ABSENT --by ID --from DATE [--to DATE]`: one member of staff acts for another for a
//! period (leave, sickness, a vacancy): they may take the absent person's steps and are told instead of
//! them (rule 13).

use chrono::NaiveDate;
use clap::Args;

use super::{change, Context};
use crate::dates::parse_date;
use crate::error::Status;
use crate::model::Cover;
use crate::text::parse_text;
use crate::workflow::directory;

/// Record that one member of staff covers for another for a period
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro cover asmith --by pother --from 2026-12-01 --to 2026-12-19 --reason \"Annual leave\""
)]
pub struct CoverArgs {
    /// The member of staff who is away
    pub absent: String,
    /// Who covers for them
    #[arg(long, value_name = "ID")]
    pub by: String,
    /// The first day of the cover
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: NaiveDate,
    /// The last day of the cover [default: until further notice]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    /// Why (leave, sickness, a vacancy)
    #[arg(long, value_parser = parse_text)]
    pub reason: Option<String>,
}

pub fn run(ctx: &mut Context, args: &CoverArgs) -> anyhow::Result<Status> {
    let cover = Cover {
        absent: args.absent.clone(),
        by: args.by.clone(),
        from: args.from,
        to: args.to,
        reason: args.reason.clone(),
    };
    change(ctx, None, |tx, setting, by| {
        directory::set_cover(tx, setting, by, cover)
    })?;
    let until = args
        .to
        .map(|to| format!(" to {to}"))
        .unwrap_or_else(|| " until further notice".to_string());
    writeln!(
        ctx.err,
        "{} covers for {} from {}{until}",
        args.by, args.absent, args.from
    )?;
    Ok(Status::Done)
}
