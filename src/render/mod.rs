//! Tables, CSV and JSON, each written to any `io::Write` so tests render into a `Vec<u8>`.
//!
//! CSV goes through the `csv` crate and every text cell through `spreadsheet_safe`, so an export pasted
//! into Excel or LibreOffice never runs a formula.

use std::io::Write;

use chrono::NaiveDate;
use comfy_table::{presets, Attribute, Cell, Color, ContentArrangement, Table};
use serde::Serialize;

use crate::model::{Child, Cover, Dated, DueItem, Listed, Matter, Staff};

/// How a listing is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    /// A spreadsheet workbook, for a file: `> report.xlsx`.
    Xlsx,
}

/// A text cell made safe for spreadsheets (OWASP CSV injection): one that would start a formula is
/// prefixed with an apostrophe, which spreadsheets show as text and do not display.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

/// A table; `colour` (the shell's choice: stdout is a terminal and `NO_COLOR` is not set) makes its
/// header bold.
fn table(header: &[&str], colour: bool) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    if colour {
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

/// Cells as a terminal should show them: control and invisible characters written out, never obeyed.
pub fn terminal_cells(cells: Vec<String>) -> Vec<String> {
    cells
        .into_iter()
        .map(|c| crate::text::shown(&c).into_owned())
        .collect()
}

/// A table row; an overdue one stands out in red when tables are coloured.
fn table_row(cells: Vec<String>, overdue: bool, colour: bool) -> Vec<Cell> {
    terminal_cells(cells)
        .into_iter()
        .map(|c| {
            if overdue && colour {
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

/// Whether CSV starts with a byte-order mark, so that Excel opening the file by a double-click, and
/// LibreOffice's default import, read it as UTF-8 ("Zoë", not "ZoÃ«"). Set once by the shell, from
/// `--bom`, `IRO_CSV_BOM=1` or the policy's `csv_bom`.
static CSV_BOM: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

pub fn set_csv_bom(on: bool) {
    CSV_BOM.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// A CSV writer on `out`, after the byte-order mark when it is asked for.
pub fn csv_writer<W: Write>(mut out: W) -> std::io::Result<csv::Writer<W>> {
    if CSV_BOM.load(std::sync::atomic::Ordering::Relaxed) {
        out.write_all("\u{feff}".as_bytes())?;
    }
    Ok(csv::Writer::from_writer(out))
}

/// The rows of a listing as CSV, or for `Format::Xlsx` as a workbook's one sheet called `title`.
fn csv_or_sheet(
    format: Format,
    title: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if format == Format::Xlsx {
        let mut sheet = xlsx::Sheet::new(title, header)?;
        for row in rows {
            sheet.row(&row.into_iter().map(Field::Value).collect::<Vec<_>>())?;
        }
        return sheet.finish(out);
    }
    let mut writer = csv_writer(out)?;
    writer.write_record(header).map_err(std::io::Error::from)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| spreadsheet_safe(cell).into_owned()))
            .map_err(std::io::Error::from)?;
    }
    writer.flush()?;
    Ok(())
}

pub fn staff(
    staff: &[Staff],
    format: Format,
    colour: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let header = ["id", "name", "role", "email", "team", "login", "left_on"];
    let rows = staff.iter().map(|s| {
        vec![
            s.id.clone(),
            s.name.clone(),
            s.role.to_string(),
            s.email.clone(),
            s.team.clone().unwrap_or_default(),
            s.login.clone().unwrap_or_default(),
            date(s.left_on),
        ]
    });
    match format {
        Format::Json => json(&staff, out),
        Format::Csv | Format::Xlsx => csv_or_sheet(format, "staff", &header, rows, out),
        Format::Table => {
            let mut t = table(&header, colour);
            t.add_rows(rows.map(terminal_cells));
            writeln!(out, "{t}")?;
            Ok(())
        }
    }
}

/// One member of staff, the covers for or by them, and with `history` every dated change.
pub fn person(
    staff: &Staff,
    covers: &[Cover],
    history: Option<&[Dated]>,
    format: Format,
    colour: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct PersonView<'a> {
        #[serde(flatten)]
        staff: &'a Staff,
        covers: &'a [Cover],
        #[serde(skip_serializing_if = "Option::is_none")]
        history: Option<&'a [Dated]>,
    }
    match format {
        Format::Json => json(
            &PersonView {
                staff,
                covers,
                history,
            },
            out,
        ),
        Format::Csv | Format::Xlsx => {
            self::history(history.unwrap_or_default(), format, colour, out)
        }
        Format::Table => {
            writeln!(
                out,
                "{} {} ({}{})",
                staff.id,
                staff.name,
                staff.role,
                staff
                    .team
                    .as_deref()
                    .map(|t| format!(", {t}"))
                    .unwrap_or_default()
            )?;
            writeln!(
                out,
                "  e-mail {}; login {}",
                staff.email,
                staff.login.as_deref().unwrap_or("(none bound)")
            )?;
            if let Some(left) = staff.left_on {
                writeln!(out, "  left on {left}")?;
            }
            for c in covers {
                let until =
                    c.to.map(|to| format!(" to {to}"))
                        .unwrap_or_else(|| " until further notice".into());
                writeln!(
                    out,
                    "  {} covers for {} from {}{until}",
                    c.by, c.absent, c.from
                )?;
            }
            if let Some(history) = history {
                self::history(history, format, colour, out)?;
            }
            Ok(())
        }
    }
}

/// Dated changes, oldest first.
pub fn history(
    history: &[Dated],
    format: Format,
    colour: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let header = ["effective_on", "what", "by", "recorded_at"];
    let rows = history.iter().map(|h| {
        vec![
            h.effective_on.to_string(),
            h.what.clone(),
            h.by.clone(),
            h.recorded_at.clone(),
        ]
    });
    match format {
        Format::Json => json(&history, out),
        Format::Csv | Format::Xlsx => csv_or_sheet(format, "history", &header, rows, out),
        Format::Table => {
            let mut t = table(&["from", "change", "by", "recorded"], colour);
            t.add_rows(rows.map(terminal_cells));
            writeln!(out, "{t}")?;
            Ok(())
        }
    }
}

pub fn children(
    children: &[Child],
    format: Format,
    colour: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let header = [
        "ref",
        "name",
        "team",
        "social_worker",
        "practice_supervisor",
        "team_manager",
        "service_manager",
        "assistant_director",
        "iro",
        "iro_team_manager",
        "ceased_on",
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
            c.assistant_director.clone().unwrap_or_default(),
            c.iro.clone(),
            c.iro_team_manager.clone(),
            date(c.ceased_on),
        ]
    });
    match format {
        Format::Json => json(&children, out),
        Format::Csv | Format::Xlsx => csv_or_sheet(format, "children", &header, rows, out),
        Format::Table => {
            let mut t = table(&header, colour);
            t.add_rows(rows.map(terminal_cells));
            writeln!(out, "{t}")?;
            Ok(())
        }
    }
}

/// A child and their matters, those whose next deadline `today` is after marked overdue.
pub fn child(
    child: &Child,
    matters: &[Listed],
    history: Option<&[Dated]>,
    today: NaiveDate,
    format: Format,
    colour: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct ChildView<'a> {
        #[serde(flatten)]
        child: &'a Child,
        matters: Vec<MatterView<'a>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        history: Option<&'a [Dated]>,
    }
    match format {
        Format::Json => json(
            &ChildView {
                child,
                matters: matters.iter().map(MatterView::listed).collect(),
                history,
            },
            out,
        ),
        Format::Csv | Format::Xlsx => match history {
            Some(history) => self::history(history, format, colour, out),
            None => self::matters(matters, today, format, colour, out),
        },
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
                "  social worker {}, practice supervisor {}, team manager {}, service manager {}{}",
                child.social_worker,
                child.practice_supervisor.as_deref().unwrap_or("(none)"),
                child.team_manager,
                child.service_manager,
                child
                    .assistant_director
                    .as_deref()
                    .map(|a| format!(", assistant director {a}"))
                    .unwrap_or_default()
            )?;
            if let Some(ceased) = child.ceased_on {
                writeln!(
                    out,
                    "  stopped being looked after on {ceased}: {}",
                    child.cease_reason.as_deref().unwrap_or_default()
                )?;
            }
            if let Some(history) = history {
                self::history(history, format, colour, out)?;
            }
            self::matters(matters, today, format, colour, out)
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

/// A matter as JSON shows it: its fields, the next deadline still running, and (for `show`) its steps.
#[derive(Serialize)]
struct MatterView<'a> {
    #[serde(flatten)]
    matter: &'a Matter,
    next_deadline: Option<NaiveDate>,
    next_deadline_item: Option<DueItem>,
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<&'a [MatterStep]>,
}

/// One step of a matter as `show --format json` lists it: who took it and who entered it.
#[derive(Debug, Clone, Serialize)]
pub struct MatterStep {
    pub id: i64,
    pub kind: String,
    pub effective_on: NaiveDate,
    pub actor: String,
    /// The login that entered it; null for steps from before it was recorded.
    pub entered_by: Option<String>,
    pub recorded_at: String,
    /// What it was, with its text as amended.
    pub what: String,
    /// The void that voided it as entered in error, and why (rule 15).
    pub voided_by: Option<i64>,
    pub void_reason: Option<String>,
    /// The amendment that corrected its text.
    pub amended_by: Option<i64>,
}

impl<'a> MatterView<'a> {
    fn new(matter: &'a Matter, next: Option<crate::model::Deadline>) -> MatterView<'a> {
        MatterView {
            matter,
            next_deadline: next.map(|d| d.due),
            next_deadline_item: next.map(|d| d.item),
            steps: None,
        }
    }

    fn listed(listed: &'a Listed) -> MatterView<'a> {
        MatterView::new(&listed.matter, listed.next_deadline())
    }
}

/// What every row of matters begins with: who and what it is, where it stands, when it was raised.
fn matter_facts(m: &Matter) -> Vec<String> {
    vec![
        m.id.clone(),
        m.child.clone(),
        m.iro.clone(),
        m.team.clone(),
        m.category.clone(),
        m.state.to_string(),
        m.stage.map(|s| s.to_string()).unwrap_or_default(),
        m.raised_on.to_string(),
    ]
}

fn matter_row(m: &Matter, next: Option<crate::model::Deadline>) -> Vec<String> {
    let mut row = matter_facts(m);
    row.extend([
        date(m.challenge_deadline),
        date(m.drp_entered_on),
        date(m.drp_deadline),
        date(next.map(|d| d.due)),
        date(m.resolved_on),
    ]);
    row
}

/// Matters one a row; JSON carries the same fields as `show` (actions may be empty when not loaded).
/// A table marks each matter whose next deadline `as_of` is after: it is overdue.
pub fn matters(
    matters: &[Listed],
    as_of: NaiveDate,
    format: Format,
    colour: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        Format::Json => json(
            &matters.iter().map(MatterView::listed).collect::<Vec<_>>(),
            out,
        ),
        Format::Csv | Format::Xlsx => csv_or_sheet(
            format,
            "matters",
            &MATTER_HEADER,
            matters
                .iter()
                .map(|l| matter_row(&l.matter, l.next_deadline())),
            out,
        ),
        Format::Table => {
            let mut t = table(
                &[
                    "id",
                    "child",
                    "iro",
                    "team",
                    "category",
                    "state",
                    "stage",
                    "raised",
                    "next deadline",
                ],
                colour,
            );
            let mut overdue = 0;
            for listed in matters {
                let m = &listed.matter;
                let next = listed.next_deadline().map(|d| d.due);
                let passed = next.is_some_and(|due| as_of > due);
                overdue += usize::from(passed);
                let next = match next {
                    Some(due) if passed => format!("{due} overdue"),
                    next => date(next),
                };
                let mut cells = matter_facts(m);
                cells.push(next);
                t.add_row(table_row(cells, passed, colour));
            }
            writeln!(out, "{t}")?;
            match overdue {
                0 => writeln!(out, "{} matter(s)", matters.len())?,
                _ => writeln!(
                    out,
                    "{} matter(s), {overdue} with its next deadline passed",
                    matters.len()
                )?,
            }
            Ok(())
        }
    }
}

/// One matter in full: its facts, actions, stages and referrals.
pub fn matter(
    m: &Matter,
    steps: &[MatterStep],
    format: Format,
    colour: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        Format::Json => json(
            &MatterView {
                steps: Some(steps),
                ..MatterView::new(m, m.next_deadline())
            },
            out,
        ),
        Format::Csv | Format::Xlsx => csv_or_sheet(
            format,
            "matter",
            &MATTER_HEADER,
            [matter_row(m, m.next_deadline())],
            out,
        ),
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
                let mut t = table(&["#", "action", "owner", "due", "status"], colour);
                for a in &m.actions {
                    t.add_row(terminal_cells(vec![
                        a.seq.to_string(),
                        a.text.clone(),
                        a.owner.clone(),
                        a.due.to_string(),
                        match a.completed_on {
                            Some(on) => format!("done {on}"),
                            None => a.status.to_string(),
                        },
                    ]));
                }
                writeln!(out, "{t}")?;
            }
            if !steps.is_empty() {
                // Each step with its event id: what a void or an amendment names.
                let mut t = table(&["event", "date", "who", "what"], colour);
                for step in steps {
                    let what = match (step.voided_by, step.amended_by) {
                        (Some(by), _) => format!(
                            "VOIDED by event {by} ({}): {}",
                            step.void_reason.as_deref().unwrap_or_default(),
                            step.what
                        ),
                        (None, Some(by)) => format!("{} [amended by event {by}]", step.what),
                        (None, None) => step.what.clone(),
                    };
                    t.add_row(terminal_cells(vec![
                        step.id.to_string(),
                        step.effective_on.to_string(),
                        step.actor.clone(),
                        what,
                    ]));
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

mod alert_form;
pub mod annual;
pub mod charts;
pub mod markdown;
mod rows;
mod stats;
pub mod terminal;
pub mod xlsx;

pub use alert_form::*;
pub use rows::*;
pub use stats::*;
