//! `report alert-form`: the alert form of a matter at any numbered revision.

use super::super::{service_calendar, Context};
use super::{AlertFormArgs, FormFormat};
use crate::error::Status;
use crate::render;
use crate::workflow::alert_form;

pub(super) fn alert_form(ctx: &mut Context, args: &AlertFormArgs) -> anyhow::Result<Status> {
    let as_of = ctx.as_of(args.as_of)?;
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(ctx, &tx)?;
    let form = alert_form::of(
        &tx,
        &calendar,
        &args.matter,
        args.revision,
        as_of,
        args.redact,
    )?;
    render::alert_form(&form, args.format == FormFormat::Markdown, ctx.out)?;
    Ok(Status::Done)
}
