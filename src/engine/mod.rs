//! The rule engine: judges one requested step against the protocol and says what to record.
//!
//! Pure: it takes the matter as it stands, the request, who is asking, the effective date, today, the
//! policy and the calendar, and returns the events to record or a `Refusal` naming the rule. It never
//! reads the clock, the database or the terminal; the commands resolve names to records before calling
//! it and hand its events to the store.

mod event;
mod policy;
mod refusal;
mod request;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::model::{
    Action, ActionStatus, Child, Matter, MatterState, ReferralKind, Role, Staff, Stage,
};

pub use event::{evolve, Event, Inconsistent, Opening, Step};
pub use policy::{Policy, DEFAULT_CATEGORIES};
use refusal::refuse;
pub use refusal::{Refusal, Rule};
pub use request::{NewAction, Request, Timescale};

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
}

/// Judges a request: the events to record, or the rule that refuses it.
pub fn decide(
    matter: Option<&Matter>,
    request: &Request,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    let on = judge.on;
    if on > judge.today {
        return refuse(
            Rule::EffectiveDate,
            format!(
                "the step is dated {on}, which is in the future (today is {})",
                judge.today
            ),
        );
    }
    let matter = match (matter, request.opens_matter()) {
        (None, true) => return open(request, judge),
        // A QAP may be raised on a matter in consultation; other opening requests need no matter.
        (Some(m), true) if !matches!(request, Request::RaiseQap { .. }) => {
            return refuse(
                Rule::WhoMayAct,
                format!(
                    "matter {} exists already; this request opens a new one",
                    m.id
                ),
            )
        }
        (Some(m), _) => m,
        (None, false) => return refuse(Rule::WhoMayAct, "this step needs an existing matter"),
    };
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
    let records_only = matches!(
        request,
        Request::Note { .. } | Request::CafcassDecision { .. }
    );
    if matter.state.is_finished() && !records_only {
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
    let actor = judge.actor;
    match request {
        Request::Consult { .. } => unreachable!("opening requests are judged by open()"),
        Request::RaiseQap {
            category: _,
            summary: _,
            actions,
        } => {
            may(actor, &[Role::Iro, Role::IroTeamManager], "raise a QAP")?;
            if matter.state != MatterState::Consultation {
                return refuse(
                    Rule::RaisingQap,
                    format!(
                        "matter {} is {}: QAP actions are raised on a new matter or on one in consultation",
                        matter.id,
                        state_words(matter)
                    ),
                );
            }
            raise_qap(actions, matter.actions.len(), None, judge)
        }
        Request::Meeting {
            chair,
            attendees,
            actions,
        } => {
            may(
                actor,
                &[Role::Iro, Role::IroTeamManager, Role::SeniorIroManager],
                "record a formal meeting",
            )?;
            match (matter.state, matter.stage) {
                (MatterState::Drp, Some(Stage::Two | Stage::Three)) => {}
                _ => {
                    return refuse(
                        Rule::Meeting,
                        format!(
                            "a formal meeting is held at stage 2 or 3 of EPCP/DRP; matter {} is {}",
                            matter.id,
                            state_words(matter)
                        ),
                    )
                }
            }
            if chair.role != Role::SeniorIroManager {
                return refuse(
                    Rule::Meeting,
                    format!(
                        "a formal meeting is chaired by a senior IRO manager; {} is {}",
                        chair.id,
                        describe_role(chair.role)
                    ),
                );
            }
            let next = matter.actions.iter().map(|a| a.seq).max().unwrap_or(0);
            Ok(vec![Event::MeetingHeld {
                chair: chair.id.clone(),
                attendees: attendees.iter().map(|a| a.id.clone()).collect(),
                actions: new_actions(actions, next, judge)?,
            }])
        }
        Request::Challenge { reason } => {
            if actor.role != Role::TeamManager || actor.id != judge.child.team_manager {
                return refuse(
                    Rule::WhoMayAct,
                    format!(
                        "only the child's social work team manager ({}) may challenge QAP actions; {} is {}",
                        judge.child.team_manager,
                        actor.id,
                        describe_role(actor.role)
                    ),
                );
            }
            let (Some(window_closes), MatterState::Qap) = (matter.challenge_deadline, matter.state)
            else {
                return refuse(
                    Rule::ChallengeWindow,
                    format!(
                        "matter {} is {}: only QAP actions can be challenged",
                        matter.id,
                        state_words(matter)
                    ),
                );
            };
            if let Some(challenged) = matter.challenged_on {
                return refuse(
                    Rule::ChallengeWindow,
                    format!(
                        "the QAP actions of matter {} were challenged already on {challenged}",
                        matter.id
                    ),
                );
            }
            if on > window_closes {
                return refuse(
                    Rule::ChallengeWindow,
                    format!(
                        "challenge window closed on {window_closes} ({} working days after the QAP was raised on {})",
                        judge.policy.challenge_days,
                        matter.qap_raised_on.unwrap_or(matter.raised_on)
                    ),
                );
            }
            Ok(vec![Event::Challenged {
                reason: reason.clone(),
            }])
        }
        Request::Extend {
            seq,
            due,
            agreed_by,
            reason,
        } => {
            may(
                actor,
                &[Role::Iro, Role::IroTeamManager],
                "record a new timescale",
            )?;
            if agreed_by.role != Role::IroTeamManager {
                return refuse(
                    Rule::Extension,
                    format!(
                        "a new timescale must be agreed with an IRO team manager; {} is {}",
                        agreed_by.id,
                        describe_role(agreed_by.role)
                    ),
                );
            }
            open_state(
                matter,
                &[MatterState::Qap, MatterState::Drp],
                "have a timescale extended",
            )?;
            let action = open_action(matter, *seq)?;
            let to = due_date(*due, on, judge.calendar)?;
            if to <= action.due {
                return refuse(
                    Rule::Extension,
                    format!(
                        "a new timescale must be later than action {seq}'s current due date {}; {to} is not",
                        action.due
                    ),
                );
            }
            Ok(vec![Event::ActionExtended {
                seq: *seq,
                from: action.due,
                to,
                agreed_by: agreed_by.id.clone(),
                reason: reason.clone(),
            }])
        }
        Request::CompleteAction { seq, note } => {
            may(
                actor,
                &[Role::Iro, Role::IroTeamManager],
                "record an action as done",
            )?;
            open_state(
                matter,
                &[MatterState::Qap, MatterState::Drp, MatterState::Cafcass],
                "have actions completed",
            )?;
            open_action(matter, *seq)?;
            Ok(vec![Event::ActionCompleted {
                seq: *seq,
                note: note.clone(),
            }])
        }
        Request::Escalate { stage, reason, .. } => {
            may(
                actor,
                &[Role::Iro, Role::IroTeamManager],
                "enter or escalate EPCP/DRP",
            )?;
            match (matter.state, matter.stage) {
                (MatterState::Qap | MatterState::Consultation, _) => {
                    enter_drp(*stage, reason, None, judge)
                }
                (MatterState::Drp, Some(current)) => {
                    if *stage <= current {
                        return refuse(
                            Rule::StageOrder,
                            format!(
                                "matter {} is at stage {current}: a stage only goes up, never to stage {stage}",
                                matter.id
                            ),
                        );
                    }
                    if stage.number() - current.number() > 1 && blank(reason) {
                        return refuse(
                            Rule::StageOrder,
                            format!("going from stage {current} to stage {stage} skips a stage: give a --reason"),
                        );
                    }
                    Ok(vec![Event::StageRaised {
                        from: current,
                        to: *stage,
                        reason: reason.clone(),
                        response_deadline: stage_response_deadline(judge)?,
                    }])
                }
                _ => refuse(
                    Rule::StageOrder,
                    format!(
                        "matter {} is {}: it cannot change stage",
                        matter.id,
                        state_words(matter)
                    ),
                ),
            }
        }
        Request::Resolve {
            outcome,
            resolved_by,
        } => match (matter.state, matter.stage) {
            (MatterState::Qap | MatterState::Consultation, _) => {
                if !(actor.role == Role::IroTeamManager
                    || (actor.role == Role::Iro && actor.id == matter.iro))
                {
                    return refuse(
                        Rule::WhoMayAct,
                        format!(
                            "a QAP is resolved by its IRO ({}) or an IRO team manager; {} is {}",
                            matter.iro,
                            actor.id,
                            describe_role(actor.role)
                        ),
                    );
                }
                let by = resolved_by.as_ref().map_or(&actor.id, |s| &s.id);
                Ok(vec![Event::Resolved {
                    outcome: outcome.clone(),
                    resolved_by: by.clone(),
                }])
            }
            (MatterState::Drp, Some(stage)) => {
                if actor.role != Role::IroTeamManager {
                    return refuse(
                        Rule::Resolution,
                        format!(
                            "an EPCP/DRP matter is resolved when an IRO team manager decides it is; {} is {}",
                            actor.id,
                            describe_role(actor.role)
                        ),
                    );
                }
                let needed = judge.policy.resolving_role(stage);
                let Some(manager) = resolved_by else {
                    return refuse(
                        Rule::Resolution,
                        format!(
                            "name the {} who resolved it at stage {stage} with --resolved-by",
                            describe_role(needed)
                                .trim_start_matches("a ")
                                .trim_start_matches("an ")
                        ),
                    );
                };
                if manager.role != needed {
                    return refuse(
                        Rule::Resolution,
                        format!(
                            "at stage {stage} the matter is resolved by {}; {} is {}",
                            describe_role(needed),
                            manager.id,
                            describe_role(manager.role)
                        ),
                    );
                }
                Ok(vec![Event::Resolved {
                    outcome: outcome.clone(),
                    resolved_by: manager.id.clone(),
                }])
            }
            _ => refuse(
                Rule::Resolution,
                format!(
                    "matter {} is {}: record CAFCASS's decision with cafcass-decision",
                    matter.id,
                    state_words(matter)
                ),
            ),
        },
        Request::ReferCafcass { reason, formal } => {
            may(actor, &[Role::Iro], "refer a matter to CAFCASS")?;
            let (MatterState::Drp, Some(stage), Some(deadline)) =
                (matter.state, matter.stage, matter.drp_deadline)
            else {
                return refuse(
                    Rule::Cafcass,
                    format!(
                        "matter {} is {}: a referral to CAFCASS is made only once the matter is in EPCP/DRP",
                        matter.id,
                        state_words(matter)
                    ),
                );
            };
            let period_passed = on > deadline;
            if *formal && !period_passed && stage != Stage::Three {
                return refuse(
                    Rule::Cafcass,
                    format!(
                        "a formal referral comes once stage 3 has not resolved the matter or the resolution period has passed ({deadline}); matter {} is at stage {stage}",
                        matter.id
                    ),
                );
            }
            let referral = if *formal || period_passed {
                ReferralKind::Formal
            } else {
                ReferralKind::Concurrent
            };
            if referral == ReferralKind::Concurrent {
                if let Some(pending) = matter.referrals.iter().find(|r| r.decision.is_none()) {
                    return refuse(
                        Rule::Cafcass,
                        format!(
                            "a concurrent referral made on {} waits on CAFCASS's decision; a formal referral comes once stage 3 has not resolved the matter or the resolution period has passed ({deadline})",
                            pending.referred_on
                        ),
                    );
                }
            }
            Ok(vec![Event::ReferredToCafcass {
                referral,
                reason: reason.clone(),
            }])
        }
        Request::CafcassDecision { decision, note } => {
            may(
                actor,
                &[Role::Iro, Role::IroTeamManager],
                "record CAFCASS's decision",
            )?;
            let Some(pending) = matter.referrals.iter().rev().find(|r| r.decision.is_none()) else {
                return refuse(
                    Rule::Cafcass,
                    format!(
                        "matter {} has no referral to CAFCASS waiting on a decision",
                        matter.id
                    ),
                );
            };
            let _ = pending;
            Ok(vec![Event::CafcassDecided {
                decision: *decision,
                note: note.clone(),
            }])
        }
        Request::LegalAdvice { note } => {
            may(
                actor,
                &[Role::Iro, Role::IroTeamManager],
                "record legal advice",
            )?;
            Ok(vec![Event::LegalAdviceSought { note: note.clone() }])
        }
        Request::BriefSenior { note } => {
            may(
                actor,
                &[Role::IroTeamManager],
                "record that the senior IRO manager was briefed",
            )?;
            Ok(vec![Event::SeniorManagerBriefed { note: note.clone() }])
        }
        Request::Note { text, supervision } => {
            if *supervision {
                may(
                    actor,
                    &[Role::Iro, Role::IroTeamManager],
                    "record a supervision discussion",
                )?;
            }
            Ok(vec![Event::Noted {
                text: text.clone(),
                supervision: *supervision,
            }])
        }
    }
}

/// Judges a request that opens a new matter about the judge's child.
fn open(request: &Request, judge: &Judge) -> Result<Vec<Event>, Refusal> {
    let child = judge.child;
    let opening = |category: &str, summary: &str| Opening {
        child: child.reference.clone(),
        iro: child.iro.clone(),
        team: child.team.clone(),
        category: category.to_string(),
        summary: summary.to_string(),
    };
    match request {
        Request::Consult {
            category,
            summary,
            with,
        } => {
            may(
                judge.actor,
                &[Role::Iro, Role::IroTeamManager],
                "open a pre-review consultation",
            )?;
            if with.is_empty() {
                return refuse(
                    Rule::Consultation,
                    "a consultation names at least one person consulted (--with)",
                );
            }
            Ok(vec![Event::ConsultationOpened {
                opening: opening(category, summary),
                with: with.iter().map(|s| s.id.clone()).collect(),
            }])
        }
        Request::RaiseQap {
            category,
            summary,
            actions,
        } => {
            may(
                judge.actor,
                &[Role::Iro, Role::IroTeamManager],
                "raise a QAP",
            )?;
            raise_qap(actions, 0, Some(opening(category, summary)), judge)
        }
        Request::Escalate {
            stage,
            reason,
            opening: Some((category, summary)),
        } => {
            may(
                judge.actor,
                &[Role::Iro, Role::IroTeamManager],
                "enter EPCP/DRP",
            )?;
            enter_drp(*stage, reason, Some(opening(category, summary)), judge)
        }
        _ => unreachable!("only opening requests reach open()"),
    }
}

/// QAP actions with their due dates and the challenge window, numbered after `existing` actions.
fn raise_qap(
    actions: &[NewAction],
    existing: usize,
    opening: Option<Opening>,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    if actions.is_empty() {
        return refuse(
            Rule::RaisingQap,
            "a QAP needs at least one action with an owner and a due date",
        );
    }
    let challenge_deadline = judge
        .calendar
        .add_working_days(judge.on, judge.policy.challenge_days)?;
    Ok(vec![Event::QapRaised {
        opening,
        challenge_deadline,
        actions: new_actions(actions, u32::try_from(existing).unwrap_or(u32::MAX), judge)?,
    }])
}

/// Actions numbered after `last`, each due by its timescale from the day of the step.
fn new_actions(actions: &[NewAction], last: u32, judge: &Judge) -> Result<Vec<Action>, Refusal> {
    let mut recorded = Vec::with_capacity(actions.len());
    for (seq, action) in (last + 1..).zip(actions) {
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

/// Entry to EPCP/DRP at any stage: a reason above stage 1, and the resolution deadline fixed now.
fn enter_drp(
    stage: Stage,
    reason: &Option<String>,
    opening: Option<Opening>,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    if stage > Stage::One && blank(reason) {
        return refuse(
            Rule::EnteringDrp,
            format!("entering EPCP/DRP at stage {stage} needs a --reason (why not stage 1)"),
        );
    }
    let deadline = judge
        .calendar
        .add_working_days(judge.on, judge.policy.resolution_days)?;
    Ok(vec![Event::DrpEntered {
        opening,
        stage,
        deadline,
        reason: reason.clone(),
        response_deadline: stage_response_deadline(judge)?,
    }])
}

/// The response deadline a stage entered today gets, where the policy sets one.
fn stage_response_deadline(judge: &Judge) -> Result<Option<NaiveDate>, Refusal> {
    match judge.policy.stage_response_days {
        Some(days) => Ok(Some(judge.calendar.add_working_days(judge.on, days)?)),
        None => Ok(None),
    }
}

fn may(actor: &Staff, roles: &[Role], what: &str) -> Result<(), Refusal> {
    if roles.contains(&actor.role) {
        return Ok(());
    }
    let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    refuse(
        Rule::WhoMayAct,
        format!(
            "{} is {}: only {} may {what}",
            actor.id,
            describe_role(actor.role),
            allowed.join(" or ")
        ),
    )
}

fn open_state(matter: &Matter, states: &[MatterState], what: &str) -> Result<(), Refusal> {
    if states.contains(&matter.state) {
        return Ok(());
    }
    refuse(
        Rule::Actions,
        format!(
            "matter {} is {}: it cannot {what}",
            matter.id,
            state_words(matter)
        ),
    )
}

fn open_action(matter: &Matter, seq: u32) -> Result<&Action, Refusal> {
    match matter.action(seq) {
        None => refuse(
            Rule::Actions,
            format!(
                "matter {} has no action {seq} (it has {})",
                matter.id,
                match matter.actions.len() {
                    0 => "none".to_string(),
                    n => format!("actions 1 to {n}"),
                }
            ),
        ),
        Some(action) if action.status == ActionStatus::Done => refuse(
            Rule::Actions,
            format!(
                "action {seq} of matter {} was completed on {}",
                matter.id,
                action
                    .completed_on
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ),
        ),
        Some(action) => Ok(action),
    }
}

/// The due date a timescale gives for a step taken on `on`; it must fall after that day.
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

fn state_words(matter: &Matter) -> String {
    match (matter.state, matter.stage) {
        (MatterState::Consultation, _) => "in pre-review consultation".to_string(),
        (MatterState::Qap, _) => "in QAP".to_string(),
        (MatterState::Drp, Some(stage)) => format!("in EPCP/DRP at stage {stage}"),
        (MatterState::Drp, None) => "in EPCP/DRP".to_string(),
        (MatterState::Cafcass, _) => "referred to CAFCASS and waiting on its decision".to_string(),
        (state, _) => state.to_string(),
    }
}

fn describe_role(role: Role) -> String {
    let article = if role == Role::Iro
        || role == Role::IroTeamManager
        || role == Role::Admin
        || role == Role::AssistantDirector
    {
        "an"
    } else {
        "a"
    };
    format!("{article} {role}")
}
