//! `iro report supervision --iro ID`: what an IRO brings to supervision: each open matter, what
//! happened since it was last discussed there, what falls due soon and what is overdue.

use chrono::NaiveDate;
use clap::Args;
use serde::Serialize;

use super::{find_staff, service_calendar, Context};
use crate::dates::parse_date;
use crate::engine::Event;
use crate::error::Status;
use crate::model::{DueItem, Matter, MatterState};
use crate::render::Format;
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
    /// The day to report as of [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
    /// How far ahead "due soon" looks, in working days
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub within: u32,
    /// table or json
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
    pub last_supervision: Option<NaiveDate>,
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
    let as_of = args.as_of.unwrap_or(ctx.today);
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let iro = find_staff(&tx, &args.iro)?;
    let calendar = service_calendar(ctx, &tx)?;
    let horizon = calendar.add_working_days(as_of, args.within)?;
    // The IRO's caseload as allocated now, with the caseload of anyone they cover for on the day.
    let listed = tx.matters(&MatterFilter {
        iro: Some(iro.id.clone()),
        on: Some(as_of),
        ..MatterFilter::default()
    })?;
    let mut items = Vec::new();
    for summary in listed.iter().filter(|l| !l.matter.state.is_finished()) {
        let Some(m) = tx.matter(&summary.matter.id)? else {
            continue;
        };
        let log = tx.matter_events(&m.id)?;
        let last = log
            .iter()
            .filter(|e| {
                matches!(
                    e.event,
                    Event::Noted {
                        supervision: true,
                        ..
                    }
                )
            })
            .map(|e| e.effective_on)
            .max();
        let since = log
            .iter()
            .filter(|e| last.is_none_or(|day| e.effective_on > day))
            .map(|e| Happened {
                on: e.effective_on,
                what: e.event.describe(),
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
        if item.since.is_empty() {
            writeln!(ctx.out, "    nothing")?;
        }
        for h in &item.since {
            writeln!(ctx.out, "    {}  {}", h.on, h.what)?;
        }
        for (label, list) in [("overdue", &item.overdue), ("due soon", &item.due_soon)] {
            for d in list {
                writeln!(
                    ctx.out,
                    "  {label}: {} due {} ({} working day(s))",
                    d.item, d.due, d.working_days
                )?;
            }
        }
    }
    Ok(Status::Done)
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
