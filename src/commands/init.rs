//! `iro init`: create the database, or confirm the one already there.

use clap::Args;

use super::Context;
use crate::error::Status;
use crate::store::{Created, Store};

/// Create the database (readable by its owner only), or check the one already there
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  iro --db /srv/iro/service.db init")]
pub struct InitArgs {}

pub fn run(ctx: &mut Context, _args: &InitArgs) -> anyhow::Result<crate::error::Status> {
    let location = ctx.db_location()?;
    let (_, created) = Store::create_at(&location, ctx.db.is_none(), ctx.now)?;
    let said = match created {
        Created::New => "created",
        Created::AlreadyThere => "already there, up to date",
    };
    writeln!(ctx.err, "database {said}: {location}")?;
    writeln!(ctx.out, "{location}")?;
    Ok(Status::Done)
}
