//! `iro import`: a service's spreadsheet tracker (CSV) brought in as if every step had been typed.
//!
//! Each row becomes the requests a person would have made (raise-qap, escalate at each stage,
//! refer-cafcass, resolve), each judged by [`step_in`](super::step_in) on the row's own dates, all in one
//! transaction: the file goes in whole only if every row passes, and `--dry-run` never commits.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;

use super::{find_staff, parse_id, parse_text, tell, Context};
use crate::dates::parse_date;
use crate::engine::{Concern, NewAction, Opening, Request, Timescale};
use crate::error::{Problem, Status};
use crate::model::{Child, MatterState, Role, Stage};
use crate::store::Tx;
use crate::workflow::sheet::{Cells, Columns, RowError, RowErrors, Sheet};
use crate::workflow::{step_in, Asked, Setting};

/// Import a spreadsheet tracker (CSV): every row checked by the protocol's rules, all rows or none
#[derive(Debug, Args)]
#[command(
    after_help = "Columns (first row; case, spaces and hyphens do not matter; order is free):\n  \
child, category, summary, raised_on                     required\n  \
iro                                                     default: the child's IRO\n  \
action, action_owner, action_due                        a QAP action (owner default: the social worker)\n  \
stage_1_on, stage_2_on, stage_3_on, stage_reason        EPCP/DRP stages and the day each was entered\n  \
cafcass_referred_on, cafcass_reason, cafcass_formal     a referral to CAFCASS (formal: yes/no)\n  \
outcome, resolved_on, resolved_by                       the resolution and the manager who resolved it\n\
Rows are numbered as the spreadsheet shows them (the header is row 1). Errors are listed with their\n\
row and column; nothing is recorded unless every row passes.\n\n\
Examples:\n  iro import examples/tracker.csv --dry-run\n  iro import tracker.csv"
)]
pub struct ImportArgs {
    /// The tracker exported as CSV, with a header row
    pub file: PathBuf,
    /// Check every row and say what would be imported; record nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// The columns `iro import` reads.
const NAMES: [&str; 18] = [
    "child",
    "iro",
    "category",
    "summary",
    "raised_on",
    "action",
    "action_owner",
    "action_due",
    "stage_1_on",
    "stage_2_on",
    "stage_3_on",
    "stage_reason",
    "cafcass_referred_on",
    "cafcass_reason",
    "cafcass_formal",
    "outcome",
    "resolved_on",
    "resolved_by",
];

const COLUMNS: Columns = Columns {
    names: &NAMES,
    aliases: &[],
    required: &["child", "category", "summary", "raised_on"],
    others_ignored: false,
};

/// A row read and checked cell by cell, before any rule is asked.
struct Entry {
    row: usize,
    child: String,
    iro: Option<String>,
    category: String,
    summary: String,
    raised_on: NaiveDate,
    action: Option<(String, Option<String>, NaiveDate)>,
    stages: Vec<(Stage, NaiveDate, &'static str)>,
    stage_reason: Option<String>,
    cafcass: Option<(NaiveDate, String, bool)>,
    resolution: Option<(String, NaiveDate, Option<String>)>,
}

fn yes_no(text: &str) -> Result<bool, String> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Ok(true),
        "no" | "n" | "false" | "0" => Ok(false),
        _ => Err(format!("'{text}' is not yes or no")),
    }
}

fn read_row(cells: &mut Cells) -> Option<Entry> {
    let child = cells.required("child", parse_id);
    let iro = cells.parsed("iro", parse_id);
    let category = cells.required("category", parse_id);
    let summary = cells.required("summary", parse_text);
    let raised_on = cells.required("raised_on", parse_date);
    let action_text = cells.parsed("action", parse_text);
    let owner = cells.parsed("action_owner", parse_id);
    let due = cells.date("action_due");
    let action = match (action_text, due) {
        (Some(text), Some(due)) => Some((text, owner, due)),
        (Some(_), None) if cells.raw("action_due").is_none() => {
            cells.fail("action_due", "a QAP action needs its due date");
            None
        }
        (None, _) if cells.raw("action").is_none() && (owner.is_some() || due.is_some()) => {
            cells.fail("action", "an owner or due date is given but no action");
            None
        }
        _ => None,
    };
    let mut stages = Vec::new();
    for (stage, column) in [
        (Stage::One, "stage_1_on"),
        (Stage::Two, "stage_2_on"),
        (Stage::Three, "stage_3_on"),
    ] {
        if let Some(on) = cells.date(column) {
            stages.push((stage, on, column));
        }
    }
    let stage_reason = cells.parsed("stage_reason", parse_text);
    let referred_on = cells.date("cafcass_referred_on");
    let cafcass_reason = cells.parsed("cafcass_reason", parse_text);
    let formal = cells.parsed("cafcass_formal", yes_no).unwrap_or(false);
    let cafcass = referred_on.map(|on| {
        (
            on,
            cafcass_reason.unwrap_or_else(|| {
                "Referred to CAFCASS (recorded in the service's tracker)".into()
            }),
            formal,
        )
    });
    let outcome = cells.parsed("outcome", parse_text);
    let resolved_on = cells.date("resolved_on");
    let resolved_by = cells.parsed("resolved_by", parse_id);
    let resolution = match (outcome, resolved_on) {
        (Some(outcome), Some(on)) => Some((outcome, on, resolved_by)),
        (Some(_), None) if cells.raw("resolved_on").is_none() => {
            cells.fail(
                "resolved_on",
                "an outcome is given but not the day it was resolved",
            );
            None
        }
        (None, Some(_)) if cells.raw("outcome").is_none() => {
            cells.fail("outcome", "a resolution date is given but no outcome");
            None
        }
        _ => None,
    };
    if action.is_none() && stages.is_empty() && cells.raw("action").is_none() && !cells.failed() {
        cells.fail(
            "action",
            "the row has neither a QAP action nor a stage: nothing to record",
        );
    }
    if cells.failed() {
        return None;
    }
    Some(Entry {
        row: cells.row,
        child: child?,
        iro,
        category: category?,
        summary: summary?,
        raised_on: raised_on?,
        action,
        stages,
        stage_reason,
        cafcass,
        resolution,
    })
}

pub fn run(ctx: &mut Context, args: &ImportArgs) -> anyhow::Result<Status> {
    let file = std::fs::File::open(&args.file)
        .map_err(|e| Problem::Usage(format!("cannot read {}: {e}", args.file.display())))?;
    let sheet = Sheet::read(&args.file.display().to_string(), file, &COLUMNS)?;
    let mut errors: Vec<RowError> = Vec::new();
    let entries = sheet.rows(&mut errors, read_row);

    let progress = super::progress(ctx, entries.len(), "importing");
    let mut store = ctx.open()?;
    let tx = store.write()?;
    let mut setting = super::setting(ctx);
    setting.notify = false;
    let mut imported: Vec<String> = Vec::new();
    let mut warnings = 0usize;
    let mut steps = 0usize;
    for entry in &entries {
        if let Some(bar) = &progress {
            bar.inc(1);
        }
        match import_row(&tx, &setting, entry) {
            Ok((id, taken, warned)) => {
                steps += taken;
                warnings += warned.len();
                if ctx.verbose {
                    for warning in warned {
                        tell(ctx, format_args!("row {}: warning: {warning}", entry.row));
                    }
                }
                imported.push(id);
            }
            Err(e) => errors.push(e),
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if !errors.is_empty() {
        drop(tx);
        let sheet = sheet.name;
        return Err(RowErrors::new(
            errors.into_iter().map(|e| (sheet.clone(), e)).collect(),
            "nothing was imported",
            false,
        )
        .into());
    }
    if args.dry_run {
        drop(tx);
        tell(
            ctx,
            format_args!(
                "{}: all {} row(s) pass ({steps} steps); dry run: nothing was recorded",
                args.file.display(),
                imported.len()
            ),
        );
        return Ok(Status::Done);
    }
    tx.commit()?;
    for id in &imported {
        writeln!(ctx.out, "{id}")?;
    }
    tell(
        ctx,
        format_args!(
            "{}: imported {} matter(s) in {steps} steps",
            args.file.display(),
            imported.len()
        ),
    );
    if warnings > 0 {
        tell(
            ctx,
            format_args!(
                "warning: {warnings} person(s) named by the notification rules could not be told (--verbose lists them)"
            ),
        );
    }
    Ok(Status::Done)
}

/// A step of a row: when, what, and the column its date or cause sits in.
enum Planned<'a> {
    Stage(Stage),
    Cafcass(&'a (NaiveDate, String, bool)),
    Resolve(&'a (String, NaiveDate, Option<String>)),
}

/// Takes a row's steps in date order; gives the matter id, the steps taken and the warnings.
fn import_row(
    tx: &Tx,
    setting: &Setting,
    entry: &Entry,
) -> Result<(String, usize, Vec<String>), RowError> {
    let row = entry.row;
    let fail = |column: &'static str, e: anyhow::Error| RowError::from_error(row, column, &e);
    let child = tx
        .child(&entry.child)
        .map_err(|e| fail("child", e.into()))?
        .ok_or_else(|| RowError {
            row,
            column: "child",
            reason: format!("no child '{}' (see `iro child list`)", entry.child),
            refused: false,
        })?;
    let iro = entry.iro.clone().unwrap_or_else(|| child.iro.clone());
    find_staff(tx, &iro).map_err(|e| fail("iro", e))?;
    crate::policy::check_category(&setting.policy, &entry.category)
        .map_err(|e| fail("category", e.into()))?;
    let mut warnings = Vec::new();
    let mut taken = 0;

    // Opening: the QAP on the day raised, or straight into EPCP/DRP at the first stage.
    let mut stages = entry.stages.clone();
    stages.sort_by_key(|(_, on, _)| *on);
    let (mut matter, rest) = match &entry.action {
        Some((text, owner, due)) => {
            let owner = owner.clone().unwrap_or_else(|| child.social_worker.clone());
            let owner = find_staff(tx, &owner).map_err(|e| fail("action_owner", e))?;
            let asked = Asked::Open {
                child: entry.child.clone(),
                opening: Opening::RaiseQap {
                    concern: concern(entry),
                    actions: vec![NewAction {
                        text: text.clone(),
                        owner,
                        due: Timescale::By(*due),
                    }],
                },
            };
            let taken = step_in(tx, setting, &iro, Some(entry.raised_on), |_| Ok(asked))
                .map_err(|e| fail("raised_on", e))?;
            warnings.extend(taken.warnings);
            (taken.matter, &stages[..])
        }
        None => {
            let (stage, on, column) = stages[0];
            if on != entry.raised_on {
                return Err(RowError {
                    row,
                    column: "raised_on",
                    reason: format!(
                        "a matter without a QAP action is raised when it enters EPCP/DRP: raised_on {} is not {column} {on}",
                        entry.raised_on
                    ),
                    refused: false,
                });
            }
            let asked = Asked::Open {
                child: entry.child.clone(),
                opening: Opening::EnterDrp {
                    concern: concern(entry),
                    stage,
                    reason: entry.stage_reason.clone().filter(|_| stage != Stage::FIRST),
                },
            };
            let taken =
                step_in(tx, setting, &iro, Some(on), |_| Ok(asked)).map_err(|e| fail(column, e))?;
            warnings.extend(taken.warnings);
            (taken.matter, &stages[1..])
        }
    };
    taken += 1;

    // Then every later step, in the order of its date (a referral before a resolution on one day).
    let mut planned: Vec<(NaiveDate, u8, Planned, &'static str)> = rest
        .iter()
        .map(|(stage, on, column)| (*on, 0, Planned::Stage(*stage), *column))
        .collect();
    if let Some(cafcass) = &entry.cafcass {
        planned.push((
            cafcass.0,
            1,
            Planned::Cafcass(cafcass),
            "cafcass_referred_on",
        ));
    }
    if let Some(resolution) = &entry.resolution {
        planned.push((resolution.1, 2, Planned::Resolve(resolution), "resolved_on"));
    }
    planned.sort_by_key(|(on, order, _, _)| (*on, *order));
    for (on, _, step, column) in planned {
        let id = matter.id.clone();
        let (actor, request) = match step {
            Planned::Stage(stage) => {
                let goes_up_by_one = match matter.stage {
                    Some(now) => now.next() == Some(stage),
                    None => stage == Stage::FIRST,
                };
                (
                    iro.clone(),
                    Request::Escalate {
                        stage,
                        reason: entry.stage_reason.clone().filter(|_| !goes_up_by_one),
                    },
                )
            }
            Planned::Cafcass((_, reason, formal)) => (
                iro.clone(),
                Request::ReferCafcass {
                    reason: reason.clone(),
                    formal: *formal,
                },
            ),
            Planned::Resolve((outcome, _, resolved_by)) => {
                if matter.state == MatterState::Qap {
                    (
                        iro.clone(),
                        Request::Resolve {
                            outcome: outcome.clone(),
                            resolved_by: None,
                        },
                    )
                } else {
                    let by = match resolved_by {
                        Some(id) => id.clone(),
                        None => resolving_manager(&child, &setting.policy, matter.stage)
                            .ok_or_else(|| RowError {
                                row,
                                column: "resolved_by",
                                reason: "is empty, and the child's allocation names no manager of the role that resolves this stage".into(),
                                refused: false,
                            })?,
                    };
                    let by = find_staff(tx, &by).map_err(|e| fail("resolved_by", e))?;
                    (
                        child.iro_team_manager.clone(),
                        Request::Resolve {
                            outcome: outcome.clone(),
                            resolved_by: Some(by),
                        },
                    )
                }
            }
        };
        let asked = Asked::On {
            matter: id,
            request,
        };
        let after =
            step_in(tx, setting, &actor, Some(on), |_| Ok(asked)).map_err(|e| fail(column, e))?;
        warnings.extend(after.warnings);
        matter = after.matter;
        taken += 1;
    }
    Ok((matter.id, taken, warnings))
}

fn concern(entry: &Entry) -> Concern {
    Concern {
        category: entry.category.clone(),
        summary: entry.summary.clone(),
    }
}

/// The manager in the child's allocation whose role resolves a matter at this stage, if any.
fn resolving_manager(
    child: &Child,
    policy: &crate::engine::Policy,
    stage: Option<Stage>,
) -> Option<String> {
    match policy.resolving_role(stage?) {
        Role::TeamManager => Some(child.team_manager.clone()),
        Role::ServiceManager => Some(child.service_manager.clone()),
        Role::PracticeSupervisor => child.practice_supervisor.clone(),
        _ => None,
    }
}
