//! `iro list`: matters, filtered by state, stage, child, IRO or team.

use clap::Args;

use super::Context;
use crate::error::Status;
use crate::model::{MatterState, Stage};
use crate::render::{self, Format};
use crate::store::MatterFilter;

/// List matters, newest first
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  iro list --state drp --stage 2 --format csv")]
pub struct ListArgs {
    /// qap, drp, cafcass, resolved or closed
    #[arg(long)]
    pub state: Option<MatterState>,
    /// 1, 2 or 3
    #[arg(long)]
    pub stage: Option<Stage>,
    /// A child's reference
    #[arg(long)]
    pub child: Option<String>,
    /// Matters of children this IRO is allocated to now, or covers for today
    #[arg(long)]
    pub iro: Option<String>,
    /// Matters of children in this social work team now
    #[arg(long)]
    pub team: Option<String>,
    /// The matters as they stood at the end of this day (state, stage and next deadline then; IRO and
    /// team as allocated then) [default: today, as the record stands]
    #[arg(long, value_name = "DATE", value_parser = crate::dates::parse_date)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Only what had been recorded by this day: the listing as it was known then
    #[arg(long, value_name = "DATE", value_parser = crate::dates::parse_date)]
    pub as_known_on: Option<chrono::NaiveDate>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(ctx: &mut Context, args: &ListArgs) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let as_of = ctx.as_of(args.as_of)?;
    if let Some(known_on) = super::report::as_stood(as_of, args.as_known_on, ctx.today) {
        let filter = ctx.due_filter(args.iro.clone(), args.team.clone(), as_of);
        let matters: Vec<_> = crate::workflow::as_of::listed_as_of(&tx, as_of, known_on, &filter)?
            .into_iter()
            .filter(|l| {
                let m = &l.matter;
                args.state.is_none_or(|s| s == m.state)
                    && args.stage.is_none_or(|s| Some(s) == m.stage)
                    && args.child.as_deref().is_none_or(|c| c == m.child)
            })
            .collect();
        render::matters(&matters, as_of, args.format, ctx.colour, ctx.out)?;
        return Ok(Status::Done);
    }
    let matters = tx.matters(&MatterFilter {
        state: args.state,
        stage: args.stage,
        child: args.child.clone(),
        iro: args.iro.clone(),
        team: args.team.clone(),
        on: Some(ctx.today),
    })?;
    render::matters(&matters, as_of, args.format, ctx.colour, ctx.out)?;
    Ok(Status::Done)
}
