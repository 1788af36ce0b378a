//! `iro backup PATH`: a consistent copy made with SQLite's online backup API while others write.

use std::path::PathBuf;

use clap::Args;

use super::Context;
use crate::error::Status;

/// Copy the database consistently, even while others are writing; the copy is readable by its owner only
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  iro backup /srv/iro/backups/iro-$(date +%F).db")]
pub struct BackupArgs {
    /// Where to write the copy; must not exist yet
    pub path: PathBuf,
}

pub fn run(ctx: &mut Context, args: &BackupArgs) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    if store.path().is_none() {
        // A server's database is backed up into a new file by copying it there, in one snapshot.
        let to = crate::store::Location::File(args.path.clone());
        super::copy::copy_into(ctx, &mut store, &to)?;
        return Ok(Status::Done);
    }
    store.backup_to(&args.path)?;
    writeln!(
        ctx.err,
        "backed up {} to {}",
        store.place(),
        args.path.display()
    )?;
    Ok(Status::Done)
}
