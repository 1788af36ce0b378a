//! `iro escalate`: enter EPCP/DRP (from a QAP or as a new matter) or take a matter up a stage.

use chrono::NaiveDate;
use clap::{ArgGroup, Args};

use super::{parse_name, parse_text, take_step, Context, Target};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::{Problem, Status};
use crate::model::Stage;

/// Enter EPCP/DRP or go up a stage; a new matter's id is printed
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("target").required(true).args(["matter", "child"])))]
#[command(
    after_help = "Examples:\n  iro --as asmith escalate Q-2026-0042 --stage 1\n  \
iro --as asmith escalate --child LCS-104233 --category contact --summary \"Contact stopped\" --stage 2 --reason \"Urgent\""
)]
pub struct EscalateArgs {
    /// The matter to escalate
    pub matter: Option<String>,
    /// Open a new matter straight into EPCP/DRP for this child
    #[arg(long, requires_all = ["category", "summary"])]
    pub child: Option<String>,
    /// The new matter's category
    #[arg(long, value_parser = parse_name, requires = "child")]
    pub category: Option<String>,
    /// The new matter's concern, in a line
    #[arg(long, value_parser = parse_text, requires = "child")]
    pub summary: Option<String>,
    /// The stage: 1, 2 or 3
    #[arg(long)]
    pub stage: Stage,
    /// Why: needed to enter at stage 2 or 3, or to skip a stage
    #[arg(long, value_parser = parse_text)]
    pub reason: Option<String>,
    /// The day of the step, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &EscalateArgs) -> anyhow::Result<Status> {
    let (target, opening) =
        match (&args.matter, &args.child, &args.category, &args.summary) {
            (Some(matter), None, None, None) => (Target::Matter(matter), None),
            (None, Some(child), Some(category), Some(summary)) => (
                Target::NewMatter { child, prefix: "E" },
                Some((category.clone(), summary.clone())),
            ),
            _ => return Err(Problem::Usage(
                "give either a MATTER, or --child with --category and --summary for a new matter"
                    .into(),
            )
            .into()),
        };
    let new = opening.is_some();
    let matter = take_step(ctx, target, args.on, |_| {
        Ok(Request::Escalate {
            stage: args.stage,
            reason: args.reason.clone(),
            opening,
        })
    })?;
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
        matter.id, args.stage
    )?;
    Ok(Status::Done)
}
