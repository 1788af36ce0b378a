//! `iro copy --to DB`: a service's whole record moved between a file and a server (or any two
//! databases), the copy's chain checked to end at the original's head before it is kept.

use std::path::PathBuf;

use clap::Args;

use super::Context;
use crate::error::Status;
use crate::store::{Location, Store};

/// Copy the whole record into a new file or an empty database on a server, every event, message and
/// record of the directory as stored; the copy is kept only when its chain ends at the same head
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    iro copy --from service.db --to 'postgres://iro_admin@db.council.gov.uk/iro?sslmode=require'\n  \
    iro --db 'postgres://iro_admin@db.council.gov.uk/iro' copy --to /srv/iro/copy-$(date +%F).db")]
pub struct CopyArgs {
    /// The database to copy: a file or a postgres:// URL [default: --db]
    #[arg(long, value_name = "DB")]
    pub from: Option<PathBuf>,
    /// Where the copy goes: a file that does not exist yet, or an empty database on a server
    #[arg(long, value_name = "DB")]
    pub to: PathBuf,
}

pub fn run(ctx: &mut Context, args: &CopyArgs) -> anyhow::Result<Status> {
    if let Some(from) = &args.from {
        ctx.db = Some(from.clone());
    }
    let mut from = ctx.open()?;
    let to = Location::from_argument(&args.to);
    if from.place() == to.to_string() {
        return Err(crate::error::Problem::Usage(format!(
            "--from and --to are the same database ({to}): a record is copied into another"
        ))
        .into());
    }
    copy_into(ctx, &mut from, &to)?;
    Ok(Status::Done)
}

/// Copies `from` into a new database at `to`, with a progress bar at a terminal, and says what it did.
pub fn copy_into(ctx: &mut Context, from: &mut Store, to: &Location) -> anyhow::Result<()> {
    let mut target = Store::create_empty(to, ctx.now)?;
    let (mut bar, mut asked) = (None::<indicatif::ProgressBar>, false);
    let copied = crate::workflow::copy::copy(from, &mut target, &mut |done, total| {
        if !asked {
            bar = super::progress(ctx, total as usize, "copying");
            asked = true;
        }
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let copied = match copied {
        Ok(copied) => copied,
        Err(e) => {
            // A new file that holds only an empty schema is no use, and would block the next try.
            if let Location::File(path) = to {
                drop(target);
                crate::store::sqlite::remove_files(path);
            }
            return Err(e.into());
        }
    };
    writeln!(
        ctx.err,
        "copied {} rows from {} to {to}: {} events, head {}",
        copied.rows,
        from.place(),
        copied.events,
        copied.head
    )?;
    writeln!(ctx.out, "{}", copied.head)?;
    Ok(())
}
