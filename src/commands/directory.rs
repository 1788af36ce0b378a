//! `iro directory import`: the case-management system's staff and children extracts brought into the
//! directory as dated changes (`workflow::extracts`), all rows or none.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::{change, tell, Context};
use crate::dates::parse_date;
use crate::error::{Problem, Status};
use crate::workflow::extracts::{self, Extracts, Imported, CHILD_COLUMNS, STAFF_COLUMNS};
use crate::workflow::sheet::{Columns, Sheet};

/// Load the directory from the case-management system's extracts
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  iro directory import --staff staff.csv --children children.csv --dry-run"
)]
pub struct DirectoryArgs {
    #[command(subcommand)]
    pub command: DirectoryCommand,
}

#[derive(Debug, Subcommand)]
pub enum DirectoryCommand {
    /// Add new staff and children and record changed ones, from CSV extracts; never removes anyone
    #[command(
        after_help = "Staff columns (first row; case, spaces and hyphens do not matter; order is free):\n  \
id, name, role, email                required\n  \
team, login                          an empty cell leaves what iro has\n\
Children columns:\n  \
ref, name, team, social_worker, team_manager, service_manager, iro, iro_team_manager   required\n  \
practice_supervisor, assistant_director                                               an empty cell empties the slot\n\
Each change is dated --on (default today). People missing from an extract are listed, not removed: a\n\
leaver is recorded with `iro staff leave`, a child leaving care with `iro child cease`. Every error is\n\
listed with its row and column, and nothing is recorded unless every row passes.\n\n\
Examples:\n  iro directory import --staff staff.csv --children children.csv --dry-run\n  \
iro directory import --children children.csv --on 2026-12-01"
    )]
    Import {
        /// The staff extract (CSV with a header row)
        #[arg(long, value_name = "FILE")]
        staff: Option<PathBuf>,
        /// The children extract (CSV with a header row)
        #[arg(long, value_name = "FILE")]
        children: Option<PathBuf>,
        /// Print the changes it would make; record nothing
        #[arg(long)]
        dry_run: bool,
        /// The day the changes took effect [default: today]
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        on: Option<NaiveDate>,
    },
}

pub fn run(ctx: &mut Context, args: &DirectoryArgs) -> anyhow::Result<Status> {
    match &args.command {
        DirectoryCommand::Import {
            staff,
            children,
            dry_run,
            on,
        } => import(ctx, staff.as_deref(), children.as_deref(), *dry_run, *on),
    }
}

fn read(path: Option<&Path>, columns: &Columns) -> anyhow::Result<Option<Sheet>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let file = std::fs::File::open(path)
        .map_err(|e| Problem::Usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(Some(Sheet::read(
        &path.display().to_string(),
        file,
        columns,
    )?))
}

fn import(
    ctx: &mut Context,
    staff: Option<&Path>,
    children: Option<&Path>,
    dry_run: bool,
    on: Option<NaiveDate>,
) -> anyhow::Result<Status> {
    if staff.is_none() && children.is_none() {
        return Err(Problem::Usage(
            "name an extract to import: --staff FILE, --children FILE or both".into(),
        )
        .into());
    }
    let extracts = Extracts {
        staff: read(staff, &STAFF_COLUMNS)?,
        children: read(children, &CHILD_COLUMNS)?,
    };
    for sheet in [&extracts.staff, &extracts.children].into_iter().flatten() {
        if !sheet.ignored.is_empty() {
            tell(
                ctx,
                format_args!(
                    "{}: passed over the columns iro does not read: {}",
                    sheet.name,
                    sheet.ignored.join(", ")
                ),
            );
        }
    }
    let rows = extracts.staff.as_ref().map_or(0, Sheet::len)
        + extracts.children.as_ref().map_or(0, Sheet::len);
    let bar = super::progress(ctx, rows, "importing");
    let mut tick = |done: usize, _total: usize| {
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    };
    let imported = if dry_run {
        super::without_commit(ctx, on, |tx, setting, by| {
            extracts::import(tx, setting, by, &extracts, &mut tick)
        })?
    } else {
        change(ctx, on, |tx, setting, by| {
            extracts::import(tx, setting, by, &extracts, &mut tick)
        })?
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    report(ctx, &imported, dry_run)?;
    Ok(Status::Done)
}

/// The changes on stdout, one a line; what was left alone, and the count, on stderr.
fn report(ctx: &mut Context, imported: &Imported, dry_run: bool) -> anyhow::Result<()> {
    for change in &imported.changes {
        writeln!(ctx.out, "{}: {}", change.kind(), change.describe())?;
    }
    for note in &imported.closed {
        tell(ctx, format_args!("left alone: {note}"));
    }
    if !imported.missing_staff.is_empty() {
        tell(
            ctx,
            format_args!(
                "not in the staff extract, left as they are ({}): {}",
                imported.missing_staff.len(),
                imported.missing_staff.join(", ")
            ),
        );
    }
    if !imported.missing_children.is_empty() {
        tell(
            ctx,
            format_args!(
                "not in the children extract, left as they are ({}): {}",
                imported.missing_children.len(),
                imported.missing_children.join(", ")
            ),
        );
    }
    let changes = imported.changes.len();
    let added = imported
        .changes
        .iter()
        .filter(|c| c.kind().ends_with("-added"))
        .count();
    if dry_run {
        tell(
            ctx,
            format_args!(
                "dry run: {changes} change(s) would be recorded ({added} added, {} changed), {} unchanged; nothing was recorded",
                changes - added,
                imported.unchanged
            ),
        );
    } else {
        tell(
            ctx,
            format_args!(
                "{changes} change(s) recorded ({added} added, {} changed), {} unchanged",
                changes - added,
                imported.unchanged
            ),
        );
    }
    Ok(())
}
