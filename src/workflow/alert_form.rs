//! The alert form of a matter at any numbered revision: "this form clarifies actions and timescales and
//! is shared with relevant parties at the 3 stages" (rule 5).

use chrono::NaiveDate;

use super::{find_child, find_matter};
use crate::calendar::Calendar;
use crate::engine::{corrections, Event};
use crate::error::Problem;
use crate::model::{Matter, MatterState};
use crate::notify::Recipient;
use crate::render;
use crate::store::Tx;

/// The alert form of matter `id` (as typed) at `revision`, the current one when `None`.
pub fn of(
    tx: &Tx,
    calendar: &Calendar,
    id: &str,
    revision: Option<usize>,
    as_of: NaiveDate,
    redact: bool,
) -> anyhow::Result<render::AlertForm> {
    let matter = find_matter(tx, id)?;
    build(tx, calendar, &matter, revision, as_of, redact)
}

/// The alert form of a matter at one numbered revision (the current one when `revision` is `None`).
///
/// Every change to the form (entry to EPCP/DRP, a new stage, new or revised actions and timescales, a
/// formal meeting) is a revision. A revision is the matter's events folded up to that change, so any
/// earlier form can be shown exactly as it stood, with what changed since the one before.
pub fn build(
    tx: &Tx,
    calendar: &Calendar,
    current: &Matter,
    revision: Option<usize>,
    as_of: NaiveDate,
    redact: bool,
) -> anyhow::Result<render::AlertForm> {
    let log = tx.matter_log(&current.id)?;
    // The form is created on entry to EPCP/DRP; changes to a QAP before it are not revisions of it.
    // A revision once made stays one: a step voided later is still the revision it was, and the void
    // (or an amendment) is a revision of its own (rule 15).
    let created = log
        .iter()
        .position(|l| matches!(l.step.event, Event::DrpEntered { .. }))
        .unwrap_or(log.len());
    let points: Vec<usize> = (created..log.len())
        .filter(|&i| {
            let event = &log[i].step.event;
            event.revises_alert_form() || event.is_correction()
        })
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
    // As of a day gone, with no revision asked for: the form as it stood then, its last revision by the
    // end of that day.
    let as_stood = if revision.is_none() && as_of < current.last_step_on {
        match points.iter().rposition(|&i| log[i].step.on <= as_of) {
            Some(p) => Some(p + 1),
            None => {
                return Err(Problem::Usage(format!(
                    "matter {} had no alert form yet on {as_of}: it entered EPCP/DRP on {}",
                    current.id, log[points[0]].step.on
                ))
                .into())
            }
        }
    } else {
        None
    };
    let revision = revision.or(as_stood);
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
    // The corrections as they stood at this revision.
    let corrected = corrections::corrected(&log[..=end]);
    let changes: Vec<String> = log[since..=end]
        .iter()
        .map(|l| {
            let shown = corrected.show(l.id, &l.step.event);
            format!("{}: {}", l.step.on, shown.line())
        })
        .collect();
    let voided: Vec<render::VoidedStep> = log[..=end]
        .iter()
        .filter_map(|l| {
            let (by, reason) = corrected.voided.get(&l.id)?;
            Some(render::VoidedStep {
                event: l.id,
                effective_on: l.step.on,
                what: l.step.event.describe(),
                voided_by: *by,
                reason: reason.clone(),
            })
        })
        .collect();
    // The form as the steps that counted then leave it.
    let m = corrections::fold(&current.id, &log[..=end])?.unwrap_or_else(|| current.clone());
    let (Some(entered), Some(deadline)) = (m.drp_entered_on, m.drp_deadline) else {
        anyhow::bail!(
            "matter {}: a revision of its alert form comes before it entered EPCP/DRP",
            m.id
        );
    };
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
    // Who was told of each stage: what the step queued, with the addresses as they were that day,
    // never recomputed from today's directory.
    let stage_events = tx.stage_events(&m.id)?;
    let mut notified = Vec::new();
    for s in &m.stages {
        let event = stage_events
            .iter()
            .find(|(stage, _)| *stage == s.stage)
            .map(|(_, event)| *event);
        let queued = match event {
            Some(event) => tx.outbox_for_event(event)?,
            None => Vec::new(),
        };
        let as_person = |r: &Recipient| -> anyhow::Result<render::Person> {
            let role = tx.staff_on(&r.id, s.entered_on)?.map(|st| st.role);
            Ok(render::Person {
                id: r.id.clone(),
                name: match &r.covering_for {
                    Some(absent) => format!("{} (covering for {absent})", r.name),
                    None => r.name.clone(),
                },
                role,
                email: Some(r.email.clone()),
            })
        };
        let notice = match queued.first() {
            Some(message) => render::Notice {
                stage: s.stage,
                entered_on: s.entered_on,
                to: message.to.iter().map(as_person).collect::<anyhow::Result<_>>()?,
                copy: message.cc.iter().map(as_person).collect::<anyhow::Result<_>>()?,
                delivery: Some(message.status.to_string()),
                note: (!message.missing.is_empty())
                    .then(|| format!("Could not be told: {}.", message.missing.join("; "))),
            },
            None => render::Notice {
                stage: s.stage,
                entered_on: s.entered_on,
                to: Vec::new(),
                copy: Vec::new(),
                delivery: None,
                note: Some(
                    "No message was queued for this step (it was imported or generated): nobody was notified by iro."
                        .into(),
                ),
            },
        };
        notified.push(notice);
    }
    // Each action's due dates as the events set them, up to this revision.
    let mut history: Vec<(u32, render::DueSet)> = Vec::new();
    for e in corrections::effective(&log[..=end]) {
        let (e, set_on) = (e.step.event, e.step.on);
        match &e {
            Event::QapRaised { actions, .. }
            | Event::MeetingHeld { actions, .. }
            | Event::ActionsAdded { actions } => {
                for a in actions {
                    history.push((
                        a.seq,
                        render::DueSet {
                            due: a.due,
                            set_on,
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
                    set_on,
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
    // Who took it into each stage, and its meetings, from the steps that counted then.
    let mut escalations = Vec::new();
    let mut meetings = Vec::new();
    for l in corrections::effective(&log[..=end]) {
        match &l.step.event {
            Event::DrpEntered { stage, .. } | Event::StageRaised { to: stage, .. } => escalations
                .push(render::Escalation {
                    stage: *stage,
                    on: l.step.on,
                    by: person(&l.step.actor)?,
                }),
            Event::MeetingHeld {
                chair,
                attendees,
                actions,
            } => meetings.push(render::FormMeeting {
                on: l.step.on,
                chair: person(chair)?,
                attendees: attendees
                    .iter()
                    .map(|a| person(a))
                    .collect::<Result<_, _>>()?,
                actions: actions.iter().map(|a| a.seq).collect(),
            }),
            _ => {}
        }
    }
    Ok(render::AlertForm {
        escalations,
        meetings,
        matter: m.id.clone(),
        revision: number,
        revisions,
        changes,
        voided,
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
