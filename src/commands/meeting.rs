//! `iro meeting`: a formal meeting at stage 2 or 3 of EPCP/DRP, chaired by the senior IRO manager; its
//! agreed actions join the alert form and those present and the parties of the stage are told.

use chrono::NaiveDate;
use clap::Args;

use super::actions::ActionArgs;
use super::{find_staff, step, Context};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;

/// Record a formal meeting at stage 2 or 3 and the actions it agreed
#[derive(Debug, Args)]
#[command(
    after_help = "Each --action takes the --owner and the --due or --within that follow it, in order.\n\n\
Example:\n  iro --as senior meeting Q-2026-0042 --chair senior --attendee tgreen --attendee mblack --on 2026-11-20 \\\n    \
--action \"Present the permanence plan to panel\" --owner mblack --within 10"
)]
pub struct MeetingArgs {
    pub matter: String,
    /// The senior IRO manager who chaired it
    #[arg(long, value_name = "ID")]
    pub chair: String,
    /// Someone present (repeat for several)
    #[arg(long = "attendee", value_name = "ID")]
    pub attendees: Vec<String>,
    #[command(flatten)]
    pub agreed: ActionArgs,
    /// The day of the meeting, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &MeetingArgs) -> anyhow::Result<Status> {
    args.agreed.check()?;
    let matter = step(ctx, &args.matter, args.on, |tx| {
        let mut attendees = Vec::with_capacity(args.attendees.len());
        for id in &args.attendees {
            attendees.push(find_staff(tx, id).map_err(|e| e.context(format!("--attendee {id}")))?);
        }
        Ok(Request::Meeting {
            chair: find_staff(tx, &args.chair)
                .map_err(|e| e.context(format!("--chair {}", args.chair)))?,
            attendees,
            actions: args.agreed.resolve(tx)?,
        })
    })?;
    writeln!(
        ctx.err,
        "{}: formal meeting recorded; the alert form has {} action(s)",
        matter.id,
        matter.actions.len()
    )?;
    Ok(Status::Done)
}
