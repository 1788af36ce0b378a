//! `iro completions`: the shell's tab completion for `iro`, generated from the command tree.

use clap::Args;
use clap_complete::Shell;

use super::Context;
use crate::error::Status;

/// Print the tab-completion script for a shell
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  source <(iro completions bash)                      # this shell\n  \
iro completions bash > ~/.local/share/bash-completion/completions/iro\n  \
iro completions zsh > ~/.zfunc/_iro\n  \
iro completions fish > ~/.config/fish/completions/iro.fish\n  \
iro completions powershell >> $PROFILE"
)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, powershell or elvish
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(ctx: &mut Context, args: &CompletionsArgs) -> anyhow::Result<Status> {
    let mut command = super::command();
    // Into memory first: clap_complete panics on a write error, and `| head` closes the pipe early.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "iro", &mut script);
    ctx.out.write_all(&script)?;
    ctx.out.flush()?;
    Ok(Status::Done)
}
