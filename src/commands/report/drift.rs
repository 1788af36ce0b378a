//! `report drift`: what the overdue report does not show. A matter can be on time at every deadline and
//! still be going nowhere: no step for weeks, an action extended again and again, a QAP whose actions are
//! all done but that nobody resolved, a consultation that never became anything, EPCP/DRP past its
//! deadline with nothing since, a formal referral CAFCASS has not decided.

use chrono::{Days, NaiveDate};
use serde::Serialize;

use super::super::{service_calendar, Context};
use super::DriftArgs;
use crate::error::Status;
use crate::model::{MatterState, Stage};
use crate::render::{Field, RowWriter, Tabular};
use crate::store::reports::{DriftQuery, DriftRow};

/// One drifting matter, or action, as the report shows it.
#[derive(Debug, Serialize)]
pub struct Drifting {
    pub matter: String,
    pub child: String,
    pub iro: String,
    pub team: String,
    pub team_manager: String,
    pub state: MatterState,
    pub stage: Option<Stage>,
    /// `no-step`, `extended`, `all-done`, `long-consultation`, `past-deadline`, `awaiting-cafcass`.
    pub kind: String,
    pub action: Option<u32>,
    /// Since when it has drifted, and how many working days that is to the as-of day.
    pub since: NaiveDate,
    pub working_days: i64,
    /// The drift in words.
    pub what: String,
}

impl Tabular for Drifting {
    fn sheet_name() -> &'static str {
        "drift"
    }
    fn header() -> &'static [&'static str] {
        &[
            "matter",
            "child",
            "iro",
            "team",
            "team_manager",
            "state",
            "stage",
            "kind",
            "action",
            "since",
            "working_days",
            "what",
        ]
    }

    fn fields(&self) -> Vec<Field> {
        vec![
            Field::text(&self.matter),
            Field::text(&self.child),
            Field::text(&self.iro),
            Field::text(&self.team),
            Field::text(&self.team_manager),
            Field::value(self.state),
            Field::opt(self.stage),
            Field::text(&self.kind),
            Field::opt(self.action),
            Field::value(self.since),
            Field::value(self.working_days),
            Field::text(&self.what),
        ]
    }

    fn overdue(&self) -> bool {
        true
    }

    fn table_header() -> &'static [&'static str] {
        &[
            "matter",
            "child",
            "IRO",
            "team",
            "since",
            "working days",
            "drift",
        ]
    }

    fn table_cells(&self) -> Vec<String> {
        vec![
            self.matter.clone(),
            self.child.clone(),
            self.iro.clone(),
            self.team.clone(),
            self.since.to_string(),
            self.working_days.to_string(),
            self.what.clone(),
        ]
    }
}

/// The drift in words.
fn what(row: &DriftRow, days: i64, max_extensions: u32) -> String {
    let action = || match (&row.action, &row.action_text) {
        (Some(seq), Some(text)) => format!("action {seq} ({text})"),
        _ => "an action".to_string(),
    };
    match row.kind.as_str() {
        "no-step" => format!("no step for {days} working days (last on {})", row.since),
        "extended" => format!(
            "{} extended {} times (the policy's limit is {max_extensions}), owner {}",
            action(),
            row.count.unwrap_or_default(),
            row.owner.as_deref().unwrap_or_default()
        ),
        "all-done" => format!(
            "all {} action(s) done (the last on {}) but the QAP is not resolved",
            row.count.unwrap_or_default(),
            row.since
        ),
        "long-consultation" => {
            format!("in consultation for {days} working days without a QAP or a resolution")
        }
        "past-deadline" => format!(
            "EPCP/DRP resolution deadline {} passed {days} working days ago, with no escalation, referral or resolution since",
            row.since
        ),
        "awaiting-cafcass" => format!(
            "formal referral to CAFCASS on {} awaiting its decision for {days} working days",
            row.since
        ),
        other => other.to_string(),
    }
}

pub fn drift(ctx: &mut Context, args: &DriftArgs) -> anyhow::Result<Status> {
    let as_of = ctx.as_of(args.as_of)?;
    let policy = ctx.policy.clone();
    let mut store = ctx.open()?;
    let tx = store.read()?;
    let calendar = service_calendar(ctx, &tx)?;
    // A working day is a day: these calendar-day bounds hold every matter the thresholds could catch,
    // and the working-day count below decides.
    let back = |n: u32| {
        as_of
            .checked_sub_days(Days::new(u64::from(n)))
            .unwrap_or(as_of)
    };
    let query = DriftQuery {
        as_of,
        idle_by: back(policy.drift_days),
        consulting_by: back(policy.consultation_days),
        max_extensions: policy.max_extensions,
        iro: args.iro.clone(),
        team: args.team.clone(),
        team_manager: args.team_manager.clone(),
    };
    let rows = match super::as_stood(as_of, args.as_known_on, ctx.today) {
        // A day gone: each matter as it stood, judged by the same rules as the store's statement.
        Some(known_on) => {
            let thresholds = crate::engine::drift::Thresholds {
                as_of,
                idle_by: query.idle_by,
                consulting_by: query.consulting_by,
                max_extensions: query.max_extensions,
            };
            let filter = ctx.due_filter(args.iro.clone(), args.team.clone(), as_of);
            crate::workflow::as_of::drift_as_of(
                &tx,
                &thresholds,
                known_on,
                &filter,
                args.team_manager.as_deref(),
            )?
        }
        None => tx.drift(&query)?,
    };
    let mut writer = RowWriter::new(args.format, args.raw, ctx.colour, &mut *ctx.out)?;
    for row in rows {
        let days = calendar.working_days_between(row.since, as_of)?;
        let threshold = match row.kind.as_str() {
            "no-step" => i64::from(policy.drift_days),
            "long-consultation" => i64::from(policy.consultation_days),
            _ => 0,
        };
        if days < threshold {
            continue;
        }
        writer.row(&Drifting {
            what: what(&row, days, policy.max_extensions),
            matter: row.matter,
            child: row.child,
            iro: row.iro,
            team: row.team,
            team_manager: row.team_manager,
            state: row.state,
            stage: row.stage,
            kind: row.kind,
            action: row.action,
            since: row.since,
            working_days: days,
        })?;
    }
    let rows = writer.finish()?;
    writeln!(ctx.err, "{rows} drifting as of {as_of}")?;
    if args.fail_if_any && rows > 0 {
        return Ok(Status::Overdue);
    }
    Ok(Status::Done)
}
