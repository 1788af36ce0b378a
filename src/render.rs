//! Tables, CSV and JSON, each written to any `io::Write` so tests render into a `Vec<u8>`.
//!
//! CSV goes through the `csv` crate and every text cell through `spreadsheet_safe`, so an export pasted
//! into Excel or LibreOffice never runs a formula.

use std::io::Write;

use chrono::NaiveDate;
use comfy_table::{presets, Attribute, Cell, Color, ContentArrangement, Table};
use serde::Serialize;

use crate::model::{Child, Matter, Staff};

/// How a listing is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// A text cell made safe for spreadsheets (OWASP CSV injection): one that would start a formula is
/// prefixed with an apostrophe, which spreadsheets show as text and do not display.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// Whether tables are coloured: the shell says so when stdout is a terminal and `NO_COLOR` is not set.
static COLOUR: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Colours tables (bold headers, overdue rows in red) or not; the shell decides once per run.
pub fn set_colour(on: bool) {
    COLOUR.store(on, std::sync::atomic::Ordering::Relaxed);
}

fn colour() -> bool {
    COLOUR.load(std::sync::atomic::Ordering::Relaxed)
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if colour() {
        table.enforce_styling().set_header(
            header
                .iter()
                .map(|h| Cell::new(*h).add_attribute(Attribute::Bold)),
        );
    } else {
        table
            .force_no_tty()
            .set_header(header.iter().map(|h| Cell::new(*h)));
    }
    table
}

/// A table row; an overdue one stands out in red when tables are coloured.
fn table_row(cells: Vec<String>, overdue: bool) -> Vec<Cell> {
    cells
        .into_iter()
        .map(|c| {
            if overdue && colour() {
                Cell::new(c).fg(Color::Red).add_attribute(Attribute::Bold)
            } else {
                Cell::new(c)
            }
        })
        .collect()
}

fn date(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn json(value: &impl Serialize, out: &mut dyn Write) -> anyhow::Result<()> {
    // Through io::Error, so a closed pipe is seen as one (`iro list --format json | head`).
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}

/// Writes rows of text cells as CSV with a header, each cell made spreadsheet-safe.
fn csv_rows(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(header).map_err(std::io::Error::from)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| spreadsheet_safe(cell).into_owned()))
            .map_err(std::io::Error::from)?;
    }
    writer.flush()?;
    Ok(())
}

pub fn staff(staff: &[Staff], format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    let header = ["id", "name", "role", "email", "team"];
    let rows = staff.iter().map(|s| {
        vec![
            s.id.clone(),
            s.name.clone(),
            s.role.to_string(),
            s.email.clone(),
            s.team.clone().unwrap_or_default(),
        ]
    });
    match format {
        Format::Json => json(&staff, out),
        Format::Csv => csv_rows(&header, rows, out),
        Format::Table => {
            let mut t = table(&header);
            t.add_rows(rows);
            writeln!(out, "{t}")?;
            Ok(())
        }
    }
}

pub fn children(children: &[Child], format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    let header = [
        "ref",
        "name",
        "team",
        "social_worker",
        "practice_supervisor",
        "team_manager",
        "service_manager",
        "iro",
        "iro_team_manager",
    ];
    let rows = children.iter().map(|c| {
        vec![
            c.reference.clone(),
            c.name.clone(),
            c.team.clone(),
            c.social_worker.clone(),
            c.practice_supervisor.clone().unwrap_or_default(),
            c.team_manager.clone(),
            c.service_manager.clone(),
            c.iro.clone(),
            c.iro_team_manager.clone(),
        ]
    });
    match format {
        Format::Json => json(&children, out),
        Format::Csv => csv_rows(&header, rows, out),
        Format::Table => {
            let mut t = table(&header);
            t.add_rows(rows);
            writeln!(out, "{t}")?;
            Ok(())
        }
    }
}

pub fn child(
    child: &Child,
    matters: &[Matter],
    format: Format,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct ChildView<'a> {
        #[serde(flatten)]
        child: &'a Child,
        matters: &'a [Matter],
    }
    match format {
        Format::Json => json(&ChildView { child, matters }, out),
        Format::Csv => self::matters(matters, format, out),
        Format::Table => {
            writeln!(
                out,
                "{} {} (team {})",
                child.reference, child.name, child.team
            )?;
            writeln!(
                out,
                "  IRO {}, IRO team manager {}",
                child.iro, child.iro_team_manager
            )?;
            writeln!(
                out,
                "  social worker {}, practice supervisor {}, team manager {}, service manager {}",
                child.social_worker,
                child.practice_supervisor.as_deref().unwrap_or("(none)"),
                child.team_manager,
                child.service_manager
            )?;
            self::matters(matters, format, out)
        }
    }
}

const MATTER_HEADER: [&str; 13] = [
    "id",
    "child",
    "iro",
    "team",
    "category",
    "state",
    "stage",
    "raised_on",
    "challenge_deadline",
    "drp_entered_on",
    "drp_deadline",
    "next_deadline",
    "resolved_on",
];

fn matter_row(m: &Matter) -> Vec<String> {
    vec![
        m.id.clone(),
        m.child.clone(),
        m.iro.clone(),
        m.team.clone(),
        m.category.clone(),
        m.state.to_string(),
        m.stage.map(|s| s.to_string()).unwrap_or_default(),
        m.raised_on.to_string(),
        date(m.challenge_deadline),
        date(m.drp_entered_on),
        date(m.drp_deadline),
        date(m.next_deadline()),
        date(m.resolved_on),
    ]
}

/// Matters one a row; JSON carries the same fields as `show` (actions may be empty when not loaded).
pub fn matters(matters: &[Matter], format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    match format {
        Format::Json => json(&matters, out),
        Format::Csv => csv_rows(&MATTER_HEADER, matters.iter().map(matter_row), out),
        Format::Table => {
            let mut t = table(&[
                "id",
                "child",
                "iro",
                "team",
                "category",
                "state",
                "stage",
                "raised",
                "next deadline",
            ]);
            for m in matters {
                t.add_row(vec![
                    m.id.clone(),
                    m.child.clone(),
                    m.iro.clone(),
                    m.team.clone(),
                    m.category.clone(),
                    m.state.to_string(),
                    m.stage.map(|s| s.to_string()).unwrap_or_default(),
                    m.raised_on.to_string(),
                    date(m.next_deadline()),
                ]);
            }
            writeln!(out, "{t}")?;
            writeln!(out, "{} matter(s)", matters.len())?;
            Ok(())
        }
    }
}

/// One matter in full: its facts, actions, stages and referrals.
pub fn matter(m: &Matter, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    match format {
        Format::Json => json(m, out),
        Format::Csv => csv_rows(&MATTER_HEADER, [matter_row(m)], out),
        Format::Table => {
            let stage = m.stage.map(|s| format!(" stage {s}")).unwrap_or_default();
            writeln!(
                out,
                "{}  {}{stage}  child {}  IRO {}  team {}",
                m.id, m.state, m.child, m.iro, m.team
            )?;
            writeln!(out, "  {}: {}", m.category, m.summary)?;
            writeln!(out, "  raised {} by {}", m.raised_on, m.raised_by)?;
            if let Some(deadline) = m.challenge_deadline {
                let challenged = m
                    .challenged_on
                    .map(|d| format!("; challenged {d}"))
                    .unwrap_or_default();
                writeln!(out, "  challenge window closes {deadline}{challenged}")?;
            }
            if let (Some(entered), Some(deadline)) = (m.drp_entered_on, m.drp_deadline) {
                writeln!(
                    out,
                    "  entered EPCP/DRP {entered}; resolution deadline {deadline}"
                )?;
            }
            for s in &m.stages {
                let reason = s
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default();
                writeln!(out, "  stage {} from {}{reason}", s.stage, s.entered_on)?;
            }
            for r in &m.referrals {
                let decision = match (r.decision, r.decided_on) {
                    (Some(d), Some(on)) => format!("; {d} on {on}"),
                    _ => "; awaiting decision".to_string(),
                };
                writeln!(
                    out,
                    "  {} CAFCASS referral {}{decision}",
                    r.kind, r.referred_on
                )?;
            }
            if let Some(resolved) = m.resolved_on {
                let by = m
                    .resolved_by
                    .as_deref()
                    .map(|b| format!(" by {b}"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "  {} {resolved}{by}: {}",
                    m.state,
                    m.outcome.as_deref().unwrap_or("")
                )?;
            }
            if !m.actions.is_empty() {
                let mut t = table(&["#", "action", "owner", "due", "status"]);
                for a in &m.actions {
                    t.add_row(vec![
                        a.seq.to_string(),
                        a.text.clone(),
                        a.owner.clone(),
                        a.due.to_string(),
                        match a.completed_on {
                            Some(on) => format!("done {on}"),
                            None => a.status.to_string(),
                        },
                    ]);
                }
                writeln!(out, "{t}")?;
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_other_text_is_not() {
        for risky in ["=SUM(A1)", "+1", "-1+2", "@cmd", "\tx", "\rx"] {
            assert_eq!(spreadsheet_safe(risky), format!("'{risky}"));
        }
        for plain in ["Q-2026-0001", "2026-11-26", "plan drift", ""] {
            assert_eq!(spreadsheet_safe(plain), plain);
        }
    }
}

// Reports and exports: rows streamed as a table, CSV or JSON; the statistics; the alert form.

/// One cell of a report row: text someone typed, or a value `iro` wrote (a number, a date, a word).
///
/// Only text is neutralised for spreadsheets: a negative count of working days must stay a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Text(String),
    Value(String),
}

impl Field {
    pub fn text(text: impl Into<String>) -> Field {
        Field::Text(text.into())
    }

    pub fn opt_text(text: Option<&str>) -> Field {
        Field::Text(text.unwrap_or_default().to_string())
    }

    pub fn value(value: impl std::fmt::Display) -> Field {
        Field::Value(value.to_string())
    }

    /// An optional value (date, number, stage); empty when absent.
    pub fn opt(value: Option<impl std::fmt::Display>) -> Field {
        Field::Value(value.map(|v| v.to_string()).unwrap_or_default())
    }

    fn as_str(&self) -> &str {
        match self {
            Field::Text(text) | Field::Value(text) => text,
        }
    }

    /// The cell as CSV writes it: text neutralised unless `raw`.
    fn for_csv(&self, raw: bool) -> std::borrow::Cow<'_, str> {
        match self {
            Field::Text(text) if !raw => spreadsheet_safe(text),
            other => other.as_str().into(),
        }
    }
}

/// A row of a report or export: a table row, a CSV record, or a JSON object with the same names.
pub trait Tabular: Serialize {
    /// The CSV header, which is also the JSON field names, in order.
    fn header() -> &'static [&'static str];
    /// The cells, in header order.
    fn fields(&self) -> Vec<Field>;
    /// The columns a person reads at a terminal; all of them unless a row says otherwise.
    fn table_header() -> &'static [&'static str] {
        Self::header()
    }
    fn table_cells(&self) -> Vec<String> {
        self.fields()
            .iter()
            .map(|f| f.as_str().to_string())
            .collect()
    }
    /// Whether the row is past a deadline, so a coloured table makes it stand out.
    fn overdue(&self) -> bool {
        false
    }
}

enum Sink<'a> {
    /// A table needs every row to size its columns, so it is printed at the end.
    Table(Table, &'a mut dyn Write),
    Csv(csv::Writer<&'a mut dyn Write>, bool),
    Json(&'a mut dyn Write),
}

/// Writes rows one at a time as they come from the database; `finish` closes the listing.
pub struct RowWriter<'a, R> {
    sink: Sink<'a>,
    count: usize,
    row: std::marker::PhantomData<fn(&R)>,
}

impl<'a, R: Tabular> RowWriter<'a, R> {
    /// `raw` keeps CSV text cells exactly as typed (for systems, not spreadsheets).
    pub fn new(
        format: Format,
        raw: bool,
        out: &'a mut dyn Write,
    ) -> anyhow::Result<RowWriter<'a, R>> {
        let sink = match format {
            Format::Table => Sink::Table(table(R::table_header()), out),
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(out);
                writer
                    .write_record(R::header())
                    .map_err(std::io::Error::from)?;
                Sink::Csv(writer, raw)
            }
            Format::Json => Sink::Json(out),
        };
        Ok(RowWriter {
            sink,
            count: 0,
            row: std::marker::PhantomData,
        })
    }

    pub fn row(&mut self, row: &R) -> anyhow::Result<()> {
        match &mut self.sink {
            Sink::Table(t, _) => {
                t.add_row(table_row(row.table_cells(), row.overdue()));
            }
            Sink::Csv(writer, raw) => {
                let raw = *raw;
                writer
                    .write_record(row.fields().iter().map(|f| f.for_csv(raw).into_owned()))
                    .map_err(std::io::Error::from)?;
            }
            Sink::Json(out) => {
                // The same text serde_json's pretty printer gives for the whole array, one item at a time.
                let item = serde_json::to_string_pretty(row)?;
                out.write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
                for (i, line) in item.lines().enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    write!(out, "  {line}")?;
                }
            }
        }
        self.count += 1;
        Ok(())
    }

    /// Closes the listing and gives the number of rows written. An empty table prints nothing.
    pub fn finish(self) -> anyhow::Result<usize> {
        match self.sink {
            Sink::Table(t, out) => {
                if self.count > 0 {
                    writeln!(out, "{t}")?;
                }
            }
            Sink::Csv(mut writer, _) => writer.flush()?,
            Sink::Json(out) => {
                out.write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
        }
        Ok(self.count)
    }
}

/// The year's figures for one group of matters (all, one category, or one team).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub consultation: ConsultationFigures,
    pub qap: QapFigures,
    pub drp: DrpFigures,
    pub cafcass: CafcassFigures,
}

/// Concerns taken up at pre-review consultation: the lowest level a concern can be settled at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConsultationFigures {
    /// Consultations opened in the period.
    pub opened: u32,
    /// Concerns settled at consultation, without a QAP or EPCP/DRP.
    pub settled: u32,
    /// Consultations turned into a QAP.
    pub to_qap: u32,
    /// Consultations entered straight into EPCP/DRP.
    pub to_drp: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct QapFigures {
    /// QAPs raised in the period.
    pub raised: u32,
    /// QAPs resolved in the period without ever entering EPCP/DRP.
    pub resolved: u32,
    /// QAPs that entered EPCP/DRP in the period.
    pub escalated: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ByStage {
    pub total: u32,
    pub stage_1: u32,
    pub stage_2: u32,
    pub stage_3: u32,
}

impl ByStage {
    pub fn count(&mut self, stage: Option<crate::model::Stage>) {
        use crate::model::Stage;
        self.total += 1;
        match stage {
            Some(Stage::One) => self.stage_1 += 1,
            Some(Stage::Two) => self.stage_2 += 1,
            Some(Stage::Three) => self.stage_3 += 1,
            None => {}
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DrpFigures {
    /// Entries to EPCP/DRP in the period, by the stage entered at.
    pub entered: ByStage,
    /// EPCP/DRP matters resolved in the period, by the stage resolved at.
    pub resolved: ByStage,
    /// Of those, resolved on or before their resolution deadline.
    pub resolved_within_timescale: u32,
    /// That as a percentage of those resolved, to one decimal place; null when none were resolved.
    pub resolved_within_timescale_percent: Option<f64>,
    /// Working days from entry to resolution of those resolved.
    pub working_days_to_resolution: Spread,
}

/// The middle and the 90th percentile of a set of working-day counts; null when the set is empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Spread {
    /// The median (the mean of the two middle values when there is an even number).
    pub median: Option<f64>,
    /// The 90th percentile by nearest rank: the smallest value at least 90% of the set are at or below.
    pub p90: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CafcassFigures {
    /// Referrals made in the period.
    pub referrals: CafcassReferrals,
    /// Decisions CAFCASS made in the period.
    pub decisions: CafcassDecisions,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CafcassReferrals {
    pub concurrent: u32,
    pub formal: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CafcassDecisions {
    pub criteria_met: u32,
    pub criteria_not_met: u32,
}

impl Figures {
    /// Every figure with its CSV column name and its label for people, in report order.
    pub fn measures(&self) -> Vec<(&'static str, &'static str, Field)> {
        let (k, q, d, c) = (&self.consultation, &self.qap, &self.drp, &self.cafcass);
        let percent = d
            .resolved_within_timescale_percent
            .map(|p| format!("{p:.1}"));
        let median = d
            .working_days_to_resolution
            .median
            .map(|m| format!("{m:.1}"));
        vec![
            (
                "consultation_opened",
                "Consultations opened",
                Field::value(k.opened),
            ),
            (
                "consultation_settled",
                "  settled at consultation",
                Field::value(k.settled),
            ),
            (
                "consultation_to_qap",
                "  turned into a QAP",
                Field::value(k.to_qap),
            ),
            (
                "consultation_to_drp",
                "  entered into EPCP/DRP",
                Field::value(k.to_drp),
            ),
            ("qap_raised", "QAPs raised", Field::value(q.raised)),
            (
                "qap_resolved",
                "QAPs resolved (never in EPCP/DRP)",
                Field::value(q.resolved),
            ),
            (
                "qap_escalated",
                "QAPs escalated to EPCP/DRP",
                Field::value(q.escalated),
            ),
            (
                "drp_entered",
                "EPCP/DRP entered",
                Field::value(d.entered.total),
            ),
            (
                "drp_entered_stage_1",
                "  at stage 1",
                Field::value(d.entered.stage_1),
            ),
            (
                "drp_entered_stage_2",
                "  at stage 2",
                Field::value(d.entered.stage_2),
            ),
            (
                "drp_entered_stage_3",
                "  at stage 3",
                Field::value(d.entered.stage_3),
            ),
            (
                "drp_resolved",
                "EPCP/DRP resolved",
                Field::value(d.resolved.total),
            ),
            (
                "drp_resolved_stage_1",
                "  at stage 1",
                Field::value(d.resolved.stage_1),
            ),
            (
                "drp_resolved_stage_2",
                "  at stage 2",
                Field::value(d.resolved.stage_2),
            ),
            (
                "drp_resolved_stage_3",
                "  at stage 3",
                Field::value(d.resolved.stage_3),
            ),
            (
                "drp_resolved_within_timescale",
                "  within timescale",
                Field::value(d.resolved_within_timescale),
            ),
            (
                "drp_resolved_within_timescale_percent",
                "  within timescale (%)",
                Field::opt(percent),
            ),
            (
                "drp_working_days_to_resolution_median",
                "  working days to resolution, median",
                Field::opt(median),
            ),
            (
                "drp_working_days_to_resolution_p90",
                "  working days to resolution, 90th percentile",
                Field::opt(d.working_days_to_resolution.p90),
            ),
            (
                "cafcass_referrals_concurrent",
                "CAFCASS referrals, concurrent",
                Field::value(c.referrals.concurrent),
            ),
            (
                "cafcass_referrals_formal",
                "CAFCASS referrals, formal",
                Field::value(c.referrals.formal),
            ),
            (
                "cafcass_decisions_criteria_met",
                "CAFCASS decisions, criteria met",
                Field::value(c.decisions.criteria_met),
            ),
            (
                "cafcass_decisions_criteria_not_met",
                "CAFCASS decisions, criteria not met",
                Field::value(c.decisions.criteria_not_met),
            ),
        ]
    }
}

/// The figures for a period: in all, by category and by team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub totals: Figures,
    pub by_category: std::collections::BTreeMap<String, Figures>,
    pub by_team: std::collections::BTreeMap<String, Figures>,
}

/// Statistics as JSON, as one CSV row per group (`all`, each category, each team) with a column per
/// figure, or as two tables (by category, by team) with a row per figure.
pub fn stats(stats: &Stats, format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    match format {
        Format::Json => json(stats, out),
        Format::Csv => {
            let measures = stats.totals.measures();
            let mut writer = csv::Writer::from_writer(out);
            let header = ["breakdown", "group"]
                .into_iter()
                .chain(measures.iter().map(|(name, _, _)| *name));
            writer.write_record(header).map_err(std::io::Error::from)?;
            let groups = std::iter::once(("all", "", &stats.totals))
                .chain(
                    stats
                        .by_category
                        .iter()
                        .map(|(k, f)| ("category", k.as_str(), f)),
                )
                .chain(stats.by_team.iter().map(|(k, f)| ("team", k.as_str(), f)));
            for (breakdown, group, figures) in groups {
                let cells = [breakdown.to_string(), spreadsheet_safe(group).into_owned()]
                    .into_iter()
                    .chain(
                        figures
                            .measures()
                            .into_iter()
                            .map(|(_, _, f)| f.as_str().to_string()),
                    );
                writer.write_record(cells).map_err(std::io::Error::from)?;
            }
            writer.flush()?;
            Ok(())
        }
        Format::Table => {
            writeln!(
                out,
                "Figures for {} to {} (by the date each step took effect)",
                stats.from, stats.to
            )?;
            for (title, groups) in [("category", &stats.by_category), ("team", &stats.by_team)] {
                let header: Vec<&str> = ["", "total"]
                    .into_iter()
                    .chain(groups.keys().map(String::as_str))
                    .collect();
                let mut t = table(&header);
                let columns: Vec<Vec<(&str, &str, Field)>> = std::iter::once(&stats.totals)
                    .chain(groups.values())
                    .map(Figures::measures)
                    .collect();
                for (i, (_, label, _)) in columns[0].iter().enumerate() {
                    let row = std::iter::once(label.to_string())
                        .chain(columns.iter().map(|c| c[i].2.as_str().to_string()));
                    t.add_row(row.collect::<Vec<_>>());
                }
                writeln!(out, "\nBy {title}:\n{t}")?;
            }
            Ok(())
        }
    }
}

/// A member of staff as a form names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub role: Option<crate::model::Role>,
    pub email: Option<String>,
}

impl From<&Staff> for Person {
    fn from(s: &Staff) -> Person {
        Person {
            id: s.id.clone(),
            name: s.name.clone(),
            role: Some(s.role),
            email: Some(s.email.clone()),
        }
    }
}

impl std::fmt::Display for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name)?;
        if let Some(role) = self.role {
            write!(f, " ({role})")?;
        }
        if let Some(email) = &self.email {
            write!(f, " <{email}>")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormChild {
    pub reference: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Concern {
    pub category: String,
    pub summary: String,
    pub raised_on: NaiveDate,
    pub raised_by: Person,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub date: NaiveDate,
    /// Working days from the as-of date to the deadline; negative once it has passed.
    pub working_days_from_as_of: i64,
    /// The matter is still in EPCP/DRP and the as-of date is after the deadline.
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueSet {
    pub due: NaiveDate,
    pub set_on: NaiveDate,
    /// The IRO team manager who agreed a new timescale; null for the first one.
    pub agreed_by: Option<Person>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormAction {
    pub seq: u32,
    pub text: String,
    pub owner: Person,
    pub due: NaiveDate,
    pub status: crate::model::ActionStatus,
    pub completed_on: Option<NaiveDate>,
    pub due_history: Vec<DueSet>,
}

/// Who was told of a stage, and who was copied in (design rule 10).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub stage: crate::model::Stage,
    pub entered_on: NaiveDate,
    pub to: Vec<Person>,
    pub copy: Vec<Person>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    pub on: NaiveDate,
    /// The manager who resolved it; null when CAFCASS's decision closed the matter.
    pub by: Option<Person>,
    pub outcome: String,
}

/// The alert form of a matter in (or once in) EPCP/DRP, as of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertForm {
    pub matter: String,
    /// This form's revision number, and how many there are.
    pub revision: usize,
    pub revisions: usize,
    /// What changed since the previous revision (for revision 1: how the form came to be).
    pub changes: Vec<String>,
    pub as_of: NaiveDate,
    pub state: crate::model::MatterState,
    pub child: FormChild,
    pub team: String,
    pub iro: Person,
    pub concern: Concern,
    pub stage: Option<crate::model::Stage>,
    pub stages: Vec<crate::model::StageEntry>,
    pub drp_entered_on: NaiveDate,
    pub resolution_deadline: Deadline,
    pub actions: Vec<FormAction>,
    pub notified: Vec<Notice>,
    pub cafcass_referrals: Vec<crate::model::Referral>,
    pub resolution: Option<Resolution>,
}

/// Text for a Markdown table cell: pipes escaped, lines joined.
fn md_cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\r\n", "<br>")
        .replace('\n', "<br>")
}

/// The alert form as JSON, or as Markdown for people to read, print and send.
pub fn alert_form(form: &AlertForm, markdown: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    if !markdown {
        return json(form, out);
    }
    use crate::model::{CafcassDecision, MatterState};
    let stage = form.stage.map(|s| format!("stage {s}")).unwrap_or_default();
    let state = match form.state {
        MatterState::Consultation => "in pre-review consultation".to_string(),
        MatterState::Qap => "in QAP".to_string(),
        MatterState::Drp => format!("in EPCP/DRP at {stage}"),
        MatterState::Cafcass => {
            format!("formally referred to CAFCASS from {stage}, waiting on its decision")
        }
        MatterState::Resolved => format!("resolved at {stage}"),
        MatterState::Closed => format!("closed by CAFCASS's decision (was at {stage})"),
    };
    writeln!(out, "# EPCP/DRP alert form: {}\n", form.matter)?;
    if form.revision == 1 {
        writeln!(
            out,
            "Revision 1 of {}: the form as EPCP/DRP was entered, after:\n",
            form.revisions
        )?;
    } else {
        writeln!(
            out,
            "Revision {} of {}. Changed since revision {}:\n",
            form.revision,
            form.revisions,
            form.revision - 1
        )?;
    }
    for change in &form.changes {
        writeln!(out, "- {}", md_cell(change))?;
    }
    writeln!(out)?;
    writeln!(out, "| | |\n| --- | --- |")?;
    writeln!(
        out,
        "| Child | {} {} |",
        md_cell(&form.child.reference),
        md_cell(&form.child.name)
    )?;
    writeln!(out, "| Social work team | {} |", md_cell(&form.team))?;
    writeln!(out, "| IRO | {} |", md_cell(&form.iro.to_string()))?;
    writeln!(out, "| State | {state} |")?;
    writeln!(out, "| As of | {} |", form.as_of)?;
    let c = &form.concern;
    writeln!(out, "\n## Concern\n")?;
    writeln!(out, "Category: {}  ", c.category)?;
    writeln!(out, "Raised {} by {}\n", c.raised_on, c.raised_by)?;
    for line in c.summary.lines() {
        writeln!(out, "> {line}")?;
    }
    writeln!(out, "\n## Stage\n")?;
    writeln!(
        out,
        "Entered EPCP/DRP on {}; {state}.\n",
        form.drp_entered_on
    )?;
    writeln!(out, "| Stage | Entered | Reason |\n| --- | --- | --- |")?;
    for s in &form.stages {
        writeln!(
            out,
            "| {} | {} | {} |",
            s.stage,
            s.entered_on,
            md_cell(s.reason.as_deref().unwrap_or(""))
        )?;
    }
    let d = &form.resolution_deadline;
    writeln!(out, "\n## Resolution deadline\n")?;
    let days = d.working_days_from_as_of;
    let when = match days {
        0 => "due today".to_string(),
        n if n > 0 => format!("{n} working day(s) from {}", form.as_of),
        n => format!("{} working day(s) before {}", -n, form.as_of),
    };
    let overdue = if d.overdue { ": overdue" } else { "" };
    writeln!(out, "{} ({when}){overdue}", d.date)?;
    writeln!(out, "\n## Actions and timescales\n")?;
    if form.actions.is_empty() {
        writeln!(out, "No actions recorded.")?;
    } else {
        writeln!(
            out,
            "| # | Action | Owner | Due | Status | Due-date history |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
        for a in &form.actions {
            let status = match a.completed_on {
                Some(on) => format!("done {on}"),
                None => a.status.to_string(),
            };
            let history: Vec<String> = a
                .due_history
                .iter()
                .map(|h| match (&h.agreed_by, &h.reason) {
                    (Some(by), Some(reason)) => format!(
                        "{} set {}, agreed by {}: {reason}",
                        h.due, h.set_on, by.name
                    ),
                    (Some(by), None) => {
                        format!("{} set {}, agreed by {}", h.due, h.set_on, by.name)
                    }
                    _ => format!("{} set {}", h.due, h.set_on),
                })
                .collect();
            writeln!(
                out,
                "| {} | {} | {} | {} | {status} | {} |",
                a.seq,
                md_cell(&a.text),
                md_cell(&a.owner.name),
                a.due,
                md_cell(&history.join("; "))
            )?;
        }
    }
    writeln!(out, "\n## Who was told\n")?;
    for n in &form.notified {
        writeln!(out, "Stage {} ({}):\n", n.stage, n.entered_on)?;
        for p in &n.to {
            writeln!(out, "- to: {p}")?;
        }
        for p in &n.copy {
            writeln!(out, "- copy: {p}")?;
        }
        writeln!(out)?;
    }
    if !form.cafcass_referrals.is_empty() {
        writeln!(out, "## CAFCASS\n")?;
        for r in &form.cafcass_referrals {
            let decision = match (r.decision, r.decided_on) {
                (Some(CafcassDecision::CriteriaMet), Some(on)) => {
                    format!("criteria met, allocated for judicial review ({on})")
                }
                (Some(CafcassDecision::CriteriaNotMet), Some(on)) => {
                    format!("criteria not met ({on})")
                }
                _ => "awaiting CAFCASS's decision".to_string(),
            };
            writeln!(
                out,
                "- {} referral {}: {}; {decision}",
                r.kind,
                r.referred_on,
                r.reason.replace('\n', " ")
            )?;
        }
        writeln!(out)?;
    }
    if let Some(r) = &form.resolution {
        writeln!(out, "## Resolution\n")?;
        let by =
            r.by.as_ref()
                .map(|p| format!(" by {p}"))
                .unwrap_or_default();
        let what = if form.state == MatterState::Closed {
            "Closed"
        } else {
            "Resolved"
        };
        writeln!(
            out,
            "{what} on {}{by}: {}",
            r.on,
            r.outcome.replace('\n', " ")
        )?;
        if let Some(last) = form.notified.last() {
            writeln!(
                out,
                "\nEveryone told at stage {} is told of the outcome.",
                last.stage
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod report_tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        name: String,
        days: i64,
    }

    impl Tabular for Row {
        fn header() -> &'static [&'static str] {
            &["name", "days"]
        }
        fn fields(&self) -> Vec<Field> {
            vec![Field::text(&self.name), Field::value(self.days)]
        }
    }

    fn written(format: Format, raw: bool, rows: &[Row]) -> String {
        let mut out = Vec::new();
        let mut writer = RowWriter::new(format, raw, &mut out).expect("writer");
        for row in rows {
            writer.row(row).expect("row");
        }
        assert_eq!(writer.finish().expect("finish"), rows.len());
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn streamed_json_is_what_serde_json_prints_for_the_whole_array() {
        let rows = vec![
            Row {
                name: "a \"quoted\"\nline".into(),
                days: -2,
            },
            Row {
                name: "b".into(),
                days: 3,
            },
        ];
        let whole = serde_json::to_string_pretty(&rows).expect("json") + "\n";
        assert_eq!(written(Format::Json, false, &rows), whole);
        assert_eq!(written(Format::Json, false, &[]), "[]\n");
    }

    #[test]
    fn csv_neutralises_text_but_not_numbers_unless_raw() {
        let rows = vec![Row {
            name: "=SUM(A1)".into(),
            days: -2,
        }];
        assert_eq!(
            written(Format::Csv, false, &rows),
            "name,days\n'=SUM(A1),-2\n"
        );
        assert_eq!(
            written(Format::Csv, true, &rows),
            "name,days\n=SUM(A1),-2\n"
        );
    }

    #[test]
    fn markdown_cells_keep_to_one_line() {
        assert_eq!(md_cell("a|b\nc"), "a\\|b<br>c");
    }
}
