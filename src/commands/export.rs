//! `iro export matters|actions|events`: the full record for spreadsheets and other systems.
//!
//! Rows are streamed from the database to the writer as they are read. CSV text cells are neutralised
//! for spreadsheets unless `--raw` (for systems that want the text exactly as typed).

use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use serde::Serialize;

use super::Context;
use crate::dates::parse_date;
use crate::error::Status;
use crate::model::Role;
use crate::render::{Field, Format, RowWriter, Tabular};
use crate::store::reports::{ActionRow, EventRow, MatterRow, Period};

/// Export matters, actions or events as CSV or JSON
#[derive(Debug, Args)]
#[command(
    after_help = "--from and --to (both included) filter matters and actions on the day the matter was raised,\n\
events on the day each step took effect.\n\n\
Example:\n  iro export events --from 2026-04-01 --to 2027-03-31 --format csv > events.csv"
)]
pub struct ExportArgs {
    /// What to export
    #[arg(value_enum)]
    pub what: ExportKind,
    /// The first day (included) [default: the beginning of the record]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// The last day (included) [default: the end of the record]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    /// CSV or xlsx for spreadsheets, JSON for other systems (fields in docs/json.md)
    #[arg(long, value_enum)]
    pub format: DataFormat,
    /// CSV: keep text cells exactly as typed, without neutralising spreadsheet formulas
    #[arg(long)]
    pub raw: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportKind {
    Matters,
    Actions,
    Events,
}

/// The formats an export is written in: for machines and spreadsheets, not terminals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    Csv,
    Json,
    /// A spreadsheet workbook: `> events.xlsx`.
    Xlsx,
}

pub fn run(ctx: &mut Context, args: &ExportArgs) -> anyhow::Result<Status> {
    if let (Some(from), Some(to)) = (args.from, args.to) {
        super::period(from, to)?;
    }
    let period = Period {
        from: args.from,
        to: args.to,
    };
    let format = match args.format {
        DataFormat::Csv => Format::Csv,
        DataFormat::Json => Format::Json,
        DataFormat::Xlsx => Format::Xlsx,
    };
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let out = &mut *ctx.out;
    let rows = match args.what {
        ExportKind::Matters => {
            let mut writer = RowWriter::new(format, args.raw, false, out)?;
            tx.export_matters(period, |row| -> anyhow::Result<()> { writer.row(&row) })?;
            writer.finish()?
        }
        ExportKind::Actions => {
            let mut writer = RowWriter::new(format, args.raw, false, out)?;
            tx.export_actions(period, |row| -> anyhow::Result<()> { writer.row(&row) })?;
            writer.finish()?
        }
        ExportKind::Events => {
            let mut writer = RowWriter::new(format, args.raw, false, out)?;
            tx.export_events(period, |row| -> anyhow::Result<()> {
                writer.row(&ExportedEvent::try_from(row)?)
            })?;
            writer.finish()?
        }
    };
    writeln!(
        ctx.err,
        "{rows} {} exported",
        args.what
            .to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    )?;
    Ok(Status::Done)
}

/// A matter as exported: every column of its record.
impl Tabular for MatterRow {
    fn sheet_name() -> &'static str {
        "matters"
    }
    fn header() -> &'static [&'static str] {
        &[
            "id",
            "child",
            "iro",
            "team",
            "category",
            "summary",
            "state",
            "stage",
            "raised_on",
            "raised_by",
            "challenge_deadline",
            "challenged_on",
            "drp_entered_on",
            "drp_deadline",
            "resolved_on",
            "resolved_by",
            "outcome",
            "last_step_on",
        ]
    }

    fn fields(&self) -> Vec<Field> {
        let m = self;
        vec![
            Field::text(&m.id),
            Field::text(&m.child),
            Field::text(&m.iro),
            Field::text(&m.team),
            Field::text(&m.category),
            Field::text(&m.summary),
            Field::value(m.state),
            Field::opt(m.stage),
            Field::value(m.raised_on),
            Field::text(&m.raised_by),
            Field::opt(m.challenge_deadline),
            Field::opt(m.challenged_on),
            Field::opt(m.drp_entered_on),
            Field::opt(m.drp_deadline),
            Field::opt(m.resolved_on),
            Field::opt_text(m.resolved_by.as_deref()),
            Field::opt_text(m.outcome.as_deref()),
            Field::value(m.last_step_on),
        ]
    }
}

/// An action as exported, with its first due date and how many new timescales it was given.
impl Tabular for ActionRow {
    fn sheet_name() -> &'static str {
        "actions"
    }
    fn header() -> &'static [&'static str] {
        &[
            "matter",
            "child",
            "team",
            "raised_on",
            "seq",
            "text",
            "owner",
            "first_due",
            "due",
            "extensions",
            "status",
            "completed_on",
        ]
    }

    fn fields(&self) -> Vec<Field> {
        let a = self;
        vec![
            Field::text(&a.matter),
            Field::text(&a.child),
            Field::text(&a.team),
            Field::value(a.raised_on),
            Field::value(a.seq),
            Field::text(&a.text),
            Field::text(&a.owner),
            Field::opt(a.first_due),
            Field::value(a.due),
            Field::value(a.extensions),
            Field::value(a.status),
            Field::opt(a.completed_on),
        ]
    }
}

/// An event as exported: the step as recorded, its details as the JSON the record holds.
#[derive(Serialize)]
struct ExportedEvent {
    id: i64,
    matter: Option<String>,
    child: Option<String>,
    kind: String,
    actor: String,
    actor_role: Option<Role>,
    effective_on: NaiveDate,
    recorded_at: String,
    entered_by: Option<String>,
    policy_digest: Option<String>,
    /// For an imported step: `file`, `digest`, `row` and `key` of the row it came from.
    source: Option<serde_json::Value>,
    details: serde_json::Value,
}

impl TryFrom<EventRow> for ExportedEvent {
    type Error = serde_json::Error;

    fn try_from(row: EventRow) -> Result<ExportedEvent, serde_json::Error> {
        let mut details = serde_json::from_str(&row.details)?;
        without_child_names(&mut details);
        Ok(ExportedEvent {
            details,
            id: row.id,
            matter: row.matter,
            child: row.child,
            kind: row.kind,
            actor: row.actor,
            actor_role: row.actor_role,
            effective_on: row.effective_on,
            recorded_at: row.recorded_at,
            entered_by: row.entered_by,
            policy_digest: row.policy_digest,
            source: row
                .source
                .as_deref()
                .map(serde_json::from_str)
                .transpose()?,
        })
    }
}

/// Exports name a child by reference only: a directory change carries the child's whole entry, so
/// the name is taken out of every object that is a child (the one with a `reference`).
fn without_child_names(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            if fields.contains_key("reference") {
                fields.remove("name");
            }
            fields.values_mut().for_each(without_child_names);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(without_child_names),
        _ => {}
    }
}

impl Tabular for ExportedEvent {
    fn sheet_name() -> &'static str {
        "events"
    }
    fn header() -> &'static [&'static str] {
        &[
            "id",
            "matter",
            "child",
            "kind",
            "actor",
            "actor_role",
            "effective_on",
            "recorded_at",
            "entered_by",
            "policy_digest",
            "source",
            "details",
        ]
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::value(self.id),
            Field::opt_text(self.matter.as_deref()),
            Field::opt_text(self.child.as_deref()),
            Field::text(&self.kind),
            Field::text(&self.actor),
            Field::opt(self.actor_role),
            Field::value(self.effective_on),
            Field::value(&self.recorded_at),
            Field::opt_text(self.entered_by.as_deref()),
            Field::opt_text(self.policy_digest.as_deref()),
            Field::opt_text(self.source.as_ref().map(|s| s.to_string()).as_deref()),
            // Compact JSON in one cell; it starts with `{`, so it never reads as a formula.
            Field::text(self.details.to_string()),
        ]
    }
}
