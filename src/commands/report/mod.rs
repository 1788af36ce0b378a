//! `iro report overdue|open|stats|chronology|alert-form`: what the service gets out of the record.
//!
//! The nightly job runs `overdue`; managers read `open` (caseload) and `stats` (the year's figures for
//! the IRO annual report); the child's record and a CAFCASS referral need `chronology`; parties get the
//! `alert-form`. Every report reads one snapshot of the database, takes its "as of" day from
//! `--as-of` or today, and counts working days with the service's calendar.

use chrono::NaiveDate;
use clap::{ArgGroup, Args, Subcommand};
use serde::Serialize;

use super::{find_child, find_matter, service_calendar, Context};
use crate::calendar::Calendar;
use crate::dates::parse_date;
use crate::engine::corrections::{self, Corrected};
use crate::engine::Entry;
use crate::error::{Problem, Status};
use crate::model::{running_deadlines, MatterState, Role, Stage};
use crate::render::{Field, Format, RowWriter, Tabular};
use crate::store::reports::{DueFilter, DueRow, EventRow, Scope};
use crate::store::Tx;

/// Reports: overdue items, open matters, the year's figures, chronologies and alert forms
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  iro report overdue --format csv --fail-if-any\n  iro report chronology --child LCS-104233"
)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    Overdue(OverdueArgs),
    Drift(DriftArgs),
    Open(OpenArgs),
    Stats(StatsArgs),
    Annual(annual::AnnualArgs),
    Chronology(ChronologyArgs),
    AlertForm(AlertFormArgs),
    CafcassPack(super::pack::PackArgs),
    Supervision(super::supervision::SupervisionArgs),
}

/// Open QAP actions past their due date and EPCP/DRP matters past their resolution deadline
#[derive(Debug, Args)]
#[command(
    after_help = "Most overdue first. Exit status 6 with --fail-if-any when a row is overdue.\n\n\
Example (the nightly job):\n  iro report overdue --format csv --fail-if-any > overdue-$(date +%F).csv"
)]
pub struct OverdueArgs {
    /// The day to report as of, the record as it stood at the end of it [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Only what had been recorded by this day: the report as a night's run printed it
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_known_on: Option<NaiveDate>,
    /// Also list what falls due within the next N working days
    #[arg(long, value_name = "N")]
    pub due_within: Option<u32>,
    /// Only matters of children this IRO is allocated to now, or covers for
    #[arg(long, value_name = "ID")]
    pub iro: Option<String>,
    /// Only matters of children in this social work team now
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit with status 6 when anything is overdue (not merely due soon)
    #[arg(long)]
    pub fail_if_any: bool,
    /// CSV: keep text cells exactly as typed, without neutralising spreadsheet formulas
    #[arg(long)]
    pub raw: bool,
}

/// Drift the overdue report does not show: no step for weeks, actions extended again and again, QAPs
/// done but not resolved, long consultations, EPCP/DRP past its deadline with nothing since
#[derive(Debug, Args)]
#[command(
    after_help = "Thresholds from iro.toml: drift_days (20), max_extensions (3), consultation_days (20).\n\
Longest first. Exit status 6 with --fail-if-any when anything is drifting.\n\n\
Examples:\n  iro report drift --iro asmith\n  iro report drift --format csv --fail-if-any > drift-$(date +%F).csv"
)]
pub struct DriftArgs {
    /// The day to report as of, the record as it stood at the end of it [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Only what had been recorded by this day: the report as it was known then
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_known_on: Option<NaiveDate>,
    /// Only matters of children this IRO is allocated to now, or covers for
    #[arg(long, value_name = "ID")]
    pub iro: Option<String>,
    /// Only matters of children in this social work team now
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
    /// Only matters of children whose social work team manager this is
    #[arg(long, value_name = "ID")]
    pub team_manager: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit with status 6 when anything is drifting
    #[arg(long)]
    pub fail_if_any: bool,
    /// CSV: keep text cells exactly as typed, without neutralising spreadsheet formulas
    #[arg(long)]
    pub raw: bool,
}

/// Open matters (QAP, EPCP/DRP, CAFCASS) by state and stage, with age and next deadline
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  iro report open --iro asmith")]
pub struct OpenArgs {
    /// Only matters of children whose IRO team manager this is now
    #[arg(long, value_name = "ID")]
    pub iro_team_manager: Option<String>,
    /// The day ages and deadlines are counted to, the record as it stood at the end of it [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Only what had been recorded by this day
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_known_on: Option<NaiveDate>,
    /// Only matters of children this IRO is allocated to now, or covers for
    #[arg(long, value_name = "ID")]
    pub iro: Option<String>,
    /// Only matters of children in this social work team now
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The figures for a period: in all, by category, team, IRO, IRO team manager and month (for the IRO annual report)
#[derive(Debug, Args)]
#[command(
    after_help = "A step counts in the period its effective date falls in (both ends included).\n\n\
Example:\n  iro report stats --from 2026-04-01 --to 2027-03-31 --format csv"
)]
pub struct StatsArgs {
    /// The first day of the period (included)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: NaiveDate,
    /// The last day of the period (included)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: NaiveDate,
    /// The breakdowns a table shows, in order (CSV and JSON always carry all of them)
    /// [default: category,team,iro]
    #[arg(long, value_enum, value_delimiter = ',', value_name = "BY")]
    pub by: Vec<crate::render::Breakdown>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Every step on a child's record, or one matter's, in effective-date order
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("whose").required(true).args(["matter", "child"])))]
#[command(
    after_help = "Examples:\n  iro report chronology --child LCS-104233\n  iro report chronology Q-2026-0042 --format csv"
)]
pub struct ChronologyArgs {
    /// One matter's chronology
    pub matter: Option<String>,
    /// The child's whole record
    #[arg(long, value_name = "REF")]
    pub child: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// CSV: keep text cells exactly as typed, without neutralising spreadsheet formulas
    #[arg(long)]
    pub raw: bool,
    /// Show the child by reference only, never by name (for sharing outside the service)
    #[arg(long)]
    pub redact: bool,
}

/// The alert form of a matter that entered EPCP/DRP
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  iro report alert-form E-2026-0007 > alert-E-2026-0007.md")]
pub struct AlertFormArgs {
    pub matter: String,
    /// The day the resolution deadline is counted from [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    #[arg(long, value_enum, default_value_t = FormFormat::Markdown)]
    pub format: FormFormat,
    /// Show the child by reference only, never by name (for sharing outside the service)
    #[arg(long)]
    pub redact: bool,
    /// Show an earlier revision of the form (1 is the form as EPCP/DRP was entered) [default: the current one]
    #[arg(long, value_name = "N")]
    pub revision: Option<usize>,
}

/// How an alert form is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormFormat {
    Markdown,
    Json,
}

pub fn run(ctx: &mut Context, args: &ReportArgs) -> anyhow::Result<Status> {
    match &args.command {
        ReportCommand::Overdue(args) => overdue(ctx, args),
        ReportCommand::Drift(args) => drift::drift(ctx, args),
        ReportCommand::Open(args) => open(ctx, args),
        ReportCommand::Stats(args) => stats(ctx, args),
        ReportCommand::Annual(args) => annual::run(ctx, args),
        ReportCommand::Chronology(args) => chronology(ctx, args),
        ReportCommand::AlertForm(args) => alert_form(ctx, args),
        ReportCommand::CafcassPack(args) => super::pack::run(ctx, args),
        ReportCommand::Supervision(args) => super::supervision::run(ctx, args),
    }
}

/// One row of the overdue report.
#[derive(Debug, Serialize)]
pub struct OverdueRow {
    pub matter: String,
    pub child: String,
    pub iro: String,
    pub team: String,
    pub item: &'static str,
    pub action: Option<u32>,
    pub action_text: Option<String>,
    pub owner: Option<String>,
    pub stage: Option<Stage>,
    pub due: NaiveDate,
    /// Working days after the due date; 0 or negative for what is due soon.
    pub working_days_overdue: i64,
    pub overdue: bool,
}

impl Tabular for OverdueRow {
    fn sheet_name() -> &'static str {
        "overdue"
    }
    fn header() -> &'static [&'static str] {
        &[
            "matter",
            "child",
            "iro",
            "team",
            "item",
            "action",
            "action_text",
            "owner",
            "stage",
            "due",
            "working_days_overdue",
            "overdue",
        ]
    }

    fn overdue(&self) -> bool {
        self.overdue
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::text(&self.matter),
            Field::text(&self.child),
            Field::text(&self.iro),
            Field::text(&self.team),
            Field::value(self.item),
            Field::opt(self.action),
            Field::opt_text(self.action_text.as_deref()),
            Field::opt_text(self.owner.as_deref()),
            Field::opt(self.stage),
            Field::value(self.due),
            Field::value(self.working_days_overdue),
            Field::value(self.overdue),
        ]
    }

    fn table_header() -> &'static [&'static str] {
        &[
            "matter",
            "child",
            "IRO",
            "team",
            "item",
            "action",
            "owner",
            "due",
            "working days overdue",
        ]
    }

    fn table_cells(&self) -> Vec<String> {
        let action = match (self.action, &self.action_text) {
            (Some(seq), Some(text)) => format!("{seq}: {text}"),
            _ => self.stage.map(|s| format!("stage {s}")).unwrap_or_default(),
        };
        let days = match self.working_days_overdue {
            n if self.overdue => n.to_string(),
            0 => "due today".to_string(),
            n => format!("due in {}", -n),
        };
        vec![
            self.matter.clone(),
            self.child.clone(),
            self.iro.clone(),
            self.team.clone(),
            self.item.to_string(),
            action,
            self.owner.clone().unwrap_or_default(),
            self.due.to_string(),
            days,
        ]
    }
}

/// What the overdue report covers.
#[derive(Debug, Clone)]
pub struct OverdueQuery {
    pub as_of: NaiveDate,
    /// Also what falls due within this many working days after `as_of`.
    pub due_within: Option<u32>,
    pub filter: DueFilter,
    /// The record as it stood at the end of `as_of` (a day gone), rather than as it stands now; with a
    /// day, as it was known then (recorded by that day).
    pub as_stood: Option<Option<NaiveDate>>,
}

/// Whether a report reads the record as it stood on a day gone (and as known when), rather than as it
/// stands: `--as-of` a day before today, or `--as-known-on`.
pub(crate) fn as_stood(
    as_of: NaiveDate,
    known_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<Option<NaiveDate>> {
    (as_of < today || known_on.is_some()).then_some(known_on)
}

/// Writes the overdue report, row by row as read; gives the rows written and how many were overdue
/// (not merely due soon).
pub fn write_overdue(
    tx: &Tx,
    calendar: &Calendar,
    query: &OverdueQuery,
    format: Format,
    raw: bool,
    colour: bool,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<(usize, usize)> {
    let as_of = query.as_of;
    // Overdue means the as-of day is after the due date; due soon runs to the Nth working day ahead.
    let through = match query.due_within {
        Some(n) => calendar.add_working_days(as_of, n)?,
        None => as_of.pred_opt().unwrap_or(as_of),
    };
    let mut writer = RowWriter::new(format, raw, colour, out)?;
    let mut overdue = 0;
    let mut write = |row: DueRow| -> anyhow::Result<()> {
        let is_overdue = row.due < as_of;
        overdue += usize::from(is_overdue);
        writer.row(&OverdueRow {
            working_days_overdue: calendar.working_days_between(row.due, as_of)?,
            overdue: is_overdue,
            matter: row.matter,
            child: row.child,
            iro: row.iro,
            team: row.team,
            item: row.item.as_str(),
            action: row.action,
            action_text: row.action_text,
            owner: row.owner,
            stage: row.stage,
            due: row.due,
        })
    };
    match query.as_stood {
        Some(known_on) => {
            for row in
                crate::workflow::as_of::due_through(tx, as_of, through, known_on, &query.filter)?
            {
                write(row)?;
            }
        }
        None => tx.due_through(through, &query.filter, write)?,
    }
    let rows = writer.finish()?;
    Ok((rows, overdue))
}

fn overdue(ctx: &mut Context, args: &OverdueArgs) -> anyhow::Result<Status> {
    let as_of = ctx.as_of(args.as_of)?;
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(ctx, &tx)?;
    let query = OverdueQuery {
        as_of,
        due_within: args.due_within,
        filter: ctx.due_filter(args.iro.clone(), args.team.clone(), as_of),
        as_stood: as_stood(as_of, args.as_known_on, ctx.today),
    };
    let (rows, overdue) = write_overdue(
        &tx,
        &calendar,
        &query,
        args.format,
        args.raw,
        ctx.colour,
        &mut *ctx.out,
    )?;
    let soon = match args.due_within {
        Some(n) => format!(", {} due within {n} working day(s)", rows - overdue),
        None => String::new(),
    };
    writeln!(ctx.err, "{overdue} overdue as of {as_of}{soon}")?;
    if args.fail_if_any && overdue > 0 {
        return Ok(Status::Overdue);
    }
    Ok(Status::Done)
}

/// One open matter in the caseload report.
#[derive(Debug, Serialize)]
pub struct OpenRow {
    pub matter: String,
    pub child: String,
    pub state: MatterState,
    pub stage: Option<Stage>,
    pub iro: String,
    pub team: String,
    pub category: String,
    pub raised_on: NaiveDate,
    /// Working days from the day it was raised to the as-of day.
    pub age_working_days: i64,
    pub next_deadline: Option<NaiveDate>,
    /// `qap-action`, `drp-resolution` or `stage-response`: what the next deadline is.
    pub next_deadline_item: Option<&'static str>,
    /// Working days from the as-of day to the next deadline; negative once it has passed.
    pub working_days_to_next_deadline: Option<i64>,
}

impl Tabular for OpenRow {
    fn sheet_name() -> &'static str {
        "open"
    }
    fn header() -> &'static [&'static str] {
        &[
            "matter",
            "child",
            "state",
            "stage",
            "iro",
            "team",
            "category",
            "raised_on",
            "age_working_days",
            "next_deadline",
            "next_deadline_item",
            "working_days_to_next_deadline",
        ]
    }

    fn overdue(&self) -> bool {
        self.working_days_to_next_deadline.is_some_and(|d| d < 0)
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::text(&self.matter),
            Field::text(&self.child),
            Field::value(self.state),
            Field::opt(self.stage),
            Field::text(&self.iro),
            Field::text(&self.team),
            Field::text(&self.category),
            Field::value(self.raised_on),
            Field::value(self.age_working_days),
            Field::opt(self.next_deadline),
            Field::opt(self.next_deadline_item),
            Field::opt(self.working_days_to_next_deadline),
        ]
    }

    fn table_header() -> &'static [&'static str] {
        &[
            "matter",
            "child",
            "state",
            "stage",
            "IRO",
            "team",
            "category",
            "raised",
            "age",
            "next deadline",
        ]
    }

    fn table_cells(&self) -> Vec<String> {
        let next = match (self.next_deadline, self.working_days_to_next_deadline) {
            (Some(date), Some(n)) if n < 0 => format!("{date} ({} overdue)", -n),
            (Some(date), Some(n)) => format!("{date} (in {n})"),
            _ => String::new(),
        };
        vec![
            self.matter.clone(),
            self.child.clone(),
            self.state.to_string(),
            self.stage.map(|s| s.to_string()).unwrap_or_default(),
            self.iro.clone(),
            self.team.clone(),
            self.category.clone(),
            self.raised_on.to_string(),
            self.age_working_days.to_string(),
            next,
        ]
    }
}

/// How many open matters are at one state and stage.
#[derive(Debug, Serialize)]
struct StageTotal {
    state: MatterState,
    stage: Option<Stage>,
    count: usize,
}

fn open(ctx: &mut Context, args: &OpenArgs) -> anyhow::Result<Status> {
    let as_of = ctx.as_of(args.as_of)?;
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(ctx, &tx)?;
    let filter = DueFilter {
        iro_team_manager: args.iro_team_manager.clone(),
        ..ctx.due_filter(args.iro.clone(), args.team.clone(), as_of)
    };
    let mut rows = Vec::new();
    let open = match as_stood(as_of, args.as_known_on, ctx.today) {
        Some(known_on) => crate::workflow::as_of::open_as_of(&tx, as_of, known_on, &filter)?,
        None => tx.open_matters(&filter)?,
    };
    for m in open {
        let next = running_deadlines(m.state, m.drp_deadline, m.stage_response_due, m.next_action)
            .into_iter()
            .next();
        rows.push(OpenRow {
            age_working_days: calendar.working_days_between(m.raised_on, as_of)?,
            next_deadline: next.map(|d| d.due),
            next_deadline_item: next.map(|d| d.item.as_str()),
            working_days_to_next_deadline: next
                .map(|d| calendar.working_days_between(as_of, d.due))
                .transpose()?,
            matter: m.id,
            child: m.child,
            state: m.state,
            stage: m.stage,
            iro: m.iro,
            team: m.team,
            category: m.category,
            raised_on: m.raised_on,
        });
    }
    let totals: Vec<StageTotal> = [
        (MatterState::Consultation, None),
        (MatterState::Qap, None),
        (MatterState::Drp, Some(Stage::One)),
        (MatterState::Drp, Some(Stage::Two)),
        (MatterState::Drp, Some(Stage::Three)),
        (MatterState::Cafcass, None),
    ]
    .into_iter()
    .map(|(state, stage)| StageTotal {
        state,
        // A matter waiting on CAFCASS keeps the stage it was at, but is counted as one group.
        count: rows
            .iter()
            .filter(|r| r.state == state && (stage.is_none() || r.stage == stage))
            .count(),
        stage,
    })
    .collect();
    match args.format {
        Format::Json => {
            #[derive(Serialize)]
            struct OpenReport<'a> {
                as_of: NaiveDate,
                matters: &'a [OpenRow],
                totals: &'a [StageTotal],
                total: usize,
            }
            let report = OpenReport {
                as_of,
                matters: &rows,
                totals: &totals,
                total: rows.len(),
            };
            serde_json::to_writer_pretty(&mut *ctx.out, &report).map_err(std::io::Error::from)?;
            writeln!(ctx.out)?;
        }
        Format::Csv | Format::Xlsx => {
            let mut writer = RowWriter::new(args.format, false, false, &mut *ctx.out)?;
            for row in &rows {
                writer.row(row)?;
            }
            writer.finish()?;
        }
        Format::Table => {
            writeln!(
                ctx.out,
                "Open matters as of {as_of} (age and deadlines in working days)"
            )?;
            let mut writer = RowWriter::new(Format::Table, false, ctx.colour, &mut *ctx.out)?;
            for row in &rows {
                writer.row(row)?;
            }
            writer.finish()?;
            let line: Vec<String> = totals
                .iter()
                .map(|t| match t.stage {
                    Some(stage) => format!("{} stage {stage}: {}", t.state, t.count),
                    None => format!("{}: {}", t.state, t.count),
                })
                .collect();
            writeln!(ctx.out, "{}; total {}", line.join(", "), rows.len())?;
        }
    }
    Ok(Status::Done)
}

/// One step on the record, as the chronology prints it.
#[derive(Debug, Serialize)]
pub struct ChronologyRow {
    pub id: i64,
    pub effective_on: NaiveDate,
    pub matter: Option<String>,
    pub child: Option<String>,
    pub actor: String,
    pub actor_name: Option<String>,
    pub actor_role: Option<Role>,
    pub kind: String,
    /// What the step was, with its text as amended.
    pub what: String,
    pub recorded_at: String,
    /// The login that entered the step (null for steps from before it was recorded).
    pub entered_by: Option<String>,
    /// The void that voided it as entered in error, and why (rule 15).
    pub voided_by: Option<i64>,
    pub void_reason: Option<String>,
    /// The amendment that corrected its text, why, and what it first said.
    pub amended_by: Option<i64>,
    pub amend_reason: Option<String>,
    pub first_recorded_as: Option<String>,
    /// For an imported step: the file, its digest and the row it came from.
    pub imported_from: Option<String>,
}

impl ChronologyRow {
    pub fn from_event(row: EventRow, corrected: &Corrected) -> anyhow::Result<ChronologyRow> {
        let shown = match row.event()? {
            Entry::Step(event) => corrected.show(row.id, &event),
            other => corrections::Shown {
                what: other.describe(),
                voided: None,
                amended: None,
            },
        };
        let (voided_by, void_reason) = shown.voided.clone().unzip();
        let (amended_by, amend_reason, first_recorded_as) = match shown.amended.clone() {
            Some((by, reason, first)) => (Some(by), Some(reason), Some(first)),
            None => (None, None, None),
        };
        let imported_from = row.source.as_deref().map(imported_from);
        Ok(ChronologyRow {
            imported_from,
            id: row.id,
            effective_on: row.effective_on,
            matter: row.matter,
            child: row.child,
            actor: row.actor,
            actor_name: row.actor_name,
            actor_role: row.actor_role,
            kind: row.kind,
            what: shown.what,
            recorded_at: row.recorded_at,
            entered_by: row.entered_by,
            voided_by,
            void_reason,
            amended_by,
            amend_reason,
            first_recorded_as,
        })
    }
}

impl Tabular for ChronologyRow {
    fn sheet_name() -> &'static str {
        "chronology"
    }
    fn header() -> &'static [&'static str] {
        &[
            "id",
            "effective_on",
            "matter",
            "child",
            "actor",
            "actor_name",
            "actor_role",
            "kind",
            "what",
            "recorded_at",
            "entered_by",
            "voided_by",
            "void_reason",
            "amended_by",
            "amend_reason",
            "first_recorded_as",
            "imported_from",
        ]
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::value(self.id),
            Field::value(self.effective_on),
            Field::opt_text(self.matter.as_deref()),
            Field::opt_text(self.child.as_deref()),
            Field::text(&self.actor),
            Field::opt_text(self.actor_name.as_deref()),
            Field::opt(self.actor_role),
            Field::text(&self.kind),
            Field::text(&self.what),
            Field::value(&self.recorded_at),
            Field::opt_text(self.entered_by.as_deref()),
            Field::opt(self.voided_by),
            Field::opt_text(self.void_reason.as_deref()),
            Field::opt(self.amended_by),
            Field::opt_text(self.amend_reason.as_deref()),
            Field::opt_text(self.first_recorded_as.as_deref()),
            Field::opt_text(self.imported_from.as_deref()),
        ]
    }

    fn table_header() -> &'static [&'static str] {
        &[
            "event",
            "date",
            "matter",
            "who",
            "what",
            "recorded",
            "entered by",
        ]
    }

    fn table_cells(&self) -> Vec<String> {
        let who = match (&self.actor_name, self.actor_role) {
            (Some(name), Some(role)) => format!("{name} ({role})"),
            _ => self.actor.clone(),
        };
        let what = match (&self.voided_by, &self.amended_by) {
            // Struck through, as a voided step is on paper: still there, no longer counting.
            (Some(by), _) => format!(
                "VOIDED by event {by} ({}): {}",
                self.void_reason.as_deref().unwrap_or_default(),
                struck(&self.what)
            ),
            (None, Some(by)) => format!(
                "{} [amended by event {by}: {}; first recorded as: {}]",
                self.what,
                self.amend_reason.as_deref().unwrap_or_default(),
                self.first_recorded_as.as_deref().unwrap_or_default()
            ),
            (None, None) => self.what.clone(),
        };
        vec![
            self.id.to_string(),
            self.effective_on.to_string(),
            self.matter.clone().unwrap_or_default(),
            who,
            what,
            self.recorded_at.clone(),
            match (&self.entered_by, &self.imported_from) {
                (Some(by), Some(from)) => format!("{by}, imported from {from}"),
                (by, _) => by.clone().unwrap_or_default(),
            },
        ]
    }
}

/// Where an imported step came from, in words: `tracker.csv row 4 (sha256 1f2e3d4c5b6a)`.
pub fn imported_from(source: &str) -> String {
    let source: serde_json::Value = serde_json::from_str(source).unwrap_or_default();
    let digest = source["digest"].as_str().unwrap_or_default();
    format!(
        "{} row {} (sha256 {})",
        source["file"].as_str().unwrap_or("a file"),
        source["row"],
        digest.get(..12).unwrap_or(digest)
    )
}

/// Text struck through by a combining stroke after each character, which any terminal shows.
fn struck(text: &str) -> String {
    text.chars().flat_map(|c| [c, '\u{336}']).collect()
}

/// The child in a title: the reference and name, or the reference alone when redacted.
fn named_child(child: &crate::model::Child, redact: bool) -> String {
    if redact {
        child.reference.clone()
    } else {
        format!("{} {}", child.reference, child.name)
    }
}

/// The child as a report shows them: by reference only when redacted.
fn shown(mut child: crate::model::Child, redact: bool) -> crate::model::Child {
    if redact {
        child.name = child.reference.clone();
    }
    child
}

fn chronology(ctx: &mut Context, args: &ChronologyArgs) -> anyhow::Result<Status> {
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let matter_id: String;
    let (scope, title) = match (&args.child, &args.matter) {
        (Some(reference), _) => {
            let child = shown(find_child(&tx, reference)?, args.redact);
            (
                Scope::Child(reference),
                format!("Chronology of {}", named_child(&child, args.redact)),
            )
        }
        (None, Some(id)) => {
            let matter = find_matter(&tx, id)?;
            let child = shown(find_child(&tx, &matter.child)?, args.redact);
            let title = format!(
                "Chronology of matter {} ({}) for {}",
                matter.id,
                matter.category,
                named_child(&child, args.redact)
            );
            // The id as stored, whatever case it was typed in.
            matter_id = matter.id;
            (Scope::Matter(&matter_id), title)
        }
        (None, None) => return Err(Problem::Usage("give a MATTER or --child REF".into()).into()),
    };
    if args.format == Format::Table {
        writeln!(ctx.out, "{title}")?;
    }
    // A void or amendment names its step by id, on the same matter: the record's corrections mark
    // the rows as they stream.
    let corrected = tx.corrected()?;
    let mut writer = RowWriter::new(args.format, args.raw, ctx.colour, &mut *ctx.out)?;
    tx.chronology(scope, |row| -> anyhow::Result<()> {
        writer.row(&ChronologyRow::from_event(row, &corrected)?)
    })?;
    let steps = writer.finish()?;
    if args.format == Format::Table {
        writeln!(ctx.out, "{steps} step(s)")?;
    }
    Ok(Status::Done)
}

mod alert_form;
pub mod annual;
mod drift;
mod stats;

use alert_form::alert_form;
use stats::stats;
