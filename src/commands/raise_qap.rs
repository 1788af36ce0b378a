//! `iro raise-qap`: raise QAP actions on a child's plan, opening a matter or turning a consultation
//! into a QAP.

use chrono::NaiveDate;
use clap::Args;

use super::actions::ActionArgs;
use super::{parse_id, parse_text, take, Context};
use crate::dates::parse_date;
use crate::engine::{Concern, Opening, Request};
use crate::error::{Problem, Status};
use crate::model::Matter;
use crate::prompt::{self, Asker};
use crate::workflow::Asked;

/// Raise QAP actions with timescales; prints the new matter's id
#[derive(Debug, Args)]
#[command(
    after_help = "Each --action takes the --owner and the --due or --within that follow it, in order.\n\n\
Example:\n  iro --as asmith raise-qap LCS-104233 --category permanence --summary \"Permanence plan not progressed\" \\\n    \
--action \"Complete viability assessment\" --owner bking --within 10 \\\n    \
--action \"Book permanence panel\" --owner tgreen --due 2026-12-18"
)]
pub struct RaiseQapArgs {
    /// The child's reference, or a matter in consultation to turn into a QAP
    /// (asked for at a terminal if not given)
    #[arg(value_name = "CHILD|MATTER")]
    pub child: Option<String>,
    /// The concern's category (one of the policy's categories; not for a consultation's matter)
    #[arg(long, value_parser = parse_id)]
    pub category: Option<String>,
    /// What the concern is, in a line (not for a consultation's matter)
    #[arg(long, value_parser = parse_text)]
    pub summary: Option<String>,
    #[command(flatten)]
    pub agreed: ActionArgs,
    /// The day the QAP was raised, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

/// Fills what raise-qap lacks: asked for at a terminal, else one usage error naming every missing flag.
/// Also gives the matter the positional names, when it names one rather than a child, where asking
/// needed to know it (`None` where it did not: the step finds out in its own transaction).
fn collect(
    ctx: &mut Context,
    args: &RaiseQapArgs,
) -> anyhow::Result<(RaiseQapArgs, Option<Option<String>>)> {
    let mut filled = RaiseQapArgs {
        child: args.child.clone(),
        category: args.category.clone(),
        summary: args.summary.clone(),
        agreed: ActionArgs {
            actions: args.agreed.actions.clone(),
            owners: args.agreed.owners.clone(),
            dues: args.agreed.dues.clone(),
            withins: args.agreed.withins.clone(),
            timescales: args.agreed.timescales.clone(),
        },
        on: args.on,
    };
    let complete = filled.child.is_some()
        && filled.category.is_some()
        && filled.summary.is_some()
        && !filled.agreed.actions.is_empty();
    if complete && (!ctx.interactive || ctx.acting_as.is_some()) {
        return Ok((filled, None));
    }
    let mut asker = Asker::new(ctx.interactive);
    let mut store = if asker.asks() {
        Some(ctx.open()?)
    } else {
        None
    };
    let tx = store.as_mut().map(|s| s.read()).transpose()?;
    let tx = tx.as_ref();
    if let Some(tx) = tx {
        prompt::ask_actor(tx, &mut ctx.acting_as, &ctx.env.login)?;
    }
    let read = || tx.expect("a terminal asks with the database open");
    asker.fill(&mut filled.child, "CHILD", || prompt::pick_child(read()))?;
    let existing = existing_matter(ctx, filled.child.as_deref())?;
    if existing.is_none() {
        asker.fill(&mut filled.category, "--category", || {
            prompt::pick_category(&ctx.policy.categories)
        })?;
        asker.fill(&mut filled.summary, "--summary", || {
            prompt::text("Summary of the concern", parse_text)
        })?;
    }
    if filled.agreed.actions.is_empty() {
        if asker.asks() {
            filled.agreed.actions = vec![prompt::text("Action", parse_text)?];
            filled.agreed.owners = vec![prompt::pick_staff(read(), "Owner of the action", &[])?];
            filled.agreed.timescales = vec![prompt::timescale(
                "Due (YYYY-MM-DD, or a number of working days)",
            )?];
        } else {
            asker.missing("--action with its --owner and --due or --within");
        }
    }
    asker.finish()?;
    Ok((filled, Some(existing)))
}

pub fn run(ctx: &mut Context, args: &RaiseQapArgs) -> anyhow::Result<Status> {
    let (args, existing) = &collect(ctx, args)?;
    let child = args.child.clone().unwrap_or_default();
    args.agreed.check()?;
    if args.agreed.actions.is_empty() {
        return Err(Problem::Usage(
            "give at least one --action with its --owner and --due or --within".into(),
        )
        .into());
    }
    let matter = take(ctx, args.on, |tx| {
        // Whether the positional names a matter is read in the step's own transaction, when it could.
        let existing = match existing {
            Some(known) => known.clone(),
            None if Matter::id_shaped(&child) => {
                tx.matter(&child.to_ascii_uppercase())?.map(|m| m.id)
            }
            None => None,
        };
        Ok(match (existing, &args.category, &args.summary) {
            // A consultation's matter keeps its own category and summary.
            (Some(id), None, None) => Asked::On {
                matter: id,
                request: Request::RaiseQap {
                    actions: args.agreed.resolve(tx)?,
                },
            },
            (Some(id), _, _) => {
                return Err(Problem::Usage(format!(
                    "{id} already has its category and summary: leave out --category and --summary"
                ))
                .into())
            }
            (None, Some(category), Some(summary)) => Asked::Open {
                child: child.clone(),
                opening: Opening::RaiseQap {
                    concern: Concern {
                        category: category.clone(),
                        summary: summary.clone(),
                    },
                    actions: args.agreed.resolve(tx)?,
                },
            },
            (None, _, _) => {
                return Err(
                    Problem::Usage("a new QAP needs --category and --summary".into()).into(),
                )
            }
        })
    })?;
    writeln!(ctx.out, "{}", matter.id)?;
    let challenge = matter
        .challenge_deadline
        .map(|d| d.to_string())
        .unwrap_or_default();
    writeln!(
        ctx.err,
        "QAP {} raised for {} with {} action(s); the team manager may challenge until {challenge}",
        matter.id,
        matter.child,
        matter.actions.len()
    )?;
    Ok(Status::Done)
}

/// The matter's id when the positional names an existing matter (a consultation to turn into a QAP)
/// rather than a child.
fn existing_matter(ctx: &mut Context, name: Option<&str>) -> anyhow::Result<Option<String>> {
    let Some(name) = name else { return Ok(None) };
    let mut store = ctx.open()?;
    let id = store
        .read()?
        .matter(&name.to_ascii_uppercase())?
        .map(|m| m.id);
    ctx.keep(store);
    Ok(id)
}
