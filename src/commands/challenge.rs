//! `iro challenge`: the child's social work team manager challenges QAP actions within the window.

use chrono::NaiveDate;
use clap::Args;

use super::{parse_text, step, Context};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;

/// Challenge a QAP's actions (the child's social work team manager, within 5 working days)
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro --as tgreen challenge Q-2026-0042 --reason \"Assessment already booked for 3 December\""
)]
pub struct ChallengeArgs {
    pub matter: String,
    /// Why the actions are challenged
    #[arg(long, value_parser = parse_text)]
    pub reason: String,
    /// The day of the challenge, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &ChallengeArgs) -> anyhow::Result<Status> {
    let matter = step(ctx, &args.matter, args.on, |_| {
        Ok(Request::Challenge {
            reason: args.reason.clone(),
        })
    })?;
    writeln!(ctx.err, "{}: QAP actions challenged", matter.id)?;
    Ok(Status::Done)
}
