//! `iro audit verify|head`: show that the record is what the tool wrote.
//!
//! `verify` walks the hash chain, then replays every matter and the directory from their events and
//! compares the result with the state tables (`workflow::audit`): an edit made behind the tool's back
//! shows in one or the other.

use clap::{Args, Subcommand};

use super::Context;
use crate::error::Status;
use crate::render::{Field, Format, RowWriter, Tabular};
use crate::store::audit::EnteredForAnother;
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
    match args.command {
        AuditCommand::Head => {
            writeln!(ctx.out, "{}", tx.head_hash()?)?;
            Ok(Status::Done)
        }
        AuditCommand::Identities { format } => {
            let mut writer = RowWriter::new(format, false, ctx.colour, &mut *ctx.out)?;
            tx.entered_for_another(|row| -> anyhow::Result<()> { writer.row(&row) })?;
            let rows = writer.finish()?;
            writeln!(
                ctx.err,
                "{rows} step(s) entered by a login not bound to the member of staff they name"
            )?;
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

impl Tabular for EnteredForAnother {
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
