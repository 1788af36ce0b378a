//! `iro cafcass-decision`: CAFCASS's decision on the latest referral.

use chrono::NaiveDate;
use clap::{ArgGroup, Args};

use super::{parse_text, step, Context};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;
use crate::model::CafcassDecision;

/// Record CAFCASS's decision: criteria met (allocated for judicial review) or not met
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("decision").required(true).args(["met", "not_met"])))]
#[command(
    after_help = "Example:\n  iro --as asmith cafcass-decision Q-2026-0042 --met --note \"Allocated for judicial review\""
)]
pub struct CafcassDecisionArgs {
    pub matter: String,
    /// The criteria for a breach of the child's rights are met: allocated for judicial review
    #[arg(long)]
    pub met: bool,
    /// The criteria are not met
    #[arg(long)]
    pub not_met: bool,
    #[arg(long, value_parser = parse_text)]
    pub note: Option<String>,
    /// The day of the decision, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &CafcassDecisionArgs) -> anyhow::Result<Status> {
    let decision = if args.met {
        CafcassDecision::CriteriaMet
    } else {
        CafcassDecision::CriteriaNotMet
    };
    let matter = step(ctx, &args.matter, args.on, |_| {
        Ok(Request::CafcassDecision {
            decision,
            note: args.note.clone(),
        })
    })?;
    writeln!(
        ctx.err,
        "{}: CAFCASS decision recorded ({decision}); matter {}",
        matter.id, matter.state
    )?;
    Ok(Status::Done)
}
