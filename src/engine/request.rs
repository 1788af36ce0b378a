//! What someone may ask the engine to judge, with the people they name already resolved: an
//! [`Opening`] of a new matter about a child, or a [`Request`] for a step on a matter that exists.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::model::{CafcassDecision, Staff, Stage};

/// A timescale as the IRO gives it: a date, or a number of working days from the step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timescale {
    By(NaiveDate),
    Within(u32),
}

/// An action to add, its owner already resolved to a member of staff: borrowed where the asker holds
/// the directory already (the audit re-judges a national record's actions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAction<'s> {
    pub text: String,
    pub owner: Cow<'s, Staff>,
    pub due: Timescale,
}

/// What a new matter is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concern {
    /// One of the policy's categories.
    pub category: String,
    /// The concern, in a line.
    pub summary: String,
}

/// A step that opens a new matter about a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opening<'s> {
    /// Consult people before a review about a concern: the matter opens in `consultation`.
    Consult { concern: Concern, with: Vec<Staff> },
    /// Raise QAP actions: the matter opens in `qap`.
    RaiseQap {
        concern: Concern,
        actions: Vec<NewAction<'s>>,
    },
    /// Enter EPCP/DRP straight away, at any stage (a reason above stage 1).
    EnterDrp {
        concern: Concern,
        stage: Stage,
        reason: Option<String>,
    },
}

impl Opening<'_> {
    pub fn concern(&self) -> &Concern {
        match self {
            Opening::Consult { concern, .. }
            | Opening::RaiseQap { concern, .. }
            | Opening::EnterDrp { concern, .. } => concern,
        }
    }

    /// The letter a matter's id starts with: where it began (`C-`, `Q-`, `E-`).
    pub fn id_prefix(&self) -> &'static str {
        match self {
            Opening::Consult { .. } => "C",
            Opening::RaiseQap { .. } => "Q",
            Opening::EnterDrp { .. } => "E",
        }
    }
}

/// A step on a matter that exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request<'s> {
    /// Raise QAP actions on a matter in consultation.
    RaiseQap {
        actions: Vec<NewAction<'s>>,
    },
    Challenge {
        reason: String,
    },
    Extend {
        seq: u32,
        due: Timescale,
        agreed_by: Staff,
        reason: String,
    },
    CompleteAction {
        seq: u32,
        note: Option<String>,
    },
    /// Enter EPCP/DRP from consultation or QAP, or go up a stage.
    Escalate {
        stage: Stage,
        reason: Option<String>,
    },
    Resolve {
        outcome: String,
        resolved_by: Option<Staff>,
    },
    ReferCafcass {
        reason: String,
        /// The IRO says stage 3 has not resolved the matter, before the period has run out.
        formal: bool,
    },
    CafcassDecision {
        decision: CafcassDecision,
        note: Option<String>,
    },
    LegalAdvice {
        note: String,
    },
    BriefSenior {
        note: String,
    },
    /// The CAFCASS pack was provided to CAFCASS: the pack's manifest digest.
    PackProvided {
        manifest: String,
    },
    /// More actions on a QAP, or on the alert form at any stage.
    AddActions {
        actions: Vec<NewAction<'s>>,
    },
    /// A formal meeting at stage 2 or 3, chaired by a senior IRO manager, with the actions it agreed.
    Meeting {
        chair: Staff,
        attendees: Vec<Staff>,
        actions: Vec<NewAction<'s>>,
    },
    Note {
        text: String,
        /// The note records a discussion in the IRO's supervision.
        supervision: bool,
    },
}

impl Request<'_> {
    /// Whether the step only adds to the record and changes nothing, so it may be recorded on a
    /// finished matter too: a note, and CAFCASS's decision on a referral made before the matter ended.
    pub fn records_only(&self) -> bool {
        matches!(
            self,
            Request::Note { .. } | Request::CafcassDecision { .. } | Request::PackProvided { .. }
        )
    }
}
