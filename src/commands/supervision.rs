//! `iro report supervision --iro ID`: what an IRO brings to supervision: each open matter, what
//! happened since it was last discussed there, what falls due soon and what is overdue.

use chrono::NaiveDate;
use clap::Args;
use serde::Serialize;

use super::{find_staff, service_calendar, Context};
use crate::dates::parse_date;
use crate::engine::Event;
use crate::engine::Step;
use crate::error::Status;
use crate::model::{DueItem, Matter, MatterState};
use crate::render::{Field, Format, RowWriter, Tabular};
use crate::store::MatterFilter;

/// An IRO's open matters for supervision: what happened since the last supervision note, what is due
/// in the next 10 working days, and what is overdue
#[derive(Debug, Args)]
#[command(
    after_help = "Mark a discussion with `iro note MATTER --supervision --text ...`.\n\n\
Example:\n  iro report supervision --iro asmith"
)]
pub struct SupervisionArgs {
    /// The IRO whose matters to show
    #[arg(long, value_name = "ID")]
    pub iro: String,
    /// The day to report as of, the record as it stood at the end of it (the IRO's caseload as
    /// allocated then) [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// Only what had been recorded by this day: the agenda as it was known then
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_known_on: Option<NaiveDate>,
    /// How far ahead "due soon" looks, in working days
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub within: u32,
    /// table, csv (one row per thing to discuss) or json
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// One matter as supervision sees it.
#[derive(Debug, Serialize)]
pub struct SupervisionItem {
    pub matter: String,
    pub child: String,
    pub state: MatterState,
    pub stage: Option<u8>,
    pub category: String,
    pub summary: String,
    /// The last discussion in the IRO's supervision.
    pub last_supervision: Option<NaiveDate>,
    /// The last discussion in the social worker's or practice supervisor's supervision, counted apart.
    pub last_social_work_supervision: Option<NaiveDate>,
    pub since: Vec<Happened>,
    pub due_soon: Vec<Deadline>,
    pub overdue: Vec<Deadline>,
}

#[derive(Debug, Serialize)]
pub struct Happened {
    pub on: NaiveDate,
    pub what: String,
}

#[derive(Debug, Serialize)]
pub struct Deadline {
    pub item: String,
    pub due: NaiveDate,
    /// Working days from the as-of day to the deadline (negative once it has passed).
    pub working_days: i64,
}

pub fn run(ctx: &mut Context, args: &SupervisionArgs) -> anyhow::Result<Status> {
    let as_of = ctx.as_of(args.as_of)?;
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let iro = find_staff(&tx, &args.iro)?;
    let calendar = service_calendar(ctx, &tx)?;
    let horizon = calendar.add_working_days(as_of, args.within)?;
    // The IRO's caseload (with the caseload of anyone they cover for on the day) and each matter's steps:
    // as the record stands, or as it stood at the end of a day gone.
    let caseload: Vec<(Matter, Vec<Step>)> =
        match super::report::as_stood(as_of, args.as_known_on, ctx.today) {
            Some(known_on) => {
                let filter = ctx.due_filter(Some(iro.id.clone()), None, as_of);
                let mut caseload: Vec<(Matter, Vec<Step>)> =
                    crate::workflow::as_of::matters_as_stood(
                        &tx,
                        as_of,
                        known_on,
                        &filter,
                        crate::workflow::as_of::Wanted {
                            finished: false,
                            steps: true,
                        },
                    )?
                    .into_iter()
                    .map(|s| (s.matter, s.counting.into_iter().map(|l| l.step).collect()))
                    .collect();
                // As the listing orders them: newest first.
                caseload.sort_by(|(a, _), (b, _)| (b.raised_on, &b.id).cmp(&(a.raised_on, &a.id)));
                caseload
            }
            None => {
                let listed = tx.matters(&MatterFilter {
                    iro: Some(iro.id.clone()),
                    on: Some(as_of),
                    ..MatterFilter::default()
                })?;
                let mut caseload = Vec::new();
                for summary in listed.iter().filter(|l| !l.matter.state.is_finished()) {
                    let Some(m) = tx.matter(&summary.matter.id)? else {
                        continue;
                    };
                    // The steps that still count: a voided step (a supervision note among them)
                    // counts for nothing, as it stood and as it stands.
                    let log = crate::engine::corrections::effective(&tx.matter_log(&m.id)?)
                        .into_iter()
                        .map(|l| l.step)
                        .collect();
                    caseload.push((m, log));
                }
                caseload
            }
        };
    let mut items = Vec::new();
    for (m, log) in caseload {
        // Whose supervision a note records: the IRO service's, or the social worker's.
        let mut iro_service = std::collections::HashMap::new();
        let mut by_iro_service = |actor: &str| -> anyhow::Result<bool> {
            if let Some(known) = iro_service.get(actor) {
                return Ok(*known);
            }
            let role = tx.staff(actor)?.map(|s| s.role);
            let is = role.is_some_and(|r| {
                matches!(
                    r,
                    crate::model::Role::Iro
                        | crate::model::Role::IroTeamManager
                        | crate::model::Role::SeniorIroManager
                )
            });
            iro_service.insert(actor.to_string(), is);
            Ok(is)
        };
        let (mut last, mut last_social_work) = (None, None);
        for e in &log {
            if let Event::Noted {
                supervision: true, ..
            } = e.event
            {
                let slot = if by_iro_service(&e.actor)? {
                    &mut last
                } else {
                    &mut last_social_work
                };
                *slot = (*slot).max(Some(e.on));
            }
        }
        // What happened, in the words the messages use: people by name and role.
        let mut names: std::collections::HashMap<String, String> = std::collections::HashMap::new();
        for e in &log {
            for id in std::iter::once(e.actor.as_str()).chain(crate::notify::named_in(&e.event)) {
                if !names.contains_key(id) {
                    let shown = tx.staff(id)?.map_or_else(
                        || id.to_string(),
                        |s| format!("{} ({})", s.name, s.role.label()),
                    );
                    names.insert(id.to_string(), shown);
                }
            }
        }
        let name = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
        let since = log
            .iter()
            .filter(|e| last.is_none_or(|day| e.on > day))
            .map(|e| Happened {
                on: e.on,
                what: crate::notify::happened(&e.event, &name),
            })
            .collect();
        let (mut due_soon, mut overdue) = (Vec::new(), Vec::new());
        for (item, due) in deadlines(&m) {
            let deadline = Deadline {
                item,
                due,
                working_days: calendar.working_days_between(as_of, due)?,
            };
            if due < as_of {
                overdue.push(deadline);
            } else if due <= horizon {
                due_soon.push(deadline);
            }
        }
        items.push(SupervisionItem {
            matter: m.id.clone(),
            child: m.child.clone(),
            state: m.state,
            stage: m.stage.map(|s| s.number()),
            category: m.category.clone(),
            summary: m.summary.clone(),
            last_supervision: last,
            last_social_work_supervision: last_social_work,
            since,
            due_soon,
            overdue,
        });
    }
    if args.format == Format::Json {
        serde_json::to_writer_pretty(&mut *ctx.out, &items).map_err(std::io::Error::from)?;
        writeln!(ctx.out)?;
        return Ok(Status::Done);
    }
    if matches!(args.format, Format::Csv | Format::Xlsx) {
        let mut writer = RowWriter::new(args.format, false, false, &mut *ctx.out)?;
        for item in &items {
            let row = |kind: &'static str, on: NaiveDate, what: &str, days: Option<i64>| Agenda {
                matter: item.matter.clone(),
                child: item.child.clone(),
                state: item.state,
                stage: item.stage,
                last_supervision: item.last_supervision,
                last_social_work_supervision: item.last_social_work_supervision,
                kind,
                on,
                what: what.to_string(),
                working_days_overdue: days,
            };
            for d in &item.overdue {
                writer.row(&row("overdue", d.due, &d.item, Some(-d.working_days)))?;
            }
            for d in &item.due_soon {
                writer.row(&row("due-soon", d.due, &d.item, Some(-d.working_days)))?;
            }
            for h in &item.since {
                writer.row(&row("since", h.on, &h.what, None))?;
            }
        }
        writer.finish()?;
        return Ok(Status::Done);
    }
    writeln!(
        ctx.out,
        "Supervision for {} ({}) as of {as_of}: {} open matter(s)",
        iro.name,
        iro.id,
        items.len()
    )?;
    for item in &items {
        let stage = item
            .stage
            .map(|s| format!(" stage {s}"))
            .unwrap_or_default();
        writeln!(
            ctx.out,
            "\n{} {}{stage}  {}  {}: {}",
            item.matter, item.state, item.child, item.category, item.summary
        )?;
        match item.last_supervision {
            Some(day) => writeln!(
                ctx.out,
                "  last discussed in supervision {day}; since then:"
            )?,
            None => writeln!(ctx.out, "  never discussed in supervision; its record:")?,
        }
        if let Some(day) = item.last_social_work_supervision {
            writeln!(
                ctx.out,
                "  (last discussed in social work supervision {day})"
            )?;
        }
        if item.since.is_empty() {
            writeln!(ctx.out, "    nothing")?;
        }
        for h in &item.since {
            writeln!(ctx.out, "    {}  {}", h.on, h.what)?;
        }
        for d in &item.overdue {
            writeln!(
                ctx.out,
                "  overdue: {} due {} ({} working day(s) overdue)",
                d.item, d.due, -d.working_days
            )?;
        }
        for d in &item.due_soon {
            let when = match d.working_days {
                0 => "today".to_string(),
                n => format!("in {n} working day(s)"),
            };
            writeln!(ctx.out, "  due soon: {} due {} ({when})", d.item, d.due)?;
        }
    }
    Ok(Status::Done)
}

/// One thing to discuss, as a CSV row: an overdue or due-soon deadline, or a step since the last
/// supervision.
#[derive(Debug, Serialize)]
struct Agenda {
    matter: String,
    child: String,
    state: MatterState,
    stage: Option<u8>,
    last_supervision: Option<NaiveDate>,
    last_social_work_supervision: Option<NaiveDate>,
    /// `overdue`, `due-soon` or `since`.
    kind: &'static str,
    on: NaiveDate,
    what: String,
    /// For a deadline: working days past it (negative: still to come).
    working_days_overdue: Option<i64>,
}

impl Tabular for Agenda {
    fn sheet_name() -> &'static str {
        "supervision"
    }
    fn header() -> &'static [&'static str] {
        &[
            "matter",
            "child",
            "state",
            "stage",
            "last_supervision",
            "last_social_work_supervision",
            "kind",
            "on",
            "what",
            "working_days_overdue",
        ]
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::text(&self.matter),
            Field::text(&self.child),
            Field::value(self.state),
            Field::opt(self.stage),
            Field::opt(self.last_supervision),
            Field::opt(self.last_social_work_supervision),
            Field::value(self.kind),
            Field::value(self.on),
            Field::text(&self.what),
            Field::opt(self.working_days_overdue),
        ]
    }
}

/// The deadlines still running on a matter (the one definition, `Matter::running`), as supervision
/// names them.
fn deadlines(m: &Matter) -> Vec<(String, NaiveDate)> {
    m.running()
        .into_iter()
        .map(|d| {
            let what = match (d.item, d.action.and_then(|seq| m.action(seq))) {
                (DueItem::QapAction, Some(a)) => format!("action {}: {}", a.seq, a.text),
                (DueItem::StageResponse, _) => "stage response".to_string(),
                (DueItem::DrpResolution, _) => "EPCP/DRP resolution".to_string(),
                (DueItem::QapAction, None) => "an action".to_string(),
            };
            (what, d.due)
        })
        .collect()
}
