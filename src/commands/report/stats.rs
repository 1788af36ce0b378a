//! `report stats`: the figures an IRO annual report gives, tallied from the facts of a period.

use super::super::{service_calendar, Context};
use super::StatsArgs;
use crate::error::Status;
use crate::render::{self, Breakdown};
use crate::workflow::figures;

pub(super) fn stats(ctx: &mut Context, args: &StatsArgs) -> anyhow::Result<Status> {
    crate::commands::period(args.from, args.to)?;
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(ctx, &tx)?;
    let stats = figures::period(&tx, &calendar, args.from, args.to, &ctx.policy.categories)?;
    let shown: &[Breakdown] = if args.by.is_empty() {
        &[Breakdown::Category, Breakdown::Team, Breakdown::Iro]
    } else {
        &args.by
    };
    render::stats(&stats, shown, args.format, ctx.colour, ctx.out)?;
    Ok(Status::Done)
}
