//! `iro escalate`: enter EPCP/DRP (from a QAP or as a new matter) or take a matter up a stage.

use chrono::NaiveDate;
use clap::{ArgGroup, Args};

use super::{find_matter, parse_id, parse_text, preview, take, Context};
use crate::dates::parse_date;
use crate::engine::{Concern, Opening, Request};
use crate::error::{Problem, Status};
use crate::model::{Matter, MatterState, Stage};
use crate::prompt::{self, Asker};
use crate::workflow::Asked;

/// Enter EPCP/DRP or go up a stage; a new matter's id is printed
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").args(["matter", "child"])))]
#[command(
    after_help = "Examples:\n  iro --as asmith escalate Q-2026-0042 --stage 1\n  \
iro --as asmith escalate --child LCS-104233 --category contact --summary \"Contact stopped\" --stage 2 --reason \"Urgent\""
)]
pub struct EscalateArgs {
    /// The matter to escalate
    pub matter: Option<String>,
    /// Open a new matter straight into EPCP/DRP for this child
    #[arg(long)]
    pub child: Option<String>,
    /// The new matter's category, one of the policy's (`iro policy show`)
    #[arg(long, value_parser = parse_id, requires = "child")]
    pub category: Option<String>,
    /// The new matter's concern, in a line
    #[arg(long, value_parser = parse_text, requires = "child")]
    pub summary: Option<String>,
    /// The stage: 1, 2 or 3
    #[arg(long)]
    pub stage: Option<Stage>,
    /// Why: needed to enter at stage 2 or 3, or to skip a stage
    #[arg(long, value_parser = parse_text)]
    pub reason: Option<String>,
    /// The day of the step, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

/// Who is told when a matter enters a stage, for the confirmation: the rule table's row (rule 10).
fn told(stage: Stage) -> String {
    crate::notify::at_stage(stage).in_words()
}

/// Fills what escalate lacks (asked for at a terminal, else one usage error naming every missing flag)
/// and, at a terminal, asks to go ahead having said what follows.
fn collect(ctx: &mut Context, args: &EscalateArgs) -> anyhow::Result<EscalateArgs> {
    let mut filled = EscalateArgs {
        matter: args.matter.clone(),
        child: args.child.clone(),
        category: args.category.clone(),
        summary: args.summary.clone(),
        stage: args.stage,
        reason: args.reason.clone(),
        on: args.on,
    };
    let mut asker = Asker::new(ctx.interactive);
    if !asker.asks() {
        match (&filled.matter, &filled.child) {
            (None, None) => asker.missing("MATTER (or --child with --category and --summary)"),
            (None, Some(_)) => {
                if filled.category.is_none() {
                    asker.missing("--category");
                }
                if filled.summary.is_none() {
                    asker.missing("--summary");
                }
            }
            _ => {}
        }
        if filled.stage.is_none() {
            asker.missing("--stage");
        }
        asker.finish()?;
        return Ok(filled);
    }
    let mut store = ctx.open()?;
    let tx = store.read()?;
    prompt::ask_actor(&tx, &mut ctx.acting_as, &ctx.env.login)?;
    if filled.matter.is_none() && filled.child.is_none() {
        let open = [
            MatterState::Consultation,
            MatterState::Qap,
            MatterState::Drp,
        ];
        let choices = [
            "A matter already open (consultation, QAP or EPCP/DRP)".to_string(),
            "A new matter, straight into EPCP/DRP".to_string(),
        ];
        if prompt::pick("Escalate", &choices, 0)? == 0 {
            filled.matter = Some(prompt::pick_matter(&tx, "Matter", &open)?);
        } else {
            filled.child = Some(prompt::pick_child(&tx)?);
        }
    }
    if filled.matter.is_none() {
        asker.fill(&mut filled.category, "--category", || {
            prompt::pick_category(&ctx.policy.categories)
        })?;
        asker.fill(&mut filled.summary, "--summary", || {
            prompt::text("Summary of the concern", parse_text)
        })?;
    }
    let existing = match &filled.matter {
        Some(id) => Some(find_matter(&tx, id)?),
        None => None,
    };
    let current = existing.as_ref().and_then(|m| m.stage);
    let policy = &ctx.policy;
    asker.fill(&mut filled.stage, "--stage", || {
        let names: Vec<String> = Stage::ALL
            .iter()
            .map(|s| format!("{s}: {}", policy.stage_name(*s)))
            .collect();
        let next = crate::engine::next_stage(existing.as_ref());
        let at = Stage::ALL.iter().position(|s| *s == next).unwrap_or(0);
        let i = prompt::pick("Stage", &names, at)?;
        Ok(Stage::ALL.get(i).copied().unwrap_or(Stage::FIRST))
    })?;
    let stage = filled.stage.unwrap_or(Stage::FIRST);
    let needs_reason = match current {
        Some(now) => now.next().is_some_and(|next| stage > next),
        None => stage != Stage::FIRST,
    };
    if needs_reason && filled.reason.is_none() {
        filled.reason = prompt::optional_text(
            "Why (needed to enter at stage 2 or 3, or to skip a stage)",
            parse_text,
        )?;
    }
    Ok(filled)
}

/// What escalating will do, from the matter the step would lead to.
fn consequence(ctx: &Context, after: &Matter, stage: Stage, new: bool) -> String {
    let policy = &ctx.policy;
    let deadline = after
        .drp_deadline
        .map(|d| d.to_string())
        .unwrap_or_default();
    if after.stages.len() > 1 {
        return format!(
            "Take {} ({}) up to {}? {}; the resolution deadline stays {deadline}.",
            after.id,
            after.child,
            policy.stage_name(stage),
            told(stage)
        );
    }
    let what = if new {
        format!("a new matter for {}", after.child)
    } else {
        format!("{} ({})", after.id, after.child)
    };
    format!(
        "Enter EPCP/DRP with {what} at {}? This is the formal process: the alert form is created, \
         the resolution deadline is set to {deadline} ({} working days) and does not move, and {}.",
        policy.stage_name(stage),
        policy.resolution_days,
        told(stage)
    )
}

pub fn run(ctx: &mut Context, args: &EscalateArgs) -> anyhow::Result<Status> {
    let args = &collect(ctx, args)?;
    let stage = args
        .stage
        .ok_or_else(|| Problem::Usage("missing --stage".into()))?;
    let asked =
        match (&args.matter, &args.child, &args.category, &args.summary) {
            (Some(matter), None, None, None) => Asked::On {
                matter: matter.clone(),
                request: Request::Escalate {
                    stage,
                    reason: args.reason.clone(),
                },
            },
            (None, Some(child), Some(category), Some(summary)) => Asked::Open {
                child: child.clone(),
                opening: Opening::EnterDrp {
                    concern: Concern {
                        category: category.clone(),
                        summary: summary.clone(),
                    },
                    stage,
                    reason: args.reason.clone(),
                },
            },
            _ => return Err(Problem::Usage(
                "give either a MATTER, or --child with --category and --summary for a new matter"
                    .into(),
            )
            .into()),
        };
    let new = matches!(asked, Asked::Open { .. });
    if ctx.interactive && !ctx.yes {
        let preview = preview(ctx, args.on, |_| Ok(asked.clone()))?;
        prompt::go_ahead(true, false, &consequence(ctx, &preview, stage, new))?;
    }
    let matter = take(ctx, args.on, |_| Ok(asked))?;
    if new {
        writeln!(ctx.out, "{}", matter.id)?;
    }
    let deadline = matter
        .drp_deadline
        .map(|d| d.to_string())
        .unwrap_or_default();
    writeln!(
        ctx.err,
        "{}: EPCP/DRP stage {}; resolution deadline {deadline}",
        matter.id, stage
    )?;
    Ok(Status::Done)
}
