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
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(ctx: &mut Context, args: &ListArgs) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let matters = tx.matters(&MatterFilter {
        state: args.state,
        stage: args.stage,
        child: args.child.clone(),
        iro: args.iro.clone(),
        team: args.team.clone(),
        on: Some(ctx.today),
    })?;
    render::matters(&matters, args.format, ctx.colour, ctx.out)?;
    Ok(Status::Done)
}
