//! `iro child add|reallocate|cease|list|show`: the looked-after children and who is allocated to them,
//! as a dated history (rule 13).

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::{change, find_child, parse_id, parse_name, Context};
use crate::dates::parse_date;
use crate::error::Status;
use crate::model::{Child, Slot};
use crate::render::{self, Format};
use crate::store::MatterFilter;
use crate::text::parse_text;
use crate::workflow::directory::{self, Reallocation};

/// Add, reallocate, list and show children, and record a child who stops being looked after
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  iro child list --iro asmith\n  iro child reallocate LCS-104233 --team \"Children in Care 2\" --team-manager kosei --on 2026-12-01\n  \
iro child show LCS-104233 --history"
)]
pub struct ChildArgs {
    #[command(subcommand)]
    pub command: ChildCommand,
}

/// The people allocated to a child, each optional so `reallocate` can change some and keep the rest.
#[derive(Debug, Clone, Args)]
pub struct AllocationArgs {
    #[arg(long, value_name = "ID")]
    pub social_worker: Option<String>,
    #[arg(long, value_name = "ID")]
    pub practice_supervisor: Option<String>,
    /// The social work team manager
    #[arg(long, value_name = "ID")]
    pub team_manager: Option<String>,
    /// The children's service manager
    #[arg(long, value_name = "ID")]
    pub service_manager: Option<String>,
    /// The assistant director of the child's directorate, where a service has more than one
    #[arg(long, value_name = "ID")]
    pub assistant_director: Option<String>,
    #[arg(long, value_name = "ID")]
    pub iro: Option<String>,
    #[arg(long, value_name = "ID")]
    pub iro_team_manager: Option<String>,
}

impl AllocationArgs {
    fn given(&self) -> Vec<(Slot, Option<String>)> {
        [
            (Slot::SocialWorker, &self.social_worker),
            (Slot::PracticeSupervisor, &self.practice_supervisor),
            (Slot::TeamManager, &self.team_manager),
            (Slot::ServiceManager, &self.service_manager),
            (Slot::AssistantDirector, &self.assistant_director),
            (Slot::Iro, &self.iro),
            (Slot::IroTeamManager, &self.iro_team_manager),
        ]
        .into_iter()
        .filter_map(|(slot, id)| id.clone().map(|id| (slot, Some(id))))
        .collect()
    }
}

#[derive(Debug, Subcommand)]
pub enum ChildCommand {
    /// Add a child with their allocated staff
    #[command(
        after_help = "Example:\n  iro child add LCS-104233 --name \"Sam Jones\" --team \"Children in Care 1\" --social-worker bking \\\n    --practice-supervisor cdoe --team-manager tgreen --service-manager mblack --iro asmith --iro-team-manager jwhite"
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
        /// The assistant director of the child's directorate, where a service has more than one
        #[arg(long, value_name = "ID")]
        assistant_director: Option<String>,
        #[arg(long, value_name = "ID")]
        iro: String,
        #[arg(long, value_name = "ID")]
        iro_team_manager: String,
        /// The day they became looked after, if not today
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
    /// Change who is allocated to a child, or their team, from a day
    #[command(
        after_help = "Steps from that day on are judged and told by the new allocation; earlier ones keep theirs.\n\n\
Example:\n  iro child reallocate LCS-104233 --social-worker nworker --on 2026-12-01 --reason \"Allocated to a new worker\""
    )]
    Reallocate {
        reference: String,
        #[command(flatten)]
        allocation: AllocationArgs,
        /// The child no longer has a practice supervisor
        #[arg(long, conflicts_with = "practice_supervisor")]
        no_practice_supervisor: bool,
        /// The child no longer has an assistant director of their own (every one is told at stage 3)
        #[arg(long, conflicts_with = "assistant_director")]
        no_assistant_director: bool,
        /// The new social work team
        #[arg(long, value_parser = parse_name)]
        team: Option<String>,
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        on: Option<NaiveDate>,
        #[arg(long, value_parser = parse_text)]
        reason: Option<String>,
    },
    /// Record that a child stopped being looked after: no new matter after that day
    #[command(after_help = "Their open matters stay open, and are listed.\n\n\
Example:\n  iro child cease LCS-104233 --on 2026-12-01 --reason \"Returned home under a care order discharge\"")]
    Cease {
        reference: String,
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        on: NaiveDate,
        #[arg(long, value_parser = parse_text)]
        reason: String,
    },
    /// List children as allocated now
    #[command(after_help = "Example:\n  iro child list --iro asmith --format csv")]
    List {
        #[arg(long, value_name = "ID")]
        iro: Option<String>,
        #[arg(long)]
        team: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show a child's allocation and matters, and with --history every dated change
    #[command(after_help = "Example:\n  iro child show LCS-104233 --history")]
    Show {
        reference: String,
        #[arg(long)]
        history: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run(ctx: &mut Context, args: &ChildArgs) -> anyhow::Result<Status> {
    match &args.command {
        ChildCommand::Add {
            reference,
            name,
            team,
            social_worker,
            practice_supervisor,
            team_manager,
            service_manager,
            assistant_director,
            iro,
            iro_team_manager,
            on,
        } => {
            let child = Child {
                reference: reference.clone(),
                name: name.clone(),
                team: team.clone(),
                social_worker: social_worker.clone(),
                practice_supervisor: practice_supervisor.clone(),
                team_manager: team_manager.clone(),
                service_manager: service_manager.clone(),
                assistant_director: assistant_director.clone(),
                iro: iro.clone(),
                iro_team_manager: iro_team_manager.clone(),
                ceased_on: None,
                cease_reason: None,
            };
            change(ctx, *on, |tx, setting, by| {
                directory::add_child(tx, setting, by, child).map(drop)
            })?;
            writeln!(ctx.err, "added child {reference} (IRO {iro}, team {team})")?;
        }
        ChildCommand::Reallocate {
            reference,
            allocation,
            no_practice_supervisor,
            no_assistant_director,
            team,
            on,
            reason,
        } => {
            let mut slots = allocation.given();
            for (emptied, slot) in [
                (*no_practice_supervisor, Slot::PracticeSupervisor),
                (*no_assistant_director, Slot::AssistantDirector),
            ] {
                if emptied {
                    slots.push((slot, None));
                }
            }
            let reallocation = Reallocation {
                slots,
                team: team.clone(),
                name: None,
            };
            let made = change(ctx, *on, |tx, setting, by| {
                directory::reallocate(tx, setting, by, reference, reallocation, reason.clone())
            })?;
            match made {
                Some(made) => writeln!(ctx.err, "{}", made.describe())?,
                None => writeln!(ctx.err, "{reference}: nothing to change")?,
            }
        }
        ChildCommand::Cease {
            reference,
            on,
            reason,
        } => {
            let open = change(ctx, Some(*on), |tx, setting, by| {
                directory::cease(tx, setting, by, reference, reason.clone())
            })?;
            writeln!(ctx.err, "{reference} stopped being looked after on {on}")?;
            if !open.is_empty() {
                writeln!(
                    ctx.err,
                    "still open, and staying open until settled: {}",
                    open.join(", ")
                )?;
                for id in &open {
                    writeln!(ctx.out, "{id}")?;
                }
            }
        }
        ChildCommand::List { iro, team, format } => {
            let mut store = ctx.open()?;
            let tx = store.read()?;
            render::children(
                &tx.children(iro.as_deref(), team.as_deref())?,
                *format,
                ctx.colour,
                ctx.out,
            )?;
        }
        ChildCommand::Show {
            reference,
            history,
            format,
        } => {
            let mut store = ctx.open()?;
            let tx = store.read()?;
            let child = find_child(&tx, reference)?;
            let matters = tx.matters(&MatterFilter {
                child: Some(child.reference.clone()),
                ..MatterFilter::default()
            })?;
            let changes = if *history {
                Some(tx.child_history(reference)?)
            } else {
                None
            };
            render::child(
                &child,
                &matters,
                changes.as_deref(),
                ctx.today,
                *format,
                ctx.colour,
                ctx.out,
            )?;
        }
    }
    Ok(Status::Done)
}
