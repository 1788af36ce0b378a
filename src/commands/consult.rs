//! `iro consult`: before a review the IRO consults the social worker about a concern and tries to
//! settle it informally, before raising a QAP.

use chrono::NaiveDate;
use clap::Args;

use super::{find_staff, parse_name, parse_text, take_step, Context, Target};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;

/// Open a pre-review consultation on a concern; prints the new matter's id
#[derive(Debug, Args)]
#[command(
    after_help = "The matter can then be resolved informally (`resolve`), turned into a QAP \
(`raise-qap MATTER --action ...`) or entered into EPCP/DRP (`escalate MATTER --stage N`), keeping its history.\n\n\
Example:\n  iro --as asmith consult LCS-104233 --category health-assessment --summary \"Health assessment overdue\" --with bking"
)]
pub struct ConsultArgs {
    /// The child's reference
    pub child: String,
    /// The concern's category
    #[arg(long, value_parser = parse_name)]
    pub category: String,
    /// What the concern is, in a line
    #[arg(long, value_parser = parse_text)]
    pub summary: String,
    /// Who was consulted (staff id; repeat for several)
    #[arg(long = "with", value_name = "ID", required = true)]
    pub with: Vec<String>,
    /// The day of the consultation, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &ConsultArgs) -> anyhow::Result<Status> {
    let target = Target::NewMatter {
        child: &args.child,
        prefix: "C",
    };
    let matter = take_step(ctx, target, args.on, |tx| {
        let mut with = Vec::with_capacity(args.with.len());
        for id in &args.with {
            with.push(find_staff(tx, id).map_err(|e| e.context(format!("--with {id}")))?);
        }
        Ok(Request::Consult {
            category: args.category.clone(),
            summary: args.summary.clone(),
            with,
        })
    })?;
    writeln!(ctx.out, "{}", matter.id)?;
    writeln!(
        ctx.err,
        "consultation {} opened for {}",
        matter.id, matter.child
    )?;
    Ok(Status::Done)
}
