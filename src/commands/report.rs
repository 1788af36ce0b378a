//! `iro report overdue|open|stats|chronology|alert-form`: what the service gets out of the record.
//!
//! The nightly job runs `overdue`; managers read `open` (caseload) and `stats` (the year's figures for
//! the IRO annual report); the child's record and a CAFCASS referral need `chronology`; parties get the
//! `alert-form`. Every report reads one snapshot of the database, takes its "as of" day from
//! `--as-of` or today, and counts working days with the service's calendar.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use clap::{ArgGroup, Args, Subcommand};
use serde::Serialize;

use super::{find_child, find_matter, service_calendar, Context};
use crate::calendar::Calendar;
use crate::dates::parse_date;
use crate::engine::{evolve, Event, Step};
use crate::error::{Problem, Status};
use crate::model::{CafcassDecision, Matter, MatterState, ReferralKind, Role, Staff, Stage};
use crate::render::{self, Field, Figures, Format, RowWriter, Tabular};
use crate::store::reports::{DueFilter, DueItem, DueRow, EventRow, Scope, StepFact, StepKind};
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
    Open(OpenArgs),
    Stats(StatsArgs),
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
    /// The day to report as of [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Also list what falls due within the next N working days
    #[arg(long, value_name = "N")]
    pub due_within: Option<u32>,
    /// Only matters of this IRO
    #[arg(long, value_name = "ID")]
    pub iro: Option<String>,
    /// Only matters of this social work team
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

/// Open matters (QAP, EPCP/DRP, CAFCASS) by state and stage, with age and next deadline
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  iro report open --iro asmith")]
pub struct OpenArgs {
    /// The day ages and deadlines are counted to [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Only matters of this IRO
    #[arg(long, value_name = "ID")]
    pub iro: Option<String>,
    /// Only matters of this social work team
    #[arg(long, value_name = "TEAM")]
    pub team: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// The figures for a period, in all, by category and by team (for the IRO annual report)
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
        ReportCommand::Open(args) => open(ctx, args),
        ReportCommand::Stats(args) => stats(ctx, args),
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
}

/// Writes the overdue report, row by row as read; gives the rows written and how many were overdue
/// (not merely due soon).
pub fn write_overdue(
    tx: &Tx,
    calendar: &Calendar,
    query: &OverdueQuery,
    format: Format,
    raw: bool,
    out: &mut dyn std::io::Write,
) -> anyhow::Result<(usize, usize)> {
    let as_of = query.as_of;
    // Overdue means the as-of day is after the due date; due soon runs to the Nth working day ahead.
    let through = match query.due_within {
        Some(n) => calendar.add_working_days(as_of, n)?,
        None => as_of.pred_opt().unwrap_or(as_of),
    };
    let mut writer = RowWriter::new(format, raw, out)?;
    let mut overdue = 0;
    tx.due_through(
        through,
        &query.filter,
        |row: DueRow| -> anyhow::Result<()> {
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
        },
    )?;
    let rows = writer.finish()?;
    Ok((rows, overdue))
}

fn overdue(ctx: &mut Context, args: &OverdueArgs) -> anyhow::Result<Status> {
    let as_of = args.as_of.unwrap_or(ctx.today);
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(&tx)?;
    let query = OverdueQuery {
        as_of,
        due_within: args.due_within,
        filter: DueFilter {
            iro: args.iro.clone(),
            team: args.team.clone(),
        },
    };
    let (rows, overdue) =
        write_overdue(&tx, &calendar, &query, args.format, args.raw, &mut *ctx.out)?;
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
    /// `qap-action` or `drp-resolution`: what the next deadline is.
    pub next_deadline_item: Option<&'static str>,
    /// Working days from the as-of day to the next deadline; negative once it has passed.
    pub working_days_to_next_deadline: Option<i64>,
}

impl Tabular for OpenRow {
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
    let as_of = args.as_of.unwrap_or(ctx.today);
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(&tx)?;
    let filter = DueFilter {
        iro: args.iro.clone(),
        team: args.team.clone(),
    };
    let mut rows = Vec::new();
    for m in tx.open_matters(&filter)? {
        let running = m.state == MatterState::Drp;
        // The earliest deadline still running; on a tie the resolution deadline names it.
        let next = [
            m.drp_deadline
                .filter(|_| running)
                .map(|d| (d, DueItem::DrpResolution)),
            m.stage_response_due
                .filter(|_| running)
                .map(|d| (d, DueItem::StageResponse)),
            m.next_action_due.map(|d| (d, DueItem::QapAction)),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(d, _)| *d);
        rows.push(OpenRow {
            age_working_days: calendar.working_days_between(m.raised_on, as_of)?,
            next_deadline: next.map(|(d, _)| d),
            next_deadline_item: next.map(|(_, item)| item.as_str()),
            working_days_to_next_deadline: next
                .map(|(d, _)| calendar.working_days_between(as_of, d))
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
        Format::Csv => {
            let mut writer = RowWriter::new(Format::Csv, false, &mut *ctx.out)?;
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
            let mut writer = RowWriter::new(Format::Table, false, &mut *ctx.out)?;
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

/// Adds up the figures of a period from its facts; each fact counts in exactly one category and one team,
/// so the breakdowns always sum to the totals.
pub fn tally(
    steps: &[StepFact],
    referrals: &[crate::store::reports::ReferralFact],
    from: NaiveDate,
    to: NaiveDate,
    calendar: &Calendar,
) -> anyhow::Result<render::Stats> {
    #[derive(Default)]
    struct Group {
        figures: Figures,
        days_to_resolution: Vec<i64>,
    }
    let mut totals = Group::default();
    let mut by_category: BTreeMap<String, Group> = BTreeMap::new();
    let mut by_team: BTreeMap<String, Group> = BTreeMap::new();
    let mut count = |category: &str, team: &str, add: &dyn Fn(&mut Group)| {
        add(&mut totals);
        add(by_category.entry(category.to_string()).or_default());
        add(by_team.entry(team.to_string()).or_default());
    };
    for fact in steps {
        match fact.kind {
            StepKind::ConsultationOpened => count(&fact.category, &fact.team, &|g| {
                g.figures.consultation.opened += 1
            }),
            StepKind::QapRaised => count(&fact.category, &fact.team, &|g| {
                g.figures.qap.raised += 1;
                if fact.from_consultation {
                    g.figures.consultation.to_qap += 1;
                }
            }),
            StepKind::DrpEntered => count(&fact.category, &fact.team, &|g| {
                g.figures.drp.entered.count(fact.entry_stage);
                if fact.from_qap {
                    g.figures.qap.escalated += 1;
                }
                if fact.from_consultation {
                    g.figures.consultation.to_drp += 1;
                }
            }),
            StepKind::Resolved => match (fact.drp_entered_on, fact.drp_deadline) {
                // Entry to EPCP/DRP and raising a QAP are never undone: a matter with neither was
                // settled at consultation, one with a QAP but no EPCP/DRP was resolved as a QAP.
                (None, _) if fact.qap_raised => {
                    count(&fact.category, &fact.team, &|g| g.figures.qap.resolved += 1)
                }
                (None, _) => count(&fact.category, &fact.team, &|g| {
                    g.figures.consultation.settled += 1
                }),
                (Some(entered), deadline) => {
                    let days = calendar.working_days_between(entered, fact.on)?;
                    let in_time = deadline.is_some_and(|d| fact.on <= d);
                    count(&fact.category, &fact.team, &|g| {
                        g.figures.drp.resolved.count(fact.stage);
                        g.figures.drp.resolved_within_timescale += u32::from(in_time);
                        g.days_to_resolution.push(days);
                    });
                }
            },
        }
    }
    let in_period = |day: NaiveDate| from <= day && day <= to;
    for r in referrals {
        if in_period(r.referred_on) {
            count(&r.category, &r.team, &|g| match r.kind {
                ReferralKind::Concurrent => g.figures.cafcass.referrals.concurrent += 1,
                ReferralKind::Formal => g.figures.cafcass.referrals.formal += 1,
            });
        }
        if let (Some(decision), Some(on)) = (r.decision, r.decided_on) {
            if in_period(on) {
                count(&r.category, &r.team, &|g| match decision {
                    CafcassDecision::CriteriaMet => g.figures.cafcass.decisions.criteria_met += 1,
                    CafcassDecision::CriteriaNotMet => {
                        g.figures.cafcass.decisions.criteria_not_met += 1
                    }
                });
            }
        }
    }
    let finish = |mut g: Group| -> Figures {
        let drp = &mut g.figures.drp;
        if drp.resolved.total > 0 {
            let percent =
                f64::from(drp.resolved_within_timescale) * 100.0 / f64::from(drp.resolved.total);
            drp.resolved_within_timescale_percent = Some((percent * 10.0).round() / 10.0);
        }
        drp.working_days_to_resolution = spread(&mut g.days_to_resolution);
        g.figures
    };
    Ok(render::Stats {
        from,
        to,
        totals: finish(totals),
        by_category: by_category
            .into_iter()
            .map(|(k, g)| (k, finish(g)))
            .collect(),
        by_team: by_team.into_iter().map(|(k, g)| (k, finish(g))).collect(),
    })
}

/// The median and nearest-rank 90th percentile of working-day counts.
fn spread(days: &mut [i64]) -> render::Spread {
    if days.is_empty() {
        return render::Spread::default();
    }
    days.sort_unstable();
    let n = days.len();
    let median = if n % 2 == 1 {
        days[n / 2] as f64
    } else {
        (days[n / 2 - 1] + days[n / 2]) as f64 / 2.0
    };
    // Nearest rank: the ceil(0.9 n)-th value, counting from 1.
    let rank = (9 * n).div_ceil(10);
    render::Spread {
        median: Some(median),
        p90: Some(days[rank - 1]),
    }
}

fn stats(ctx: &mut Context, args: &StatsArgs) -> anyhow::Result<Status> {
    if args.from > args.to {
        return Err(Problem::Usage(format!(
            "--from {} is after --to {}: the period runs from the first day to the last",
            args.from, args.to
        ))
        .into());
    }
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(&tx)?;
    let steps = tx.step_facts(args.from, args.to)?;
    let referrals = tx.referral_facts(args.from, args.to)?;
    let stats = tally(&steps, &referrals, args.from, args.to, &calendar)?;
    render::stats(&stats, args.format, ctx.out)?;
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
    pub what: String,
    pub recorded_at: String,
}

impl ChronologyRow {
    pub fn from_event(row: EventRow) -> anyhow::Result<ChronologyRow> {
        let what = row.event()?.describe();
        Ok(ChronologyRow {
            id: row.id,
            effective_on: row.effective_on,
            matter: row.matter,
            child: row.child,
            actor: row.actor,
            actor_name: row.actor_name,
            actor_role: row.actor_role,
            kind: row.kind,
            what,
            recorded_at: row.recorded_at,
        })
    }
}

impl Tabular for ChronologyRow {
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
        ]
    }

    fn table_header() -> &'static [&'static str] {
        &["date", "matter", "who", "what", "recorded"]
    }

    fn table_cells(&self) -> Vec<String> {
        let who = match (&self.actor_name, self.actor_role) {
            (Some(name), Some(role)) => format!("{name} ({role})"),
            _ => self.actor.clone(),
        };
        vec![
            self.effective_on.to_string(),
            self.matter.clone().unwrap_or_default(),
            who,
            self.what.clone(),
            self.recorded_at.clone(),
        ]
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
                format!("Chronology of {} {}", child.reference, child.name),
            )
        }
        (None, Some(id)) => {
            let matter = find_matter(&tx, id)?;
            let child = shown(find_child(&tx, &matter.child)?, args.redact);
            let title = format!(
                "Chronology of matter {} ({}) for {} {}",
                matter.id, matter.category, child.reference, child.name
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
    let mut writer = RowWriter::new(args.format, args.raw, &mut *ctx.out)?;
    tx.chronology(scope, |row| -> anyhow::Result<()> {
        writer.row(&ChronologyRow::from_event(row)?)
    })?;
    let steps = writer.finish()?;
    if args.format == Format::Table {
        writeln!(ctx.out, "{steps} step(s)")?;
    }
    Ok(Status::Done)
}

fn alert_form(ctx: &mut Context, args: &AlertFormArgs) -> anyhow::Result<Status> {
    let as_of = args.as_of.unwrap_or(ctx.today);
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let m = find_matter(&tx, &args.matter)?;
    let form = build_alert_form(&tx, &m, args.revision, as_of, args.redact)?;
    render::alert_form(&form, args.format == FormFormat::Markdown, ctx.out)?;
    Ok(Status::Done)
}

/// The alert form of a matter at one numbered revision (the current one when `revision` is `None`).
///
/// Every change to the form (entry to EPCP/DRP, a new stage, new or revised actions and timescales, a
/// formal meeting) is a revision. A revision is the matter's events folded up to that change, so any
/// earlier form can be shown exactly as it stood, with what changed since the one before.
pub fn build_alert_form(
    tx: &Tx,
    current: &Matter,
    revision: Option<usize>,
    as_of: NaiveDate,
    redact: bool,
) -> anyhow::Result<render::AlertForm> {
    let log = tx.matter_events(&current.id)?;
    // The form is created on entry to EPCP/DRP; changes to a QAP before it are not revisions of it.
    let created = log
        .iter()
        .position(|e| matches!(e.event, Event::DrpEntered { .. }))
        .unwrap_or(log.len());
    let points: Vec<usize> = (created..log.len())
        .filter(|&i| log[i].event.revises_alert_form())
        .collect();
    if points.is_empty() {
        return Err(Problem::Usage(format!(
            "matter {} never entered EPCP/DRP (it is {}): an alert form is created when it does",
            current.id,
            match current.state {
                MatterState::Consultation => "in pre-review consultation",
                MatterState::Qap => "in QAP",
                _ => "a resolved QAP",
            }
        ))
        .into());
    }
    let revisions = points.len();
    let number = revision.unwrap_or(revisions);
    if number == 0 || number > revisions {
        return Err(Problem::Usage(format!(
            "matter {} has alert form revisions 1 to {revisions}; there is no revision {number}",
            current.id
        ))
        .into());
    }
    // The current form shows the matter as it stands; an earlier one, as it stood at that change.
    let end = if revision.is_none() {
        log.len() - 1
    } else {
        points[number - 1]
    };
    let since = if number > 1 {
        points[number - 2] + 1
    } else {
        0
    };
    let changes: Vec<String> = log[since..=end]
        .iter()
        .map(|e| format!("{}: {}", e.effective_on, e.event.describe()))
        .collect();
    let mut state: Option<Matter> = None;
    for e in &log[..=end] {
        let step = Step {
            actor: e.actor.clone(),
            on: e.effective_on,
            event: e.event.clone(),
        };
        state = Some(evolve(state, &current.id, &step)?);
    }
    let m = state.unwrap_or_else(|| current.clone());
    let (Some(entered), Some(deadline)) = (m.drp_entered_on, m.drp_deadline) else {
        unreachable!("every revision follows entry to EPCP/DRP");
    };
    let calendar = service_calendar(tx)?;
    let child = find_child(tx, &m.child)?;
    let person = |id: &str| -> anyhow::Result<render::Person> {
        Ok(match tx.staff(id)? {
            Some(staff) => render::Person::from(&staff),
            // The directory keeps everyone a record names; an id alone is still the record.
            None => render::Person {
                id: id.to_string(),
                name: id.to_string(),
                role: None,
                email: None,
            },
        })
    };
    let people = |staff: &[Staff]| staff.iter().map(render::Person::from).collect::<Vec<_>>();
    let seniors = people(&tx.staff_in_role(Role::SeniorIroManager)?);
    let directors = people(&tx.staff_in_role(Role::AssistantDirector)?);
    let team_manager = person(&child.team_manager)?;
    let service_manager = person(&child.service_manager)?;
    let iro_team_manager = person(&child.iro_team_manager)?;
    let mut notified = Vec::new();
    for s in &m.stages {
        // Design rule 10, from the child's allocation now and the staff directory.
        let (to, copy) = match s.stage {
            Stage::One => (
                vec![team_manager.clone()],
                [vec![iro_team_manager.clone()], seniors.clone()].concat(),
            ),
            Stage::Two => (
                vec![service_manager.clone(), team_manager.clone()],
                [vec![iro_team_manager.clone()], seniors.clone()].concat(),
            ),
            Stage::Three => (
                directors.clone(),
                [
                    vec![service_manager.clone()],
                    seniors.clone(),
                    vec![team_manager.clone(), iro_team_manager.clone()],
                ]
                .concat(),
            ),
        };
        notified.push(render::Notice {
            stage: s.stage,
            entered_on: s.entered_on,
            to,
            copy,
        });
    }
    // Each action's due dates as the events set them, up to this revision.
    let mut history: Vec<(u32, render::DueSet)> = Vec::new();
    for e in &log[..=end] {
        match &e.event {
            Event::QapRaised { actions, .. } | Event::MeetingHeld { actions, .. } => {
                for a in actions {
                    history.push((
                        a.seq,
                        render::DueSet {
                            due: a.due,
                            set_on: e.effective_on,
                            agreed_by: None,
                            reason: None,
                        },
                    ));
                }
            }
            Event::ActionExtended {
                seq,
                to,
                agreed_by,
                reason,
                ..
            } => history.push((
                *seq,
                render::DueSet {
                    due: *to,
                    set_on: e.effective_on,
                    agreed_by: Some(person(agreed_by)?),
                    reason: Some(reason.clone()),
                },
            )),
            _ => {}
        }
    }
    let mut actions = Vec::new();
    for a in &m.actions {
        actions.push(render::FormAction {
            seq: a.seq,
            text: a.text.clone(),
            owner: person(&a.owner)?,
            due: a.due,
            status: a.status,
            completed_on: a.completed_on,
            due_history: history
                .iter()
                .filter(|(seq, _)| *seq == a.seq)
                .map(|(_, set)| set.clone())
                .collect(),
        });
    }
    let resolution = match (m.resolved_on, &m.outcome) {
        (Some(on), Some(outcome)) => Some(render::Resolution {
            on,
            by: m.resolved_by.as_deref().map(person).transpose()?,
            outcome: outcome.clone(),
        }),
        _ => None,
    };
    Ok(render::AlertForm {
        matter: m.id.clone(),
        revision: number,
        revisions,
        changes,
        as_of,
        state: m.state,
        child: render::FormChild {
            reference: child.reference.clone(),
            name: if redact {
                child.reference.clone()
            } else {
                child.name.clone()
            },
        },
        team: m.team.clone(),
        iro: person(&m.iro)?,
        concern: render::Concern {
            category: m.category.clone(),
            summary: m.summary.clone(),
            raised_on: m.raised_on,
            raised_by: person(&m.raised_by)?,
        },
        stage: m.stage,
        stages: m.stages.clone(),
        drp_entered_on: entered,
        resolution_deadline: render::Deadline {
            date: deadline,
            working_days_from_as_of: calendar.working_days_between(as_of, deadline)?,
            overdue: m.state == MatterState::Drp && as_of > deadline,
        },
        actions,
        notified,
        cafcass_referrals: m.referrals.clone(),
        resolution,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::reports::ReferralFact;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("a date")
    }

    #[test]
    fn spread_is_the_median_and_the_nearest_rank_90th_percentile() {
        let spread_of = |mut days: Vec<i64>| {
            let s = spread(&mut days);
            (s.median, s.p90)
        };
        assert_eq!(spread_of(vec![]), (None, None));
        assert_eq!(spread_of(vec![7]), (Some(7.0), Some(7)));
        assert_eq!(spread_of((1..=10).rev().collect()), (Some(5.5), Some(9)));
        assert_eq!(spread_of((1..=11).collect()), (Some(6.0), Some(10)));
    }

    #[test]
    fn a_drp_resolution_counts_at_its_stage_and_against_its_deadline() {
        let resolved = |matter: &str, team: &str, stage, entered, deadline, on| StepFact {
            kind: StepKind::Resolved,
            on: day(on),
            matter: matter.into(),
            category: "contact".into(),
            team: team.into(),
            entry_stage: None,
            from_qap: false,
            from_consultation: false,
            qap_raised: false,
            drp_entered_on: Some(day(entered)),
            drp_deadline: Some(day(deadline)),
            stage: Some(stage),
        };
        let steps = [
            resolved(
                "E-1",
                "North",
                Stage::One,
                "2026-11-02",
                "2026-11-30",
                "2026-11-20",
            ),
            resolved(
                "E-2",
                "South",
                Stage::Two,
                "2026-10-01",
                "2026-10-29",
                "2026-11-05",
            ),
        ];
        let referral = ReferralFact {
            matter: "E-2".into(),
            category: "contact".into(),
            team: "South".into(),
            kind: ReferralKind::Concurrent,
            referred_on: day("2026-09-30"),
            decision: Some(CafcassDecision::CriteriaMet),
            decided_on: day("2026-11-02").into(),
        };
        let calendar = Calendar::england_and_wales();
        let stats = tally(
            &steps,
            &[referral],
            day("2026-11-01"),
            day("2026-11-30"),
            &calendar,
        )
        .expect("figures");
        let drp = &stats.totals.drp;
        assert_eq!(
            (
                drp.resolved.total,
                drp.resolved.stage_1,
                drp.resolved.stage_2
            ),
            (2, 1, 1)
        );
        assert_eq!(drp.resolved_within_timescale, 1);
        assert_eq!(drp.resolved_within_timescale_percent, Some(50.0));
        assert_eq!(drp.working_days_to_resolution.median, Some(19.5));
        // Referred before the period, decided within it: only the decision counts.
        assert_eq!(stats.totals.cafcass.referrals.concurrent, 0);
        assert_eq!(stats.totals.cafcass.decisions.criteria_met, 1);
        assert_eq!(stats.by_team["South"].cafcass.decisions.criteria_met, 1);
        assert_eq!(
            stats.by_team["North"].drp.resolved_within_timescale_percent,
            Some(100.0)
        );
    }
}
