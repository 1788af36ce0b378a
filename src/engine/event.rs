//! Events: the steps on a child's record, and how each one moves a matter's state.
//!
//! `evolve` is the only place that turns an event into state, so the state tables the store writes
//! and a replay of the event log can never disagree about what a step meant.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::model::{
    Action, ActionStatus, CafcassDecision, Matter, MatterState, Referral, ReferralKind, Stage,
    StageEntry,
};

/// What a new matter is about, carried by the event that opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opened {
    pub child: String,
    pub iro: String,
    pub team: String,
    pub category: String,
    pub summary: String,
}

/// `Event` is written once, here, and with it `ByKind`: the same steps tagged from outside. serde reads
/// that form straight from the text, where it gathers an internally tagged object whole before reading
/// it; `Event`'s own reading hands the fields to `ByKind` once it has read the kind (see `kind_first`).
/// A new step needs nothing more than its variant here.
macro_rules! protocol_steps {
    (
        $(#[$meta:meta])*
        pub enum Event {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident { $( $(#[$field_meta:meta])* $field:ident : $ty:ty ),* $(,)? }
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum Event {
            $( $(#[$variant_meta])* $variant { $( $(#[$field_meta])* $field: $ty ),* } ),*
        }

        #[derive(Deserialize)]
        #[serde(rename_all = "kebab-case")]
        enum ByKind {
            $( $variant { $( $(#[$field_meta])* $field: $ty ),* } ),*
        }

        impl From<ByKind> for Event {
            fn from(step: ByKind) -> Event {
                match step {
                    $( ByKind::$variant { $($field),* } => Event::$variant { $($field),* } ),*
                }
            }
        }
    };
}

protocol_steps! {
/// One step of the protocol as recorded: what happened, in the words the chronology prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Event {
    /// Before a review the IRO consulted people to try to settle a concern; opens the matter.
    ConsultationOpened { opening: Opened, with: Vec<String> },
    /// A QAP raised with its actions: opens the matter, or (without an opening) turns a consultation
    /// into a QAP.
    QapRaised {
        opening: Option<Opened>,
        challenge_deadline: NaiveDate,
        actions: Vec<Action>,
    },
    /// More actions on a QAP, or on the alert form at any stage of EPCP/DRP.
    ActionsAdded { actions: Vec<Action> },
    /// The social work team manager challenged the QAP actions within the window.
    Challenged { reason: String },
    /// A new timescale for an action, agreed with an IRO team manager.
    ActionExtended {
        seq: u32,
        from: NaiveDate,
        to: NaiveDate,
        agreed_by: String,
        reason: String,
    },
    /// An action was done.
    ActionCompleted { seq: u32, note: Option<String> },
    /// An action passed to another owner (its owner left the service).
    ActionReassigned {
        seq: u32,
        from: String,
        to: String,
        reason: String,
    },
    /// The matter entered EPCP/DRP; the alert form is created and the resolution deadline fixed.
    DrpEntered {
        opening: Option<Opened>,
        stage: Stage,
        deadline: NaiveDate,
        reason: Option<String>,
        /// The stage's own response deadline, where the authority's policy sets one.
        #[serde(default)]
        response_deadline: Option<NaiveDate>,
    },
    /// The matter went up a stage of EPCP/DRP.
    StageRaised {
        from: Stage,
        to: Stage,
        reason: Option<String>,
        #[serde(default)]
        response_deadline: Option<NaiveDate>,
    },
    /// A formal meeting at stage 2 or 3 chaired by a senior IRO manager; its agreed actions join the
    /// alert form.
    MeetingHeld {
        chair: String,
        attendees: Vec<String>,
        actions: Vec<Action>,
    },
    /// The concern was settled.
    Resolved {
        outcome: String,
        resolved_by: String,
    },
    /// A referral to CAFCASS.
    ReferredToCafcass {
        referral: ReferralKind,
        reason: String,
    },
    /// CAFCASS's decision on the latest referral.
    CafcassDecided {
        decision: CafcassDecision,
        note: Option<String>,
        /// A formal referral CAFCASS did not take: the dispute is still unresolved, and the matter is
        /// back in EPCP/DRP (rule 8). Absent from decisions recorded before this was so, which closed
        /// the matter.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        back_in_drp: bool,
    },
    /// The CAFCASS pack (all the EPCP/DRP reports) was provided to CAFCASS; `manifest` is the SHA-256 of
    /// the pack's manifest, which names every file's digest (rule 8).
    CafcassPackProvided { manifest: String },
    /// Independent legal advice was sought.
    LegalAdviceSought { note: String },
    /// The IRO team manager briefed the senior IRO manager.
    SeniorManagerBriefed { note: String },
    /// A note on the record; `supervision` marks a discussion in the IRO's supervision.
    Noted {
        text: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        supervision: bool,
    },
    /// An action that no longer needs doing (entered twice, or overtaken): it stops running, and stays
    /// on the record as withdrawn (rule 15).
    ActionWithdrawn { seq: u32, reason: String },
    /// A step entered in error: it no longer counts for anything, and both stay on the record. Voiding
    /// a void restores the step it voided (rule 15).
    Voided { event: i64, reason: String },
    /// A step's text corrected (the summary, reason, outcome or note it carries); the old text stays on
    /// the record (rule 15).
    Amended {
        event: i64,
        text: String,
        reason: String,
    },
}
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Event, D::Error> {
        super::kind_first::deserialize::<D, ByKind>(deserializer, "internally tagged enum Event")
            .map(Event::from)
    }
}

impl Event {
    /// The kebab-case word stored in the `kind` column.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::ConsultationOpened { .. } => "consultation-opened",
            Event::QapRaised { .. } => "qap-raised",
            Event::ActionsAdded { .. } => "actions-added",
            Event::Challenged { .. } => "challenged",
            Event::ActionExtended { .. } => "action-extended",
            Event::ActionCompleted { .. } => "action-completed",
            Event::ActionReassigned { .. } => "action-reassigned",
            Event::DrpEntered { .. } => "drp-entered",
            Event::StageRaised { .. } => "stage-raised",
            Event::MeetingHeld { .. } => "meeting-held",
            Event::Resolved { .. } => "resolved",
            Event::ReferredToCafcass { .. } => "referred-to-cafcass",
            Event::CafcassDecided { .. } => "cafcass-decided",
            Event::LegalAdviceSought { .. } => "legal-advice-sought",
            Event::CafcassPackProvided { .. } => "cafcass-pack-provided",
            Event::SeniorManagerBriefed { .. } => "senior-manager-briefed",
            Event::Noted { .. } => "noted",
            Event::ActionWithdrawn { .. } => "action-withdrawn",
            Event::Voided { .. } => "voided",
            Event::Amended { .. } => "amended",
        }
    }

    /// Whether this step changes the alert form: each such step is a new numbered revision of it.
    pub fn revises_alert_form(&self) -> bool {
        matches!(
            self,
            Event::DrpEntered { .. }
                | Event::StageRaised { .. }
                | Event::MeetingHeld { .. }
                | Event::ActionExtended { .. }
                | Event::ActionCompleted { .. }
                | Event::ActionWithdrawn { .. }
                | Event::ActionsAdded { .. }
        )
    }

    /// Whether this step corrects another (a void or an amendment) rather than taking the matter on.
    pub fn is_correction(&self) -> bool {
        matches!(self, Event::Voided { .. } | Event::Amended { .. })
    }

    /// The words of the text an amendment may correct, if the step carries one.
    pub fn amendable(&self) -> Option<&'static str> {
        Some(match self {
            Event::ConsultationOpened { .. }
            | Event::QapRaised {
                opening: Some(_), ..
            }
            | Event::DrpEntered {
                opening: Some(_), ..
            } => "summary",
            Event::Challenged { .. }
            | Event::ActionExtended { .. }
            | Event::ActionReassigned { .. }
            | Event::DrpEntered { .. }
            | Event::StageRaised { .. }
            | Event::ReferredToCafcass { .. }
            | Event::ActionWithdrawn { .. } => "reason",
            Event::Resolved { .. } => "outcome",
            Event::ActionCompleted { .. }
            | Event::CafcassDecided { .. }
            | Event::LegalAdviceSought { .. }
            | Event::SeniorManagerBriefed { .. } => "note",
            Event::Noted { .. } => "text",
            Event::QapRaised { .. }
            | Event::MeetingHeld { .. }
            | Event::ActionsAdded { .. }
            | Event::CafcassPackProvided { .. }
            | Event::Voided { .. }
            | Event::Amended { .. } => return None,
        })
    }

    /// The step with its text corrected to `text`, where it carries one ([`Event::amendable`]).
    pub fn amended(&self, text: &str) -> Option<Event> {
        let mut event = self.clone();
        let text = text.to_string();
        match &mut event {
            Event::ConsultationOpened { opening, .. }
            | Event::QapRaised {
                opening: Some(opening),
                ..
            }
            | Event::DrpEntered {
                opening: Some(opening),
                ..
            } => opening.summary = text,
            Event::Challenged { reason }
            | Event::ActionExtended { reason, .. }
            | Event::ActionReassigned { reason, .. }
            | Event::ReferredToCafcass { reason, .. }
            | Event::ActionWithdrawn { reason, .. } => *reason = text,
            Event::DrpEntered { reason, .. } | Event::StageRaised { reason, .. } => {
                *reason = Some(text)
            }
            Event::Resolved { outcome, .. } => *outcome = text,
            Event::ActionCompleted { note, .. } | Event::CafcassDecided { note, .. } => {
                *note = Some(text)
            }
            Event::LegalAdviceSought { note } | Event::SeniorManagerBriefed { note } => {
                *note = text
            }
            Event::Noted { text: t, .. } => *t = text,
            Event::QapRaised { .. }
            | Event::MeetingHeld { .. }
            | Event::ActionsAdded { .. }
            | Event::CafcassPackProvided { .. }
            | Event::Voided { .. }
            | Event::Amended { .. } => return None,
        }
        Some(event)
    }

    /// One line for people: what the step was, as the chronology and the alert form print it.
    pub fn describe(&self) -> String {
        match self {
            Event::ConsultationOpened { opening, with } => format!(
                "consultation ({}): {}; with {}",
                opening.category,
                opening.summary,
                with.join(", ")
            ),
            Event::QapRaised {
                opening,
                actions,
                challenge_deadline,
            } => {
                let concern = match opening {
                    Some(o) => format!(" ({}): {}", o.category, o.summary),
                    None => " from the consultation".to_string(),
                };
                format!(
                    "QAP raised{concern}; {} action(s); challenge window closes {challenge_deadline}",
                    actions.len()
                )
            }
            Event::ActionsAdded { actions } => {
                let added: Vec<String> = actions
                    .iter()
                    .map(|a| format!("{}. {} ({}, due {})", a.seq, a.text, a.owner, a.due))
                    .collect();
                format!("action(s) added: {}", added.join("; "))
            }
            Event::Challenged { reason } => format!("QAP actions challenged: {reason}"),
            Event::ActionExtended {
                seq,
                from,
                to,
                agreed_by,
                reason,
            } => format!(
                "action {seq} due date moved from {from} to {to}, agreed by {agreed_by}: {reason}"
            ),
            Event::ActionCompleted { seq, note } => match note {
                Some(note) => format!("action {seq} completed: {note}"),
                None => format!("action {seq} completed"),
            },
            Event::ActionReassigned {
                seq,
                from,
                to,
                reason,
            } => format!("action {seq} passed from {from} to {to}: {reason}"),
            Event::DrpEntered {
                opening,
                stage,
                deadline,
                reason,
                response_deadline,
            } => {
                let mut line =
                    format!("entered EPCP/DRP at stage {stage}; resolution deadline {deadline}");
                if let Some(response) = response_deadline {
                    line.push_str(&format!("; stage response due {response}"));
                }
                if let Some(opening) = opening {
                    line.push_str(&format!(" ({}: {})", opening.category, opening.summary));
                }
                if let Some(reason) = reason {
                    line.push_str(&format!("; reason: {reason}"));
                }
                line
            }
            Event::StageRaised {
                from,
                to,
                reason,
                response_deadline,
            } => {
                let mut line = format!("stage {from} to stage {to}");
                if let Some(response) = response_deadline {
                    line.push_str(&format!("; stage response due {response}"));
                }
                if let Some(reason) = reason {
                    line.push_str(&format!(": {reason}"));
                }
                line
            }
            Event::MeetingHeld {
                chair,
                attendees,
                actions,
            } => {
                let agreed: Vec<String> = actions
                    .iter()
                    .map(|a| format!("{} ({}, due {})", a.text, a.owner, a.due))
                    .collect();
                format!(
                    "formal meeting chaired by {chair} with {}; agreed: {}",
                    attendees.join(", "),
                    agreed.join("; ")
                )
            }
            Event::Resolved {
                outcome,
                resolved_by,
            } => format!("resolved by {resolved_by}: {outcome}"),
            Event::ReferredToCafcass { referral, reason } => {
                format!("{referral} referral to CAFCASS: {reason}")
            }
            Event::CafcassDecided {
                decision,
                note,
                back_in_drp,
            } => {
                let said = match decision {
                    CafcassDecision::CriteriaMet => "criteria met, allocated for judicial review",
                    CafcassDecision::CriteriaNotMet if *back_in_drp => {
                        "criteria not met; the matter is back in EPCP/DRP"
                    }
                    CafcassDecision::CriteriaNotMet => "criteria not met",
                };
                match note {
                    Some(note) => format!("CAFCASS decision: {said}: {note}"),
                    None => format!("CAFCASS decision: {said}"),
                }
            }
            Event::LegalAdviceSought { note } => format!("legal advice sought: {note}"),
            Event::CafcassPackProvided { manifest } => {
                format!("CAFCASS pack provided (manifest sha256 {manifest})")
            }
            Event::SeniorManagerBriefed { note } => format!("senior IRO manager briefed: {note}"),
            Event::Noted {
                text,
                supervision: true,
            } => format!("supervision: {text}"),
            Event::Noted { text, .. } => format!("note: {text}"),
            Event::ActionWithdrawn { seq, reason } => format!("action {seq} withdrawn: {reason}"),
            Event::Voided { event, reason } => {
                format!("event {event} voided (entered in error): {reason}")
            }
            Event::Amended {
                event,
                text,
                reason,
            } => format!("event {event} amended to \"{text}\": {reason}"),
        }
    }
}

/// A recorded event with who took the step and the day it took effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub actor: String,
    pub on: NaiveDate,
    pub event: Event,
}

/// Why `evolve` could not apply an event: the log and the state disagree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {kind} cannot apply to matter {matter}: {why}")]
pub struct Inconsistent {
    pub matter: String,
    pub kind: &'static str,
    pub why: &'static str,
}

/// Applies one step to a matter's state (`None` before the matter exists), giving the state after it.
pub fn evolve(matter: Option<Matter>, id: &str, step: &Step) -> Result<Matter, Inconsistent> {
    let bad = |why| Inconsistent {
        matter: id.to_string(),
        kind: step.event.kind(),
        why,
    };
    let on = step.on;
    let mut matter = match (matter, &step.event) {
        (None, Event::ConsultationOpened { opening, .. }) => {
            return Ok(opened(
                id,
                opening,
                MatterState::Consultation,
                &step.actor,
                on,
            ));
        }
        (
            None,
            Event::QapRaised {
                opening: Some(opening),
                ..
            },
        ) => opened(id, opening, MatterState::Qap, &step.actor, on),
        (
            None,
            Event::DrpEntered {
                opening: Some(opening),
                ..
            },
        ) => opened(id, opening, MatterState::Drp, &step.actor, on),
        (None, _) => return Err(bad("the matter does not exist yet")),
        (
            Some(_),
            Event::ConsultationOpened { .. }
            | Event::QapRaised {
                opening: Some(_), ..
            }
            | Event::DrpEntered {
                opening: Some(_), ..
            },
        ) => return Err(bad("the matter exists already")),
        // A correction is not a step on the matter: what it changes is the fold of the steps that
        // still count (`corrections::effective`), never this matter's state.
        (Some(matter), Event::Voided { .. } | Event::Amended { .. }) => return Ok(matter),
        (Some(matter), _) => matter,
    };
    matter.last_step_on = on;
    match &step.event {
        Event::ConsultationOpened { .. } => return Err(bad("the matter exists already")),
        Event::QapRaised {
            challenge_deadline,
            actions,
            ..
        } => {
            add_actions(&mut matter, actions).map_err(bad)?;
            matter.state = MatterState::Qap;
            matter.qap_raised_on = Some(on);
            matter.challenge_deadline = Some(*challenge_deadline);
        }
        Event::MeetingHeld { actions, .. } | Event::ActionsAdded { actions } => {
            add_actions(&mut matter, actions).map_err(bad)?
        }
        Event::Challenged { .. } => matter.challenged_on = Some(on),
        Event::ActionExtended { seq, to, .. } => {
            let action = matter
                .actions
                .iter_mut()
                .find(|a| a.seq == *seq)
                .ok_or_else(|| bad("no such action"))?;
            action.due = *to;
        }
        Event::ActionCompleted { seq, .. } => {
            let action = matter
                .actions
                .iter_mut()
                .find(|a| a.seq == *seq)
                .ok_or_else(|| bad("no such action"))?;
            action.status = ActionStatus::Done;
            action.completed_on = Some(on);
        }
        Event::ActionWithdrawn { seq, .. } => {
            let action = matter
                .actions
                .iter_mut()
                .find(|a| a.seq == *seq)
                .ok_or_else(|| bad("no such action"))?;
            action.status = ActionStatus::Withdrawn;
        }
        Event::ActionReassigned { seq, to, .. } => {
            let action = matter
                .actions
                .iter_mut()
                .find(|a| a.seq == *seq)
                .ok_or_else(|| bad("no such action"))?;
            action.owner = to.clone();
        }
        Event::DrpEntered {
            stage,
            deadline,
            reason,
            response_deadline,
            ..
        } => {
            matter.state = MatterState::Drp;
            matter.stage = Some(*stage);
            matter.drp_entered_on = Some(on);
            matter.drp_deadline = Some(*deadline);
            matter.stages.push(StageEntry {
                stage: *stage,
                entered_on: on,
                reason: reason.clone(),
                response_deadline: *response_deadline,
            });
        }
        Event::StageRaised {
            to,
            reason,
            response_deadline,
            ..
        } => {
            matter.stage = Some(*to);
            matter.stages.push(StageEntry {
                stage: *to,
                entered_on: on,
                reason: reason.clone(),
                response_deadline: *response_deadline,
            });
        }
        Event::Resolved {
            outcome,
            resolved_by,
        } => {
            matter.state = MatterState::Resolved;
            matter.resolved_on = Some(on);
            matter.resolved_by = Some(resolved_by.clone());
            matter.outcome = Some(outcome.clone());
        }
        Event::ReferredToCafcass { referral, reason } => {
            matter.referrals.push(Referral {
                kind: *referral,
                referred_on: on,
                reason: reason.clone(),
                decision: None,
                decided_on: None,
            });
            if *referral == ReferralKind::Formal {
                matter.state = MatterState::Cafcass;
            }
        }
        Event::CafcassDecided {
            decision,
            back_in_drp,
            ..
        } => {
            let referral = matter
                .referrals
                .iter_mut()
                .rev()
                .find(|r| r.decision.is_none())
                .ok_or_else(|| bad("no referral waits on a decision"))?;
            referral.decision = Some(*decision);
            referral.decided_on = Some(on);
            // A formal referral CAFCASS takes ends the matter here; one it does not take leaves the
            // dispute unresolved, back in EPCP/DRP.
            if referral.kind == ReferralKind::Formal && *back_in_drp {
                matter.state = MatterState::Drp;
            } else if referral.kind == ReferralKind::Formal {
                matter.state = MatterState::Closed;
                matter.resolved_on = Some(on);
                matter.outcome = Some(match decision {
                    CafcassDecision::CriteriaMet => {
                        "CAFCASS: criteria met, allocated for judicial review".to_string()
                    }
                    CafcassDecision::CriteriaNotMet => "CAFCASS: criteria not met".to_string(),
                });
            }
        }
        Event::LegalAdviceSought { .. }
        | Event::SeniorManagerBriefed { .. }
        | Event::CafcassPackProvided { .. }
        | Event::Noted { .. }
        | Event::Voided { .. }
        | Event::Amended { .. } => {}
    }
    Ok(matter)
}

/// New actions join the matter's; each number names one action only.
fn add_actions(matter: &mut Matter, actions: &[Action]) -> Result<(), &'static str> {
    if actions.iter().any(|a| matter.action(a.seq).is_some()) {
        return Err("an action of that number exists already");
    }
    matter.actions.extend(actions.iter().cloned());
    Ok(())
}

fn opened(id: &str, opening: &Opened, state: MatterState, actor: &str, on: NaiveDate) -> Matter {
    Matter {
        id: id.to_string(),
        child: opening.child.clone(),
        iro: opening.iro.clone(),
        team: opening.team.clone(),
        category: opening.category.clone(),
        summary: opening.summary.clone(),
        state,
        stage: None,
        raised_on: on,
        raised_by: actor.to_string(),
        qap_raised_on: None,
        challenge_deadline: None,
        challenged_on: None,
        drp_entered_on: None,
        drp_deadline: None,
        resolved_on: None,
        resolved_by: None,
        outcome: None,
        last_step_on: on,
        actions: Vec::new(),
        stages: Vec::new(),
        referrals: Vec::new(),
    }
}

/// Anything on the record: a step on a matter, or a change to the directory. Stored as the one or the
/// other's own JSON, told apart by its `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Entry {
    Step(Event),
    Change(super::directory::Change),
    Mail(Mail),
}

impl Entry {
    pub fn kind(&self) -> &'static str {
        match self {
            Entry::Step(event) => event.kind(),
            Entry::Change(change) => change.kind(),
            Entry::Mail(mail) => mail.kind(),
        }
    }

    /// One line for people, as the chronology prints it.
    pub fn describe(&self) -> String {
        match self {
            Entry::Step(event) => event.describe(),
            Entry::Change(change) => change.describe(),
            Entry::Mail(mail) => mail.describe(),
        }
    }
}

/// What happened to a message in the outbox, on the chain: queued (with a digest of what it says and
/// to whom), then each mark of its delivery. Who was told, and whether it went, is then as provable as
/// the steps themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Mail {
    MessageQueued {
        message: i64,
        /// SHA-256 of the message as queued: its matter, recipients, subject and body.
        digest: String,
    },
    /// The message's delivery as it stands after a mark.
    MessageMarked { message: i64, delivery: Delivery },
}

/// A message's delivery columns, as the outbox holds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Delivery {
    pub status: String,
    pub error: Option<String>,
    pub written_at: Option<String>,
    pub written_to: Option<String>,
    pub claimed_at: Option<String>,
    pub sent_at: Option<String>,
}

/// Every kind of mail entry, as the `kind` column stores it.
pub const MAIL_KINDS: &[&str] = &["message-queued", "message-marked"];

impl Mail {
    pub fn kind(&self) -> &'static str {
        match self {
            Mail::MessageQueued { .. } => "message-queued",
            Mail::MessageMarked { .. } => "message-marked",
        }
    }

    pub fn message(&self) -> i64 {
        match self {
            Mail::MessageQueued { message, .. } | Mail::MessageMarked { message, .. } => *message,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Mail::MessageQueued { message, .. } => format!("message {message} queued"),
            Mail::MessageMarked { message, delivery } => {
                format!("message {message} {}", delivery.status)
            }
        }
    }
}
