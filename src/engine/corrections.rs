//! Mistakes corrected, never erased (rule 15): a step voided ("entered in error"), a step's text
//! amended, an action withdrawn.
//!
//! A void and an amendment are steps of their own, kept on the chain beside the step they correct. What
//! a matter is is the fold of the steps that still count: [`effective`] takes a matter's log and gives
//! those steps, voided ones left out and amended ones with their corrected text, and [`fold`] runs
//! `evolve` over them. The store writes that fold, the audit's replay computes it the same way, and a
//! correction that would leave a later step with nothing to stand on is refused, naming the step to
//! void first ([`consistent`]).

use std::collections::HashMap;

use super::authority::{may_in_role, Act};
use super::event::{evolve, Event, Inconsistent, Step};
use super::refusal::{refuse, Refusal, Rule};
use super::Judge;
use crate::model::{ActionStatus, Matter, MatterState};

/// A correction someone asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correction {
    Void {
        event: i64,
        reason: String,
    },
    Amend {
        event: i64,
        text: String,
        reason: String,
    },
    Withdraw {
        seq: u32,
        reason: String,
    },
}

/// One step of a matter's log with the id of its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub id: i64,
    pub step: Step,
}

/// What the corrections on a log come to: each voided step with the void that voided it and why, and
/// each amended step with its latest amendment (event, text, reason).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corrected {
    pub voided: HashMap<i64, (i64, String)>,
    pub amended: HashMap<i64, (i64, String, String)>,
}

/// The corrections in force on a log. A void counts unless it was itself voided (voiding a void
/// restores the step); an amendment counts unless voided, and the latest one that counts wins.
pub fn corrected(log: &[Logged]) -> Corrected {
    corrected_events(log.iter().map(|l| (l.id, &l.step.event)))
}

/// [`corrected`] over events and their ids, in the order recorded (a chronology's rows, say).
pub fn corrected_events<'a>(
    log: impl DoubleEndedIterator<Item = (i64, &'a Event)> + Clone,
) -> Corrected {
    // Voids only ever name earlier events, so from the last event back, whether each void counts is
    // known before the void it names is reached.
    let mut voided: HashMap<i64, (i64, String)> = HashMap::new();
    for (id, e) in log.clone().rev() {
        if let Event::Voided { event, reason } = e {
            if !voided.contains_key(&id) && !voided.contains_key(event) {
                voided.insert(*event, (id, reason.clone()));
            }
        }
    }
    let mut amended: HashMap<i64, (i64, String, String)> = HashMap::new();
    for (id, e) in log {
        if let Event::Amended {
            event,
            text,
            reason,
        } = e
        {
            if !voided.contains_key(&id) {
                amended.insert(*event, (id, text.clone(), reason.clone()));
            }
        }
    }
    Corrected { voided, amended }
}

/// How a step reads once corrected: its description (with the amended text, if amended), and what
/// voided or amended it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub what: String,
    /// The void that voided it and its reason.
    pub voided: Option<(i64, String)>,
    /// The amendment that counts, its reason, and how the step was first recorded.
    pub amended: Option<(i64, String, String)>,
}

impl Shown {
    /// One line for plain text: the mark of a void or an amendment before or after the step.
    pub fn line(&self) -> String {
        match (&self.voided, &self.amended) {
            (Some((by, reason)), _) => {
                format!("VOIDED by event {by} ({reason}): {}", self.what)
            }
            (None, Some((by, reason, first))) => format!(
                "{} [amended by event {by}: {reason}; first recorded as: {first}]",
                self.what
            ),
            (None, None) => self.what.clone(),
        }
    }
}

impl Corrected {
    /// How event `id` reads, corrected.
    pub fn show(&self, id: i64, event: &Event) -> Shown {
        let amended = self.amended.get(&id).and_then(|(by, text, reason)| {
            Some((*by, reason.clone(), event.describe(), event.amended(text)?))
        });
        match amended {
            Some((by, reason, first, now)) => Shown {
                what: now.describe(),
                voided: self.voided.get(&id).cloned(),
                amended: Some((by, reason, first)),
            },
            None => Shown {
                what: event.describe(),
                voided: self.voided.get(&id).cloned(),
                amended: None,
            },
        }
    }
}

/// The steps of a log that still count, in order: voided ones left out, amended ones with their
/// corrected text, and the corrections themselves (which take no matter anywhere) left out.
pub fn effective(log: &[Logged]) -> Vec<Logged> {
    let corrected = corrected(log);
    log.iter()
        .filter(|l| !l.step.event.is_correction() && !corrected.voided.contains_key(&l.id))
        .map(|l| {
            let mut l = l.clone();
            if let Some((_, text, _)) = corrected.amended.get(&l.id) {
                if let Some(event) = l.step.event.amended(text) {
                    l.step.event = event;
                }
            }
            l
        })
        .collect()
}

/// The matter a log leaves: `evolve` over the steps that still count.
pub fn fold(id: &str, log: &[Logged]) -> Result<Option<Matter>, Inconsistent> {
    let mut state = None;
    for logged in effective(log) {
        state = Some(evolve(state, id, &logged.step)?);
    }
    Ok(state)
}

/// Whether steps that count still follow one from another once some are voided: each acts on what is
/// there (an action that exists and is open, the stage it raises from, a referral awaiting a decision),
/// and nothing but a record is added to a finished matter. The first step that does not, with why.
pub fn consistent(id: &str, steps: &[Logged]) -> Result<Option<Matter>, (i64, String)> {
    let mut state: Option<Matter> = None;
    for logged in steps {
        if let Some(matter) = &state {
            stands_on(matter, &logged.step).map_err(|why| (logged.id, why))?;
        }
        state = Some(evolve(state, id, &logged.step).map_err(|e| (logged.id, e.why.to_string()))?);
    }
    Ok(state)
}

/// What a step needs of the matter before it: the order the rules give (rules 2 to 9), without the
/// people and dates only the directory of its day could judge.
fn stands_on(matter: &Matter, step: &Step) -> Result<(), String> {
    let event = &step.event;
    let open_action = |seq: &u32| match matter.action(*seq) {
        Some(a) if a.status == ActionStatus::Open => Ok(()),
        Some(a) => Err(format!("action {seq} is {}", a.status)),
        None => Err(format!("action {seq} would not exist")),
    };
    let records_only = matches!(
        event,
        Event::Noted { .. }
            | Event::LegalAdviceSought { .. }
            | Event::SeniorManagerBriefed { .. }
            | Event::CafcassDecided { .. }
    );
    if matter.state.is_finished() && !records_only {
        return Err(format!("the matter would be {} before it", matter.state));
    }
    match event {
        Event::ActionExtended { seq, .. }
        | Event::ActionCompleted { seq, .. }
        | Event::ActionWithdrawn { seq, .. } => open_action(seq),
        Event::ActionReassigned { seq, .. } => match matter.action(*seq) {
            Some(_) => Ok(()),
            None => Err(format!("action {seq} would not exist")),
        },
        Event::Challenged { .. } if matter.state != MatterState::Qap => {
            Err("there would be no QAP to challenge".into())
        }
        Event::QapRaised { opening: None, .. } if matter.state != MatterState::Consultation => {
            Err("there would be no consultation to raise the QAP from".into())
        }
        Event::DrpEntered { opening: None, .. } if matter.state == MatterState::Drp => {
            Err("the matter would be in EPCP/DRP already".into())
        }
        Event::StageRaised { from, .. } if matter.stage != Some(*from) => Err(format!(
            "the matter would not be at stage {from} to raise it from"
        )),
        Event::MeetingHeld { .. }
            if matter.state != MatterState::Drp
                || matter.stage.is_none_or(|s| s == crate::model::Stage::FIRST) =>
        {
            Err("the matter would not be at stage 2 or 3 of EPCP/DRP for a formal meeting".into())
        }
        Event::StageRaised { .. } if matter.state != MatterState::Drp => {
            Err("the matter would not be in EPCP/DRP to go up a stage".into())
        }
        Event::ActionsAdded { .. }
            if !matches!(
                matter.state,
                MatterState::Qap | MatterState::Drp | MatterState::Cafcass
            ) =>
        {
            Err("there would be no QAP or alert form to add actions to".into())
        }
        Event::ReferredToCafcass { .. } if matter.state != MatterState::Drp => {
            Err("the matter would not be in EPCP/DRP to refer to CAFCASS".into())
        }
        Event::ReferredToCafcass {
            referral: crate::model::ReferralKind::Formal,
            ..
        } if matter.stage != Some(crate::model::Stage::LAST)
            && matter.drp_deadline.is_none_or(|d| step.on <= d) =>
        {
            Err("a formal referral would come before stage 3 and before the resolution period had passed".into())
        }
        Event::CafcassDecided { .. } if matter.referrals.iter().all(|r| r.decision.is_some()) => {
            Err("no referral would be waiting on a decision".into())
        }
        _ => Ok(()),
    }
}

/// A correction is never dated before the step it corrects (rule 11).
fn not_before(target: &Logged, on: chrono::NaiveDate) -> Result<(), Refusal> {
    if on < target.step.on {
        return refuse(
            Rule::EffectiveDate,
            format!(
                "the correction is dated {on}, before the step it corrects (event {}, on {})",
                target.id, target.step.on
            ),
        );
    }
    Ok(())
}

/// Judges a correction on `matter`, whose log is `log`: the event to record, or why not.
///
/// A step is corrected by its author, or by an IRO team manager or the senior IRO manager; an action
/// is withdrawn by the author of the step that gave it, or by them.
pub fn correct(
    matter: &Matter,
    log: &[Logged],
    correction: &Correction,
    judge: &Judge,
) -> Result<Event, Refusal> {
    judge.not_in_the_future()?;
    let find = |event: i64| -> Result<&Logged, Refusal> {
        match log.iter().find(|l| l.id == event) {
            Some(l) => Ok(l),
            None => refuse(
                Rule::Corrections,
                format!("event {event} is not a step on matter {}", matter.id),
            ),
        }
    };
    let corrected = corrected(log);
    let author_or_manager = |author: &str, what: &str| -> Result<(), Refusal> {
        if judge.actor.id == author {
            return Ok(());
        }
        may_in_role(judge.actor, Act::Correct).map_err(|_| {
            Refusal::new(
                Rule::Corrections,
                format!(
                    "{} did not take {what}: only its author ({author}), an IRO team manager or the senior IRO manager may correct it",
                    judge.actor.id
                ),
            )
        })
    };
    match correction {
        Correction::Void { event, reason } => {
            let target = find(*event)?;
            if let Some((by, _)) = corrected.voided.get(event) {
                return refuse(
                    Rule::Corrections,
                    format!("event {event} was voided already, by event {by}"),
                );
            }
            if log.first().map(|l| l.id) == Some(*event) {
                return refuse(
                    Rule::Corrections,
                    format!(
                        "event {event} opened matter {}, and every later step stands on it: a matter opened in error is resolved, saying so",
                        matter.id
                    ),
                );
            }
            author_or_manager(&target.step.actor, &format!("event {event}"))?;
            not_before(target, judge.on)?;
            let voided = Event::Voided {
                event: *event,
                reason: reason.clone(),
            };
            let mut after = log.to_vec();
            after.push(Logged {
                id: i64::MAX,
                step: Step {
                    actor: judge.actor.id.clone(),
                    on: judge.on,
                    event: voided.clone(),
                },
            });
            if let Err((later, why)) = consistent(&matter.id, &effective(&after)) {
                let kind = log
                    .iter()
                    .find(|l| l.id == later)
                    .map(|l| l.step.event.kind())
                    .unwrap_or("step");
                let restoring = matches!(target.step.event, Event::Voided { .. });
                return refuse(
                    Rule::Corrections,
                    if restoring {
                        format!("restoring what event {event} voided would leave event {later} ({kind}) standing on nothing: {why}; void event {later} first")
                    } else {
                        format!("event {later} ({kind}) depends on event {event}: without it, {why}; void event {later} first")
                    },
                );
            }
            Ok(voided)
        }
        Correction::Amend {
            event,
            text,
            reason,
        } => {
            let target = find(*event)?;
            if let Some((by, _)) = corrected.voided.get(event) {
                return refuse(
                    Rule::Corrections,
                    format!("event {event} was voided by event {by}: a voided step is not amended"),
                );
            }
            let Some(field) = target.step.event.amendable() else {
                return refuse(
                    Rule::Corrections,
                    format!(
                        "event {event} ({}) carries no summary, reason, outcome or note to amend",
                        target.step.event.kind()
                    ),
                );
            };
            author_or_manager(&target.step.actor, &format!("event {event}"))?;
            not_before(target, judge.on)?;
            let current = match corrected.amended.get(event) {
                Some((_, text, _)) => target.step.event.amended(text),
                None => Some(target.step.event.clone()),
            };
            if current == target.step.event.amended(text) {
                return refuse(
                    Rule::Corrections,
                    format!("event {event}'s {field} reads that already"),
                );
            }
            Ok(Event::Amended {
                event: *event,
                text: text.clone(),
                reason: reason.clone(),
            })
        }
        Correction::Withdraw { seq, reason } => {
            if judge.on < matter.last_step_on {
                return refuse(
                    Rule::EffectiveDate,
                    format!(
                        "the withdrawal is dated {}, before matter {}'s last step on {}",
                        judge.on, matter.id, matter.last_step_on
                    ),
                );
            }
            if matter.state.is_finished() {
                return refuse(
                    Rule::Finished,
                    format!(
                        "matter {} is {}: nothing changes it",
                        matter.id, matter.state
                    ),
                );
            }
            match matter.action(*seq) {
                None => {
                    return refuse(
                        Rule::Actions,
                        format!("matter {} has no action {seq}", matter.id),
                    )
                }
                Some(a) if a.status != ActionStatus::Open => {
                    return refuse(
                        Rule::Actions,
                        format!("action {seq} of matter {} is {}", matter.id, a.status),
                    )
                }
                Some(_) => {}
            }
            let author = effective(log)
                .into_iter()
                .find(|l| match &l.step.event {
                    Event::QapRaised { actions, .. }
                    | Event::MeetingHeld { actions, .. }
                    | Event::ActionsAdded { actions } => actions.iter().any(|a| a.seq == *seq),
                    _ => false,
                })
                .map(|l| l.step.actor)
                .unwrap_or_default();
            author_or_manager(&author, &format!("the step that gave action {seq}"))?;
            Ok(Event::ActionWithdrawn {
                seq: *seq,
                reason: reason.clone(),
            })
        }
    }
}
