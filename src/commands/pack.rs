//! `iro report cafcass-pack`: the pack CAFCASS receives for a referred matter (`workflow::pack`).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{service_calendar, Context};
use crate::dates::parse_date;
use crate::error::Status;
use crate::workflow::pack;

/// Write the CAFCASS pack of a referred matter: Markdown, printable HTML and a manifest
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro report cafcass-pack Q-2026-0042 --out /srv/iro/packs/Q-2026-0042"
)]
pub struct PackArgs {
    pub matter: String,
    /// The new directory to write the pack into (it must not exist yet, or be empty)
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The day deadlines are counted from [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// The pack goes to CAFCASS now: record that it was provided, with its manifest's digest, as a
    /// step on the matter (IRO management are told)
    #[arg(long)]
    pub provided: bool,
}

pub fn run(ctx: &mut Context, args: &PackArgs) -> anyhow::Result<Status> {
    let as_of = ctx.as_of(args.as_of)?;
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(ctx, &tx)?;
    let made = pack::write(&tx, &calendar, &args.matter, &args.out, as_of, ctx.now)?;
    drop(tx);
    drop(store);
    if args.provided {
        let manifest = made.manifest_sha256.clone();
        super::step(ctx, &made.matter, None, |_| {
            Ok(crate::engine::Request::PackProvided { manifest })
        })?;
        writeln!(
            ctx.err,
            "{}: the pack's provision to CAFCASS is recorded (manifest sha256 {})",
            made.matter, made.manifest_sha256
        )?;
    }
    writeln!(ctx.out, "{}", made.out.display())?;
    writeln!(
        ctx.err,
        "CAFCASS pack for {} written to {} ({})",
        made.matter,
        made.out.display(),
        made.files.join(", ")
    )?;
    Ok(Status::Done)
}
