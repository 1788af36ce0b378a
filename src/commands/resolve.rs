//! `iro resolve`: the concern is settled.

use chrono::NaiveDate;
use clap::Args;

use super::{find_staff, parse_text, take_step, Context, Target};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;

/// Resolve a matter: a QAP by its IRO; EPCP/DRP by an IRO team manager naming the manager who resolved it
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  iro --as asmith resolve Q-2026-0042 --outcome \"Assessment completed\"\n  \
iro --as jwhite resolve Q-2026-0042 --outcome \"Panel date set\" --resolved-by mblack"
)]
pub struct ResolveArgs {
    pub matter: String,
    /// What was settled, and how
    #[arg(long, value_parser = parse_text)]
    pub outcome: String,
    /// The manager who resolved it: team manager at stage 1, service manager at 2, assistant director at 3
    #[arg(long, value_name = "ID")]
    pub resolved_by: Option<String>,
    /// The day it was resolved, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &ResolveArgs) -> anyhow::Result<Status> {
    let matter = take_step(ctx, Target::Matter(&args.matter), args.on, |tx| {
        Ok(Request::Resolve {
            outcome: args.outcome.clone(),
            resolved_by: args
                .resolved_by
                .as_deref()
                .map(|id| find_staff(tx, id))
                .transpose()?,
        })
    })?;
    writeln!(ctx.err, "{}: resolved", matter.id)?;
    Ok(Status::Done)
}
