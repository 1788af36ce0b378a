//! `iro show`: one matter in full.

use clap::Args;

use super::report::ChronologyRow;
use super::{find_matter, Context};
use crate::error::Status;
use crate::render::{self, Format};
use crate::store::reports::Scope;

/// Show a matter: state, stage, deadlines, actions, stages and referrals
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  iro show Q-2026-0042 --format json")]
pub struct ShowArgs {
    pub matter: String,
    /// The matter as it stood at the end of this day (its steps effective by then, less any voided)
    #[arg(long, value_name = "DATE", value_parser = crate::dates::parse_date)]
    pub as_of: Option<chrono::NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(ctx: &mut Context, args: &ShowArgs) -> anyhow::Result<Status> {
    // Refused before anything is read when it is after today.
    ctx.as_of(args.as_of)?;
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let mut matter = find_matter(&tx, &args.matter)?;
    if let Some(day) = args.as_of {
        matter =
            crate::workflow::as_of::as_it_stood(&tx, &matter.id, day, None)?.ok_or_else(|| {
                crate::error::Problem::NotFound(format!(
                    "matter {} was not raised yet on {day} (it was raised on {})",
                    matter.id, matter.raised_on
                ))
            })?;
    }
    let mut rows = Vec::new();
    tx.chronology(Scope::Matter(&matter.id), |row| -> anyhow::Result<()> {
        rows.push(row);
        Ok(())
    })?;
    let corrected = tx.corrected()?;
    let mut steps = Vec::new();
    // As it stood: the steps effective by then (a correction whenever it was made).
    let rows = rows.into_iter().filter(|r| {
        args.as_of.is_none_or(|day| {
            r.effective_on <= day || matches!(r.kind.as_str(), "voided" | "amended")
        })
    });
    for row in rows {
        let row = ChronologyRow::from_event(row, &corrected)?;
        steps.push(render::MatterStep {
            what: row.what,
            id: row.id,
            kind: row.kind,
            effective_on: row.effective_on,
            actor: row.actor,
            entered_by: row.entered_by,
            recorded_at: row.recorded_at,
            voided_by: row.voided_by,
            void_reason: row.void_reason,
            amended_by: row.amended_by,
        });
    }
    render::matter(&matter, &steps, args.format, ctx.colour, ctx.out)?;
    Ok(Status::Done)
}
