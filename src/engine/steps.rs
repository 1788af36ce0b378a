//! One function per step on a matter: what it needs of the matter's state, and the events it records.
//! Each cites the rule of `docs/protocol.md` it applies.

use chrono::NaiveDate;

use crate::model::{
    Action, ActionStatus, CafcassDecision, Matter, MatterState, ReferralKind, Role, Staff, Stage,
};

use super::authority::{may, may_in_role, may_resolve, Act};
use super::event::{Event, Opened};
use super::refusal::{refuse, Refusal, Rule};
use super::request::{NewAction, Timescale};
use super::{blank, due_date, new_actions, state_words, Judge};

/// QAP actions with their due dates and the challenge window, numbered after `existing` actions
/// (rule 2, 3).
pub(super) fn raise_qap(
    actions: &[NewAction],
    existing: usize,
    opening: Option<Opened>,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    if actions.is_empty() {
        return refuse(
            Rule::RaisingQap,
            "a QAP needs at least one action with an owner and a due date",
        );
    }
    let window_from = judge.told_on.map_or(judge.on, |told| told.max(judge.on));
    let challenge_deadline = judge
        .calendar
        .add_working_days(window_from, judge.policy.challenge_days)?;
    Ok(vec![Event::QapRaised {
        opening,
        challenge_deadline,
        actions: new_actions(actions, u32::try_from(existing).unwrap_or(u32::MAX), judge)?,
    }])
}

/// QAP actions raised on a matter in consultation (rule 9).
pub(super) fn raise_qap_on(
    matter: &Matter,
    actions: &[NewAction],
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    may(Act::RaiseQap, judge)?;
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

/// More actions on a QAP, or on the alert form at any stage, numbered after the matter's own (rule 2).
pub(super) fn add_actions(
    matter: &Matter,
    actions: &[NewAction],
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    may(Act::AddActions, judge)?;
    if !matches!(
        matter.state,
        MatterState::Qap | MatterState::Drp | MatterState::Cafcass
    ) {
        return refuse(
            Rule::Actions,
            format!(
                "matter {} is {}: actions are added to a QAP or to the alert form (raise a QAP from a consultation)",
                matter.id,
                state_words(matter)
            ),
        );
    }
    if actions.is_empty() {
        return refuse(
            Rule::Actions,
            "give at least one --action with its --owner and --due or --within",
        );
    }
    Ok(vec![Event::ActionsAdded {
        actions: new_actions(
            actions,
            u32::try_from(matter.actions.len()).unwrap_or(u32::MAX),
            judge,
        )?,
    }])
}

/// Entry to EPCP/DRP at any stage: a reason above stage 1, and the resolution deadline fixed now
/// (rule 5).
pub(super) fn enter_drp(
    stage: Stage,
    reason: &Option<String>,
    opening: Option<Opened>,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    if stage > Stage::FIRST && blank(reason) {
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
        response_deadline: stage_response_deadline(judge, Some(deadline))?,
    }])
}

/// The response deadline a stage entered today gets, where the policy sets one: never past the
/// resolution deadline (`resolution`), the stages' timescales being within the 20 working days in all;
/// a stage entered once the resolution period has passed gets its own.
fn stage_response_deadline(
    judge: &Judge,
    resolution: Option<NaiveDate>,
) -> Result<Option<NaiveDate>, Refusal> {
    let Some(days) = judge.policy.stage_response_days else {
        return Ok(None);
    };
    let own = judge.calendar.add_working_days(judge.on, days)?;
    Ok(Some(match resolution {
        Some(deadline) if judge.on <= deadline => own.min(deadline),
        _ => own,
    }))
}

/// A formal meeting at stage 2 or 3 with a senior IRO manager in the chair; its actions join the
/// alert form (rule 9).
pub(super) fn meeting(
    matter: &Matter,
    chair: &Staff,
    attendees: &[Staff],
    actions: &[NewAction],
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    may(Act::Meeting, judge)?;
    match (matter.state, matter.stage) {
        (MatterState::Drp, Some(stage)) if stage > Stage::FIRST => {}
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
                chair.role.with_article()
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

/// The child's social work team manager challenges the QAP actions, once, within the window
/// (rule 3).
pub(super) fn challenge(
    matter: &Matter,
    reason: &str,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    may(Act::Challenge, judge)?;
    let (Some(window_closes), MatterState::Qap) = (matter.challenge_deadline, matter.state) else {
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
    if judge.on > window_closes {
        let raised = matter.qap_raised_on.unwrap_or(matter.raised_on);
        let from_raised = judge
            .calendar
            .add_working_days(raised, judge.policy.challenge_days)?;
        let counted = if from_raised == window_closes {
            format!("after the QAP was raised on {raised}")
        } else {
            format!("after the team manager was told of the QAP, raised on {raised}")
        };
        return refuse(
            Rule::ChallengeWindow,
            format!(
                "challenge window closed on {window_closes} ({} working days {counted})",
                judge.policy.challenge_days
            ),
        );
    }
    Ok(vec![Event::Challenged {
        reason: reason.to_string(),
    }])
}

/// A later timescale for an open action, agreed with an IRO team manager (rule 4).
pub(super) fn extend(
    matter: &Matter,
    seq: u32,
    due: Timescale,
    agreed_by: &Staff,
    reason: &str,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    may(Act::Extend, judge)?;
    // A senior IRO manager may agree whatever an IRO team manager may.
    if !matches!(
        agreed_by.role,
        Role::IroTeamManager | Role::SeniorIroManager
    ) {
        return refuse(
            Rule::Extension,
            format!(
                "a new timescale must be agreed with an IRO team manager or the senior IRO manager; {} is {}",
                agreed_by.id,
                agreed_by.role.with_article()
            ),
        );
    }
    open_state(
        matter,
        &[MatterState::Qap, MatterState::Drp],
        "have a timescale extended",
    )?;
    let action = open_action(matter, seq)?;
    let to = due_date(due, judge.on, judge.calendar)?;
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
        seq,
        from: action.due,
        to,
        agreed_by: agreed_by.id.clone(),
        reason: reason.to_string(),
    }])
}

/// An open action was done.
pub(super) fn complete_action(
    matter: &Matter,
    seq: u32,
    note: &Option<String>,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    may(Act::CompleteAction, judge)?;
    open_state(
        matter,
        &[MatterState::Qap, MatterState::Drp, MatterState::Cafcass],
        "have actions completed",
    )?;
    open_action(matter, seq)?;
    Ok(vec![Event::ActionCompleted {
        seq,
        note: note.clone(),
    }])
}

/// Entry to EPCP/DRP from consultation or QAP, or a stage up (rule 5, 6).
pub(super) fn escalate(
    matter: &Matter,
    stage: Stage,
    reason: &Option<String>,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    may(Act::Escalate, judge)?;
    match (matter.state, matter.stage) {
        (MatterState::Qap | MatterState::Consultation, _) => enter_drp(stage, reason, None, judge),
        (MatterState::Drp, Some(current)) => {
            if stage <= current {
                return refuse(
                    Rule::StageOrder,
                    format!(
                        "matter {} is at stage {current}: a stage only goes up, never to stage {stage}",
                        matter.id
                    ),
                );
            }
            if current.next() != Some(stage) && blank(reason) {
                return refuse(
                    Rule::StageOrder,
                    format!(
                        "going from stage {current} to stage {stage} skips a stage: give a --reason"
                    ),
                );
            }
            Ok(vec![Event::StageRaised {
                from: current,
                to: stage,
                reason: reason.clone(),
                response_deadline: stage_response_deadline(judge, matter.drp_deadline)?,
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

/// A QAP resolved by its IRO or an IRO team manager; an EPCP/DRP matter when an IRO team manager
/// decides it is, naming the manager of the stage's role who resolved it (rule 7).
pub(super) fn resolve(
    matter: &Matter,
    outcome: &str,
    resolved_by: Option<&Staff>,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    let actor = judge.actor;
    match (matter.state, matter.stage) {
        (MatterState::Qap | MatterState::Consultation, _) => {
            may(Act::ResolveQap, judge)?;
            // Named as resolving a QAP: the child's IRO (or their cover) or an IRO manager.
            if let Some(named) = resolved_by {
                let iro_service =
                    matches!(named.role, Role::IroTeamManager | Role::SeniorIroManager)
                        || (named.role == Role::Iro
                            && (named.id == judge.child.iro
                                || judge.covers.iter().any(|c| {
                                    c.by == named.id
                                        && c.absent == judge.child.iro
                                        && c.in_force_on(judge.on)
                                })));
                if !iro_service {
                    return refuse(
                        Rule::Resolution,
                        format!(
                            "a QAP is resolved by the IRO of {} ({}) or an IRO manager; {} is {}",
                            judge.child.reference,
                            judge.child.iro,
                            named.id,
                            named.role.with_article()
                        ),
                    );
                }
            }
            let by = resolved_by.map_or(&actor.id, |s| &s.id);
            Ok(vec![Event::Resolved {
                outcome: outcome.to_string(),
                resolved_by: by.clone(),
            }])
        }
        (MatterState::Drp, Some(stage)) => {
            if may_in_role(actor, Act::RecordDrpResolution).is_err() {
                return refuse(
                    Rule::Resolution,
                    format!(
                        "an EPCP/DRP matter is resolved when an IRO team manager decides it is; {} is {}",
                        actor.id,
                        actor.role.with_article()
                    ),
                );
            }
            may(Act::RecordDrpResolution, judge)?;
            let needed = judge.policy.resolving_role(stage);
            let Some(manager) = resolved_by else {
                return refuse(
                    Rule::Resolution,
                    format!(
                        "name the {needed} who resolved it at stage {stage} with --resolved-by"
                    ),
                );
            };
            may_resolve(needed, manager, judge.child, judge.covers, judge.on)?;
            Ok(vec![Event::Resolved {
                outcome: outcome.to_string(),
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
    }
}

/// A referral to CAFCASS, only once the matter is in EPCP/DRP: concurrent while it runs, formal once
/// the period has passed or stage 3 has not resolved it (rule 8).
pub(super) fn refer_cafcass(
    matter: &Matter,
    reason: &str,
    formal: bool,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    may(Act::ReferCafcass, judge)?;
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
    let period_passed = judge.on > deadline;
    if formal && !period_passed && stage != Stage::LAST {
        return refuse(
            Rule::Cafcass,
            format!(
                "a formal referral comes once stage 3 has not resolved the matter or the resolution period has passed ({deadline}); matter {} is at stage {stage}",
                matter.id
            ),
        );
    }
    // A referral is formal only when the IRO says so: at any point in EPCP/DRP, however late, a
    // concurrent referral is theirs to make.
    let referral = if formal {
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
        reason: reason.to_string(),
    }])
}

/// CAFCASS's decision on the referral waiting for one (rule 8).
pub(super) fn cafcass_decision(
    matter: &Matter,
    decision: CafcassDecision,
    note: &Option<String>,
    judge: &Judge,
) -> Result<Vec<Event>, Refusal> {
    may(Act::RecordCafcassDecision, judge)?;
    if !matter.referrals.iter().any(|r| r.decision.is_none()) {
        return refuse(
            Rule::Cafcass,
            format!(
                "matter {} has no referral to CAFCASS waiting on a decision",
                matter.id
            ),
        );
    }
    let formal = matter
        .referrals
        .iter()
        .rev()
        .find(|r| r.decision.is_none())
        .is_some_and(|r| r.kind == ReferralKind::Formal);
    Ok(vec![Event::CafcassDecided {
        decision,
        note: note.clone(),
        back_in_drp: formal && decision == CafcassDecision::CriteriaNotMet,
    }])
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
        Some(action) if action.status == ActionStatus::Withdrawn => refuse(
            Rule::Actions,
            format!(
                "action {seq} of matter {} was withdrawn: it no longer needs doing",
                matter.id
            ),
        ),
        Some(action) => Ok(action),
    }
}
