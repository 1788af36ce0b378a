//! `iro extend`: a new timescale for an action, agreed with an IRO team manager; the old one is kept.

use chrono::NaiveDate;
use clap::{ArgGroup, Args};

use super::{find_staff, parse_text, step, Context};
use crate::dates::{parse_date, parse_within};
use crate::engine::{Request, Timescale};
use crate::error::Status;

/// Set a new timescale for an action, agreed with an IRO team manager
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("timescale").required(true).args(["due", "within"])))]
#[command(
    after_help = "Example:\n  iro --as asmith extend Q-2026-0042 --action 1 --within 10 --agreed-by jwhite --reason \"Assessor off sick\""
)]
pub struct ExtendArgs {
    pub matter: String,
    /// The action's number (see `iro show`)
    #[arg(long = "action", value_name = "SEQ")]
    pub seq: u32,
    /// The new due date
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub due: Option<NaiveDate>,
    /// The new timescale in working days from the day of the extension
    #[arg(long, value_name = "N", value_parser = parse_within)]
    pub within: Option<u32>,
    /// The IRO team manager who agreed it
    #[arg(long, value_name = "ID")]
    pub agreed_by: String,
    #[arg(long, value_parser = parse_text)]
    pub reason: String,
    /// The day it was agreed, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &ExtendArgs) -> anyhow::Result<Status> {
    let due = match (args.due, args.within) {
        (Some(date), _) => Timescale::By(date),
        (None, Some(n)) => Timescale::Within(n),
        (None, None) => unreachable!("clap requires --due or --within"),
    };
    let matter = step(ctx, &args.matter, args.on, |tx| {
        Ok(Request::Extend {
            seq: args.seq,
            due,
            agreed_by: find_staff(tx, &args.agreed_by)?,
            reason: args.reason.clone(),
        })
    })?;
    let now_due = matter
        .action(args.seq)
        .map(|a| a.due.to_string())
        .unwrap_or_default();
    writeln!(
        ctx.err,
        "{}: action {} now due {now_due}",
        matter.id, args.seq
    )?;
    Ok(Status::Done)
}
