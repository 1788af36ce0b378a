//! `iro audit verify|head`: show that the record is what the tool wrote.
//!
//! `verify` walks the hash chain, then replays every matter and the directory from their events and
//! compares the result with the state tables (`workflow::audit`): an edit made behind the tool's back
//! shows in one or the other.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::Context;
use crate::error::{Problem, Status};
use crate::render::{Field, Format, RowWriter, Tabular};
use crate::store::audit::EnteredForAnother;
use crate::store::Store;
use crate::workflow::audit::{self, Witnessed};

/// Check the record (hash chain and state against its events), or print the head hash
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  iro audit verify\n  iro audit head >> /srv/iro/heads.log")]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Walk the hash chain, re-judge every step and replay every table; prints `ok`, the event count
    /// and the head hash, or names the first event or row that does not check out and exits 7
    #[command(
        after_help = "With --witness, every head the witness file kept must still be on the chain at its count:\n\
a record cut short, an older copy put back or a chain recomputed after an edit is found.\n\n\
Example:\n  iro audit verify --witness /srv/witness/iro-heads && iro audit head --witness /srv/witness/iro-heads"
    )]
    Verify {
        /// A witness file written by `audit head --witness`, kept where the database's writers cannot
        #[arg(long, value_name = "FILE")]
        witness: Option<PathBuf>,
    },
    /// Print the head hash of the event chain; with --witness, also append it (time, events, hash)
    /// to a witness file kept somewhere else
    #[command(after_help = "Example:\n  iro audit head --witness /srv/witness/iro-heads")]
    Head {
        #[arg(long, value_name = "FILE")]
        witness: Option<PathBuf>,
    },
    /// List the steps entered by a login other than the one their actor is bound to: entered on
    /// another's behalf, or as someone bound to no login
    #[command(after_help = "Example:\n  iro audit identities --format csv > identities.csv")]
    Identities {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run(ctx: &mut Context, args: &AuditArgs) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    let tx = store.read()?;
    match &args.command {
        AuditCommand::Head { witness } => {
            let (events, hash) = tx.head()?;
            if let Some(file) = witness {
                let head = Witnessed {
                    at: ctx.now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    events: events as u64,
                    hash: hash.clone(),
                };
                crate::files::append_line(file, &head.line())?;
            }
            writeln!(ctx.out, "{hash}")?;
            Ok(Status::Done)
        }
        AuditCommand::Identities { format } => {
            let mut writer = RowWriter::new(*format, false, ctx.colour, &mut *ctx.out)?;
            tx.entered_for_another(|row| -> anyhow::Result<()> { writer.row(&row) })?;
            let rows = writer.finish()?;
            writeln!(
                ctx.err,
                "{rows} step(s) entered by a login not bound to the member of staff they name"
            )?;
            Ok(Status::Done)
        }
        AuditCommand::Verify { witness } => {
            let heads = match witness {
                Some(file) => read_witness(file)?,
                None => Vec::new(),
            };
            // The tip's number is the count of events, each counted once checked.
            // Only the bar's length: a tip that does not read is the audit's to name (exit 7), not this.
            let events = tx.head().map_or(0, |(events, _)| events);
            drop(tx);
            let mut second = store.another()?;
            store.tune_for_reading_through()?;
            second.tune_for_reading_through()?;
            let bar = super::progress(ctx, usize::try_from(events).unwrap_or(0), "checking");
            let verdict = audit::verify_on_two(&mut store, &mut second, &mut |done| {
                if let Some(bar) = &bar {
                    bar.set_position(done);
                }
            });
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let verdict = verdict?;
            let tx = store.read()?;
            let problem = match &verdict.problem {
                Some(problem) => Some(problem.clone()),
                None => audit::witnessed(&tx, &verdict, &heads)?,
            };
            drop(tx);
            close_together(store, second);
            match problem {
                Some(what) => {
                    writeln!(ctx.out, "broken: {what}")?;
                    Ok(Status::RecordBroken)
                }
                None => {
                    let seen = if heads.is_empty() {
                        String::new()
                    } else {
                        format!("; all {} witnessed heads on it", heads.len())
                    };
                    writeln!(
                        ctx.out,
                        "ok {} events, head {}{seen}",
                        verdict.events, verdict.head
                    )?;
                    Ok(Status::Done)
                }
            }
        }
    }
}

/// Closes two connections at once: each close unmaps the file its connection mapped, a tenth of a
/// second on a national record, which one after the other the command waited for twice.
fn close_together(first: Store, second: Store) {
    std::thread::scope(|scope| {
        scope.spawn(move || drop(second));
        drop(first);
    });
}

/// The heads a witness file kept, each line checked.
fn read_witness(file: &Path) -> anyhow::Result<Vec<Witnessed>> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| Problem::Usage(format!("cannot read the witness {}: {e}", file.display())))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            Witnessed::parse(line).map_err(|why| {
                Problem::Usage(format!("{} line {}: {why}", file.display(), i + 1)).into()
            })
        })
        .collect()
}

impl Tabular for EnteredForAnother {
    fn sheet_name() -> &'static str {
        "identities"
    }
    fn header() -> &'static [&'static str] {
        &[
            "event",
            "effective_on",
            "matter",
            "kind",
            "actor",
            "actor_login",
            "entered_by",
            "entered_as",
            "entered_as_role",
        ]
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::value(self.event),
            Field::value(self.effective_on),
            Field::opt_text(self.matter.as_deref()),
            Field::text(&self.kind),
            Field::text(&self.actor),
            Field::opt_text(self.actor_login.as_deref()),
            Field::text(&self.entered_by),
            Field::opt_text(self.entered_as.as_deref()),
            Field::opt(self.entered_as_role),
        ]
    }

    fn table_header() -> &'static [&'static str] {
        &[
            "event",
            "date",
            "matter",
            "step",
            "as",
            "entered by",
            "why it shows",
        ]
    }

    fn table_cells(&self) -> Vec<String> {
        let why = match (&self.actor_login, &self.entered_as) {
            (None, _) => format!("{} has no login bound: anyone can act as them", self.actor),
            (Some(login), Some(by)) => format!(
                "entered on {}'s behalf (login {login}) by {by}{}",
                self.actor,
                self.entered_as_role
                    .map(|r| format!(", {}", r.with_article()))
                    .unwrap_or_default()
            ),
            (Some(login), None) => format!(
                "entered on {}'s behalf (login {login}) by a login bound to no one",
                self.actor
            ),
        };
        vec![
            self.event.to_string(),
            self.effective_on.to_string(),
            self.matter.clone().unwrap_or_default(),
            self.kind.clone(),
            self.actor.clone(),
            self.entered_by.clone(),
            why,
        ]
    }
}
