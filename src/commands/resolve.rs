//! `iro resolve`: the concern is settled.

use chrono::NaiveDate;
use clap::Args;

use super::{find_matter, find_staff, parse_text, preview, step, Context};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;
use crate::model::MatterState;
use crate::prompt::{self, Asker};
use crate::store::Tx;
use crate::workflow::Asked;

/// Resolve a matter: a QAP by its IRO; EPCP/DRP by an IRO team manager naming the manager who resolved it
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  iro --as asmith resolve Q-2026-0042 --outcome \"Assessment completed\"\n  \
iro --as jwhite resolve Q-2026-0042 --outcome \"Panel date set\" --resolved-by mblack"
)]
pub struct ResolveArgs {
    /// The matter (asked for at a terminal if not given)
    pub matter: Option<String>,
    /// What was settled, and how
    #[arg(long, value_parser = parse_text)]
    pub outcome: Option<String>,
    /// The manager who resolved it: team manager at stage 1, service manager at 2, assistant director at 3
    #[arg(long, value_name = "ID")]
    pub resolved_by: Option<String>,
    /// The day it was resolved, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

/// Fills what resolve lacks: asked for at a terminal, else one usage error naming every missing flag.
fn collect(ctx: &mut Context, args: &ResolveArgs) -> anyhow::Result<ResolveArgs> {
    let mut filled = ResolveArgs {
        matter: args.matter.clone(),
        outcome: args.outcome.clone(),
        resolved_by: args.resolved_by.clone(),
        on: args.on,
    };
    let mut asker = Asker::new(ctx.interactive);
    if !asker.asks() {
        if filled.matter.is_none() {
            asker.missing("MATTER");
        }
        if filled.outcome.is_none() {
            asker.missing("--outcome");
        }
        asker.finish()?;
        return Ok(filled);
    }
    let mut store = ctx.open()?;
    let tx = store.read()?;
    prompt::ask_actor(&tx, &mut ctx.acting_as, &ctx.env.login)?;
    asker.fill(&mut filled.matter, "MATTER", || {
        prompt::pick_matter(
            &tx,
            "Matter to resolve",
            &[
                MatterState::Consultation,
                MatterState::Qap,
                MatterState::Drp,
            ],
        )
    })?;
    let matter = find_matter(&tx, filled.matter.as_deref().unwrap_or_default())?;
    asker.fill(&mut filled.outcome, "--outcome", || {
        prompt::text("Outcome: what was settled, and how", parse_text)
    })?;
    if let (MatterState::Drp, Some(stage), None) = (matter.state, matter.stage, &filled.resolved_by)
    {
        let role = ctx.policy.resolving_role(stage);
        filled.resolved_by = Some(prompt::pick_staff(
            &tx,
            &format!("Who resolved it (a {role} at stage {stage})"),
            &[role],
        )?);
    }
    Ok(filled)
}

pub fn run(ctx: &mut Context, args: &ResolveArgs) -> anyhow::Result<Status> {
    let args = &collect(ctx, args)?;
    let id = args.matter.clone().unwrap_or_default();
    let request = |tx: &Tx| -> anyhow::Result<Request> {
        Ok(Request::Resolve {
            outcome: args.outcome.clone().unwrap_or_default(),
            resolved_by: args
                .resolved_by
                .as_deref()
                .map(|id| find_staff(tx, id))
                .transpose()?,
        })
    };
    if ctx.interactive && !ctx.yes {
        let after = preview(ctx, args.on, |tx| {
            Ok(Asked::On {
                matter: id.clone(),
                request: request(tx)?,
            })
        })?;
        let by = after
            .resolved_by
            .as_deref()
            .map(|b| format!(" (resolved by {b})"))
            .unwrap_or_default();
        let consequence = format!(
            "Resolve {} ({}){by}? The matter is settled with this outcome and nothing changes it \
             afterwards; everyone told at its last step is told.",
            after.id, after.child
        );
        prompt::go_ahead(true, false, &consequence)?;
    }
    let matter = step(ctx, &id, args.on, request)?;
    writeln!(ctx.err, "{}: resolved", matter.id)?;
    Ok(Status::Done)
}
