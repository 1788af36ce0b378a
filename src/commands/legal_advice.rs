//! `iro legal-advice`: independent legal advice was sought (rule 9).

use chrono::NaiveDate;
use clap::Args;

use super::{parse_text, step, Context};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;

/// Record that independent legal advice was sought
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro --as asmith legal-advice Q-2026-0042 --note \"Advice sought from chambers\""
)]
pub struct LegalAdviceArgs {
    pub matter: String,
    /// What was sought, from whom
    #[arg(long, value_parser = parse_text)]
    pub note: String,
    /// The day, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &LegalAdviceArgs) -> anyhow::Result<Status> {
    let matter = step(ctx, &args.matter, args.on, |_| {
        Ok(Request::LegalAdvice {
            note: args.note.clone(),
        })
    })?;
    writeln!(ctx.err, "{}: legal advice recorded", matter.id)?;
    Ok(Status::Done)
}
