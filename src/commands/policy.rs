//! `iro policy`: the policy in force (`iro.toml` or the defaults), and checking a policy file.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use comfy_table::{presets, Table};

use super::{tell, Context};
use crate::error::{Problem, Status};
use crate::policy::{self, Loaded};

/// The authority's policy in force: timescales, stages, categories and closure days, and where it came from
#[derive(Debug, Args)]
#[command(
    after_help = "The policy file is --config PATH, else IRO_CONFIG, else iro.toml beside the database;\n\
without one the protocol's defaults apply. Deadlines already set never move when it changes.\n\n\
Examples:\n  iro policy show\n  iro policy show > iro.toml      # a starting point to edit\n  iro policy check iro.toml"
)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the policy in force, saying where it came from
    #[command(
        after_help = "Examples:\n  iro policy show\n  iro --config north.toml policy show --format table"
    )]
    Show {
        /// toml (a valid iro.toml) or table
        #[arg(long, value_enum, default_value = "toml")]
        format: PolicyFormat,
    },
    /// Check a policy file without using it; names the line and key of anything wrong
    #[command(after_help = "Example:\n  iro policy check iro.toml")]
    Check {
        /// The file to check
        path: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyFormat {
    Toml,
    Table,
}

pub fn run(ctx: &mut Context, args: &PolicyArgs) -> anyhow::Result<Status> {
    match &args.command {
        PolicyCommand::Show { format } => {
            let loaded = Loaded {
                policy: ctx.policy.clone(),
                closure_days: ctx.policy_closures.clone(),
                source: ctx.policy_source.clone(),
            };
            match format {
                PolicyFormat::Toml => write!(ctx.out, "{}", policy::to_toml(&loaded))?,
                PolicyFormat::Table => {
                    writeln!(ctx.out, "{}", table(&loaded))?;
                }
            }
        }
        PolicyCommand::Check { path } => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Problem::Usage(format!(
                    "cannot read the policy file {}: {e}",
                    path.display()
                ))
            })?;
            let (p, closures) = policy::parse(&text)
                .map_err(|e| Problem::Usage(e.in_file(&path.display().to_string())))?;
            for advice in policy::advice(&p) {
                tell(ctx, format_args!("warning: {}: {advice}", path.display()));
            }
            tell(
                ctx,
                format_args!(
                    "{}: checks out ({} categories, {} closure day(s), challenge {} and resolution {} working days)",
                    path.display(),
                    p.categories.len(),
                    closures.len(),
                    p.challenge_days,
                    p.resolution_days
                ),
            );
        }
    }
    Ok(Status::Done)
}

fn table(loaded: &Loaded) -> Table {
    let p = &loaded.policy;
    let mut t = Table::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED)
        .set_header(["setting", "value"]);
    t.add_row(vec!["source".to_string(), loaded.source.to_string()]);
    // Each step records the digest of the policy it was taken under.
    t.add_row(vec!["digest".to_string(), loaded.digest()]);
    t.add_row(vec![
        "challenge_days".to_string(),
        format!("{} working days", p.challenge_days),
    ]);
    t.add_row(vec![
        "resolution_days".to_string(),
        format!("{} working days", p.resolution_days),
    ]);
    t.add_row(vec![
        "stage_response_days".to_string(),
        p.stage_response_days
            .map(|d| format!("{d} working days"))
            .unwrap_or_else(|| "(none)".into()),
    ]);
    for (i, (name, role)) in p.stage_names.iter().zip(p.resolving_roles).enumerate() {
        t.add_row(vec![
            format!("stage {}", i + 1),
            format!("{name}; resolved by a {role}"),
        ]);
    }
    t.add_row(vec!["categories".to_string(), p.categories.join("\n")]);
    t.add_row(vec![
        "closure_days".to_string(),
        loaded
            .closure_days
            .iter()
            .map(|(d, r)| format!("{d} {}", crate::text::shown(r)))
            .collect::<Vec<_>>()
            .join("\n"),
    ]);
    t
}
