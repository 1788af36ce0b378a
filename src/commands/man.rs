//! `iro man`: the manual page, generated from the command tree (roff, for `man -l -`).

use clap::Args;

use super::Context;
use crate::error::{Problem, Status};

/// Print the manual page of iro, or of one of its commands, as roff
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  iro man | man -l -\n  iro man raise-qap | man -l -\n  iro man > /usr/local/share/man/man1/iro.1"
)]
pub struct ManArgs {
    /// A command to print the page of (e.g. raise-qap); all of iro if not given
    pub command: Option<String>,
}

pub fn run(ctx: &mut Context, args: &ManArgs) -> anyhow::Result<Status> {
    let mut root = super::command();
    root.build();
    let (page, title) = match &args.command {
        None => (root, "iro".to_string()),
        Some(name) => {
            let sub = root
                .find_subcommand(name)
                .cloned()
                .ok_or_else(|| Problem::Usage(format!("no command '{name}' (see iro --help)")))?;
            (sub, format!("iro-{name}"))
        }
    };
    let mut roff = Vec::new();
    clap_mangen::Man::new(page).title(title).render(&mut roff)?;
    ctx.out.write_all(&roff)?;
    Ok(Status::Done)
}
