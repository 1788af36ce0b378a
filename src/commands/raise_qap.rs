//! `iro raise-qap`: raise QAP actions on a child's plan, opening a matter.

use chrono::NaiveDate;
use clap::{ArgMatches, Args};

use super::{find_staff, parse_name, parse_text, take_step, Context, Target};
use crate::dates::parse_date;
use crate::engine::{NewAction, Request, Timescale};
use crate::error::{Problem, Status};

/// Raise QAP actions with timescales; prints the new matter's id
#[derive(Debug, Args)]
#[command(
    after_help = "Each --action takes the --owner and the --due or --within that follow it, in order.\n\n\
Example:\n  iro --as asmith raise-qap LCS-104233 --category permanence --summary \"Permanence plan not progressed\" \\\n    \
--action \"Complete viability assessment\" --owner bking --within 10 \\\n    \
--action \"Book permanence panel\" --owner tgreen --due 2026-12-18"
)]
pub struct RaiseQapArgs {
    /// The child's reference
    pub child: String,
    /// The concern's category, e.g. permanence, care-plan-drift
    #[arg(long, value_parser = parse_name)]
    pub category: String,
    /// What the concern is, in a line
    #[arg(long, value_parser = parse_text)]
    pub summary: String,
    /// An action to be taken (repeat for several)
    #[arg(long = "action", value_name = "TEXT", required = true, value_parser = parse_text)]
    pub actions: Vec<String>,
    /// Who owns the action before it (staff id)
    #[arg(long = "owner", value_name = "ID", required = true)]
    pub owners: Vec<String>,
    /// The action's due date
    #[arg(long = "due", value_name = "DATE", value_parser = parse_date)]
    pub dues: Vec<NaiveDate>,
    /// The action's timescale in working days from the day the QAP is raised
    #[arg(long = "within", value_name = "N")]
    pub withins: Vec<u32>,
    /// The day the QAP was raised, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
    /// The timescales in the order given on the command line, filled from the parsed matches.
    #[arg(skip)]
    pub timescales: Vec<Timescale>,
}

/// `--due` and `--within` in the order they were typed, so each pairs with its `--action`.
pub fn timescales_in_order(matches: &ArgMatches) -> Vec<Timescale> {
    let mut placed: Vec<(usize, Timescale)> = Vec::new();
    if let (Some(idx), Some(vals)) = (
        matches.indices_of("dues"),
        matches.get_many::<NaiveDate>("dues"),
    ) {
        placed.extend(idx.zip(vals.map(|d| Timescale::By(*d))));
    }
    if let (Some(idx), Some(vals)) = (
        matches.indices_of("withins"),
        matches.get_many::<u32>("withins"),
    ) {
        placed.extend(idx.zip(vals.map(|n| Timescale::Within(*n))));
    }
    placed.sort_by_key(|(index, _)| *index);
    placed.into_iter().map(|(_, t)| t).collect()
}

pub fn run(ctx: &mut Context, args: &RaiseQapArgs) -> anyhow::Result<Status> {
    let (actions, owners, timescales) =
        (args.actions.len(), args.owners.len(), args.timescales.len());
    if actions != owners || actions != timescales {
        return Err(Problem::Usage(format!(
            "each --action needs its own --owner and one --due or --within: got {actions} action(s), \
             {owners} owner(s) and {timescales} timescale(s)"
        ))
        .into());
    }
    let target = Target::NewMatter {
        child: &args.child,
        prefix: "Q",
    };
    let matter = take_step(ctx, target, args.on, |tx| {
        let mut actions = Vec::with_capacity(args.actions.len());
        for ((text, owner), due) in args.actions.iter().zip(&args.owners).zip(&args.timescales) {
            actions.push(NewAction {
                text: text.clone(),
                owner: find_staff(tx, owner).map_err(|e| e.context(format!("--owner {owner}")))?,
                due: *due,
            });
        }
        Ok(Request::RaiseQap {
            category: args.category.clone(),
            summary: args.summary.clone(),
            actions,
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
