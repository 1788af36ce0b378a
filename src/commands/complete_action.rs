//! `iro complete-action`: an action was done.

use chrono::NaiveDate;
use clap::Args;

use super::{parse_text, step, Context};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;

/// Record that an action was done
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro --as asmith complete-action Q-2026-0042 --action 1 --note \"Assessment received\""
)]
pub struct CompleteActionArgs {
    pub matter: String,
    /// The action's number (see `iro show`)
    #[arg(long = "action", value_name = "SEQ")]
    pub seq: u32,
    #[arg(long, value_parser = parse_text)]
    pub note: Option<String>,
    /// The day it was done, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &CompleteActionArgs) -> anyhow::Result<Status> {
    let matter = step(ctx, &args.matter, args.on, |_| {
        Ok(Request::CompleteAction {
            seq: args.seq,
            note: args.note.clone(),
        })
    })?;
    writeln!(ctx.err, "{}: action {} done", matter.id, args.seq)?;
    Ok(Status::Done)
}
