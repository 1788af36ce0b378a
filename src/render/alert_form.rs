//! The alert form: the formal record of a matter in EPCP/DRP, as Markdown for people or JSON.

use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;

use super::json;
use crate::model::Staff;

/// A member of staff as a form names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub role: Option<crate::model::Role>,
    pub email: Option<String>,
}

impl From<&Staff> for Person {
    fn from(s: &Staff) -> Person {
        Person {
            id: s.id.clone(),
            name: s.name.clone(),
            role: Some(s.role),
            email: Some(s.email.clone()),
        }
    }
}

impl std::fmt::Display for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name)?;
        match (self.role, &self.email) {
            (Some(role), Some(email)) => write!(f, " ({role}, {email})"),
            (Some(role), None) => write!(f, " ({role})"),
            (None, Some(email)) => write!(f, " ({email})"),
            (None, None) => Ok(()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormChild {
    pub reference: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Concern {
    pub category: String,
    pub summary: String,
    pub raised_on: NaiveDate,
    pub raised_by: Person,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub date: NaiveDate,
    /// Working days from the as-of date to the deadline; negative once it has passed.
    pub working_days_from_as_of: i64,
    /// The matter is still in EPCP/DRP and the as-of date is after the deadline.
    pub overdue: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueSet {
    pub due: NaiveDate,
    pub set_on: NaiveDate,
    /// The IRO team manager who agreed a new timescale; null for the first one.
    pub agreed_by: Option<Person>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormAction {
    pub seq: u32,
    pub text: String,
    pub owner: Person,
    pub due: NaiveDate,
    pub status: crate::model::ActionStatus,
    pub completed_on: Option<NaiveDate>,
    pub due_history: Vec<DueSet>,
}

/// Who was told of a stage, and who was copied in (rule 10): the people and addresses the message
/// queued at the step named, as they were that day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub stage: crate::model::Stage,
    pub entered_on: NaiveDate,
    pub to: Vec<Person>,
    pub copy: Vec<Person>,
    /// How the message went (`pending`, `written`, `sent`, ...); null when none was queued.
    pub delivery: Option<String>,
    /// Why no one is named, when no message was queued for the step.
    pub note: Option<String>,
}

/// How a message went, as a reader of the form would say it.
fn delivery_phrase(status: &str) -> &str {
    match status {
        "pending" => "queued, not yet sent",
        "written" => "written to a file for the service to send",
        "uncertain" => "sending did not finish: it may not have arrived",
        "sent" => "sent",
        "failed" => "refused by the mail server",
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolution {
    pub on: NaiveDate,
    /// The manager who resolved it; null when CAFCASS's decision closed the matter.
    pub by: Option<Person>,
    pub outcome: String,
}

/// Who took the matter into a stage, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escalation {
    pub stage: crate::model::Stage,
    pub on: NaiveDate,
    pub by: Person,
}

/// A formal meeting on the form: when, who chaired, who was there, the actions it agreed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormMeeting {
    pub on: NaiveDate,
    pub chair: Person,
    pub attendees: Vec<Person>,
    /// The numbers of the actions it agreed.
    pub actions: Vec<u32>,
}

/// A step voided as entered in error (rule 15), shown struck through with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoidedStep {
    pub event: i64,
    pub effective_on: NaiveDate,
    pub what: String,
    /// The event that voided it, and its reason.
    pub voided_by: i64,
    pub reason: String,
}

/// The alert form of a matter in (or once in) EPCP/DRP, as of a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertForm {
    pub matter: String,
    /// This form's revision number, and how many there are.
    pub revision: usize,
    pub revisions: usize,
    /// What changed since the previous revision (for revision 1: how the form came to be).
    pub changes: Vec<String>,
    /// Steps entered in error and voided by this revision: they count for nothing on the form.
    pub voided: Vec<VoidedStep>,
    /// Who took the matter into each stage.
    pub escalations: Vec<Escalation>,
    /// The formal meetings held.
    pub meetings: Vec<FormMeeting>,
    pub as_of: NaiveDate,
    pub state: crate::model::MatterState,
    pub child: FormChild,
    pub team: String,
    pub iro: Person,
    pub concern: Concern,
    pub stage: Option<crate::model::Stage>,
    pub stages: Vec<crate::model::StageEntry>,
    pub drp_entered_on: NaiveDate,
    pub resolution_deadline: Deadline,
    pub actions: Vec<FormAction>,
    pub notified: Vec<Notice>,
    pub cafcass_referrals: Vec<crate::model::Referral>,
    pub resolution: Option<Resolution>,
}

use super::markdown::{cell as md_cell, lines as md_lines, text as md};

/// The alert form as JSON, or as Markdown for people to read, print and send.
pub fn alert_form(form: &AlertForm, markdown: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    if !markdown {
        return json(form, out);
    }
    use crate::model::{CafcassDecision, MatterState};
    let stage = form.stage.map(|s| format!("stage {s}")).unwrap_or_default();
    let state = match form.state {
        MatterState::Consultation => "in pre-review consultation".to_string(),
        MatterState::Qap => "in QAP".to_string(),
        MatterState::Drp => format!("in EPCP/DRP at {stage}"),
        MatterState::Cafcass => {
            format!("formally referred to CAFCASS from {stage}, waiting on its decision")
        }
        MatterState::Resolved => format!("resolved at {stage}"),
        MatterState::Closed => format!("closed by CAFCASS's decision (was at {stage})"),
    };
    writeln!(out, "# EPCP/DRP alert form: {}\n", md(&form.matter))?;
    if form.revision == 1 {
        writeln!(
            out,
            "Revision 1 of {}: the form as EPCP/DRP was entered, after:\n",
            form.revisions
        )?;
    } else {
        writeln!(
            out,
            "Revision {} of {}. Changed since revision {}:\n",
            form.revision,
            form.revisions,
            form.revision - 1
        )?;
    }
    for change in &form.changes {
        writeln!(out, "- {}", md_cell(change))?;
    }
    writeln!(out)?;
    if !form.voided.is_empty() {
        writeln!(out, "Entered in error, and voided:\n")?;
        for v in &form.voided {
            writeln!(
                out,
                "- ~~{}: {}~~ (event {}; voided by event {}: {})",
                v.effective_on,
                md_cell(&v.what),
                v.event,
                v.voided_by,
                md_cell(&v.reason)
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "| | |\n| --- | --- |")?;
    writeln!(
        out,
        "| Child | {} {} |",
        md_cell(&form.child.reference),
        // Redacted, the name is the reference: said once.
        if form.child.name == form.child.reference {
            String::new()
        } else {
            md_cell(&form.child.name)
        }
    )?;
    writeln!(out, "| Social work team | {} |", md_cell(&form.team))?;
    writeln!(out, "| IRO | {} |", md_cell(&form.iro.to_string()))?;
    writeln!(out, "| State | {state} |")?;
    writeln!(out, "| As of | {} |", form.as_of)?;
    let c = &form.concern;
    writeln!(out, "\n## Concern\n")?;
    writeln!(out, "Category: {}  ", md(&c.category))?;
    writeln!(
        out,
        "Raised {} by {}\n",
        c.raised_on,
        md(&c.raised_by.to_string())
    )?;
    writeln!(out, "{}", md_lines(&c.summary))?;
    writeln!(out, "\n## Stage\n")?;
    writeln!(
        out,
        "Entered EPCP/DRP on {}; {state}.\n",
        form.drp_entered_on
    )?;
    writeln!(
        out,
        "| Stage | Entered | Response due | Reason |\n| --- | --- | --- | --- |"
    )?;
    for s in &form.stages {
        // A stage entered once the resolution period had passed says so: its response timescale is
        // its own, outside the 20 working days.
        let passed = if s.entered_on > form.resolution_deadline.date {
            format!(
                " (the resolution period passed on {})",
                form.resolution_deadline.date
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "| {} | {}{passed} | {} | {} |",
            s.stage,
            s.entered_on,
            s.response_deadline
                .map(|d| d.to_string())
                .unwrap_or_default(),
            md_cell(s.reason.as_deref().unwrap_or(""))
        )?;
    }
    for e in &form.escalations {
        writeln!(
            out,
            "\nStage {} entered on {} by {}.",
            e.stage,
            e.on,
            md_cell(&e.by.to_string())
        )?;
    }
    if !form.meetings.is_empty() {
        writeln!(out, "\n## Formal meetings\n")?;
        for meeting in &form.meetings {
            let attendees: Vec<String> = meeting
                .attendees
                .iter()
                .map(|p| md_cell(&p.to_string()))
                .collect();
            let agreed: Vec<String> = meeting.actions.iter().map(|n| n.to_string()).collect();
            writeln!(
                out,
                "- {}: chaired by {}; present: {}; actions agreed: {}",
                meeting.on,
                md_cell(&meeting.chair.to_string()),
                if attendees.is_empty() {
                    "none named".to_string()
                } else {
                    attendees.join(", ")
                },
                if agreed.is_empty() {
                    "none".to_string()
                } else {
                    agreed.join(", ")
                }
            )?;
        }
    }
    let d = &form.resolution_deadline;
    writeln!(out, "\n## Resolution deadline\n")?;
    let days = d.working_days_from_as_of;
    let when = match days {
        0 => "due today".to_string(),
        n if n > 0 => format!("{n} working day(s) from {}", form.as_of),
        n => format!("{} working day(s) before {}", -n, form.as_of),
    };
    let overdue = if d.overdue { ": overdue" } else { "" };
    match &form.resolution {
        // A finished matter's deadline counts down no longer.
        Some(resolution) => writeln!(
            out,
            "{} (no longer running: the matter ended on {})",
            d.date, resolution.on
        )?,
        None => writeln!(out, "{} ({when}){overdue}", d.date)?,
    }
    writeln!(out, "\n## Actions and timescales\n")?;
    if form.actions.is_empty() {
        writeln!(out, "No actions recorded.")?;
    } else {
        writeln!(
            out,
            "| # | Action | Owner | Due | Status | Due-date history |"
        )?;
        writeln!(out, "| --- | --- | --- | --- | --- | --- |")?;
        for a in &form.actions {
            let finished = matches!(form.state, MatterState::Resolved | MatterState::Closed);
            let status = match (a.completed_on, a.status) {
                (Some(on), _) => format!("done {on}"),
                // Nothing runs on a finished matter: an action left open was not done by then.
                (None, crate::model::ActionStatus::Open) if finished => {
                    "not done when the matter ended".to_string()
                }
                (None, status) => status.to_string(),
            };
            let history: Vec<String> = a
                .due_history
                .iter()
                .map(|h| match (&h.agreed_by, &h.reason) {
                    (Some(by), Some(reason)) => format!(
                        "{} set {}, agreed by {}: {reason}",
                        h.due, h.set_on, by.name
                    ),
                    (Some(by), None) => {
                        format!("{} set {}, agreed by {}", h.due, h.set_on, by.name)
                    }
                    _ => format!("{} set {}", h.due, h.set_on),
                })
                .collect();
            writeln!(
                out,
                "| {} | {} | {} | {} | {status} | {} |",
                a.seq,
                md_cell(&a.text),
                md_cell(&a.owner.name),
                a.due,
                md_cell(&history.join("; "))
            )?;
        }
    }
    writeln!(out, "\n## Who was told\n")?;
    for n in &form.notified {
        let delivery = n
            .delivery
            .as_deref()
            .map(|d| format!(", {}", delivery_phrase(d)))
            .unwrap_or_default();
        writeln!(out, "Stage {} ({}{delivery}):\n", n.stage, n.entered_on)?;
        if let Some(note) = &n.note {
            writeln!(out, "{}\n", md(note))?;
        }
        for p in &n.to {
            writeln!(out, "- to: {}", md(&p.to_string()))?;
        }
        for p in &n.copy {
            writeln!(out, "- copy: {}", md(&p.to_string()))?;
        }
        writeln!(out)?;
    }
    if !form.cafcass_referrals.is_empty() {
        writeln!(out, "## CAFCASS\n")?;
        for r in &form.cafcass_referrals {
            let decision = match (r.decision, r.decided_on) {
                (Some(CafcassDecision::CriteriaMet), Some(on)) => {
                    format!("criteria met, allocated for judicial review ({on})")
                }
                (Some(CafcassDecision::CriteriaNotMet), Some(on)) => {
                    format!("criteria not met ({on})")
                }
                _ => "awaiting CAFCASS's decision".to_string(),
            };
            writeln!(
                out,
                "- {} referral {}: {}; {decision}",
                r.kind,
                r.referred_on,
                md(&r.reason)
            )?;
        }
        writeln!(out)?;
    }
    if let Some(r) = &form.resolution {
        writeln!(out, "## Resolution\n")?;
        let by =
            r.by.as_ref()
                .map(|p| format!(" by {}", md(&p.to_string())))
                .unwrap_or_default();
        let what = if form.state == MatterState::Closed {
            "Closed"
        } else {
            "Resolved"
        };
        writeln!(out, "{what} on {}{by}: {}", r.on, md(&r.outcome))?;
        if let Some(last) = form.notified.last() {
            writeln!(
                out,
                "\nEveryone told at stage {} is told of the outcome.",
                last.stage
            )?;
        }
    }
    Ok(())
}
