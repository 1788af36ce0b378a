//! `iro brief-senior`: the IRO team manager briefed the senior IRO manager (rule 9).

use chrono::NaiveDate;
use clap::Args;

use super::{parse_text, step, Context};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;

/// Record that the senior IRO manager was briefed (an IRO team manager)
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro --as jwhite brief-senior Q-2026-0042 --note \"Briefed on the delay to the permanence plan\""
)]
pub struct BriefSeniorArgs {
    pub matter: String,
    /// What the senior IRO manager was told
    #[arg(long, value_parser = parse_text)]
    pub note: String,
    /// The day, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &BriefSeniorArgs) -> anyhow::Result<Status> {
    let matter = step(ctx, &args.matter, args.on, |_| {
        Ok(Request::BriefSenior {
            note: args.note.clone(),
        })
    })?;
    writeln!(
        ctx.err,
        "{}: senior IRO manager briefing recorded",
        matter.id
    )?;
    Ok(Status::Done)
}
