//! `iro audit verify|head`: show that the record is what the tool wrote.
//!
//! `verify` walks the hash chain, then replays every matter and the directory from their events and
//! compares the result with the state tables (`workflow::audit`): an edit made behind the tool's back
//! shows in one or the other.

use clap::{Args, Subcommand};

use super::Context;
use crate::error::Status;
use crate::workflow::audit::replay_mismatch;

/// Check the record (hash chain and state against its events), or print the head hash
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  iro audit verify\n  iro audit head >> /srv/iro/heads.log")]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and replay every matter and the directory; prints `ok`, the event count and the head hash,
    /// or names the first event or row that does not match and exits 7
    #[command(after_help = "Example:\n  iro audit verify && iro audit head >> /srv/iro/heads.log")]
    Verify,
    /// Print the head hash of the event chain, to keep somewhere else
    #[command(after_help = "Example:\n  iro audit head >> /srv/iro/heads.log")]
    Head,
}

pub fn run(ctx: &mut Context, args: &AuditArgs) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    let tx = store.read()?;
    match args.command {
        AuditCommand::Head => {
            writeln!(ctx.out, "{}", tx.head_hash()?)?;
            Ok(Status::Done)
        }
        AuditCommand::Verify => {
            let walk = tx.walk_chain()?;
            if let Some(broken) = walk.first_break {
                writeln!(ctx.out, "broken: event {}: {}", broken.event, broken.why)?;
                return Ok(Status::RecordBroken);
            }
            let mismatch = replay_mismatch(&tx)?;
            match mismatch {
                Some(what) => {
                    writeln!(ctx.out, "broken: {what}")?;
                    Ok(Status::RecordBroken)
                }
                None => {
                    writeln!(ctx.out, "ok {} events, head {}", walk.events, walk.head)?;
                    Ok(Status::Done)
                }
            }
        }
    }
}
