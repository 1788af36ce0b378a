//! `iro note`: a note on the record of a matter.

use chrono::NaiveDate;
use clap::Args;

use super::{parse_text, step, Context};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;

/// Add a note to a matter's record (also on resolved and closed matters: a note changes nothing)
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro --as asmith note Q-2026-0042 --text \"Spoke to the social worker; assessment booked\""
)]
pub struct NoteArgs {
    pub matter: String,
    #[arg(long, value_parser = parse_text)]
    pub text: String,
    /// The note records a discussion of the matter in the IRO's supervision
    #[arg(long)]
    pub supervision: bool,
    /// The day, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &NoteArgs) -> anyhow::Result<Status> {
    let matter = step(ctx, &args.matter, args.on, |_| {
        Ok(Request::Note {
            text: args.text.clone(),
            supervision: args.supervision,
        })
    })?;
    writeln!(ctx.err, "{}: note recorded", matter.id)?;
    Ok(Status::Done)
}
