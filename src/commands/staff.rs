//! `iro staff add|update|leave|list|show`: the staff directory, as a dated history (rule 13).

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::{change, find_staff, parse_id, parse_name, Context};
use crate::dates::parse_date;
use crate::error::{Problem, Status};
use crate::model::{Role, Staff};
use crate::render::{self, Format};
use crate::text::{parse_email, parse_text};
use crate::workflow::directory::{self, StaffUpdate};

/// Add, change, list and show members of staff, and record who leaves
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  iro staff add asmith --name \"Alex Smith\" --role iro --email alex.smith@example.gov.uk\n  \
iro staff update bking --team \"Children in Care 2\" --on 2026-12-01 --reason \"Moved team\"\n  \
iro staff leave bking --on 2026-12-18 --successor nworker\n  iro staff show bking --history"
)]
pub struct StaffArgs {
    #[command(subcommand)]
    pub command: StaffCommand,
}

#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Add a member of staff with their one role
    #[command(
        after_help = "Example:\n  iro staff add asmith --name \"Alex Smith\" --role iro --email alex.smith@example.gov.uk --team \"IRO Service\" --login asmith"
    )]
    Add {
        /// Short id, usually the login name: ASCII letters, digits, '-', '_' and '.'
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
        /// The login (OS account or database role) that is theirs
        #[arg(long, value_parser = parse_id)]
        login: Option<String>,
        /// The day they joined, if not today
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
    /// Change a member of staff's name, e-mail, team, role or login, from a day
    #[command(
        after_help = "The change is recorded with the day it took effect; what went before stays in the history.\n\n\
Example:\n  iro staff update tgreen --email t.green@example.gov.uk --on 2026-12-01 --reason \"new address\""
    )]
    Update {
        id: String,
        #[arg(long, value_parser = parse_name)]
        name: Option<String>,
        #[arg(long, value_parser = parse_email)]
        email: Option<String>,
        #[arg(long, value_parser = parse_name)]
        team: Option<String>,
        #[arg(long)]
        role: Option<Role>,
        #[arg(long, value_parser = parse_id)]
        login: Option<String>,
        /// The day the change took effect, if not today
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        on: Option<NaiveDate>,
        /// Why
        #[arg(long, value_parser = parse_text)]
        reason: Option<String>,
    },
    /// Record that a member of staff left; their open actions and children pass to a successor
    #[command(
        after_help = "A leaver who still owns open actions or is allocated to children needs --successor.\n\n\
Example:\n  iro staff leave bking --on 2026-12-18 --successor nworker"
    )]
    Leave {
        id: String,
        /// The day they left
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        on: NaiveDate,
        /// Who takes over their open actions and the children allocated to them
        #[arg(long, value_name = "ID")]
        successor: Option<String>,
        #[arg(long, value_parser = parse_text)]
        reason: Option<String>,
    },
    /// List the staff directory
    #[command(after_help = "Example:\n  iro staff list --format csv > staff.csv")]
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show a member of staff, and with --history every dated change to them
    #[command(after_help = "Example:\n  iro staff show tgreen --history")]
    Show {
        id: String,
        #[arg(long)]
        history: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

pub fn run(ctx: &mut Context, args: &StaffArgs) -> anyhow::Result<Status> {
    match &args.command {
        StaffCommand::Add {
            id,
            name,
            role,
            email,
            team,
            login,
            on,
        } => {
            let staff = Staff {
                id: id.clone(),
                name: name.clone(),
                role: *role,
                email: email.clone(),
                team: team.clone(),
                login: login.clone(),
                left_on: None,
            };
            change(ctx, *on, |tx, setting, by| {
                directory::add_staff(tx, setting, by, staff).map(drop)
            })?;
            writeln!(ctx.err, "added {id} ({role})")?;
        }
        StaffCommand::Update {
            id,
            name,
            email,
            team,
            role,
            login,
            on,
            reason,
        } => {
            if name.is_none()
                && email.is_none()
                && team.is_none()
                && role.is_none()
                && login.is_none()
            {
                return Err(Problem::Usage(
                    "say what changes: --name, --email, --team, --role or --login".into(),
                )
                .into());
            }
            let update = StaffUpdate {
                name: name.clone(),
                email: email.clone(),
                team: team.clone(),
                role: *role,
                login: login.clone(),
            };
            let made = change(ctx, *on, |tx, setting, by| {
                directory::update_staff(tx, setting, by, id, update, reason.clone())
            })?;
            match made {
                Some(made) => writeln!(ctx.err, "{}", made.describe())?,
                None => writeln!(ctx.err, "{id}: as given already; nothing recorded")?,
            }
        }
        StaffCommand::Leave {
            id,
            on,
            successor,
            reason,
        } => {
            let left = change(ctx, Some(*on), |tx, setting, by| {
                directory::leave(tx, setting, by, id, successor.as_deref(), reason.clone())
            })?;
            writeln!(ctx.err, "{id} left on {on}")?;
            for (matter, seq) in &left.actions {
                writeln!(
                    ctx.err,
                    "  {matter} action {seq} now owned by {}",
                    successor.as_deref().unwrap_or_default()
                )?;
            }
            for (child, slots) in &left.children {
                let slots: Vec<String> = slots.iter().map(|s| s.to_string()).collect();
                writeln!(
                    ctx.err,
                    "  {child}: {} now {}",
                    slots.join(", "),
                    successor.as_deref().unwrap_or_default()
                )?;
            }
            for warning in &left.warnings {
                super::tell(ctx, format_args!("warning: {warning}"));
            }
        }
        StaffCommand::List { format } => {
            let mut store = ctx.open()?;
            let tx = store.read()?;
            render::staff(&tx.all_staff()?, *format, ctx.colour, ctx.out)?;
        }
        StaffCommand::Show {
            id,
            history,
            format,
        } => {
            let mut store = ctx.open()?;
            let tx = store.read()?;
            let staff = find_staff(&tx, id)?;
            let changes = if *history {
                tx.staff_history(id)?
            } else {
                Vec::new()
            };
            let covers = tx.covers_of(id)?;
            render::person(
                &staff,
                &covers,
                history.then_some(&changes[..]),
                *format,
                ctx.colour,
                ctx.out,
            )?;
        }
    }
    Ok(Status::Done)
}
