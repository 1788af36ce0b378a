//! `iro child add|list|show`: the looked-after children and who is allocated to them.

use clap::{Args, Subcommand};

use super::{find_child, find_staff, parse_id, parse_name, Context};
use crate::error::{Problem, Status};
use crate::model::{Child, Role};
use crate::render::{self, Format};
use crate::store::MatterFilter;

/// Add, list and show children
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  iro child list --iro asmith\n  iro child show LCS-104233")]
pub struct ChildArgs {
    #[command(subcommand)]
    pub command: ChildCommand,
}

#[derive(Debug, Subcommand)]
pub enum ChildCommand {
    /// Add a child with their allocated staff
    #[command(
        after_help = "Example:\n  iro child add LCS-104233 --name \"Sam Jones\" --team North --social-worker bking \\\n    --practice-supervisor cdoe --team-manager tgreen --service-manager mblack --iro asmith --iro-team-manager jwhite"
    )]
    Add {
        /// The reference of the child's electronic file, e.g. LCS-104233
        #[arg(value_parser = parse_id)]
        reference: String,
        #[arg(long, value_parser = parse_name)]
        name: String,
        /// The social work team (free text, e.g. "Children in Care 1")
        #[arg(long, value_parser = parse_name)]
        team: String,
        #[arg(long, value_name = "ID")]
        social_worker: String,
        #[arg(long, value_name = "ID")]
        practice_supervisor: Option<String>,
        /// The social work team manager
        #[arg(long, value_name = "ID")]
        team_manager: String,
        /// The children's service manager
        #[arg(long, value_name = "ID")]
        service_manager: String,
        #[arg(long, value_name = "ID")]
        iro: String,
        #[arg(long, value_name = "ID")]
        iro_team_manager: String,
    },
    /// List children
    #[command(after_help = "Example:\n  iro child list --iro asmith --format csv")]
    List {
        #[arg(long, value_name = "ID")]
        iro: Option<String>,
        #[arg(long)]
        team: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show a child's allocation and matters
    #[command(after_help = "Example:\n  iro child show LCS-104233 --format json")]
    Show {
        reference: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run(ctx: &mut Context, args: &ChildArgs) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    match &args.command {
        ChildCommand::Add {
            reference,
            name,
            team,
            social_worker,
            practice_supervisor,
            team_manager,
            service_manager,
            iro,
            iro_team_manager,
        } => {
            let tx = store.write()?;
            let allocated = [
                ("--social-worker", Some(social_worker), Role::SocialWorker),
                (
                    "--practice-supervisor",
                    practice_supervisor.as_ref(),
                    Role::PracticeSupervisor,
                ),
                ("--team-manager", Some(team_manager), Role::TeamManager),
                (
                    "--service-manager",
                    Some(service_manager),
                    Role::ServiceManager,
                ),
                ("--iro", Some(iro), Role::Iro),
                (
                    "--iro-team-manager",
                    Some(iro_team_manager),
                    Role::IroTeamManager,
                ),
            ];
            for (flag, id, role) in allocated {
                let Some(id) = id else { continue };
                let staff = find_staff(&tx, id)?;
                // An IRO team manager may hold a caseload, so may be allocated as a child's IRO.
                let fits =
                    staff.role == role || (role == Role::Iro && staff.role == Role::IroTeamManager);
                if !fits {
                    return Err(Problem::Usage(format!(
                        "{flag} {id}: {id} is {}, not {role}",
                        staff.role
                    ))
                    .into());
                }
            }
            let child = Child {
                reference: reference.clone(),
                name: name.clone(),
                team: team.clone(),
                social_worker: social_worker.clone(),
                practice_supervisor: practice_supervisor.clone(),
                team_manager: team_manager.clone(),
                service_manager: service_manager.clone(),
                iro: iro.clone(),
                iro_team_manager: iro_team_manager.clone(),
            };
            if !tx.add_child(&child)? {
                return Err(
                    Problem::Usage(format!("there is already a child '{reference}'")).into(),
                );
            }
            tx.commit()?;
            writeln!(ctx.err, "added child {reference} (IRO {iro}, team {team})")?;
        }
        ChildCommand::List { iro, team, format } => {
            let tx = store.read()?;
            render::children(
                &tx.children(iro.as_deref(), team.as_deref())?,
                *format,
                ctx.colour,
                ctx.out,
            )?;
        }
        ChildCommand::Show { reference, format } => {
            let tx = store.read()?;
            let child = find_child(&tx, reference)?;
            let matters = tx.matters(&MatterFilter {
                child: Some(child.reference.clone()),
                ..MatterFilter::default()
            })?;
            render::child(&child, &matters, *format, ctx.colour, ctx.out)?;
        }
    }
    Ok(Status::Done)
}
