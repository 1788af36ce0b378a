//! The record as it stood at the end of a day (`--as-of`): every matter folded from the steps effective
//! by then, less those voided since, with the children's allocations of that day. With `known_on`, only
//! what had been recorded by then counts too: the record as it was known that day, as a night's report
//! printed it.

use chrono::NaiveDate;

use crate::engine::{corrections, Logged, Step};
use crate::model::{Cover, Matter};
use crate::store::reports::{DriftRow, DueFilter, DueRow, OpenMatter};
use crate::store::Tx;

/// A matter as it stood, with the child's IRO and team of that day.
#[derive(Debug, Clone)]
pub struct Stood {
    pub matter: Matter,
    pub iro: String,
    pub team: String,
    /// The child's social work team manager that day.
    pub team_manager: String,
    /// Who owed the response at the matter's stage that day (`Child::responder`).
    pub responder: Option<String>,
    /// The steps that counted then, corrections applied (when asked for: most reports need only the
    /// matter).
    pub counting: Vec<Logged>,
}

/// What a reading of the record as it stood includes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wanted {
    /// Finished matters too, not only those open at the end of the day.
    pub finished: bool,
    /// Each matter's steps that counted ([`Stood::counting`]).
    pub steps: bool,
}

/// The matters open (not resolved or closed) at the end of `day`, of the IRO and team `filter` names as
/// allocated that day (an IRO's includes whoever they covered for that day), in id order.
pub fn open_matters(
    tx: &Tx,
    day: NaiveDate,
    known_on: Option<NaiveDate>,
    filter: &DueFilter,
) -> anyhow::Result<Vec<Stood>> {
    matters_as_stood(tx, day, known_on, filter, Wanted::default())
}

/// The matters raised by the end of `day` as they stood then (finished ones too, and their steps, as
/// `wanted` says), of the IRO and team `filter` names as allocated that day, in id order.
pub fn matters_as_stood(
    tx: &Tx,
    day: NaiveDate,
    known_on: Option<NaiveDate>,
    filter: &DueFilter,
    wanted: Wanted,
) -> anyhow::Result<Vec<Stood>> {
    let finished = wanted.finished;
    let covers = tx.covers_on(day)?;
    let mut stood = Vec::new();
    // Only a matter raised by then, and not resolved by then as the record stands now, can have been
    // open (a resolution voided since leaves it open now too); as it was known, any resolution recorded
    // later did not count yet.
    for id in tx.matters_raised_by(day, finished || known_on.is_some())? {
        let log = log_as_it_stood(tx, &id, day, known_on)?;
        let Some(matter) = corrections::fold(&id, &log)? else {
            continue;
        };
        if matter.state.is_finished() && !finished {
            continue;
        }
        let Some(child) = tx.child_on(&matter.child, day)? else {
            continue;
        };
        if !filtered(filter, &child.iro, &child.team, &covers, day)
            || filter
                .iro_team_manager
                .as_deref()
                .is_some_and(|m| m != child.iro_team_manager)
        {
            continue;
        }
        stood.push(Stood {
            iro: child.iro.clone(),
            team: child.team.clone(),
            team_manager: child.team_manager.clone(),
            responder: matter
                .stage
                .and_then(|stage| {
                    child.responder(filter.resolving_roles[usize::from(stage.number() - 1)])
                })
                .map(str::to_string),
            counting: if wanted.steps {
                corrections::effective(&log)
            } else {
                Vec::new()
            },
            matter,
        });
    }
    Ok(stood)
}

fn filtered(filter: &DueFilter, iro: &str, team: &str, covers: &[Cover], day: NaiveDate) -> bool {
    let iro_fits = filter.iro.as_deref().is_none_or(|wanted| {
        wanted == iro
            || covers
                .iter()
                .any(|c| c.absent == iro && c.by == wanted && c.in_force_on(day))
    });
    iro_fits && filter.team.as_deref().is_none_or(|t| t == team)
}

/// One matter folded from the steps effective by `day` (and recorded by `known_on`), corrections
/// applied; none if it did not exist yet.
pub fn as_it_stood(
    tx: &Tx,
    id: &str,
    day: NaiveDate,
    known_on: Option<NaiveDate>,
) -> anyhow::Result<Option<Matter>> {
    Ok(corrections::fold(
        id,
        &log_as_it_stood(tx, id, day, known_on)?,
    )?)
}

/// A matter's steps effective by `day` (and recorded by `known_on`), with every correction recorded by
/// then, whenever it took effect.
fn log_as_it_stood(
    tx: &Tx,
    id: &str,
    day: NaiveDate,
    known_on: Option<NaiveDate>,
) -> anyhow::Result<Vec<Logged>> {
    let known = |recorded_at: &str| {
        known_on.is_none_or(|k| {
            recorded_at
                .get(..10)
                .and_then(|d| d.parse::<NaiveDate>().ok())
                .is_some_and(|d| d <= k)
        })
    };
    let log: Vec<Logged> = tx
        .matter_events(id)?
        .into_iter()
        // A void or amendment counts whenever it took effect: the record as it stood, corrected.
        .filter(|e| known(&e.recorded_at) && (e.event.is_correction() || e.effective_on <= day))
        .map(|e| Logged {
            id: e.id,
            step: Step {
                actor: e.actor,
                on: e.effective_on,
                event: e.event,
            },
        })
        .collect();
    Ok(log)
}

/// The deadlines running at the end of `day` and due by `through`, as the overdue report lists them
/// (`store::reports::DUE` for the record as it stands): earliest first, then by matter, item and action.
pub fn due_through(
    tx: &Tx,
    day: NaiveDate,
    through: NaiveDate,
    known_on: Option<NaiveDate>,
    filter: &DueFilter,
) -> anyhow::Result<Vec<DueRow>> {
    let mut rows = Vec::new();
    for s in open_matters(tx, day, known_on, filter)? {
        let m = &s.matter;
        for d in m.running().into_iter().filter(|d| d.due <= through) {
            let action = d.action.and_then(|seq| m.action(seq));
            rows.push(DueRow {
                matter: m.id.clone(),
                child: m.child.clone(),
                iro: s.iro.clone(),
                team: s.team.clone(),
                state: m.state,
                stage: m.stage,
                item: d.item,
                action: d.action,
                action_text: action.map(|a| a.text.clone()),
                owner: match d.item {
                    crate::model::DueItem::StageResponse => s.responder.clone(),
                    _ => action.map(|a| a.owner.clone()),
                },
                due: d.due,
            });
        }
    }
    rows.sort_by(|a, b| {
        (a.due, &a.matter, a.item.as_str(), a.action).cmp(&(
            b.due,
            &b.matter,
            b.item.as_str(),
            b.action,
        ))
    });
    Ok(rows)
}

/// The open matters as the caseload report reads them, as they stood.
pub fn open_as_of(
    tx: &Tx,
    day: NaiveDate,
    known_on: Option<NaiveDate>,
    filter: &DueFilter,
) -> anyhow::Result<Vec<OpenMatter>> {
    let mut open: Vec<OpenMatter> = open_matters(tx, day, known_on, filter)?
        .into_iter()
        .map(|s| {
            let m = s.matter;
            let next_action = m.first_open_action();
            OpenMatter {
                stage_response_due: m.stage_response_deadline(),
                next_action,
                id: m.id,
                child: m.child,
                state: m.state,
                stage: m.stage,
                iro: s.iro,
                team: s.team,
                category: m.category,
                raised_on: m.raised_on,
                drp_deadline: m.drp_deadline,
            }
        })
        .collect();
    // As the caseload report orders them: by state, stage, age.
    let rank = |s: crate::model::MatterState| match s {
        crate::model::MatterState::Consultation => 0,
        crate::model::MatterState::Qap => 1,
        crate::model::MatterState::Drp => 2,
        _ => 3,
    };
    open.sort_by(|a, b| {
        (rank(a.state), a.stage, a.raised_on, &a.id).cmp(&(
            rank(b.state),
            b.stage,
            b.raised_on,
            &b.id,
        ))
    });
    Ok(open)
}

/// What was drifting at the end of `day`, as the drift report lists it (`store::reports::DRIFT` for the
/// record as it stands): by since, matter, kind and action.
pub fn drift_as_of(
    tx: &Tx,
    thresholds: &crate::engine::drift::Thresholds,
    known_on: Option<NaiveDate>,
    filter: &DueFilter,
    team_manager: Option<&str>,
) -> anyhow::Result<Vec<DriftRow>> {
    let mut rows = Vec::new();
    let wanted = Wanted {
        finished: false,
        steps: true,
    };
    for s in matters_as_stood(tx, thresholds.as_of, known_on, filter, wanted)? {
        if team_manager.is_some_and(|t| t != s.team_manager) {
            continue;
        }
        let m = &s.matter;
        for d in crate::engine::drift::drifting(m, &s.counting, thresholds) {
            let action = d.action.and_then(|seq| m.action(seq));
            rows.push(DriftRow {
                kind: d.kind.to_string(),
                matter: m.id.clone(),
                child: m.child.clone(),
                iro: s.iro.clone(),
                team: s.team.clone(),
                team_manager: s.team_manager.clone(),
                state: m.state,
                stage: m.stage,
                since: d.since,
                action: d.action,
                action_text: action.map(|a| a.text.clone()),
                owner: action.map(|a| a.owner.clone()),
                count: d.count,
            });
        }
    }
    rows.sort_by(|a, b| {
        (a.since, &a.matter, &a.kind, a.action).cmp(&(b.since, &b.matter, &b.kind, b.action))
    });
    Ok(rows)
}

/// Matters as a listing shows them, as they stood at the end of `day`: newest first.
pub fn listed_as_of(
    tx: &Tx,
    day: NaiveDate,
    known_on: Option<NaiveDate>,
    filter: &DueFilter,
) -> anyhow::Result<Vec<crate::model::Listed>> {
    let mut listed: Vec<crate::model::Listed> = matters_as_stood(
        tx,
        day,
        known_on,
        filter,
        Wanted {
            finished: true,
            steps: false,
        },
    )?
    .into_iter()
    .map(|s| {
        let mut m = s.matter;
        let first_open_action = m.first_open_action();
        let stage_response = m.stage_response_deadline();
        // A listing shows a matter's facts without its actions, stages and referrals.
        m.actions.clear();
        m.stages.clear();
        m.referrals.clear();
        crate::model::Listed {
            first_open_action,
            stage_response,
            matter: m,
        }
    })
    .collect();
    listed.sort_by(|a, b| {
        (b.matter.raised_on, &b.matter.id).cmp(&(a.matter.raised_on, &a.matter.id))
    });
    Ok(listed)
}
