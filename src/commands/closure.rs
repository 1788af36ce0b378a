//! `iro closure add|list`: days the service does not work besides weekends and bank holidays.

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::{parse_text, Context};
use crate::dates::parse_date;
use crate::error::{Problem, Status};

/// Add and list the service's closure days
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  iro closure add 2026-12-29 --reason \"Christmas shutdown\"\n  iro closure list"
)]
pub struct ClosureArgs {
    #[command(subcommand)]
    pub command: ClosureCommand,
}

#[derive(Debug, Subcommand)]
pub enum ClosureCommand {
    /// Add a closure day; deadlines set from now on skip it, deadlines already set stay as they are
    #[command(
        after_help = "Example:\n  iro closure add 2026-12-29 --reason \"Christmas shutdown\""
    )]
    Add {
        #[arg(value_parser = parse_date)]
        day: NaiveDate,
        #[arg(long, value_parser = parse_text)]
        reason: String,
    },
    /// List closure days, one ISO date and its reason per line
    #[command(after_help = "Example:\n  iro closure list")]
    List,
}

pub fn run(ctx: &mut Context, args: &ClosureArgs) -> anyhow::Result<Status> {
    match &args.command {
        ClosureCommand::Add { day, reason } => {
            let calendar = crate::calendar::Calendar::england_and_wales();
            // A closure on a day already off would be stored and silently do nothing: say so instead.
            if !calendar.is_working_day(*day)? {
                return Err(Problem::Usage(format!(
                    "{day} is already a weekend day or bank holiday: only a working day can be a closure day"
                ))
                .into());
            }
            let added = super::change(ctx, None, |tx, setting, by| {
                crate::workflow::directory::add_closure_day(tx, setting, by, *day, reason.clone())
            })?;
            if !added {
                return Err(Problem::Usage(format!("{day} is a closure day already")).into());
            }
            writeln!(ctx.err, "{day} is now a closure day")?;
        }
        ClosureCommand::List => {
            let mut store = ctx.open()?;
            let tx = store.read()?;
            for (day, reason) in tx.closure_days()? {
                writeln!(ctx.out, "{day}\t{reason}")?;
            }
        }
    }
    Ok(Status::Done)
}
