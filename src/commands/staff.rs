//! `iro staff add|list`: the staff directory.

use clap::{Args, Subcommand};

use super::{parse_id, parse_name, Context};
use crate::error::{Problem, Status};
use crate::model::{Role, Staff};
use crate::render::{self, Format};
use crate::text::parse_email;

/// Add and list members of staff
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  iro staff add asmith --name \"Alex Smith\" --role iro --email alex.smith@example.gov.uk\n  iro staff list --format csv"
)]
pub struct StaffArgs {
    #[command(subcommand)]
    pub command: StaffCommand,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a member of staff with their one role
    #[command(
        after_help = "Example:\n  iro staff add asmith --name \"Alex Smith\" --role iro --email alex.smith@example.gov.uk --team IRO-North"
    )]
    Add {
        /// Short id, usually the login name
        #[arg(value_parser = parse_id)]
        id: String,
        /// Full name
        #[arg(long, value_parser = parse_name)]
        name: String,
        /// One of: iro, iro-team-manager, senior-iro-manager, social-worker, practice-supervisor,
        /// team-manager, service-manager, assistant-director, admin
        #[arg(long)]
        role: Role,
        /// Work e-mail address
        #[arg(long, value_parser = parse_email)]
        email: String,
        /// Team (free text, e.g. "IRO Service")
        #[arg(long, value_parser = parse_name)]
        team: Option<String>,
    },
    /// List the staff directory
    #[command(after_help = "Example:\n  iro staff list --format csv > staff.csv")]
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run(ctx: &mut Context, args: &StaffArgs) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    match &args.command {
        StaffCommand::Add {
            id,
            name,
            role,
            email,
            team,
        } => {
            let tx = store.write()?;
            let staff = Staff {
                id: id.clone(),
                name: name.clone(),
                role: *role,
                email: email.clone(),
                team: team.clone(),
            };
            if !tx.add_staff(&staff)? {
                return Err(
                    Problem::Usage(format!("there is already a member of staff '{id}'")).into(),
                );
            }
            tx.commit()?;
            writeln!(ctx.err, "added {id} ({role})")?;
        }
        StaffCommand::List { format } => {
            let tx = store.read()?;
            render::staff(&tx.all_staff()?, *format, ctx.colour, ctx.out)?;
        }
    }
    Ok(Status::Done)
}
