//! `iro audit verify|head`: show that the record is what the tool wrote.
//!
//! `verify` walks the hash chain, then replays every matter's events through the engine's `evolve` and
//! compares the result with the state tables: an edit made behind the tool's back shows in one or the
//! other.

use clap::{Args, Subcommand};

use super::Context;
use crate::engine::{evolve, Step};
use crate::error::Status;
use crate::model::Matter;
use crate::store::{StoreError, Tx};

/// Check the record (hash chain and state against its events), or print the head hash
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  iro audit verify\n  iro audit head >> /srv/iro/heads.log")]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain and replay every matter; prints `ok`, the event count and the head hash,
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

/// Replays every matter's events through `evolve` and names the first matter (or event) whose stored
/// state differs from what its events say, or a matter that no event explains.
pub fn replay_mismatch(tx: &Tx) -> Result<Option<String>, StoreError> {
    let mut mismatch: Option<String> = None;
    tx.for_each_matter_log(|id, log| {
        if mismatch.is_some() {
            return Ok(());
        }
        let mut state: Option<Matter> = None;
        for recorded in log {
            let step = Step {
                actor: recorded.actor,
                on: recorded.effective_on,
                event: recorded.event,
            };
            match evolve(state, id, &step) {
                Ok(next) => state = Some(next),
                Err(e) => {
                    mismatch = Some(format!("event {}: {e}", recorded.id));
                    return Ok(());
                }
            }
        }
        mismatch = first_difference(id, tx.matter(id)?.as_ref(), state.as_ref());
        Ok(())
    })?;
    if mismatch.is_none() {
        mismatch = tx
            .matters_without_events()?
            .first()
            .map(|id| format!("matter {id}: no recorded event explains it"));
    }
    Ok(mismatch)
}

/// Names the first field where the stored matter differs from the one its events replay to.
fn first_difference(
    id: &str,
    stored: Option<&Matter>,
    replayed: Option<&Matter>,
) -> Option<String> {
    let (stored, replayed) = match (stored, replayed) {
        (Some(s), Some(r)) if s == r => return None,
        (Some(s), Some(r)) => (s, r),
        (None, _) => {
            return Some(format!(
                "matter {id}: events exist but the matter row does not"
            ))
        }
        (Some(_), None) => return Some(format!("matter {id}: no recorded event explains it")),
    };
    let (stored, replayed) = (
        serde_json::to_value(stored).ok()?,
        serde_json::to_value(replayed).ok()?,
    );
    let field = stored
        .as_object()
        .and_then(|fields| {
            fields
                .iter()
                .find(|(k, v)| replayed.get(k.as_str()) != Some(v))
        })
        .map(|(k, v)| format!("{k} is {v} but its events say {}", replayed[k.as_str()]))
        .unwrap_or_else(|| "differs from its events".to_string());
    Some(format!("matter {id}: {field}"))
}
