//! `iro refer-cafcass`: the IRO refers a matter in EPCP/DRP to CAFCASS.

use chrono::NaiveDate;
use clap::Args;

use super::{parse_text, preview, step, Context};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;
use crate::model::MatterState;
use crate::prompt::{self, Asker};
use crate::workflow::Asked;

/// Refer to CAFCASS: concurrent while EPCP/DRP runs, formal once it has failed
#[derive(Debug, Args)]
#[command(
    after_help = "A referral while the matter is open at stages 1-3 within its resolution period is concurrent.\n\
Past the resolution deadline, or with --formal at stage 3, it is formal and the matter waits on CAFCASS.\n\n\
Example:\n  iro --as asmith refer-cafcass Q-2026-0042 --reason \"Risk of breach of article 8 rights\""
)]
pub struct ReferCafcassArgs {
    /// The matter (asked for at a terminal if not given)
    pub matter: Option<String>,
    /// Why the matter goes to CAFCASS
    #[arg(long, value_parser = parse_text)]
    pub reason: Option<String>,
    /// Stage 3 has not resolved the matter: make the formal referral now
    #[arg(long)]
    pub formal: bool,
    /// The day of the referral, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

/// Fills what refer-cafcass lacks: asked for at a terminal, else one usage error naming every missing
/// flag.
fn collect(ctx: &mut Context, args: &ReferCafcassArgs) -> anyhow::Result<ReferCafcassArgs> {
    let mut filled = ReferCafcassArgs {
        matter: args.matter.clone(),
        reason: args.reason.clone(),
        formal: args.formal,
        on: args.on,
    };
    let mut asker = Asker::new(ctx.interactive);
    if !asker.asks() {
        if filled.matter.is_none() {
            asker.missing("MATTER");
        }
        if filled.reason.is_none() {
            asker.missing("--reason");
        }
        asker.finish()?;
        return Ok(filled);
    }
    let mut store = ctx.open()?;
    let tx = store.read()?;
    prompt::ask_actor(&tx, &mut ctx.acting_as, &ctx.env.login)?;
    asker.fill(&mut filled.matter, "MATTER", || {
        prompt::pick_matter(&tx, "Matter to refer", &[MatterState::Drp])
    })?;
    asker.fill(&mut filled.reason, "--reason", || {
        prompt::text("Why it goes to CAFCASS", parse_text)
    })?;
    Ok(filled)
}

pub fn run(ctx: &mut Context, args: &ReferCafcassArgs) -> anyhow::Result<Status> {
    let args = &collect(ctx, args)?;
    let id = args.matter.clone().unwrap_or_default();
    let request = Request::ReferCafcass {
        reason: args.reason.clone().unwrap_or_default(),
        formal: args.formal,
    };
    if ctx.interactive && !ctx.yes {
        let asked = Asked::On {
            matter: id.clone(),
            request: request.clone(),
        };
        let after = preview(ctx, args.on, |_| Ok(asked))?;
        let kind = if after.state == MatterState::Cafcass {
            "a formal referral: the matter then waits on CAFCASS's decision and is no longer resolved here"
        } else {
            "a concurrent referral: EPCP/DRP goes on"
        };
        let consequence = format!(
            "Refer {} ({}) to CAFCASS? It is {kind}; {}.",
            after.id,
            after.child,
            crate::notify::IRO_MANAGEMENT.in_words()
        );
        prompt::go_ahead(true, false, &consequence)?;
    }
    let matter = step(ctx, &id, args.on, |_| Ok(request))?;
    let kind = if matter.state == MatterState::Cafcass {
        "formal referral: the matter now waits on CAFCASS's decision"
    } else {
        "concurrent referral: EPCP/DRP goes on"
    };
    writeln!(ctx.err, "{}: referred to CAFCASS ({kind})", matter.id)?;
    Ok(Status::Done)
}
