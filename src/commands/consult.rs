//! `iro consult`: before a review the IRO consults the social worker about a concern and tries to
//! settle it informally, before raising a QAP.

use chrono::NaiveDate;
use clap::Args;

use super::{find_staff, open, parse_id, parse_text, Context};
use crate::dates::parse_date;
use crate::engine::{Concern, Opening};
use crate::error::{Problem, Status};
use crate::prompt::{self, Asker};

/// Open a pre-review consultation on a concern; prints the new matter's id
#[derive(Debug, Args)]
#[command(
    after_help = "The matter can then be resolved informally (`resolve`), turned into a QAP \
(`raise-qap MATTER --action ...`) or entered into EPCP/DRP (`escalate MATTER --stage N`), keeping its history.\n\n\
Example:\n  iro --as asmith consult LCS-104233 --category health-assessment --summary \"Health assessment overdue\" --with bking"
)]
pub struct ConsultArgs {
    /// The child's reference
    pub child: Option<String>,
    /// The concern's category, one of the policy's (`iro policy show`)
    #[arg(long, value_parser = parse_id)]
    pub category: Option<String>,
    /// What the concern is, in a line
    #[arg(long, value_parser = parse_text)]
    pub summary: Option<String>,
    /// Who was consulted (staff id; repeat for several)
    #[arg(long = "with", value_name = "ID")]
    pub with: Vec<String>,
    /// The day of the consultation, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

/// Fills what consult lacks: asked for at a terminal, else one usage error naming every missing flag.
fn collect(
    ctx: &mut Context,
    args: &ConsultArgs,
) -> anyhow::Result<(String, String, String, Vec<String>)> {
    let (mut child, mut category, mut summary) = (
        args.child.clone(),
        args.category.clone(),
        args.summary.clone(),
    );
    let mut with = args.with.clone();
    let mut asker = Asker::new(ctx.interactive);
    if asker.asks() {
        let mut store = ctx.open()?;
        let tx = store.read()?;
        prompt::ask_actor(&tx, &mut ctx.acting_as, &ctx.env.login)?;
        asker.fill(&mut child, "CHILD", || prompt::pick_child(&tx))?;
        asker.fill(&mut category, "--category", || {
            prompt::pick_category(&ctx.policy.categories)
        })?;
        asker.fill(&mut summary, "--summary", || {
            prompt::text("Summary of the concern", parse_text)
        })?;
        if with.is_empty() {
            with.push(prompt::pick_staff(&tx, "Who was consulted", &[])?);
        }
    } else {
        for (missing, flag) in [
            (child.is_none(), "CHILD"),
            (category.is_none(), "--category"),
            (summary.is_none(), "--summary"),
            (with.is_empty(), "--with"),
        ] {
            if missing {
                asker.missing(flag);
            }
        }
    }
    asker.finish()?;
    match (child, category, summary) {
        (Some(child), Some(category), Some(summary)) => Ok((child, category, summary, with)),
        _ => Err(Problem::Usage("give CHILD, --category and --summary".into()).into()),
    }
}

pub fn run(ctx: &mut Context, args: &ConsultArgs) -> anyhow::Result<Status> {
    let (child, category, summary, with) = collect(ctx, args)?;
    let matter = open(ctx, &child, args.on, |tx| {
        let mut consulted = Vec::with_capacity(with.len());
        for id in &with {
            consulted.push(find_staff(tx, id).map_err(|e| e.context(format!("--with {id}")))?);
        }
        Ok(Opening::Consult {
            concern: Concern { category, summary },
            with: consulted,
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
