//! The domain types the engine, the store and the commands share.
//!
//! Plain values only: no SQL, no terminal, no clock. Every enum has one spelling, the kebab-case word the
//! command line, the database and the JSON output all use.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Spells an enum both ways with one table, so the CLI, SQL and JSON words can never drift apart.
macro_rules! words {
    ($ty:ident, $what:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The word the command line, the database and JSON use.
            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $word),+ }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl FromStr for $ty {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($word => Ok($ty::$variant),)+
                    _ => Err(format!(
                        "'{text}' is not a {}: expected one of {}",
                        $what,
                        [$($word),+].join(", ")
                    )),
                }
            }
        }
    };
}

/// The one role a member of staff holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Iro,
    IroTeamManager,
    SeniorIroManager,
    SocialWorker,
    PracticeSupervisor,
    TeamManager,
    ServiceManager,
    AssistantDirector,
    Admin,
}

impl Role {
    /// The role with its article, as a sentence says it: "an iro-team-manager", "a social-worker".
    pub fn with_article(self) -> String {
        let article = match self {
            Role::Iro | Role::IroTeamManager | Role::Admin | Role::AssistantDirector => "an",
            _ => "a",
        };
        format!("{article} {self}")
    }

    /// The role as a letter names it: "IRO team manager", "social worker".
    pub fn label(self) -> &'static str {
        match self {
            Role::Iro => "IRO",
            Role::IroTeamManager => "IRO team manager",
            Role::SeniorIroManager => "senior IRO manager",
            Role::SocialWorker => "social worker",
            Role::PracticeSupervisor => "practice supervisor",
            Role::TeamManager => "social work team manager",
            Role::ServiceManager => "children's service manager",
            Role::AssistantDirector => "assistant director",
            Role::Admin => "business support",
        }
    }
}

words!(Role, "role", {
    Iro => "iro",
    IroTeamManager => "iro-team-manager",
    SeniorIroManager => "senior-iro-manager",
    SocialWorker => "social-worker",
    PracticeSupervisor => "practice-supervisor",
    TeamManager => "team-manager",
    ServiceManager => "service-manager",
    AssistantDirector => "assistant-director",
    Admin => "admin",
});

/// Where a matter is in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatterState {
    /// Before a review: the IRO consults the social worker and tries to settle the concern informally.
    Consultation,
    /// Informal Quality Assurance Process: actions with timescales.
    Qap,
    /// Formal Escalation of Professional Concerns / Dispute Resolution Process, at a stage.
    Drp,
    /// Formally referred to CAFCASS, waiting on its decision.
    Cafcass,
    /// The concern was settled.
    Resolved,
    /// Ended without being settled here (CAFCASS decided on a formal referral).
    Closed,
}

words!(MatterState, "matter state", {
    Consultation => "consultation",
    Qap => "qap",
    Drp => "drp",
    Cafcass => "cafcass",
    Resolved => "resolved",
    Closed => "closed",
});

impl MatterState {
    /// Resolved and closed matters take no further step that changes them.
    pub fn is_finished(self) -> bool {
        matches!(self, MatterState::Resolved | MatterState::Closed)
    }

    /// Whether open actions are deadlines that run in this state. In consultation there are none yet;
    /// a matter formally referred waits on CAFCASS, not on its actions.
    pub fn actions_run(self) -> bool {
        matches!(self, MatterState::Qap | MatterState::Drp)
    }

    /// Whether the EPCP/DRP resolution deadline and the stage's response deadline run in this state.
    pub fn drp_runs(self) -> bool {
        self == MatterState::Drp
    }
}

/// A stage of EPCP/DRP: who resolves it rises with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum Stage {
    One = 1,
    Two = 2,
    Three = 3,
}

impl Stage {
    /// Every stage, in order.
    pub const ALL: [Stage; 3] = [Stage::One, Stage::Two, Stage::Three];
    /// The stage a matter enters EPCP/DRP at unless a reason says otherwise.
    pub const FIRST: Stage = Stage::One;
    /// The highest stage: nothing goes past it.
    pub const LAST: Stage = Stage::Three;

    pub fn number(self) -> u8 {
        self as u8
    }

    /// The stage after this one, if any.
    pub fn next(self) -> Option<Stage> {
        Stage::try_from(self.number() + 1).ok()
    }

    /// The role of the manager who resolves a matter at this stage (rule 7).
    pub fn resolving_role(self) -> Role {
        match self {
            Stage::One => Role::TeamManager,
            Stage::Two => Role::ServiceManager,
            Stage::Three => Role::AssistantDirector,
        }
    }
}

impl From<Stage> for u8 {
    fn from(stage: Stage) -> u8 {
        stage.number()
    }
}

impl TryFrom<u8> for Stage {
    type Error = String;
    fn try_from(n: u8) -> Result<Stage, String> {
        match n {
            1 => Ok(Stage::One),
            2 => Ok(Stage::Two),
            3 => Ok(Stage::Three),
            _ => Err(format!(
                "'{n}' is not a stage: expected {}",
                Stage::ALL.map(|s| s.to_string()).join(", ")
            )),
        }
    }
}

impl FromStr for Stage {
    type Err = String;
    fn from_str(text: &str) -> Result<Stage, String> {
        text.parse::<u8>()
            .map_err(|_| {
                format!(
                    "'{text}' is not a stage: expected {}",
                    Stage::ALL.map(|s| s.to_string()).join(", ")
                )
            })
            .and_then(Stage::try_from)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.number())
    }
}

/// Whether a QAP or alert-form action is still to be done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionStatus {
    Open,
    Done,
    /// No longer needed: it does not run, and is not counted as done.
    Withdrawn,
}

words!(ActionStatus, "action status", {
    Open => "open",
    Done => "done",
    Withdrawn => "withdrawn",
});

/// A CAFCASS referral made alongside an open EPCP/DRP, or the formal one once it has failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferralKind {
    Concurrent,
    Formal,
}

words!(ReferralKind, "referral kind", {
    Concurrent => "concurrent",
    Formal => "formal",
});

/// CAFCASS's decision on whether the criteria for a breach of the child's rights are met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CafcassDecision {
    /// Criteria met: the case is allocated for judicial review.
    CriteriaMet,
    CriteriaNotMet,
}

words!(CafcassDecision, "CAFCASS decision", {
    CriteriaMet => "criteria-met",
    CriteriaNotMet => "criteria-not-met",
});

/// A member of staff, known by a short login-style id, as the directory holds them on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub email: String,
    pub team: Option<String>,
    /// The login (OS account or database role) that is theirs, where one is bound.
    #[serde(default)]
    pub login: Option<String>,
    /// The day they left the service, after which they take no step and are told nothing.
    #[serde(default)]
    pub left_on: Option<NaiveDate>,
}

impl Staff {
    /// Whether they are still in post on `day`.
    pub fn in_post_on(&self, day: NaiveDate) -> bool {
        self.left_on.is_none_or(|left| day <= left)
    }
}

/// A looked-after child and the people allocated to them, as the directory holds them on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Child {
    pub reference: String,
    pub name: String,
    pub team: String,
    pub social_worker: String,
    pub practice_supervisor: Option<String>,
    pub team_manager: String,
    pub service_manager: String,
    /// The assistant director of the child's directorate, where a service has more than one; else
    /// every assistant director is told at stage 3 and any may resolve it.
    #[serde(default)]
    pub assistant_director: Option<String>,
    pub iro: String,
    pub iro_team_manager: String,
    /// The day the child stopped being looked after: no new matter is opened after it.
    #[serde(default)]
    pub ceased_on: Option<NaiveDate>,
    #[serde(default)]
    pub cease_reason: Option<String>,
}

/// The allocation slots of a child, each with the roles that may fill it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Slot {
    SocialWorker,
    PracticeSupervisor,
    TeamManager,
    ServiceManager,
    AssistantDirector,
    Iro,
    IroTeamManager,
}

words!(Slot, "allocation", {
    SocialWorker => "social-worker",
    PracticeSupervisor => "practice-supervisor",
    TeamManager => "team-manager",
    ServiceManager => "service-manager",
    AssistantDirector => "assistant-director",
    Iro => "iro",
    IroTeamManager => "iro-team-manager",
});

impl Slot {
    /// The slot's column in a children extract (`directory import`).
    pub fn column(self) -> &'static str {
        match self {
            Slot::SocialWorker => "social_worker",
            Slot::PracticeSupervisor => "practice_supervisor",
            Slot::TeamManager => "team_manager",
            Slot::ServiceManager => "service_manager",
            Slot::AssistantDirector => "assistant_director",
            Slot::Iro => "iro",
            Slot::IroTeamManager => "iro_team_manager",
        }
    }

    /// The roles a member of staff in this slot may hold. An IRO team manager may hold a caseload, so
    /// may be a child's IRO.
    pub fn roles(self) -> &'static [Role] {
        match self {
            Slot::SocialWorker => &[Role::SocialWorker],
            Slot::PracticeSupervisor => &[Role::PracticeSupervisor],
            Slot::TeamManager => &[Role::TeamManager],
            Slot::ServiceManager => &[Role::ServiceManager],
            Slot::AssistantDirector => &[Role::AssistantDirector],
            Slot::Iro => &[Role::Iro, Role::IroTeamManager],
            Slot::IroTeamManager => &[Role::IroTeamManager],
        }
    }
}

impl Child {
    /// Who owes the response at a stage of EPCP/DRP: the child's own manager of the role that resolves
    /// it there (the policy's `resolving_roles`: by default team manager, children's service manager,
    /// assistant director).
    pub fn responder(&self, role: Role) -> Option<&str> {
        match role {
            Role::PracticeSupervisor => self.practice_supervisor.as_deref(),
            Role::TeamManager => Some(&self.team_manager),
            Role::ServiceManager => Some(&self.service_manager),
            Role::AssistantDirector => self.assistant_director.as_deref(),
            _ => None,
        }
    }

    /// Who fills a slot, if anyone.
    pub fn in_slot(&self, slot: Slot) -> Option<&str> {
        match slot {
            Slot::SocialWorker => Some(&self.social_worker),
            Slot::PracticeSupervisor => self.practice_supervisor.as_deref(),
            Slot::TeamManager => Some(&self.team_manager),
            Slot::ServiceManager => Some(&self.service_manager),
            Slot::AssistantDirector => self.assistant_director.as_deref(),
            Slot::Iro => Some(&self.iro),
            Slot::IroTeamManager => Some(&self.iro_team_manager),
        }
    }

    /// Puts `id` in a slot (`None` empties an optional one; a required slot keeps its holder).
    pub fn set_slot(&mut self, slot: Slot, id: Option<String>) {
        match (slot, id) {
            (Slot::SocialWorker, Some(id)) => self.social_worker = id,
            (Slot::PracticeSupervisor, id) => self.practice_supervisor = id,
            (Slot::TeamManager, Some(id)) => self.team_manager = id,
            (Slot::ServiceManager, Some(id)) => self.service_manager = id,
            (Slot::AssistantDirector, id) => self.assistant_director = id,
            (Slot::Iro, Some(id)) => self.iro = id,
            (Slot::IroTeamManager, Some(id)) => self.iro_team_manager = id,
            (_, None) => {}
        }
    }

    /// Whether the child was still looked after on `day`.
    pub fn looked_after_on(&self, day: NaiveDate) -> bool {
        self.ceased_on.is_none_or(|ceased| day <= ceased)
    }
}

/// One member of staff acting for another for a period: they may take the absent person's steps and
/// are told instead of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cover {
    pub absent: String,
    pub by: String,
    pub from: NaiveDate,
    /// The last day of the cover; open-ended when `None`.
    pub to: Option<NaiveDate>,
    pub reason: Option<String>,
}

impl Cover {
    pub fn in_force_on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| day <= to)
    }
}

/// One action with an owner and a timescale, on a QAP or an alert form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Action {
    pub seq: u32,
    pub text: String,
    pub owner: String,
    pub due: NaiveDate,
    pub status: ActionStatus,
    pub completed_on: Option<NaiveDate>,
}

/// A stage a matter entered, and when.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StageEntry {
    pub stage: Stage,
    pub entered_on: NaiveDate,
    pub reason: Option<String>,
    /// The stage's own response deadline, where the authority's policy sets one.
    pub response_deadline: Option<NaiveDate>,
}

/// A referral to CAFCASS and, once made, its decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Referral {
    pub kind: ReferralKind,
    pub referred_on: NaiveDate,
    pub reason: String,
    pub decision: Option<CafcassDecision>,
    pub decided_on: Option<NaiveDate>,
}

/// One concern about one child, as the record stands: the state every rule is judged against.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Matter {
    pub id: String,
    pub child: String,
    pub iro: String,
    pub team: String,
    pub category: String,
    pub summary: String,
    pub state: MatterState,
    pub stage: Option<Stage>,
    pub raised_on: NaiveDate,
    pub raised_by: String,
    /// When QAP actions were raised: the day the matter opened, or later for a consultation turned QAP.
    pub qap_raised_on: Option<NaiveDate>,
    pub challenge_deadline: Option<NaiveDate>,
    pub challenged_on: Option<NaiveDate>,
    pub drp_entered_on: Option<NaiveDate>,
    pub drp_deadline: Option<NaiveDate>,
    pub resolved_on: Option<NaiveDate>,
    pub resolved_by: Option<String>,
    pub outcome: Option<String>,
    /// The effective date of the latest step: no later step may be dated before it.
    pub last_step_on: NaiveDate,
    pub actions: Vec<Action>,
    pub stages: Vec<StageEntry>,
    pub referrals: Vec<Referral>,
}

/// What a running deadline is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DueItem {
    /// The EPCP/DRP resolution deadline, fixed on entry.
    DrpResolution,
    /// An open action's due date.
    QapAction,
    /// The current stage's own response deadline, where the policy sets one.
    StageResponse,
}

words!(DueItem, "deadline item", {
    DrpResolution => "drp-resolution",
    QapAction => "qap-action",
    StageResponse => "stage-response",
});

/// A deadline still running on a matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Deadline {
    pub due: NaiveDate,
    pub item: DueItem,
    /// The action's number, for a `qap-action`.
    pub action: Option<u32>,
}

/// The deadlines still running on a matter in `state`, earliest first (on the same day the resolution
/// deadline first, then actions by number, then the stage's response deadline): the one definition
/// every listing, report and reminder uses. `open_actions` are the open actions' numbers and due dates.
pub fn running_deadlines(
    state: MatterState,
    drp_deadline: Option<NaiveDate>,
    stage_response: Option<NaiveDate>,
    open_actions: impl IntoIterator<Item = (u32, NaiveDate)>,
) -> Vec<Deadline> {
    let mut running: Vec<Deadline> = Vec::new();
    if state.actions_run() {
        running.extend(open_actions.into_iter().map(|(seq, due)| Deadline {
            due,
            item: DueItem::QapAction,
            action: Some(seq),
        }));
    }
    if state.drp_runs() {
        let drp = [
            (drp_deadline, DueItem::DrpResolution),
            (stage_response, DueItem::StageResponse),
        ];
        running.extend(drp.into_iter().filter_map(|(due, item)| {
            due.map(|due| Deadline {
                due,
                item,
                action: None,
            })
        }));
    }
    running.sort();
    running
}

impl Matter {
    /// Whether `text` has the shape every matter's id has, whatever its case: a letter prefix, the
    /// year and a number (`Q-2026-0042`). Text of another shape names no matter and need not be sought.
    pub fn id_shaped(text: &str) -> bool {
        let mut parts = text.split('-');
        let (Some(prefix), Some(year), Some(number), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        !prefix.is_empty()
            && prefix.bytes().all(|b| b.is_ascii_alphabetic())
            && digits(year)
            && digits(number)
    }

    pub fn action(&self, seq: u32) -> Option<&Action> {
        self.actions.iter().find(|a| a.seq == seq)
    }

    /// The open action due first (by due date, then number): what a listing's next deadline is made of.
    pub fn first_open_action(&self) -> Option<(u32, NaiveDate)> {
        self.actions
            .iter()
            .filter(|a| a.status == ActionStatus::Open)
            .map(|a| (a.seq, a.due))
            .min_by_key(|(seq, due)| (*due, *seq))
    }

    /// The current stage's response deadline, where the policy set one.
    pub fn stage_response_deadline(&self) -> Option<NaiveDate> {
        self.stages.last().and_then(|s| s.response_deadline)
    }

    /// The deadlines still running (see [`running_deadlines`]).
    pub fn running(&self) -> Vec<Deadline> {
        running_deadlines(
            self.state,
            self.drp_deadline,
            self.stage_response_deadline(),
            self.actions
                .iter()
                .filter(|a| a.status == ActionStatus::Open)
                .map(|a| (a.seq, a.due)),
        )
    }

    /// The earliest deadline still running.
    pub fn next_deadline(&self) -> Option<Deadline> {
        self.running().into_iter().next()
    }
}

/// A matter as a listing shows it: its facts without its actions, and what its next deadline is made
/// of (the open action due first, the current stage's response deadline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub matter: Matter,
    #[serde(skip)]
    pub first_open_action: Option<(u32, NaiveDate)>,
    #[serde(skip)]
    pub stage_response: Option<NaiveDate>,
}

impl Listed {
    /// The earliest deadline still running (the one definition, [`running_deadlines`]).
    pub fn next_deadline(&self) -> Option<Deadline> {
        let m = &self.matter;
        running_deadlines(
            m.state,
            m.drp_deadline,
            self.stage_response,
            self.first_open_action,
        )
        .into_iter()
        .next()
    }
}

/// One dated change in a person's or a child's history, as the history prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dated {
    pub effective_on: NaiveDate,
    pub recorded_at: String,
    pub by: String,
    pub what: String,
}

#[cfg(test)]
mod tests {
    use super::Matter;

    #[test]
    fn every_id_a_matter_is_given_has_the_shape_of_one_and_a_childs_reference_has_not() {
        for id in ["Q-2026-0001", "c-2026-0042", "E-1999-123456"] {
            assert!(Matter::id_shaped(id), "{id}");
        }
        for text in [
            "LCS-104233",
            "Q-2026",
            "Q-2026-",
            "Q-20x6-0001",
            "-2026-0001",
            "Q1-2026-0001",
            "Q-2026-0001-1",
            "Q 2026 0001",
            "",
        ] {
            assert!(!Matter::id_shaped(text), "{text}");
        }
    }
}
