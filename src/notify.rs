//! Who is told of a step, and what they are told (rule 10): pure, no I/O.
//!
//! `compose` takes the steps a command recorded, the matter as it now stands, the child's allocation
//! and the staff records of the people it names (looked up in the step's own transaction), and gives the
//! messages to queue with their addresses resolved, plus a warning for each person the rule table names
//! who is missing. A missing person never stops a step: it is recorded, and the gap is said.
//!
//! Subjects and bodies carry the matter id and the child's reference, never the child's name.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::engine::{Event, Policy, Step};
use chrono::NaiveDate;

use crate::model::{ActionStatus, Child, Cover, Matter, MatterState, Role, Staff, Stage};

/// Someone the rule table names for a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    SocialWorker,
    PracticeSupervisor,
    /// The child's social work team manager.
    TeamManager,
    /// The child's children's service manager.
    ServiceManager,
    IroTeamManager,
    /// Every member of staff with the role `senior-iro-manager`.
    SeniorIroManagers,
    /// Every member of staff with the role `assistant-director`.
    AssistantDirectors,
}

impl Party {
    /// How people call this party, in warnings and in the `missing` column.
    pub fn label(self) -> &'static str {
        match self {
            Party::SocialWorker => "social worker",
            Party::PracticeSupervisor => "practice supervisor",
            Party::TeamManager => "social work team manager",
            Party::ServiceManager => "children's service manager",
            Party::IroTeamManager => "IRO team manager",
            Party::SeniorIroManagers => "senior IRO manager",
            Party::AssistantDirectors => "assistant director",
        }
    }
}

/// One row of the rule table: who a message goes to and who is copied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Told {
    pub to: &'static [Party],
    pub cc: &'static [Party],
}

use Party::*;

impl Told {
    /// Who is told, as a confirmation says it: "the social work team manager is told (copied: IRO team
    /// manager, senior IRO manager)".
    pub fn in_words(&self) -> String {
        let to: Vec<String> = self
            .to
            .iter()
            .map(|p| format!("the {}", p.label()))
            .collect();
        let told = match to.as_slice() {
            [] => "no one is told".to_string(),
            [one] => format!("{one} is told"),
            [rest @ .., last] => format!("{} and {last} are told", rest.join(", ")),
        };
        if self.cc.is_empty() {
            return told;
        }
        let cc: Vec<&str> = self.cc.iter().map(|p| p.label()).collect();
        format!("{told} (copied: {})", cc.join(", "))
    }
}

/// QAP raised or extended.
pub const QAP: Told = Told {
    to: &[SocialWorker, PracticeSupervisor],
    cc: &[TeamManager, IroTeamManager],
};
/// EPCP/DRP at stage 1.
pub const STAGE_1: Told = Told {
    to: &[TeamManager],
    cc: &[IroTeamManager, SeniorIroManagers],
};
/// EPCP/DRP at stage 2.
pub const STAGE_2: Told = Told {
    to: &[ServiceManager, TeamManager],
    cc: &[IroTeamManager, SeniorIroManagers],
};
/// EPCP/DRP at stage 3.
pub const STAGE_3: Told = Told {
    to: &[AssistantDirectors],
    cc: &[
        ServiceManager,
        SeniorIroManagers,
        TeamManager,
        IroTeamManager,
    ],
};
/// A CAFCASS referral or legal advice sought.
pub const IRO_MANAGEMENT: Told = Told {
    to: &[IroTeamManager],
    cc: &[SeniorIroManagers],
};

/// The rule table row for an EPCP/DRP stage.
pub fn at_stage(stage: Stage) -> Told {
    match stage {
        Stage::One => STAGE_1,
        Stage::Two => STAGE_2,
        Stage::Three => STAGE_3,
    }
}

/// Who is told of this event (rule 10), judged on the matter as it stands after the step;
/// `None` for a step that tells no one.
///
/// A resolution tells everyone told at the matter's last notifying step: the list of the stage it was
/// resolved at, or the QAP list for a matter that never entered EPCP/DRP (a resolution does not clear
/// the stage, so `after.stage` is the stage before it).
pub fn who_is_told(event: &Event, after: &Matter) -> Option<Told> {
    match event {
        Event::QapRaised { .. } | Event::ActionExtended { .. } => Some(QAP),
        Event::DrpEntered { stage, .. } | Event::StageRaised { to: stage, .. } => {
            Some(at_stage(*stage))
        }
        // A concern settled at consultation told no one in writing: its resolution does not either.
        Event::Resolved { .. } if after.challenge_deadline.is_none() && after.stage.is_none() => {
            None
        }
        Event::Resolved { .. } => Some(after.stage.map_or(QAP, at_stage)),
        // Those present are added to the parties of the stage (see `compose`).
        Event::MeetingHeld { .. } => after.stage.map(at_stage),
        Event::ReferredToCafcass { .. }
        | Event::LegalAdviceSought { .. }
        | Event::CafcassDecided { .. }
        | Event::CafcassPackProvided { .. } => Some(IRO_MANAGEMENT),
        // New actions go to the parties of where the matter stands: the QAP's, or the stage's.
        Event::ActionsAdded { .. } => Some(after.stage.map_or(QAP, at_stage)),
        Event::ConsultationOpened { .. }
        | Event::Challenged { .. }
        | Event::ActionCompleted { .. }
        | Event::ActionReassigned { .. }
        | Event::SeniorManagerBriefed { .. }
        | Event::Noted { .. }
        | Event::ActionWithdrawn { .. }
        | Event::Voided { .. }
        | Event::Amended { .. } => None,
    }
}

/// Who is told of a step beyond its row of the table (rule 10): the owner of each action the step names,
/// the child's IRO of a step someone else takes on their matter (and of every challenge), and the senior
/// IRO manager of every step once the matter is in EPCP/DRP ("kept fully informed throughout").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Beyond {
    /// Each person by id, with why they are told.
    pub people: Vec<(String, &'static str)>,
    pub senior_iro_managers: bool,
}

impl Beyond {
    pub fn is_empty(&self) -> bool {
        self.people.is_empty() && !self.senior_iro_managers
    }
}

/// Who is told of `step` beyond its row of the table, on the matter as it stands after it.
pub fn beyond_the_table(step: &Step, after: &Matter, child: &Child) -> Beyond {
    let mut people: Vec<(String, &'static str)> = Vec::new();
    let mut add = |id: &str, why: &'static str| {
        if !people.iter().any(|(p, _)| p == id) {
            people.push((id.to_string(), why));
        }
    };
    let owner_of = |seq: &u32| after.action(*seq).map(|a| a.owner.clone());
    match &step.event {
        Event::QapRaised { actions, .. }
        | Event::MeetingHeld { actions, .. }
        | Event::ActionsAdded { actions } => {
            for a in actions {
                add(&a.owner, "owns an action");
            }
        }
        Event::ActionExtended { seq, .. }
        | Event::ActionCompleted { seq, .. }
        | Event::ActionWithdrawn { seq, .. } => {
            if let Some(owner) = owner_of(seq) {
                add(&owner, "owns the action");
            }
        }
        Event::ActionReassigned { to, .. } => add(to, "owns the action now"),
        _ => {}
    }
    if step.actor != child.iro || matches!(step.event, Event::Challenged { .. }) {
        add(&child.iro, "the child's IRO");
    }
    Beyond {
        people,
        senior_iro_managers: matches!(after.state, MatterState::Drp | MatterState::Cafcass),
    }
}

/// One thing falling due on a running matter, with the people it concerns: what `outbox remind` puts in
/// each person's digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub matter: String,
    pub child: String,
    /// `qap-action`, `drp-resolution`, `stage-response` or `challenge-window`.
    pub item: String,
    pub action: Option<u32>,
    pub action_text: Option<String>,
    /// The action's owner, or who owes a stage response.
    pub owner: Option<String>,
    pub due: NaiveDate,
    /// The child's IRO, IRO team manager and social work team manager now.
    pub iro: String,
    pub iro_team_manager: String,
    pub team_manager: String,
}

/// Who is reminded of each thing falling due, and why: an action's owner, and the child's IRO who
/// manages it; a resolution deadline's IRO and IRO team manager, and once it has passed every senior IRO
/// manager (`seniors`); a stage response's manager who owes it, and the IRO; a challenge window's team
/// manager, who may challenge
/// until it closes. Each person's items, in the order given, by index.
pub fn reminded(
    items: &[Due],
    as_of: NaiveDate,
    seniors: &[String],
) -> std::collections::BTreeMap<String, Vec<(usize, &'static str)>> {
    let mut people: std::collections::BTreeMap<String, Vec<(usize, &'static str)>> =
        std::collections::BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let mut tell = |id: &str, why: &'static str| {
            let theirs = people.entry(id.to_string()).or_default();
            if !theirs.iter().any(|(j, _)| *j == i) {
                theirs.push((i, why));
            }
        };
        match item.item.as_str() {
            "qap-action" => {
                if let Some(owner) = &item.owner {
                    tell(owner, "you own it");
                }
                tell(&item.iro, "the child's IRO");
            }
            "drp-resolution" => {
                tell(&item.iro, "the child's IRO");
                tell(&item.iro_team_manager, "the child's IRO team manager");
                if item.due < as_of {
                    for senior in seniors {
                        tell(
                            senior,
                            "senior IRO manager: the resolution deadline has passed",
                        );
                    }
                }
            }
            "challenge-window" => tell(&item.team_manager, "you may challenge the QAP until then"),
            "stage-response" => {
                // The stage's manager owes the response (team manager, service manager, assistant
                // director at stages 1 to 3); the IRO chases it.
                if let Some(owner) = &item.owner {
                    tell(owner, "your response at this stage is due");
                }
                tell(&item.iro, "the child's IRO");
            }
            _ => tell(&item.iro, "the child's IRO"),
        }
    }
    people
}

/// A person's digest: what they own or manage that is overdue, then what falls due by `by`. Children by
/// reference only.
pub fn reminder_body(
    person: &Recipient,
    items: &[(&Due, &'static str, i64)],
    as_of: NaiveDate,
    by: NaiveDate,
) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "For {} ({}), as of {}.",
        person.name,
        person.id,
        long_date(as_of)
    );
    if let Some(absent) = &person.covering_for {
        let _ = writeln!(b, "You are covering for {absent}: these are theirs.");
    }
    let line = |b: &mut String, (d, why, days): &(&Due, &'static str, i64)| {
        let what = match (d.item.as_str(), d.action, &d.action_text) {
            ("qap-action", Some(seq), Some(text)) => format!("action {seq}: {text}"),
            ("drp-resolution", _, _) => "EPCP/DRP resolution deadline".to_string(),
            ("stage-response", _, _) => "stage response deadline".to_string(),
            ("challenge-window", _, _) => "QAP challenge window closes".to_string(),
            (other, _, _) => other.to_string(),
        };
        let when = match *days {
            n if n > 0 => format!("due {}, {n} working day(s) overdue", long_date(d.due)),
            0 => format!("due today, {}", long_date(d.due)),
            n => format!("due {} (in {} working day(s))", long_date(d.due), -n),
        };
        let _ = writeln!(b, "  {} {}: {what}; {when} ({why})", d.matter, d.child);
    };
    let (overdue, soon): (Vec<_>, Vec<_>) = items.iter().partition(|(_, _, days)| *days > 0);
    if !overdue.is_empty() {
        let _ = writeln!(b, "\nOverdue:");
        for item in &overdue {
            line(&mut b, item);
        }
    }
    if !soon.is_empty() {
        let _ = writeln!(b, "\nDue by {}:", long_date(by));
        for item in &soon {
            line(&mut b, item);
        }
    }
    let _ = writeln!(b);
    let _ = writeln!(b, "-- iro, the IRO service's escalation record");
    b
}

/// A person a message is addressed to, resolved from the directory when the step was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub id: String,
    pub name: String,
    pub email: String,
    /// The absent person they were told in place of, when they were covering.
    #[serde(default)]
    pub covering_for: Option<String>,
}

impl From<&Staff> for Recipient {
    fn from(staff: &Staff) -> Recipient {
        Recipient {
            id: staff.id.clone(),
            name: staff.name.clone(),
            email: staff.email.clone(),
            covering_for: None,
        }
    }
}

/// The directory a step's messages are addressed from, as it stood on the step's day: the staff the
/// rule table may name (with those covering for them), the covers in force, and the day.
#[derive(Debug, Clone, Copy)]
pub struct People<'a> {
    pub staff: &'a [Staff],
    pub covers: &'a [Cover],
    pub on: NaiveDate,
    /// The day the message is queued: someone who has left by then is not written to, even about a
    /// step dated while they were in post.
    pub today: NaiveDate,
}

/// One message to queue for one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The event kind of the step (`qap-raised`, `stage-raised`, ...).
    pub kind: &'static str,
    /// Which of the steps handed to `compose` it tells of.
    pub step: usize,
    pub to: Vec<Recipient>,
    pub cc: Vec<Recipient>,
    /// The people the rule table names who could not be told, each with why.
    pub missing: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// What `compose` gives: messages to queue, and a warning for each missing person.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Composed {
    pub messages: Vec<Message>,
    pub warnings: Vec<String>,
}

/// Composes the messages for the steps one command recorded.
///
/// `staff` holds the records of the people allocated to the child and of every senior IRO manager and
/// assistant director, as the directory stands at the step; anyone else in it is ignored.
pub fn compose(
    steps: &[Step],
    after: &Matter,
    child: &Child,
    people: People,
    policy: &Policy,
) -> Composed {
    let mut composed = Composed::default();
    for (index, step) in steps.iter().enumerate() {
        let row = who_is_told(&step.event, after);
        let beyond = beyond_the_table(step, after, child);
        let cafcass = match (&step.event, &policy.cafcass_email) {
            (Event::ReferredToCafcass { .. }, Some(email)) => Some(Recipient {
                id: "cafcass".into(),
                name: "CAFCASS".into(),
                email: email.clone(),
                covering_for: None,
            }),
            _ => None,
        };
        if row.is_none() && beyond.is_empty() && cafcass.is_none() {
            continue;
        }
        let told = row.unwrap_or(Told { to: &[], cc: &[] });
        let Addressed {
            mut to,
            mut cc,
            mut missing,
        } = addressed(told, child, people);
        let mut also: Vec<String> = Vec::new();
        for (id, why) in &beyond.people {
            if to.iter().chain(&cc).any(|r| r.id == *id) {
                continue;
            }
            // The person who took the step knows of it.
            if *id == step.actor {
                continue;
            }
            match people.staff.iter().find(|s| s.id == *id) {
                Some(person) => {
                    let named = format!("{id} ({why})");
                    if let Some(recipient) = reach(person, people, &mut missing, &named) {
                        // Whoever covers for them and took the step themselves knows of it.
                        if recipient.id != step.actor && !to.iter().any(|r| r.id == recipient.id) {
                            also.push(format!("{} ({why})", recipient.name));
                            to.push(recipient);
                        }
                    }
                }
                None => missing.push(format!("{id} ({why}): not in the staff directory")),
            }
        }
        let row_names_seniors =
            told.to.contains(&SeniorIroManagers) || told.cc.contains(&SeniorIroManagers);
        if beyond.senior_iro_managers && !row_names_seniors {
            for senior in resolve(&[SeniorIroManagers], child, people, &mut missing) {
                if !to.iter().chain(&cc).any(|r| r.id == senior.id) {
                    also.push(format!(
                        "{} (senior IRO manager, kept informed)",
                        senior.name
                    ));
                    cc.push(senior);
                }
            }
        }
        if let Some(cafcass) = cafcass {
            also.push("CAFCASS".to_string());
            to.push(cafcass);
        }
        for id in present(&step.event) {
            match people.staff.iter().find(|s| s.id == id) {
                Some(person) if !to.iter().any(|r| r.id == person.id) => to.push(person.into()),
                Some(_) => {}
                None => missing.push(format!("meeting attendee {id}: not in the staff directory")),
            }
        }
        cc.retain(|r| !to.iter().any(|t| t.id == r.id));
        let title = title(&step.event);
        for gap in &missing {
            composed.warnings.push(format!(
                "{} {}: {title}: not told: {gap}",
                after.id, after.child
            ));
        }
        let covering: Vec<String> = to
            .iter()
            .chain(&cc)
            .filter_map(|r| {
                r.covering_for.as_ref().map(|absent| {
                    format!(
                        "{} ({}) in place of {absent}, whom they cover for",
                        r.name, r.id
                    )
                })
            })
            .collect();
        composed.messages.push(Message {
            kind: step.event.kind(),
            step: index,
            subject: format!(
                "[iro] {} {} ({}): {title}",
                after.id, after.child, after.category
            ),
            body: body(
                step,
                after,
                told,
                &also,
                &missing,
                &covering,
                policy,
                people.staff,
            ),
            to,
            cc,
            missing,
        });
    }
    composed
}

/// A row of the rule table turned into people: who a message goes to and is copied to, each once, and
/// the people the row names who could not be found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addressed {
    pub to: Vec<Recipient>,
    pub cc: Vec<Recipient>,
    pub missing: Vec<String>,
}

/// The people a row of the rule table names for this child, found in `people` (see `compose`).
pub fn addressed(told: Told, child: &Child, people: People) -> Addressed {
    let mut missing = Vec::new();
    let to = resolve(told.to, child, people, &mut missing);
    let mut cc = resolve(told.cc, child, people, &mut missing);
    cc.retain(|r| !to.iter().any(|t| t.id == r.id));
    Addressed { to, cc, missing }
}

/// The people a step names as present (a formal meeting's chair and attendees), who are told too.
pub fn present(event: &Event) -> Vec<&str> {
    match event {
        Event::MeetingHeld {
            chair, attendees, ..
        } => std::iter::once(chair.as_str())
            .chain(attendees.iter().map(String::as_str))
            .collect(),
        _ => Vec::new(),
    }
}

/// The people named by `parties`, each once, in the order the table names them: the person in post,
/// or whoever covers for them on the day.
fn resolve(
    parties: &[Party],
    child: &Child,
    directory: People,
    missing: &mut Vec<String>,
) -> Vec<Recipient> {
    let staff = directory.staff;
    let mut found: Vec<Recipient> = Vec::new();
    for &party in parties {
        let people: Vec<&Staff> = match allocated(party, child) {
            Some(Some(id)) => match staff.iter().find(|s| s.id == id) {
                Some(person) => vec![person],
                None => {
                    missing.push(format!(
                        "{} {id}: not in the staff directory",
                        party.label()
                    ));
                    continue;
                }
            },
            Some(None) => {
                missing.push(format!(
                    "{}: none allocated to {}",
                    party.label(),
                    child.reference
                ));
                continue;
            }
            None => {
                let role = match party {
                    SeniorIroManagers => Role::SeniorIroManager,
                    _ => Role::AssistantDirector,
                };
                let holders: Vec<&Staff> = staff
                    .iter()
                    .filter(|s| {
                        s.role == role
                            && s.in_post_on(directory.on)
                            && s.in_post_on(directory.today)
                    })
                    .collect();
                if holders.is_empty() {
                    missing.push(format!("{}: none in the staff directory", party.label()));
                    continue;
                }
                holders
            }
        };
        for person in people {
            let named = format!("{} {}", party.label(), person.id);
            let Some(recipient) = reach(person, directory, missing, &named) else {
                continue;
            };
            if !found.iter().any(|r| r.id == recipient.id) {
                found.push(recipient);
            }
        }
    }
    found
}

/// Who a message to `person` reaches: them, or whoever covers for them that day; none when they have
/// left, said in `missing` as `named` says who they are.
pub fn reach(
    person: &Staff,
    directory: People,
    missing: &mut Vec<String>,
    named: &str,
) -> Option<Recipient> {
    if !person.in_post_on(directory.on) || !person.in_post_on(directory.today) {
        missing.push(format!(
            "{named}: left on {}",
            person.left_on.map(|d| d.to_string()).unwrap_or_default()
        ));
        return None;
    }
    let cover = directory
        .covers
        .iter()
        .filter(|c| c.absent == person.id && c.in_force_on(directory.on))
        .find_map(|c| {
            directory
                .staff
                .iter()
                .find(|s| s.id == c.by && s.in_post_on(directory.today))
        });
    Some(match cover {
        Some(by) => Recipient {
            covering_for: Some(person.id.clone()),
            ..by.into()
        },
        None => person.into(),
    })
}

/// The id of the person allocated to the child for a party; `None` for a party named by role.
fn allocated(party: Party, child: &Child) -> Option<Option<&str>> {
    match party {
        SocialWorker => Some(Some(&child.social_worker)),
        PracticeSupervisor => Some(child.practice_supervisor.as_deref()),
        TeamManager => Some(Some(&child.team_manager)),
        ServiceManager => Some(Some(&child.service_manager)),
        IroTeamManager => Some(Some(&child.iro_team_manager)),
        // A child of a directorate with its own assistant director tells that one; else every one.
        AssistantDirectors => child.assistant_director.as_deref().map(Some),
        SeniorIroManagers => None,
    }
}

/// The step in a few words, as the subject says it.
pub fn title(event: &Event) -> String {
    match event {
        Event::ConsultationOpened { .. } => "pre-review consultation".to_string(),
        Event::QapRaised { .. } => "QAP raised".to_string(),
        Event::ActionsAdded { .. } => "actions added".to_string(),
        Event::Challenged { .. } => "QAP actions challenged".to_string(),
        Event::ActionExtended { seq, .. } => format!("QAP action {seq} extended"),
        Event::ActionCompleted { seq, .. } => format!("action {seq} done"),
        Event::ActionReassigned { seq, .. } => format!("action {seq} passed to a new owner"),
        Event::ActionWithdrawn { seq, .. } => format!("action {seq} withdrawn"),
        Event::DrpEntered { stage, .. } | Event::StageRaised { to: stage, .. } => {
            format!("EPCP/DRP stage {stage}")
        }
        Event::MeetingHeld { .. } => "formal meeting held".to_string(),
        Event::Resolved { .. } => "resolved".to_string(),
        Event::ReferredToCafcass { referral, .. } => format!("CAFCASS referral ({referral})"),
        Event::CafcassDecided { .. } => "CAFCASS decision".to_string(),
        Event::CafcassPackProvided { .. } => "CAFCASS pack provided".to_string(),
        Event::LegalAdviceSought { .. } => "legal advice sought".to_string(),
        Event::SeniorManagerBriefed { .. } => "senior IRO manager briefed".to_string(),
        Event::Noted { .. } => "note".to_string(),
        Event::Voided { .. } => "a step voided".to_string(),
        Event::Amended { .. } => "a step amended".to_string(),
    }
}

/// CAFCASS's decision as a letter says it.
fn decided(decision: crate::model::CafcassDecision) -> &'static str {
    match decision {
        crate::model::CafcassDecision::CriteriaMet => {
            "CAFCASS found the criteria met: the case is allocated for judicial review"
        }
        crate::model::CafcassDecision::CriteriaNotMet => "CAFCASS found the criteria not met",
    }
}

/// The people a step names (besides who took it), as `happened` would name them.
pub fn named_in(event: &Event) -> Vec<&str> {
    match event {
        Event::ConsultationOpened { with, .. } => with.iter().map(String::as_str).collect(),
        Event::ActionExtended { agreed_by, .. } => vec![agreed_by],
        Event::ActionReassigned { from, to, .. } => vec![from, to],
        Event::MeetingHeld {
            chair, attendees, ..
        } => std::iter::once(chair.as_str())
            .chain(attendees.iter().map(String::as_str))
            .collect(),
        Event::Resolved { resolved_by, .. } => vec![resolved_by],
        _ => Vec::new(),
    }
}

/// `n` things in words: "1 action", "3 actions".
fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// What the step was, for the people told: names rather than ids and dates as a letter writes them;
/// what is already said above (the actions, the deadlines) is not repeated.
pub fn happened(event: &Event, name: &dyn Fn(&str) -> String) -> String {
    let with_reason = |line: String, reason: &Option<String>| match reason {
        Some(reason) => format!("{line}; reason: {reason}"),
        None => line,
    };
    let names = |ids: &[String]| ids.iter().map(|id| name(id)).collect::<Vec<_>>().join(", ");
    match event {
        Event::ConsultationOpened { opening, with } => {
            format!("consulted {} about: {}", names(with), opening.summary)
        }
        Event::QapRaised { actions, .. } => {
            format!("{} raised", count(actions.len(), "QAP action"))
        }
        Event::ActionsAdded { actions } => format!("{} added", count(actions.len(), "action")),
        Event::Challenged { reason } => format!("the QAP actions were challenged: {reason}"),
        Event::ActionExtended {
            seq,
            from,
            to,
            agreed_by,
            reason,
        } => format!(
            "action {seq} was due {}; it is now due {}, agreed by {}: {reason}",
            long_date(*from),
            long_date(*to),
            name(agreed_by)
        ),
        Event::ActionCompleted { seq, note } => match note {
            Some(note) => format!("action {seq} was done: {note}"),
            None => format!("action {seq} was done"),
        },
        Event::ActionReassigned {
            seq,
            from,
            to,
            reason,
        } => format!(
            "action {seq} passed from {} to {}: {reason}",
            name(from),
            name(to)
        ),
        Event::ActionWithdrawn { seq, reason } => format!("action {seq} was withdrawn: {reason}"),
        Event::DrpEntered { stage, reason, .. } => with_reason(
            format!("the formal EPCP/DRP was entered at stage {stage}"),
            reason,
        ),
        Event::StageRaised {
            from, to, reason, ..
        } => with_reason(format!("moved up from stage {from} to stage {to}"), reason),
        Event::MeetingHeld {
            chair,
            attendees,
            actions,
        } => format!(
            "a formal meeting chaired by {} with {}; {} agreed",
            name(chair),
            names(attendees),
            count(actions.len(), "action")
        ),
        Event::Resolved {
            outcome,
            resolved_by,
        } => format!("resolved by {}: {outcome}", name(resolved_by)),
        Event::ReferredToCafcass { referral, reason } => {
            format!("a {referral} referral to CAFCASS: {reason}")
        }
        Event::CafcassDecided {
            decision,
            note,
            back_in_drp,
        } => {
            let mut line = decided(*decision).to_string();
            if let Some(note) = note {
                line.push_str(&format!(" ({note})"));
            }
            if *back_in_drp {
                line.push_str("; the dispute is unresolved and back in EPCP/DRP");
            }
            line
        }
        Event::CafcassPackProvided { .. } => {
            "every EPCP/DRP report was provided to CAFCASS".to_string()
        }
        Event::LegalAdviceSought { note } => format!("independent legal advice was sought: {note}"),
        Event::SeniorManagerBriefed { note } => {
            format!("the senior IRO manager was briefed: {note}")
        }
        Event::Noted { .. } | Event::Voided { .. } | Event::Amended { .. } => event.describe(),
    }
}

/// A date as a letter says it: "Monday 2 November 2026".
pub fn long_date(day: NaiveDate) -> String {
    day.format("%A %-d %B %Y").to_string()
}

/// Where a matter stands, in the service's words.
fn standing(m: &Matter) -> String {
    match (m.state, m.stage) {
        (MatterState::Consultation, _) => "pre-review consultation".to_string(),
        (MatterState::Qap, _) => "informal Quality Assurance Process (QAP)".to_string(),
        (MatterState::Drp, Some(stage)) => format!("formal EPCP/DRP, stage {stage}"),
        (MatterState::Drp, None) => "formal EPCP/DRP".to_string(),
        (MatterState::Cafcass, _) => "referred to CAFCASS, waiting on its decision".to_string(),
        (MatterState::Resolved, _) => "resolved".to_string(),
        (MatterState::Closed, _) => "closed by CAFCASS's decision".to_string(),
    }
}

/// What the people told must do, and by when: the first lines of every message.
fn headline(step: &Step, m: &Matter, policy: &Policy) -> String {
    let window_open = |deadline: NaiveDate| m.challenged_on.is_none() && deadline >= step.on;
    match &step.event {
        Event::QapRaised {
            challenge_deadline, ..
        } => {
            let mut line =
                "Action needed: the QAP actions below, each by its due date.".to_string();
            if window_open(*challenge_deadline) {
                line.push_str(&format!(
                    "\nThe social work team manager may challenge them until {}.",
                    long_date(*challenge_deadline)
                ));
            }
            line
        }
        Event::ActionsAdded { .. } | Event::MeetingHeld { .. } => {
            "Action needed: the new actions below, each by its due date.".to_string()
        }
        Event::ActionExtended { seq, to, .. } => {
            format!(
                "Action {seq} has a new timescale: it is now due {}.",
                long_date(*to)
            )
        }
        Event::ActionCompleted { seq, .. } => format!("For information: action {seq} is done."),
        Event::ActionWithdrawn { seq, .. } => {
            format!("For information: action {seq} is withdrawn and no longer needs doing.")
        }
        Event::ActionReassigned { seq, .. } => {
            format!("Action needed: action {seq} is now yours.")
        }
        Event::DrpEntered { stage, .. } | Event::StageRaised { to: stage, .. } => {
            let mut line = format!("The concern is now at stage {stage} of the formal EPCP/DRP.");
            if let Some(response) = m.stage_response_deadline() {
                // From whoever resolves the stage: the social work line's manager there.
                line.push_str(&format!(
                    "\nA response from the {} is needed by {}.",
                    policy.resolving_role(*stage).label(),
                    long_date(response)
                ));
            }
            if let Some(deadline) = m.drp_deadline {
                line.push_str(&format!(
                    "\nThe dispute must be resolved by {}.",
                    long_date(deadline)
                ));
            }
            line
        }
        Event::Challenged { .. } => {
            "The social work team manager has challenged the QAP actions.".to_string()
        }
        Event::Resolved { .. } => {
            "For information: the concern is resolved; nothing more is needed.".to_string()
        }
        Event::ReferredToCafcass { referral, .. } => {
            format!(
                "For information: the concern has been referred to CAFCASS ({referral} referral)."
            )
        }
        Event::CafcassDecided { .. } => "For information: CAFCASS has decided (below).".to_string(),
        _ => "For information.".to_string(),
    }
}

/// A member of staff as a message names them: "Alex Smith (IRO)", or their id if unknown.
fn named(staff: &[Staff], id: &str) -> String {
    match staff.iter().find(|s| s.id == id) {
        Some(s) => format!("{} ({})", s.name, s.role.label()),
        None => id.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn body(
    step: &Step,
    m: &Matter,
    told: Told,
    also: &[String],
    missing: &[String],
    covering: &[String],
    policy: &Policy,
    staff: &[Staff],
) -> String {
    let mut b = String::new();
    let name = |id: &str| named(staff, id);
    // Writing to a String cannot fail.
    let _ = writeln!(b, "{}", headline(step, m, policy));
    let _ = writeln!(b);
    let _ = writeln!(b, "Matter: {} ({})", m.id, m.category);
    let _ = writeln!(b, "Child: {} (the child's reference)", m.child);
    let _ = writeln!(b, "IRO: {}   Team: {}", name(&m.iro), m.team);
    let _ = writeln!(
        b,
        "Step: {}, on {} by {}",
        title(&step.event),
        long_date(step.on),
        name(&step.actor)
    );
    let _ = writeln!(b, "What happened: {}", happened(&step.event, &name));
    let _ = writeln!(b);
    let _ = writeln!(b, "Concern: {}", m.summary);
    let _ = writeln!(b, "Where it stands: {}", standing(m));
    let _ = writeln!(b);
    match m.stage {
        Some(stage) => alert_form(&mut b, m, stage, policy, &name),
        None => qap(&mut b, m, step, &name),
    }
    if let (Some(on), Some(by), Some(outcome)) = (m.resolved_on, &m.resolved_by, &m.outcome) {
        let _ = writeln!(b);
        let _ = writeln!(
            b,
            "Resolved on {} by {}: {outcome}",
            long_date(on),
            name(by)
        );
    }
    if !m.referrals.is_empty() {
        let _ = writeln!(b);
        let _ = writeln!(b, "CAFCASS referrals:");
        for r in &m.referrals {
            let decision = match (r.decision, r.decided_on) {
                (Some(d), Some(on)) => format!("; on {} {}", long_date(on), decided(d)),
                _ => "; waiting on CAFCASS's decision".to_string(),
            };
            let _ = writeln!(
                b,
                "  {} referral on {}: {}{decision}",
                r.kind,
                long_date(r.referred_on),
                r.reason
            );
        }
    }
    let _ = writeln!(b);
    if !told.to.is_empty() || !told.cc.is_empty() {
        let _ = writeln!(b, "Told: {}; copied: {}.", labels(told.to), labels(told.cc));
    }
    if !also.is_empty() {
        let _ = writeln!(b, "Also told: {}.", also.join(", "));
    }
    if !covering.is_empty() {
        let _ = writeln!(b, "Told as cover: {}.", covering.join("; "));
    }
    if !missing.is_empty() {
        let _ = writeln!(b, "Could not be told: {}.", missing.join("; "));
    }
    let _ = writeln!(b);
    let _ = writeln!(
        b,
        "Reply to this message to reach the child's IRO. -- iro, the IRO service's escalation record"
    );
    b
}

fn qap(b: &mut String, m: &Matter, step: &Step, name: &dyn Fn(&str) -> String) {
    let _ = writeln!(b, "QAP actions and timescales:");
    actions(b, m, name);
    // Only what is true on the day of the step: a window already closed is not offered.
    if let Some(deadline) = m.challenge_deadline {
        if m.challenged_on.is_none() && deadline >= step.on {
            let _ = writeln!(
                b,
                "The social work team manager may challenge these actions until {}.",
                long_date(deadline)
            );
        }
    }
}

fn alert_form(
    b: &mut String,
    m: &Matter,
    stage: Stage,
    policy: &Policy,
    name: &dyn Fn(&str) -> String,
) {
    let _ = writeln!(b, "Alert form (EPCP/DRP)");
    let _ = writeln!(b, "Stage: {stage}");
    for entry in &m.stages {
        let _ = match &entry.reason {
            Some(reason) => writeln!(
                b,
                "  stage {} entered on {}: {reason}",
                entry.stage,
                long_date(entry.entered_on)
            ),
            None => writeln!(
                b,
                "  stage {} entered on {}",
                entry.stage,
                long_date(entry.entered_on)
            ),
        };
    }
    let _ = writeln!(b, "Actions and timescales:");
    actions(b, m, name);
    if let (Some(deadline), Some(entered)) = (m.drp_deadline, m.drp_entered_on) {
        let _ = writeln!(
            b,
            "Resolution deadline: {} ({} working days from {})",
            long_date(deadline),
            policy.resolution_days,
            long_date(entered)
        );
    }
}

/// The actions with their state; on a finished matter an action still open is no longer to do.
fn actions(b: &mut String, m: &Matter, name: &dyn Fn(&str) -> String) {
    let actions = &m.actions;
    if actions.is_empty() {
        let _ = writeln!(b, "  (none)");
    }
    for a in actions {
        let status = match (a.status, a.completed_on) {
            (ActionStatus::Done, Some(on)) => format!("done on {}", long_date(on)),
            (ActionStatus::Open, _) if m.state.is_finished() => {
                "not done when the matter ended".to_string()
            }
            (ActionStatus::Open, _) => "to do".to_string(),
            (status, _) => status.to_string(),
        };
        let _ = writeln!(
            b,
            "  {}. {} (owner {}, due {}, {status})",
            a.seq,
            a.text,
            name(&a.owner),
            long_date(a.due)
        );
    }
}

fn labels(parties: &[Party]) -> String {
    parties
        .iter()
        .map(|p| p.label())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::engine::{evolve, Opened};
    use crate::model::MatterState;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).expect("date")
    }

    fn person(id: &str, role: Role) -> Staff {
        Staff {
            id: id.into(),
            name: format!("Name of {id}"),
            role,
            email: format!("{id}@example.gov.uk"),
            team: None,
            login: None,
            left_on: None,
        }
    }

    /// The test directory, with a second senior IRO manager: a role held by two is told to both.
    fn directory() -> Vec<Staff> {
        let mut staff = crate::fixture::staff();
        staff.push(person("senior2", Role::SeniorIroManager));
        staff
    }

    fn child() -> Child {
        crate::fixture::child()
    }

    fn people(staff: &[Staff]) -> People<'_> {
        People {
            staff,
            covers: &[],
            on: day(26),
            today: day(26),
        }
    }

    fn step(event: Event) -> Step {
        Step {
            actor: "asmith".into(),
            on: day(26),
            event,
        }
    }

    fn entered(stage: Stage) -> (Matter, Step) {
        let s = step(Event::DrpEntered {
            opening: Some(Opened {
                child: "LCS-104233".into(),
                iro: "asmith".into(),
                team: "North".into(),
                category: "contact".into(),
                summary: "Contact stopped".into(),
            }),
            response_deadline: None,
            stage,
            deadline: NaiveDate::from_ymd_opt(2026, 12, 24).expect("date"),
            reason: None,
        });
        (evolve(None, "E-2026-0001", &s).expect("evolves"), s)
    }

    fn ids(rs: &[Recipient]) -> Vec<&str> {
        rs.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn each_stage_tells_its_row_of_the_table() {
        for (stage, to, cc) in [
            (
                Stage::One,
                vec!["tgreen"],
                vec!["jwhite", "senior", "senior2"],
            ),
            (
                Stage::Two,
                vec!["mblack", "tgreen"],
                vec!["jwhite", "senior", "senior2"],
            ),
            (
                Stage::Three,
                vec!["adir"],
                vec!["mblack", "senior", "senior2", "tgreen", "jwhite"],
            ),
        ] {
            let (m, s) = entered(stage);
            let staff = directory();
            let c = compose(&[s], &m, &child(), people(&staff), &Policy::default());
            assert_eq!(c.messages.len(), 1);
            assert!(c.warnings.is_empty(), "{:?}", c.warnings);
            let msg = &c.messages[0];
            assert_eq!(ids(&msg.to), to, "stage {stage}");
            assert_eq!(ids(&msg.cc), cc, "stage {stage}");
            assert_eq!(
                msg.subject,
                format!("[iro] E-2026-0001 LCS-104233 (contact): EPCP/DRP stage {stage}")
            );
            // What to do and by when first, dates as a letter writes them, people by name.
            assert!(msg.body.starts_with(&format!(
                "The concern is now at stage {stage} of the formal EPCP/DRP."
            )));
            assert!(msg.body.contains(
                "Resolution deadline: Thursday 24 December 2026 (20 working days from Thursday 26 November 2026)"
            ));
            assert!(!msg.body.contains("State: "), "no internal words");
            assert!(!msg.body.contains("Sam Jones") && !msg.subject.contains("Sam"));
        }
    }

    #[test]
    fn the_table_reads_as_a_confirmation_says_it() {
        assert_eq!(
            STAGE_1.in_words(),
            "the social work team manager is told (copied: IRO team manager, senior IRO manager)"
        );
        assert_eq!(
            STAGE_2.in_words(),
            "the children's service manager and the social work team manager are told (copied: IRO team manager, senior IRO manager)"
        );
        assert_eq!(
            IRO_MANAGEMENT.in_words(),
            "the IRO team manager is told (copied: senior IRO manager)"
        );
    }

    #[test]
    fn missing_people_are_warned_of_and_the_rest_told() {
        let (m, s) = entered(Stage::Three);
        let mut c = child();
        c.practice_supervisor = None;
        let staff: Vec<Staff> = directory()
            .into_iter()
            .filter(|s| !matches!(s.role, Role::AssistantDirector | Role::SeniorIroManager))
            .collect();
        let out = compose(&[s], &m, &c, people(&staff), &Policy::default());
        let msg = &out.messages[0];
        assert!(msg.to.is_empty());
        assert_eq!(ids(&msg.cc), ["mblack", "tgreen", "jwhite"]);
        assert_eq!(
            msg.missing,
            [
                "assistant director: none in the staff directory",
                "senior IRO manager: none in the staff directory"
            ]
        );
        assert_eq!(out.warnings.len(), 2);
        assert!(out.warnings[0].starts_with("E-2026-0001 LCS-104233: EPCP/DRP stage 3: not told"));
    }

    #[test]
    fn resolution_tells_the_list_of_the_stage_it_was_resolved_at_and_quiet_steps_tell_no_one() {
        let (mut m, _) = entered(Stage::Two);
        m.state = MatterState::Resolved;
        let resolved = Event::Resolved {
            outcome: "Agreed".into(),
            resolved_by: "mblack".into(),
        };
        assert_eq!(who_is_told(&resolved, &m), Some(STAGE_2));
        m.stage = None;
        // A concern settled at consultation told no one, and its resolution tells no one either.
        assert_eq!(who_is_told(&resolved, &m), None);
        m.challenge_deadline = Some(m.raised_on);
        assert_eq!(who_is_told(&resolved, &m), Some(QAP));
        let note = Event::Noted {
            text: "x".into(),
            supervision: false,
        };
        assert_eq!(who_is_told(&note, &m), None);
        let staff = directory();
        let c = compose(
            &[step(note)],
            &m,
            &child(),
            people(&staff),
            &Policy::default(),
        );
        assert!(c.messages.is_empty());
    }

    #[test]
    fn a_covered_person_is_told_through_their_cover_and_a_leaver_not_at_all() {
        let (m, s) = entered(Stage::One);
        let mut staff = directory();
        // The IRO team manager is away, covered by the senior IRO manager's colleague.
        staff.push(person("jcover", Role::IroTeamManager));
        let covers = [Cover {
            absent: "jwhite".into(),
            by: "jcover".into(),
            from: day(20),
            to: Some(day(30)),
            reason: None,
        }];
        let at = People {
            staff: &staff,
            covers: &covers,
            on: day(26),
            today: day(26),
        };
        let c = compose(
            std::slice::from_ref(&s),
            &m,
            &child(),
            at,
            &Policy::default(),
        );
        let cc = &c.messages[0].cc;
        assert_eq!(ids(cc), ["jcover", "senior", "senior2"]);
        assert_eq!(cc[0].covering_for.as_deref(), Some("jwhite"));
        assert!(c.messages[0].body.contains("in place of jwhite"));
        // After the cover ends, the absent person is told again.
        let after = People {
            on: day(30) + chrono::Days::new(1),
            today: day(30) + chrono::Days::new(1),
            ..at
        };
        let c = compose(
            std::slice::from_ref(&s),
            &m,
            &child(),
            after,
            &Policy::default(),
        );
        assert_eq!(ids(&c.messages[0].cc)[0], "jwhite");
        // A team manager who has left is not told, and said not to be.
        let mut without = staff.clone();
        for person in without.iter_mut().filter(|p| p.id == "tgreen") {
            person.left_on = Some(day(2));
        }
        let left = People {
            staff: &without,
            ..at
        };
        let c = compose(&[s], &m, &child(), left, &Policy::default());
        assert!(c.messages[0].to.is_empty());
        assert!(
            c.messages[0].missing[0].contains("tgreen: left on 2026-11-02"),
            "{:?}",
            c.messages[0].missing
        );
    }
}
