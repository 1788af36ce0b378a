//! `iro refer-cafcass`: the IRO refers a matter in EPCP/DRP to CAFCASS.

use chrono::NaiveDate;
use clap::Args;

use super::{parse_text, take_step, Context, Target};
use crate::dates::parse_date;
use crate::engine::Request;
use crate::error::Status;
use crate::model::MatterState;

/// Refer to CAFCASS: concurrent while EPCP/DRP runs, formal once it has failed
#[derive(Debug, Args)]
#[command(
    after_help = "A referral while the matter is open at stages 1-3 within its resolution period is concurrent.\n\
Past the resolution deadline, or with --formal at stage 3, it is formal and the matter waits on CAFCASS.\n\n\
Example:\n  iro --as asmith refer-cafcass Q-2026-0042 --reason \"Risk of breach of article 8 rights\""
)]
pub struct ReferCafcassArgs {
    pub matter: String,
    #[arg(long, value_parser = parse_text)]
    pub reason: String,
    /// Stage 3 has not resolved the matter: make the formal referral now
    #[arg(long)]
    pub formal: bool,
    /// The day of the referral, if not today
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub on: Option<NaiveDate>,
}

pub fn run(ctx: &mut Context, args: &ReferCafcassArgs) -> anyhow::Result<Status> {
    let matter = take_step(ctx, Target::Matter(&args.matter), args.on, |_| {
        Ok(Request::ReferCafcass {
            reason: args.reason.clone(),
            formal: args.formal,
        })
    })?;
    let kind = if matter.state == MatterState::Cafcass {
        "formal referral: the matter now waits on CAFCASS's decision"
    } else {
        "concurrent referral: EPCP/DRP goes on"
    };
    writeln!(ctx.err, "{}: referred to CAFCASS ({kind})", matter.id)?;
    Ok(Status::Done)
}
