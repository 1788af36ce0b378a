//! The rule engine: judges one requested step against the protocol and says what to record.
//!
//! Pure: it takes the matter as it stands, the request, who is asking, the effective date, today, the
//! policy and the calendar, and returns the events to record or a `Refusal` naming the rule. It never
//! reads the clock, the database or the terminal, and imports nothing but the model and the calendar
//! (and serde_json, to read back a step whose kind is not first): the operations layer resolves names
//! to records before calling it and hands its events to the store.
//!
//! [`open`] judges the steps that open a matter ([`Opening`]); [`decide`] the steps on a matter that
//! exists ([`Request`]), one function per request in [`steps`]. Who may take each step is the one table
//! in [`authority`]. Rules are cited by their number in `docs/protocol.md`.

pub mod authority;
pub mod corrections;
pub mod directory;
pub mod drift;
mod event;
mod kind_first;
mod policy;
mod refusal;
mod request;
mod steps;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::model::{Action, ActionStatus, Child, Matter, MatterState, Staff, Stage};

pub use authority::{may, Act, Authority, WHO_MAY};
pub use corrections::{Correction, Logged};
pub use directory::Change;
pub use event::{evolve, Delivery, Entry, Event, Inconsistent, Mail, Opened, Step, MAIL_KINDS};
pub use policy::{Policy, DEFAULT_CATEGORIES};
use refusal::refuse;
pub use refusal::{Refusal, Rule};
pub use request::{Concern, NewAction, Opening, Request, Timescale};

/// Everything a judgement depends on besides the matter and the request.
#[derive(Debug, Clone, Copy)]
pub struct Judge<'a> {
    pub actor: &'a Staff,
    /// The child the matter is about, with their allocation now.
    pub child: &'a Child,
    /// The day the step took effect (`--on`, else today).
    pub on: NaiveDate,
    pub today: NaiveDate,
    pub policy: &'a Policy,
    pub calendar: &'a Calendar,
    /// The covers in force on the step's day: who acts for whom.
    pub covers: &'a [crate::model::Cover],
    /// The day the people the step concerns are told of it, when they are (a step typed now, not one
    /// imported from history): a back-dated QAP's challenge window runs from the day the team manager
    /// hears of it, not from a day already past (rule 3).
    pub told_on: Option<NaiveDate>,
}

impl Judge<'_> {
    /// No step is dated after today (rule 11), nor taken by someone who had left by its day (rule 12).
    fn not_in_the_future(&self) -> Result<(), Refusal> {
        if !self.actor.in_post_on(self.on) {
            return refuse(
                Rule::WhoMayAct,
                format!(
                    "{} left on {}: they take no step after that day",
                    self.actor.id,
                    self.actor
                        .left_on
                        .map(|d| d.to_string())
                        .unwrap_or_default()
                ),
            );
        }
        if self.on > self.today {
            return refuse(
                Rule::EffectiveDate,
                format!(
                    "the step is dated {}, which is in the future (today is {})",
                    self.on, self.today
                ),
            );
        }
        Ok(())
    }
}

/// Judges a step that opens a new matter about the judge's child.
pub fn open(opening: &Opening, judge: &Judge) -> Result<Vec<Event>, Refusal> {
    judge.not_in_the_future()?;
    let child = judge.child;
    if !child.looked_after_on(judge.on) {
        return refuse(
            Rule::Directory,
            format!(
                "{} stopped being looked after on {} ({}): no new matter is opened after that day",
                child.reference,
                child.ceased_on.map(|d| d.to_string()).unwrap_or_default(),
                child.cease_reason.as_deref().unwrap_or("no reason given")
            ),
        );
    }
    let opened = |concern: &Concern| Opened {
        child: child.reference.clone(),
        iro: child.iro.clone(),
        team: child.team.clone(),
        category: concern.category.clone(),
        summary: concern.summary.clone(),
    };
    match opening {
        Opening::Consult { concern, with } => {
            may(Act::Consult, judge)?;
            if with.is_empty() {
                return refuse(
                    Rule::Consultation,
                    "a consultation names at least one person consulted (--with)",
                );
            }
            Ok(vec![Event::ConsultationOpened {
                opening: opened(concern),
                with: with.iter().map(|s| s.id.clone()).collect(),
            }])
        }
        Opening::RaiseQap { concern, actions } => {
            may(Act::RaiseQap, judge)?;
            steps::raise_qap(actions, 0, Some(opened(concern)), judge)
        }
        Opening::EnterDrp {
            concern,
            stage,
            reason,
        } => {
            may(Act::Escalate, judge)?;
            steps::enter_drp(*stage, reason, Some(opened(concern)), judge)
        }
    }
}

/// Judges a step on a matter that exists: the events to record, or the rule that refuses it.
pub fn decide(matter: &Matter, request: &Request, judge: &Judge) -> Result<Vec<Event>, Refusal> {
    judge.not_in_the_future()?;
    let on = judge.on;
    if on < matter.last_step_on {
        return refuse(
            Rule::EffectiveDate,
            format!(
                "the step is dated {on}, before matter {}'s last step on {}",
                matter.id, matter.last_step_on
            ),
        );
    }
    // A note changes nothing, and CAFCASS may decide on a concurrent referral after the matter was
    // resolved here: recording either keeps the record whole without reopening the matter.
    if matter.state.is_finished() && !request.records_only() {
        return refuse(
            Rule::Finished,
            format!(
                "matter {} is {} (since {}): nothing changes it",
                matter.id,
                matter.state,
                matter
                    .resolved_on
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
        );
    }
    match request {
        Request::RaiseQap { actions } => steps::raise_qap_on(matter, actions, judge),
        Request::Meeting {
            chair,
            attendees,
            actions,
        } => steps::meeting(matter, chair, attendees, actions, judge),
        Request::AddActions { actions } => steps::add_actions(matter, actions, judge),
        Request::Challenge { reason } => steps::challenge(matter, reason, judge),
        Request::Extend {
            seq,
            due,
            agreed_by,
            reason,
        } => steps::extend(matter, *seq, *due, agreed_by, reason, judge),
        Request::CompleteAction { seq, note } => steps::complete_action(matter, *seq, note, judge),
        Request::Escalate { stage, reason } => steps::escalate(matter, *stage, reason, judge),
        Request::Resolve {
            outcome,
            resolved_by,
        } => steps::resolve(matter, outcome, resolved_by.as_ref(), judge),
        Request::ReferCafcass { reason, formal } => {
            steps::refer_cafcass(matter, reason, *formal, judge)
        }
        Request::CafcassDecision { decision, note } => {
            steps::cafcass_decision(matter, *decision, note, judge)
        }
        Request::PackProvided { manifest } => {
            may(Act::ProvidePack, judge)?;
            if matter.referrals.is_empty() {
                return refuse(
                    Rule::Cafcass,
                    format!(
                        "matter {} has not been referred to CAFCASS: the pack goes with a referral",
                        matter.id
                    ),
                );
            }
            Ok(vec![Event::CafcassPackProvided {
                manifest: manifest.clone(),
            }])
        }
        Request::LegalAdvice { note } => {
            may(Act::LegalAdvice, judge)?;
            Ok(vec![Event::LegalAdviceSought { note: note.clone() }])
        }
        Request::BriefSenior { note } => {
            may(Act::BriefSenior, judge)?;
            Ok(vec![Event::SeniorManagerBriefed { note: note.clone() }])
        }
        Request::Note { text, supervision } => {
            may(
                if *supervision {
                    Act::SupervisionNote
                } else {
                    Act::Note
                },
                judge,
            )?;
            Ok(vec![Event::Noted {
                text: text.clone(),
                supervision: *supervision,
            }])
        }
    }
}

/// Actions numbered after `last`, each due by its timescale from the day of the step.
fn new_actions(actions: &[NewAction], last: u32, judge: &Judge) -> Result<Vec<Action>, Refusal> {
    let mut recorded = Vec::with_capacity(actions.len());
    for (seq, action) in (last + 1..).zip(actions) {
        if let Some(left) = action
            .owner
            .left_on
            .filter(|_| !action.owner.in_post_on(judge.on))
        {
            return refuse(
                Rule::Directory,
                format!(
                    "{} left on {left}: an action cannot be given to them on {} (give it to whoever took over their work)",
                    action.owner.id, judge.on
                ),
            );
        }
        recorded.push(Action {
            seq,
            text: action.text.clone(),
            owner: action.owner.id.clone(),
            due: due_date(action.due, judge.on, judge.calendar)?,
            status: ActionStatus::Open,
            completed_on: None,
        });
    }
    Ok(recorded)
}

/// The due date a timescale gives for a step taken on `on`; it must fall after that day (rule 1).
fn due_date(due: Timescale, on: NaiveDate, calendar: &Calendar) -> Result<NaiveDate, Refusal> {
    match due {
        Timescale::Within(0) => refuse(Rule::WorkingDays, "a timescale is at least 1 working day"),
        Timescale::Within(n) => Ok(calendar.add_working_days(on, n)?),
        Timescale::By(date) if date <= on => refuse(
            Rule::WorkingDays,
            format!("a due date must fall after the day of the step ({on}); {date} does not"),
        ),
        Timescale::By(date) => {
            // Validates the date lies within the calendar, as every stored deadline must.
            calendar.is_working_day(date)?;
            Ok(date)
        }
    }
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

/// Where a matter is, in the words of a refusal.
pub fn state_words(matter: &Matter) -> String {
    match (matter.state, matter.stage) {
        (MatterState::Consultation, _) => "in pre-review consultation".to_string(),
        (MatterState::Qap, _) => "in QAP".to_string(),
        (MatterState::Drp, Some(stage)) => format!("in EPCP/DRP at stage {stage}"),
        (MatterState::Drp, None) => "in EPCP/DRP".to_string(),
        (MatterState::Cafcass, _) => "referred to CAFCASS and waiting on its decision".to_string(),
        (state, _) => state.to_string(),
    }
}

/// The stage a matter would enter next by default: the one after its current stage, or the first.
pub fn next_stage(matter: Option<&Matter>) -> Stage {
    matter
        .and_then(|m| m.stage)
        .map_or(Stage::FIRST, |s| s.next().unwrap_or(Stage::LAST))
}
