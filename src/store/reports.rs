//! Typed reads for reports and exports: the overdue items, the open caseload, the facts the year's
//! figures are counted from, chronologies and full exports.
//!
//! Deadlines are stored when they are set, so every query here selects by column (and, for the nightly
//! overdue report, by the running matters and the partial index `matters_drp_deadline`) instead of
//! recomputing deadlines. Long listings are streamed row by row to a callback, so a report over years
//! of records never holds them all in memory.

use chrono::NaiveDate;
use serde::Serialize;

use super::backend::{BackendError, Row, Sql};
use super::{StoreError, Tx};
use crate::engine::Entry;
use crate::model::{ActionStatus, DueItem, MatterState, ReferralKind, Role, Stage};

/// One deadline still running, due on or before the report's horizon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRow {
    pub matter: String,
    pub child: String,
    /// The child's IRO and team now: who is responsible for the deadline.
    pub iro: String,
    pub team: String,
    pub state: MatterState,
    pub stage: Option<Stage>,
    pub item: DueItem,
    /// The action's number, for a `qap-action`.
    pub action: Option<u32>,
    pub action_text: Option<String>,
    pub owner: Option<String>,
    pub due: NaiveDate,
}

/// Which deadlines the overdue report asks for.
#[derive(Debug, Clone)]
pub struct DueFilter {
    /// Matters of children this IRO is allocated to now, or covers for on `on`.
    pub iro: Option<String>,
    /// Matters of children in this social work team now.
    pub team: Option<String>,
    /// The day whose cover counts (the report's as-of day).
    pub on: Option<NaiveDate>,
    /// Matters of children whose IRO team manager this is now (the caseload report).
    pub iro_team_manager: Option<String>,
    /// The role that resolves each stage (the policy's), whose holder owes the stage's response.
    pub resolving_roles: [Role; 3],
}

impl Default for DueFilter {
    fn default() -> DueFilter {
        DueFilter {
            iro: None,
            team: None,
            on: None,
            iro_team_manager: None,
            resolving_roles: Stage::ALL.map(Stage::resolving_role),
        }
    }
}

/// The holder of the role that resolves the matter's stage, bound as ?5, ?6, ?7 (stages 1 to 3): who
/// owes the stage's response (`model::Child::responder`).
macro_rules! responder {
    () => {
        "CASE (CASE m.stage WHEN 1 THEN ?5 WHEN 2 THEN ?6 ELSE ?7 END)
              WHEN 'practice-supervisor' THEN c.practice_supervisor
              WHEN 'team-manager' THEN c.team_manager
              WHEN 'service-manager' THEN c.service_manager
              WHEN 'assistant-director' THEN c.assistant_director END"
    };
}

/// An open matter (QAP, EPCP/DRP or waiting on CAFCASS) as the caseload report shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenMatter {
    pub id: String,
    pub child: String,
    pub state: MatterState,
    pub stage: Option<Stage>,
    pub iro: String,
    pub team: String,
    pub category: String,
    pub raised_on: NaiveDate,
    pub drp_deadline: Option<NaiveDate>,
    /// The number and due date of the matter's open action due first.
    pub next_action: Option<(u32, NaiveDate)>,
    /// The current stage's response deadline, where the policy set one.
    pub stage_response_due: Option<NaiveDate>,
}

/// A step of the protocol the year's figures count: a QAP raised, an entry to EPCP/DRP, a resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepFact<'a> {
    pub kind: StepKind,
    pub on: NaiveDate,
    pub matter: &'a str,
    pub category: &'a str,
    pub team: &'a str,
    /// The matter's IRO.
    pub iro: &'a str,
    /// For an entry to EPCP/DRP: the stage it entered at.
    pub entry_stage: Option<Stage>,
    /// For an entry to EPCP/DRP: whether it came from a QAP rather than opening a new matter.
    pub from_qap: bool,
    /// For a QAP raised or an entry to EPCP/DRP: whether it turned a consultation into it.
    pub from_consultation: bool,
    /// Whether QAP actions were ever raised on the matter.
    pub qap_raised: bool,
    /// The matter's entry to EPCP/DRP, if it ever entered it (never undone, so it tells a resolved
    /// QAP from a resolved EPCP/DRP matter).
    pub drp_entered_on: Option<NaiveDate>,
    pub drp_deadline: Option<NaiveDate>,
    /// The matter's stage now; a resolved matter's stage is the stage it was resolved at.
    pub stage: Option<Stage>,
    /// Whether the step opened its matter: a new concern about the child.
    pub opens: bool,
    pub child: &'a str,
    pub raised_on: NaiveDate,
    /// The child's IRO team manager when the matter was raised.
    pub iro_team_manager: &'a str,
    pub qap_raised_on: Option<NaiveDate>,
    /// For a stage raised, the stage it left; for a resolution, the stage resolved at: the day the
    /// matter reached that stage.
    pub stage_reached_on: Option<NaiveDate>,
    /// For a step that opened a matter: whether the child had a concern raised on an earlier day.
    pub earlier_concern: bool,
    /// For an action completed: whether by its due date (as extended).
    pub on_time: bool,
    /// For a stage raised: the stage it left (1 to 3 skips 2).
    pub stage_left: Option<Stage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    ConsultationOpened,
    QapRaised,
    DrpEntered,
    /// Up a stage of EPCP/DRP; `entry_stage` is the stage reached.
    StageRaised,
    Resolved,
    Challenged,
    ActionExtended,
    ActionCompleted,
    MeetingHeld,
    LegalAdviceSought,
    SeniorManagerBriefed,
}

/// Each child's IRO team managers over time, from the directory's history: some tens of thousands of
/// children and a few hundred managers, so each manager's name is kept once and each child's history
/// holds numbers.
#[derive(Debug, Clone, Default)]
pub struct IroTeamManagers {
    /// By child: each allocation's first day, its event and its IRO team manager (the manager's
    /// number in `names`), in the order they took effect; for a child whose allocations were recorded
    /// before the directory's history was, its manager now, from the first day there is.
    by_child: rustc_hash::FxHashMap<Box<str>, Vec<(NaiveDate, i64, u32)>>,
    names: Vec<String>,
}

impl IroTeamManagers {
    /// The child's IRO team manager on `day`: the allocation in force then, or for a day before the
    /// history began, the first allocation recorded (as `Tx::child_on` reads the directory).
    pub fn on(&self, child: &str, day: NaiveDate) -> &str {
        let Some(history) = self.by_child.get(child) else {
            return "";
        };
        // In the order they took effect: the last to start by `day` is in force.
        let in_force = history.partition_point(|(from, _, _)| *from <= day);
        history
            .get(in_force.saturating_sub(1))
            .map_or("", |(_, _, manager)| self.names[*manager as usize].as_str())
    }

    /// Records that `child`'s IRO team manager was `manager` from `from`, by the allocation `event`.
    fn allocate(
        &mut self,
        numbers: &mut rustc_hash::FxHashMap<String, u32>,
        child: &str,
        (from, event): (NaiveDate, i64),
        manager: &str,
    ) {
        let number = match numbers.get(manager) {
            Some(number) => *number,
            None => {
                let number = self.names.len() as u32;
                self.names.push(manager.to_string());
                numbers.insert(manager.to_string(), number);
                number
            }
        };
        match self.by_child.get_mut(child) {
            Some(history) => history.push((from, event, number)),
            None => {
                self.by_child
                    .insert(child.into(), vec![(from, event, number)]);
            }
        }
    }
}

/// What a period's figures look up about each child, read once however many periods are counted:
/// its IRO team managers over time, and the day its first concern was raised.
#[derive(Debug, Clone, Default)]
pub struct ChildrenOverTime {
    pub managers: IroTeamManagers,
    pub first_concern: FirstConcerns,
}

/// The day each child's first concern was raised.
#[derive(Debug, Clone, Default)]
pub struct FirstConcerns(rustc_hash::FxHashMap<Box<str>, NaiveDate>);

impl ChildrenOverTime {
    /// Whether a concern about `child` raised on `raised_on` is a repeat: one was raised on an earlier
    /// day.
    pub fn earlier_concern(&self, child: &str, raised_on: NaiveDate) -> bool {
        self.first_concern
            .0
            .get(child)
            .is_some_and(|first| *first < raised_on)
    }
}

/// A matter open at some time in a period: when it opened and closed, and the groups it counts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSpan<'a> {
    pub raised_on: NaiveDate,
    pub resolved_on: Option<NaiveDate>,
    pub category: &'a str,
    pub team: &'a str,
    pub iro: &'a str,
    pub iro_team_manager: &'a str,
}

/// A referral to CAFCASS with the matter's category and team, for the year's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralFact {
    pub matter: String,
    pub category: String,
    pub team: String,
    /// The matter's IRO.
    pub iro: String,
    pub child: String,
    /// The day the matter was raised, and the child's IRO team manager that day.
    pub raised_on: NaiveDate,
    pub iro_team_manager: String,
    pub kind: ReferralKind,
    pub referred_on: NaiveDate,
    pub decision: Option<crate::model::CafcassDecision>,
    pub decided_on: Option<NaiveDate>,
    /// Whether the decision closed the matter (a formal referral CAFCASS decided, not back in EPCP/DRP).
    pub closed: bool,
}

/// Whose record a chronology covers.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    Child(&'a str),
    Matter(&'a str),
}

/// One event on the record, with who took the step as the directory knows them.
#[derive(Debug, Clone)]
pub struct EventRow {
    pub id: i64,
    pub matter: Option<String>,
    pub child: Option<String>,
    pub kind: String,
    pub actor: String,
    pub actor_name: Option<String>,
    pub actor_role: Option<Role>,
    pub effective_on: NaiveDate,
    pub recorded_at: String,
    /// The event as stored: JSON tagged by `kind`.
    pub details: String,
    /// The login that entered it and the policy in force (none before version 5).
    pub entered_by: Option<String>,
    pub policy_digest: Option<String>,
    /// Where an imported step came from: the file, its digest, the row and the row's source key (JSON).
    pub source: Option<String>,
}

impl EventRow {
    /// The recorded event, for `Event::describe`.
    pub fn event(&self) -> Result<Entry, serde_json::Error> {
        serde_json::from_str(&self.details)
    }
}

/// A matter's facts in full, one row of `export matters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatterRow {
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
    pub challenge_deadline: Option<NaiveDate>,
    pub challenged_on: Option<NaiveDate>,
    pub drp_entered_on: Option<NaiveDate>,
    pub drp_deadline: Option<NaiveDate>,
    pub resolved_on: Option<NaiveDate>,
    pub resolved_by: Option<String>,
    pub outcome: Option<String>,
    pub last_step_on: NaiveDate,
}

/// An action with its matter's child and team, one row of `export actions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRow {
    pub matter: String,
    pub child: String,
    pub team: String,
    pub raised_on: NaiveDate,
    pub seq: u32,
    pub text: String,
    pub owner: String,
    pub first_due: Option<NaiveDate>,
    pub due: NaiveDate,
    /// How many new timescales were agreed.
    pub extensions: u32,
    pub status: ActionStatus,
    pub completed_on: Option<NaiveDate>,
}

/// What `report drift` asks for: the bounds the thresholds give, and whose matters.
#[derive(Debug, Clone)]
pub struct DriftQuery {
    pub as_of: NaiveDate,
    /// Matters whose last step is on or before this day (a superset of those idle `drift_days`).
    pub idle_by: NaiveDate,
    /// Consultations raised on or before this day.
    pub consulting_by: NaiveDate,
    pub max_extensions: u32,
    /// Matters of children this IRO is allocated to now, or covers for on `as_of`.
    pub iro: Option<String>,
    pub team: Option<String>,
    /// Matters of children whose social work team manager this is.
    pub team_manager: Option<String>,
}

/// One drifting matter (or action) as the store finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriftRow {
    /// `no-step`, `extended`, `all-done`, `long-consultation`, `past-deadline`, `awaiting-cafcass`.
    pub kind: String,
    pub matter: String,
    pub child: String,
    pub iro: String,
    pub team: String,
    pub team_manager: String,
    pub state: MatterState,
    pub stage: Option<Stage>,
    /// Since when: the last step, the last extension, the last completion, the day raised, the
    /// deadline, the referral.
    pub since: NaiveDate,
    pub action: Option<u32>,
    pub action_text: Option<String>,
    pub owner: Option<String>,
    /// How many extensions (`extended`) or actions done (`all-done`).
    pub count: Option<u32>,
}

/// Inclusive bounds on a date column; `None` leaves that side open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// Open actions on matters in QAP or EPCP/DRP, and the resolution deadlines and current stage response
/// deadlines of matters in EPCP/DRP, due on or before ?1; earliest first, then by matter, the
/// resolution deadline before the actions. This is `model::running_deadlines` as SQL, for the nightly
/// report over every running matter; a test holds the two to the same answers.
///
/// The QAP half walks the matters still running (`matters_state`) and reads their open actions by the
/// primary key: it reads the live caseload, never the history. Walking open actions by due date instead would
/// read every action left open on a matter resolved or closed since (most matters are resolved with an
/// action or two never marked done), a set that grows with every year of record: at 1,000,000 matters
/// that is about 175,000 dead rows for 23,000 live ones. The DRP half is one range scan of the partial index
/// `matters_drp_deadline`. `INDEXED BY` and `CROSS JOIN` (outer loop first) hold the plan to that
/// whatever statistics the file has or lacks.
pub(super) const DUE: Sql = Sql::new(
    "running deadlines due by a day",
    concat!(
        "SELECT m.id, m.child, c.iro, c.team, m.state, m.stage, 'qap-action', a.seq, a.text, a.owner, a.due
       FROM matters m INDEXED BY matters_state CROSS JOIN actions a ON a.matter = m.id
            CROSS JOIN children c ON c.ref = m.child
      WHERE m.state IN ('qap', 'drp') AND a.status = 'open' AND a.due <= ?1
        AND (?2 IS NULL OR c.iro = ?2 OR ",
        covered_by!("c.iro", "?2", "?4"),
        ")
        AND (?3 IS NULL OR c.team = ?3)
     UNION ALL
     SELECT m.id, m.child, c.iro, c.team, m.state, m.stage, 'drp-resolution', NULL, NULL, NULL, m.drp_deadline
       FROM matters m INDEXED BY matters_drp_deadline CROSS JOIN children c ON c.ref = m.child
      WHERE m.state = 'drp' AND m.drp_deadline <= ?1
        AND (?2 IS NULL OR c.iro = ?2 OR ",
        covered_by!("c.iro", "?2", "?4"),
        ")
        AND (?3 IS NULL OR c.team = ?3)
     UNION ALL
     SELECT m.id, m.child, c.iro, c.team, m.state, m.stage, 'stage-response', NULL, NULL, ",
        responder!(),
        ", s.response_deadline
       FROM matters m INDEXED BY matters_state CROSS JOIN stages s ON s.matter = m.id AND s.stage = m.stage
            CROSS JOIN children c ON c.ref = m.child
      WHERE m.state = 'drp' AND s.response_deadline <= ?1
        AND (?2 IS NULL OR c.iro = ?2 OR ",
        covered_by!("c.iro", "?2", "?4"),
        ")
        AND (?3 IS NULL OR c.team = ?3)
     ORDER BY 11, 1, 7, 8"
    ),
);

/// What falls due by ?1 on the matters still running, with who owns and who manages each: open actions
/// (their owner), resolution and stage response deadlines, and challenge windows still open (the
/// child's team manager may challenge until then). Read from the live caseload as `DUE` reads it.
const REMINDERS: Sql = Sql::new(
    "what falls due, by whom",
    concat!(
        "SELECT m.id, m.child, 'qap-action', a.seq, a.text, a.owner, a.due, c.iro, c.iro_team_manager, c.team_manager
       FROM matters m INDEXED BY matters_state CROSS JOIN actions a ON a.matter = m.id
            CROSS JOIN children c ON c.ref = m.child
      WHERE m.state IN ('qap', 'drp') AND a.status = 'open' AND a.due <= ?1
     UNION ALL
     SELECT m.id, m.child, 'drp-resolution', NULL, NULL, NULL, m.drp_deadline, c.iro, c.iro_team_manager, c.team_manager
       FROM matters m INDEXED BY matters_drp_deadline CROSS JOIN children c ON c.ref = m.child
      WHERE m.state = 'drp' AND m.drp_deadline <= ?1
     UNION ALL
     SELECT m.id, m.child, 'stage-response', NULL, NULL,
",
        responder!(),
        ", s.response_deadline, c.iro, c.iro_team_manager, c.team_manager
       FROM matters m INDEXED BY matters_state CROSS JOIN stages s ON s.matter = m.id AND s.stage = m.stage
            CROSS JOIN children c ON c.ref = m.child
      WHERE m.state = 'drp' AND s.response_deadline <= ?1
     UNION ALL
     SELECT m.id, m.child, 'challenge-window', NULL, NULL, NULL, m.challenge_deadline, c.iro, c.iro_team_manager, c.team_manager
       FROM matters m INDEXED BY matters_state CROSS JOIN children c ON c.ref = m.child
      WHERE m.state = 'qap' AND m.challenged_on IS NULL AND m.challenge_deadline BETWEEN ?2 AND ?1
      ORDER BY 7, 1, 3, 4",
    ),
);

/// The drift the overdue report does not show, on the matters still running (`matters_state`, the live
/// caseload, as `DUE` walks it): no step since ?1; an open action extended ?3 times or more; a QAP whose
/// actions are all done but that is not resolved; a consultation raised by ?2; EPCP/DRP past its
/// deadline (before ?4) with no escalation, referral or resolution since; a formal referral awaiting
/// CAFCASS. ?1 and ?2 are calendar-day bounds the caller narrows to working days.
const DRIFT: Sql = Sql::new(
    "the matters drifting",
    concat!(
        "SELECT 'no-step', m.id, m.child, c.iro, c.team, c.team_manager, m.state, m.stage, m.last_step_on,
            NULL, NULL, NULL, NULL
       FROM matters m INDEXED BY matters_state CROSS JOIN children c ON c.ref = m.child
      WHERE m.state IN ('consultation', 'qap', 'drp', 'cafcass') AND m.last_step_on <= ?1
        AND (?5 IS NULL OR c.iro = ?5 OR ",
        covered_by!("c.iro", "?5", "?4"),
        ")
        AND (?6 IS NULL OR c.team = ?6) AND (?7 IS NULL OR c.team_manager = ?7)
     UNION ALL
     SELECT 'extended', m.id, m.child, c.iro, c.team, c.team_manager, m.state, m.stage, MAX(h.set_on),
            a.seq, a.text, a.owner, COUNT(*)
       FROM matters m INDEXED BY matters_state CROSS JOIN actions a ON a.matter = m.id
            CROSS JOIN action_due_history h ON h.matter = a.matter AND h.seq = a.seq
            CROSS JOIN children c ON c.ref = m.child
      WHERE m.state IN ('qap', 'drp', 'cafcass') AND a.status = 'open' AND h.agreed_by IS NOT NULL
        AND (?5 IS NULL OR c.iro = ?5 OR ",
        covered_by!("c.iro", "?5", "?4"),
        ")
        AND (?6 IS NULL OR c.team = ?6) AND (?7 IS NULL OR c.team_manager = ?7)
      GROUP BY m.id, a.matter, a.seq, c.ref HAVING COUNT(*) >= ?3
     UNION ALL
     SELECT 'all-done', m.id, m.child, c.iro, c.team, c.team_manager, m.state, m.stage,
            (SELECT MAX(a.completed_on) FROM actions a WHERE a.matter = m.id), NULL, NULL, NULL,
            (SELECT COUNT(*) FROM actions a WHERE a.matter = m.id AND a.status = 'done')
       FROM matters m INDEXED BY matters_state CROSS JOIN children c ON c.ref = m.child
      WHERE m.state = 'qap'
        AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.matter = m.id AND a.status = 'open')
        AND EXISTS (SELECT 1 FROM actions a WHERE a.matter = m.id AND a.status = 'done')
        AND (?5 IS NULL OR c.iro = ?5 OR ",
        covered_by!("c.iro", "?5", "?4"),
        ")
        AND (?6 IS NULL OR c.team = ?6) AND (?7 IS NULL OR c.team_manager = ?7)
     UNION ALL
     SELECT 'long-consultation', m.id, m.child, c.iro, c.team, c.team_manager, m.state, m.stage,
            m.raised_on, NULL, NULL, NULL, NULL
       FROM matters m INDEXED BY matters_state CROSS JOIN children c ON c.ref = m.child
      WHERE m.state = 'consultation' AND m.raised_on <= ?2
        AND (?5 IS NULL OR c.iro = ?5 OR ",
        covered_by!("c.iro", "?5", "?4"),
        ")
        AND (?6 IS NULL OR c.team = ?6) AND (?7 IS NULL OR c.team_manager = ?7)
     UNION ALL
     SELECT 'past-deadline', m.id, m.child, c.iro, c.team, c.team_manager, m.state, m.stage,
            m.drp_deadline, NULL, NULL, NULL, NULL
       FROM matters m INDEXED BY matters_drp_deadline CROSS JOIN children c ON c.ref = m.child
      WHERE m.state = 'drp' AND m.drp_deadline < ?4
        AND NOT EXISTS (SELECT 1 FROM stages s WHERE s.matter = m.id AND s.entered_on > m.drp_deadline)
        AND NOT EXISTS (SELECT 1 FROM cafcass_referrals r
                         WHERE r.matter = m.id AND r.referred_on > m.drp_deadline)
        AND (?5 IS NULL OR c.iro = ?5 OR ",
        covered_by!("c.iro", "?5", "?4"),
        ")
        AND (?6 IS NULL OR c.team = ?6) AND (?7 IS NULL OR c.team_manager = ?7)
     UNION ALL
     SELECT 'awaiting-cafcass', m.id, m.child, c.iro, c.team, c.team_manager, m.state, m.stage,
            r.referred_on, NULL, NULL, NULL, NULL
       FROM matters m INDEXED BY matters_state CROSS JOIN cafcass_referrals r ON r.matter = m.id
            CROSS JOIN children c ON c.ref = m.child
      WHERE m.state = 'cafcass' AND r.kind = 'formal' AND r.decision IS NULL
        AND (?5 IS NULL OR c.iro = ?5 OR ",
        covered_by!("c.iro", "?5", "?4"),
        ")
        AND (?6 IS NULL OR c.team = ?6) AND (?7 IS NULL OR c.team_manager = ?7)
      ORDER BY 9, 2, 1, 10"
    ),
);

const OPEN_MATTERS: Sql = Sql::new(
    "the open matters",
    concat!(
        "SELECT m.id, m.child, m.state, m.stage, c.iro, c.team, m.category, m.raised_on, m.drp_deadline,
            (SELECT MIN(a.due) FROM actions a WHERE a.matter = m.id AND a.status = 'open'),
            (SELECT s.response_deadline FROM stages s WHERE s.matter = m.id AND s.stage = m.stage),
            (SELECT a.seq FROM actions a WHERE a.matter = m.id AND a.status = 'open'
              ORDER BY a.due, a.seq LIMIT 1)
       FROM matters m JOIN children c ON c.ref = m.child
      WHERE m.state IN ('consultation', 'qap', 'drp', 'cafcass')
        AND (?1 IS NULL OR c.iro = ?1 OR ",
        covered_by!("c.iro", "?1", "?3"),
        ")
        AND (?2 IS NULL OR c.team = ?2) AND (?4 IS NULL OR c.iro_team_manager = ?4)
      ORDER BY CASE m.state WHEN 'consultation' THEN 0 WHEN 'qap' THEN 1 WHEN 'drp' THEN 2 ELSE 3 END,
               m.stage, m.raised_on, m.id"
    ),
);

/// Every allocation's IRO team manager, for the figures by IRO team manager (resolved in memory: one
/// read of the directory's history rather than a look-up per step). Read in the table's order, which
/// is cheaper than the index's (each row then read by its key); `Tx::iro_team_managers` puts each
/// child's allocations in order.
const IRO_TEAM_MANAGERS: Sql = Sql::new(
    "the IRO team manager of each allocation",
    "SELECT child, from_on, event, iro_team_manager FROM allocations",
);
/// The day each child's first concern was raised: for each child, the first entry of the index on child
/// and day (a seek each, rather than reading the index's every matter).
const FIRST_CONCERNS: Sql = Sql::new(
    "the day of each child's first concern",
    "SELECT c.ref, (SELECT MIN(m.raised_on) FROM matters m WHERE m.child = c.ref) FROM children c",
);
const CURRENT_IRO_TEAM_MANAGERS: Sql = Sql::new(
    "each child's IRO team manager now",
    "SELECT ref, iro_team_manager FROM children",
);

/// The steps a period's figures count, each with its matter's groups and days. In no order: the figures
/// are sums and spreads, so reading them in the index's order spares sorting a year of steps.
/// On SQLite every look-up is by an index that holds what it reads (schema 10), so no matter, stage or
/// action row is read. (Whether a child had an earlier concern is not asked here, step by step: each
/// child's first concern is read once, see `ChildrenOverTime`, which two periods share.)
const STEP_FACTS: Sql = Sql::each(
    "the steps a period's figures count",
        "SELECT e.kind, e.effective_on, m.id, m.category, m.team,
            CASE e.kind WHEN 'drp-entered' THEN json_extract(e.details, '$.stage')
                        WHEN 'stage-raised' THEN json_extract(e.details, '$.to') END,
            e.kind NOT IN ('consultation-opened', 'qap-raised', 'drp-entered')
                OR json_extract(e.details, '$.opening') IS NULL,
            m.drp_entered_on, m.drp_deadline, m.stage, m.qap_raised_on IS NOT NULL, m.prefix = 'C', e.id, m.iro,
            m.child, m.raised_on, m.qap_raised_on,
            CASE e.kind WHEN 'stage-raised' THEN
                (SELECT st.entered_on FROM stages st INDEXED BY stages_entered
                  WHERE st.matter = m.id AND st.stage = json_extract(e.details, '$.from'))
              WHEN 'resolved' THEN
                (SELECT st.entered_on FROM stages st INDEXED BY stages_entered
                  WHERE st.matter = m.id AND st.stage = m.stage) END,
            CASE e.kind WHEN 'action-completed' THEN
                (SELECT e.effective_on <= a.due FROM actions a INDEXED BY actions_due
                  WHERE a.matter = m.id AND a.seq = json_extract(e.details, '$.seq')) END,
            CASE e.kind WHEN 'stage-raised' THEN json_extract(e.details, '$.from') END
       FROM events e INDEXED BY events_figures JOIN matters m INDEXED BY matters_figures ON m.id = e.matter
      WHERE e.effective_on BETWEEN ?1 AND ?2
        AND e.kind IN ('consultation-opened', 'qap-raised', 'drp-entered', 'stage-raised', 'resolved',
                       'challenged', 'action-extended', 'action-completed', 'meeting-held',
                       'legal-advice-sought', 'senior-manager-briefed')",
        // The same, with the details' numbers read as numbers (PostgreSQL's `json_extract` gives text).
        "SELECT e.kind, e.effective_on, m.id, m.category, m.team,
            CASE e.kind WHEN 'drp-entered' THEN json_extract(e.details, '$.stage')::bigint
                        WHEN 'stage-raised' THEN json_extract(e.details, '$.to')::bigint END,
            e.kind NOT IN ('consultation-opened', 'qap-raised', 'drp-entered')
                OR json_extract(e.details, '$.opening') IS NULL,
            m.drp_entered_on, m.drp_deadline, m.stage, m.qap_raised_on IS NOT NULL, m.prefix = 'C', e.id, m.iro,
            m.child, m.raised_on, m.qap_raised_on,
            CASE e.kind WHEN 'stage-raised' THEN
                (SELECT st.entered_on FROM stages st
                  WHERE st.matter = m.id AND st.stage = json_extract(e.details, '$.from')::bigint)
              WHEN 'resolved' THEN
                (SELECT st.entered_on FROM stages st WHERE st.matter = m.id AND st.stage = m.stage) END,
            CASE e.kind WHEN 'action-completed' THEN
                (SELECT e.effective_on <= a.due FROM actions a
                  WHERE a.matter = m.id AND a.seq = json_extract(e.details, '$.seq')::bigint) END,
            CASE e.kind WHEN 'stage-raised' THEN json_extract(e.details, '$.from')::bigint END
       FROM events e JOIN matters m ON m.id = e.matter
      WHERE e.effective_on BETWEEN ?1 AND ?2
        AND e.kind IN ('consultation-opened', 'qap-raised', 'drp-entered', 'stage-raised', 'resolved',
                       'challenged', 'action-extended', 'action-completed', 'meeting-held',
                       'legal-advice-sought', 'senior-manager-briefed')",
);

/// The matters open at some time in a period, with the days they opened and closed, for the figures of
/// matters open at its start and at its end. On SQLite, the unresolved and the resolved since the
/// period began are two ranges of one index that holds what is read (schema 10), not every matter.
const OPEN_SPANS: Sql = Sql::each(
    "the matters open during a period",
    "SELECT m.raised_on, m.resolved_on, m.category, m.team, m.iro, m.child
       FROM matters m INDEXED BY matters_open_spans
      WHERE m.resolved_on IS NULL AND m.raised_on <= ?2
     UNION ALL
     SELECT m.raised_on, m.resolved_on, m.category, m.team, m.iro, m.child
       FROM matters m INDEXED BY matters_open_spans
      WHERE m.resolved_on >= ?1 AND m.raised_on <= ?2",
    "SELECT m.raised_on, m.resolved_on, m.category, m.team, m.iro, m.child
       FROM matters m
      WHERE m.raised_on <= ?2 AND (m.resolved_on IS NULL OR m.resolved_on >= ?1)",
);

const REFERRAL_FACTS: Sql = Sql::new(
    "the referrals a period's figures count",
    "SELECT r.matter, m.category, m.team, r.kind, r.referred_on, r.decision, r.decided_on, m.iro,
            m.child, m.raised_on,
            COALESCE(r.kind = 'formal' AND m.state = 'closed' AND m.resolved_on = r.decided_on, FALSE)
       FROM cafcass_referrals r JOIN matters m ON m.id = r.matter
      WHERE r.referred_on BETWEEN ?1 AND ?2 OR r.decided_on BETWEEN ?1 AND ?2
      ORDER BY r.referred_on, r.matter, r.seq",
);

const CHILD_CHRONOLOGY: Sql = Sql::new(
    "a child's chronology",
    "SELECT e.id, e.matter, e.child, e.kind, e.actor, s.name, s.role, e.effective_on, e.recorded_at,
            e.details, e.entered_by, e.policy_digest, e.source
       FROM events e LEFT JOIN staff s ON s.id = e.actor
      WHERE e.child = ?1 ORDER BY e.effective_on, e.id",
);

const MATTER_CHRONOLOGY: Sql = Sql::new(
    "a matter's chronology",
    "SELECT e.id, e.matter, e.child, e.kind, e.actor, s.name, s.role, e.effective_on, e.recorded_at,
            e.details, e.entered_by, e.policy_digest, e.source
       FROM events e LEFT JOIN staff s ON s.id = e.actor
      WHERE e.matter = ?1 ORDER BY e.effective_on, e.id",
);

const EXPORT_EVENTS: Sql = Sql::new(
    "events for export",
    "SELECT e.id, e.matter, e.child, e.kind, e.actor, s.name, s.role, e.effective_on, e.recorded_at,
            e.details, e.entered_by, e.policy_digest, e.source
       FROM events e LEFT JOIN staff s ON s.id = e.actor
      WHERE (?1 IS NULL OR e.effective_on >= ?1) AND (?2 IS NULL OR e.effective_on <= ?2)
      ORDER BY e.id",
);

const EXPORT_MATTERS: Sql = Sql::new(
    "matters for export",
    "SELECT id, child, iro, team, category, summary, state, stage, raised_on, raised_by,
            challenge_deadline, challenged_on, drp_entered_on, drp_deadline, resolved_on, resolved_by,
            outcome, last_step_on
       FROM matters
      WHERE (?1 IS NULL OR raised_on >= ?1) AND (?2 IS NULL OR raised_on <= ?2)
      ORDER BY prefix, year, number",
);

const EXPORT_ACTIONS: Sql = Sql::new(
    "actions for export",
    "SELECT a.matter, m.child, m.team, m.raised_on, a.seq, a.text, a.owner,
            (SELECT h.due FROM action_due_history h WHERE h.matter = a.matter AND h.seq = a.seq
              ORDER BY h.event LIMIT 1),
            a.due,
            (SELECT COUNT(*) FROM action_due_history h
              WHERE h.matter = a.matter AND h.seq = a.seq AND h.agreed_by IS NOT NULL),
            a.status, a.completed_on
       FROM actions a JOIN matters m ON m.id = a.matter
      WHERE (?1 IS NULL OR m.raised_on >= ?1) AND (?2 IS NULL OR m.raised_on <= ?2)
      ORDER BY m.prefix, m.year, m.number, a.seq",
);

/// A row of `OPEN_SPANS` as the matter's span, its texts borrowed from the row.
fn open_span<'r>(
    r: &'r dyn Row,
    managers: &'r IroTeamManagers,
) -> Result<OpenSpan<'r>, BackendError> {
    let raised_on = r.get(0)?;
    Ok(OpenSpan {
        raised_on,
        resolved_on: r.get(1)?,
        category: r.text(2)?,
        team: r.text(3)?,
        iro: r.text(4)?,
        iro_team_manager: managers.on(r.text(5)?, raised_on),
    })
}

/// A row of `STEP_FACTS` as the step it counts, its texts borrowed from the row.
fn step_fact<'r>(
    r: &'r dyn Row,
    history: &'r ChildrenOverTime,
) -> Result<StepFact<'r>, BackendError> {
    let kind = match r.text(0)? {
        "consultation-opened" => StepKind::ConsultationOpened,
        "qap-raised" => StepKind::QapRaised,
        "drp-entered" => StepKind::DrpEntered,
        "stage-raised" => StepKind::StageRaised,
        "challenged" => StepKind::Challenged,
        "action-extended" => StepKind::ActionExtended,
        "action-completed" => StepKind::ActionCompleted,
        "meeting-held" => StepKind::MeetingHeld,
        "legal-advice-sought" => StepKind::LegalAdviceSought,
        "senior-manager-briefed" => StepKind::SeniorManagerBriefed,
        _ => StepKind::Resolved,
    };
    let no_opening: bool = r.get(6)?;
    let qap_raised: bool = r.get(10)?;
    let consultation_prefix: bool = r.get(11)?;
    let child = r.text(14)?;
    let raised_on = r.get(15)?;
    let opens = !no_opening;
    Ok(StepFact {
        kind,
        on: r.get(1)?,
        matter: r.text(2)?,
        category: r.text(3)?,
        team: r.text(4)?,
        iro: r.text(13)?,
        entry_stage: match kind {
            StepKind::DrpEntered | StepKind::StageRaised => r.get(5)?,
            _ => None,
        },
        // No opening: the step moved an existing matter on. A matter opened by a consultation carries
        // the C prefix; one that was a QAP has its raising date.
        from_qap: kind == StepKind::DrpEntered && no_opening && qap_raised,
        from_consultation: matches!(kind, StepKind::DrpEntered | StepKind::QapRaised)
            && no_opening
            && consultation_prefix
            && !(kind == StepKind::DrpEntered && qap_raised),
        qap_raised,
        drp_entered_on: r.get(7)?,
        drp_deadline: r.get(8)?,
        stage: r.get(9)?,
        opens,
        child,
        raised_on,
        iro_team_manager: history.managers.on(child, raised_on),
        qap_raised_on: r.get(16)?,
        stage_reached_on: r.get(17)?,
        earlier_concern: opens && history.earlier_concern(child, raised_on),
        on_time: r.get::<Option<bool>>(18)?.unwrap_or(false),
        stage_left: r.get(19)?,
    })
}

impl Tx<'_> {
    /// Every running deadline due on or before `through`, earliest (most overdue) first, one at a time.
    ///
    /// Reads the running matters and their open actions, not the history (see `DUE`).
    pub fn due_through<E: From<StoreError>>(
        &self,
        through: NaiveDate,
        filter: &DueFilter,
        each: impl FnMut(DueRow) -> Result<(), E>,
    ) -> Result<(), E> {
        self.stream(
            &DUE,
            &[
                &through,
                &filter.iro,
                &filter.team,
                &filter.on,
                &filter.resolving_roles[0],
                &filter.resolving_roles[1],
                &filter.resolving_roles[2],
            ],
            due_row,
            each,
        )
    }

    /// What falls due by `by` (and challenge windows open from `from`), with who owns and manages it.
    pub fn reminders(
        &self,
        from: NaiveDate,
        by: NaiveDate,
        resolving_roles: &[Role; 3],
    ) -> Result<Vec<crate::notify::Due>, StoreError> {
        let [one, two, three] = resolving_roles;
        // ?3 and ?4 are not used: the responder's roles are bound where DUE binds them.
        let none: Option<&str> = None;
        self.rows(
            &REMINDERS,
            &[&by, &from, &none, &none, one, two, three],
            |r| {
                Ok(crate::notify::Due {
                    matter: r.get(0)?,
                    child: r.get(1)?,
                    item: r.get(2)?,
                    action: r.get(3)?,
                    action_text: r.get(4)?,
                    owner: r.get(5)?,
                    due: r.get(6)?,
                    iro: r.get(7)?,
                    iro_team_manager: r.get(8)?,
                    team_manager: r.get(9)?,
                })
            },
        )
    }

    /// The matters drifting (see `DRIFT`), longest first.
    pub fn drift(&self, query: &DriftQuery) -> Result<Vec<DriftRow>, StoreError> {
        self.rows(
            &DRIFT,
            &[
                &query.idle_by,
                &query.consulting_by,
                &query.max_extensions,
                &query.as_of,
                &query.iro,
                &query.team,
                &query.team_manager,
            ],
            |r| {
                Ok(DriftRow {
                    kind: r.get(0)?,
                    matter: r.get(1)?,
                    child: r.get(2)?,
                    iro: r.get(3)?,
                    team: r.get(4)?,
                    team_manager: r.get(5)?,
                    state: r.get(6)?,
                    stage: r.get(7)?,
                    since: r.get(8)?,
                    action: r.get(9)?,
                    action_text: r.get(10)?,
                    owner: r.get(11)?,
                    count: r.get(12)?,
                })
            },
        )
    }

    /// The open matters, optionally of one IRO or team, by state, stage and age.
    pub fn open_matters(&self, filter: &DueFilter) -> Result<Vec<OpenMatter>, StoreError> {
        self.rows(
            &OPEN_MATTERS,
            &[
                &filter.iro,
                &filter.team,
                &filter.on,
                &filter.iro_team_manager,
            ],
            |r| {
                let seq: Option<u32> = r.get(11)?;
                let due: Option<NaiveDate> = r.get(9)?;
                Ok(OpenMatter {
                    id: r.get(0)?,
                    child: r.get(1)?,
                    state: r.get(2)?,
                    stage: r.get(3)?,
                    iro: r.get(4)?,
                    team: r.get(5)?,
                    category: r.get(6)?,
                    raised_on: r.get(7)?,
                    drp_deadline: r.get(8)?,
                    next_action: seq.zip(due),
                    stage_response_due: r.get(10)?,
                })
            },
        )
    }

    /// The QAPs raised, entries to EPCP/DRP and resolutions that took effect from `from` to `to`.
    /// A voided step counts for nothing (rule 15), so it is left out.
    /// Streamed, one at a time, each borrowing the row it was read from: a year of a national service
    /// is hundreds of thousands of steps, in no order.
    pub fn each_step_fact<E: From<StoreError>>(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        history: &ChildrenOverTime,
        mut each: impl FnMut(&StepFact<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let voided = self.corrected()?.voided;
        self.each_row(&STEP_FACTS, &[&from, &to], |row| {
            let id: i64 = row.get(12)?;
            if voided.contains_key(&id) {
                return Ok(Ok(()));
            }
            Ok(each(&step_fact(row, history)?))
        })
    }

    /// What the figures look up about each child (see `ChildrenOverTime`).
    pub fn children_over_time(&self) -> Result<ChildrenOverTime, StoreError> {
        Ok(ChildrenOverTime {
            managers: self.iro_team_managers()?,
            first_concern: self.first_concerns()?,
        })
    }

    /// The day each child's first concern was raised.
    pub fn first_concerns(&self) -> Result<FirstConcerns, StoreError> {
        let mut first = rustc_hash::FxHashMap::default();
        self.each_row(&FIRST_CONCERNS, &[], |r| {
            // A child with no concern yet has no first.
            if let Some(raised) = r.get::<Option<NaiveDate>>(1)? {
                first.insert(r.text(0)?.into(), raised);
            }
            Ok(Ok::<(), StoreError>(()))
        })?;
        Ok(FirstConcerns(first))
    }

    /// Every child's IRO team managers over time, to say whose a matter was on the day it was raised.
    pub fn iro_team_managers(&self) -> Result<IroTeamManagers, StoreError> {
        let mut managers = IroTeamManagers::default();
        let mut numbers = rustc_hash::FxHashMap::default();
        self.each_row(&IRO_TEAM_MANAGERS, &[], |r| {
            let taking_effect = (r.get(1)?, r.get(2)?);
            managers.allocate(&mut numbers, r.text(0)?, taking_effect, r.text(3)?);
            Ok(Ok::<(), StoreError>(()))
        })?;
        // In the order they took effect, two the same day in the order they were recorded.
        for history in managers.by_child.values_mut() {
            history.sort_unstable();
        }
        // A child with no allocation in the history is read as the directory stands.
        self.each_row(&CURRENT_IRO_TEAM_MANAGERS, &[], |r| {
            let child = r.text(0)?;
            if !managers.by_child.contains_key(child) {
                managers.allocate(&mut numbers, child, (NaiveDate::MIN, 0), r.text(1)?);
            }
            Ok(Ok::<(), StoreError>(()))
        })?;
        Ok(managers)
    }

    /// Referrals to CAFCASS made, or decided, from `from` to `to`.
    pub fn referral_facts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        managers: &IroTeamManagers,
    ) -> Result<Vec<ReferralFact>, StoreError> {
        let mut facts = self.rows(&REFERRAL_FACTS, &[&from, &to], |r| {
            Ok(ReferralFact {
                iro: r.get(7)?,
                child: r.get(8)?,
                raised_on: r.get(9)?,
                closed: r.get(10)?,
                iro_team_manager: String::new(),
                matter: r.get(0)?,
                category: r.get(1)?,
                team: r.get(2)?,
                kind: r.get(3)?,
                referred_on: r.get(4)?,
                decision: r.get(5)?,
                decided_on: r.get(6)?,
            })
        })?;
        for fact in &mut facts {
            fact.iro_team_manager = managers.on(&fact.child, fact.raised_on).to_string();
        }
        Ok(facts)
    }

    /// The matters open at some time from `from` to `to` (as the record stands, corrections applied),
    /// one at a time.
    pub fn each_open_span<E: From<StoreError>>(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        managers: &IroTeamManagers,
        mut each: impl FnMut(&OpenSpan<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        self.each_row(&OPEN_SPANS, &[&from, &to], |row| {
            Ok(each(&open_span(row, managers)?))
        })
    }

    /// The events of a child's record or of one matter, by effective date then as recorded.
    pub fn chronology<E: From<StoreError>>(
        &self,
        scope: Scope,
        each: impl FnMut(EventRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let (sql, key) = match scope {
            Scope::Child(child) => (&CHILD_CHRONOLOGY, child),
            Scope::Matter(matter) => (&MATTER_CHRONOLOGY, matter),
        };
        self.stream(sql, &[&key], event_row, each)
    }

    /// Every event whose effective date lies in the period, in the order recorded.
    pub fn export_events<E: From<StoreError>>(
        &self,
        period: Period,
        each: impl FnMut(EventRow) -> Result<(), E>,
    ) -> Result<(), E> {
        self.stream(&EXPORT_EVENTS, &[&period.from, &period.to], event_row, each)
    }

    /// Matters raised in the period, in id order.
    pub fn export_matters<E: From<StoreError>>(
        &self,
        period: Period,
        each: impl FnMut(MatterRow) -> Result<(), E>,
    ) -> Result<(), E> {
        self.stream(
            &EXPORT_MATTERS,
            &[&period.from, &period.to],
            matter_row,
            each,
        )
    }

    /// Actions of the matters raised in the period, by matter and number.
    pub fn export_actions<E: From<StoreError>>(
        &self,
        period: Period,
        each: impl FnMut(ActionRow) -> Result<(), E>,
    ) -> Result<(), E> {
        self.stream(
            &EXPORT_ACTIONS,
            &[&period.from, &period.to],
            |r| {
                Ok(ActionRow {
                    matter: r.get(0)?,
                    child: r.get(1)?,
                    team: r.get(2)?,
                    raised_on: r.get(3)?,
                    seq: r.get(4)?,
                    text: r.get(5)?,
                    owner: r.get(6)?,
                    first_due: r.get(7)?,
                    due: r.get(8)?,
                    extensions: r.get(9)?,
                    status: r.get(10)?,
                    completed_on: r.get(11)?,
                })
            },
            each,
        )
    }
}

fn due_row(r: &dyn Row) -> Result<DueRow, BackendError> {
    Ok(DueRow {
        matter: r.get(0)?,
        child: r.get(1)?,
        iro: r.get(2)?,
        team: r.get(3)?,
        state: r.get(4)?,
        stage: r.get(5)?,
        item: r.get(6)?,
        action: r.get(7)?,
        action_text: r.get(8)?,
        owner: r.get(9)?,
        due: r.get(10)?,
    })
}

fn event_row(r: &dyn Row) -> Result<EventRow, BackendError> {
    Ok(EventRow {
        id: r.get(0)?,
        matter: r.get(1)?,
        child: r.get(2)?,
        kind: r.get(3)?,
        actor: r.get(4)?,
        actor_name: r.get(5)?,
        actor_role: r.get(6)?,
        effective_on: r.get(7)?,
        recorded_at: r.get(8)?,
        details: r.get(9)?,
        entered_by: r.get(10)?,
        policy_digest: r.get(11)?,
        source: r.get(12)?,
    })
}

fn matter_row(r: &dyn Row) -> Result<MatterRow, BackendError> {
    Ok(MatterRow {
        id: r.get(0)?,
        child: r.get(1)?,
        iro: r.get(2)?,
        team: r.get(3)?,
        category: r.get(4)?,
        summary: r.get(5)?,
        state: r.get(6)?,
        stage: r.get(7)?,
        raised_on: r.get(8)?,
        raised_by: r.get(9)?,
        challenge_deadline: r.get(10)?,
        challenged_on: r.get(11)?,
        drp_entered_on: r.get(12)?,
        drp_deadline: r.get(13)?,
        resolved_on: r.get(14)?,
        resolved_by: r.get(15)?,
        outcome: r.get(16)?,
        last_step_on: r.get(17)?,
    })
}

#[cfg(test)]
mod tests {
    use super::super::Store;

    /// How SQLite plans `sql` for the period 2025-04-01 to 2026-03-31, one line a step.
    fn plan_of_a_year(sql: &super::Sql) -> String {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (store, _) = Store::create(&dir.path().join("iro.db"), false, crate::fixture::now())
            .expect("create");
        let conn = store.sqlite().connection();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", sql.sqlite))
            .and_then(|mut stmt| {
                stmt.query_map(rusqlite::params!["2025-04-01", "2026-03-31"], |r| {
                    r.get::<_, String>(3)
                })?
                .collect()
            })
            .expect("a plan");
        plan.join("\n")
    }

    /// A period's figures read the steps they count, their matters, stages and actions from indexes
    /// that hold what is read: no event, matter, stage or action row, no table scanned, nothing sorted.
    #[test]
    fn the_figures_read_their_steps_by_indexes_alone() {
        let plan = plan_of_a_year(&super::STEP_FACTS);
        for index in [
            "events_figures",
            "matters_figures",
            "stages_entered",
            "actions_due",
        ] {
            assert!(
                plan.contains(&format!("COVERING INDEX {index}")),
                "{index}: {plan}"
            );
        }
        assert!(!plan.contains("SCAN"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }

    /// The matters open in a period are two ranges of their index, not every matter.
    #[test]
    fn the_matters_open_in_a_period_are_read_by_their_index() {
        let plan = plan_of_a_year(&super::OPEN_SPANS);
        assert_eq!(
            plan.matches("COVERING INDEX matters_open_spans").count(),
            2,
            "{plan}"
        );
        assert!(!plan.contains("SCAN m"), "{plan}");
    }

    /// The nightly report reads the running matters (and their actions by key) and the partial index of
    /// resolution deadlines: never a scan of a table, nor of the actions left open on finished matters.
    #[test]
    fn the_overdue_query_reads_the_live_caseload_by_index() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (store, _) = Store::create(&dir.path().join("iro.db"), false, crate::fixture::now())
            .expect("create");
        let conn = store.sqlite().connection();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", super::DUE.sqlite))
            .and_then(|mut stmt| {
                stmt.query_map(
                    rusqlite::params![
                        "2026-11-26",
                        None::<String>,
                        None::<String>,
                        None::<String>,
                        "team-manager",
                        "service-manager",
                        "assistant-director"
                    ],
                    |r| r.get::<_, String>(3),
                )?
                .collect()
            })
            .expect("a plan");
        let plan = plan.join("\n");
        assert!(
            plan.contains("SEARCH m USING INDEX matters_state"),
            "{plan}"
        );
        assert!(
            plan.contains("SEARCH a USING INDEX sqlite_autoindex_actions_1"),
            "{plan}"
        );
        assert!(plan.contains("matters_drp_deadline"), "{plan}");
        assert!(!plan.contains("SCAN"), "{plan}");
    }
}
