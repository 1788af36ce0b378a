//! Correcting the record (rule 15): a step voided, a step's text amended, an action withdrawn. Each is
//! judged by `engine::corrections` over the matter's whole log and recorded as a step of its own; a void
//! or an amendment writes the matter again as the steps that still count leave it.

use anyhow::Context as _;
use chrono::NaiveDate;

use super::{child_on, find_matter, judge, Setting, Taken};
use crate::engine::corrections::{self, Correction};
use crate::engine::{Logged, Step};
use crate::error::Problem;
use crate::store::Tx;

/// The matter a correction is on: the one a voided or amended event belongs to, or the one named.
pub fn matter_of(tx: &Tx, correction: &Correction, named: Option<&str>) -> anyhow::Result<String> {
    let event = match correction {
        Correction::Void { event, .. } | Correction::Amend { event, .. } => *event,
        Correction::Withdraw { .. } => {
            let named = named.context("an action is withdrawn on a named matter")?;
            return Ok(find_matter(tx, named)?.id);
        }
    };
    match tx.event_place(event)? {
        None => Err(Problem::NotFound(format!(
            "no event {event} (`iro report chronology MATTER` and `iro show MATTER` give each step's event id)"
        ))
        .into()),
        Some((None, kind)) if crate::engine::MAIL_KINDS.contains(&kind.as_str()) => {
            Err(Problem::Usage(format!(
                "event {event} ({kind}) records a message, not a step on a matter: void the step the message told of"
            ))
            .into())
        }
        Some((None, kind)) => Err(Problem::Usage(format!(
            "event {event} ({kind}) is a change to the directory, not a step on a matter: the directory is corrected by another change to it"
        ))
        .into()),
        Some((Some(matter), _)) => Ok(matter),
    }
}

/// Who was to be told of a voided step is not told it after all: its messages still waiting are
/// withdrawn, and whoever was told already is told it was entered in error. Voiding a void puts the
/// restored step's withdrawn messages back in the queue, and tells whoever was told of the void.
fn tell_of_void(
    tx: &Tx,
    log: &[Logged],
    target: i64,
    void: i64,
    reason: &str,
    matter: &crate::model::Matter,
    entered: &crate::store::Entered,
) -> anyhow::Result<()> {
    let restoring = log
        .iter()
        .find(|l| l.id == target)
        .and_then(|l| match &l.step.event {
            crate::engine::Event::Voided { event, .. } => Some(*event),
            _ => None,
        });
    match restoring {
        Some(restored) => {
            tx.restore_messages(restored, entered)?;
        }
        None => {
            tx.withdraw_messages(
                target,
                &format!(
                    "withdrawn: its step (event {target}) was voided by event {void}: {reason}"
                ),
                entered,
            )?;
        }
    }
    // Those told of the step voided, or of the void now voided: the messages of event `target`.
    use crate::store::outbox::OutboxStatus;
    let became = match restoring {
        Some(_) => "restored".to_string(),
        None => format!("voided as entered in error (event {void})"),
    };
    for told in tx.outbox_for_event(target)? {
        if !matches!(
            told.status,
            OutboxStatus::Written | OutboxStatus::Sent | OutboxStatus::Uncertain
        ) {
            continue;
        }
        let what = if restoring.is_some() {
            "restored: the step voided was not entered in error after all"
        } else {
            "entered in error: the step below no longer counts"
        };
        let notice = crate::notify::Message {
            kind: if restoring.is_some() { "restored" } else { "voided" },
            step: 0,
            to: told.to.clone(),
            cc: told.cc.clone(),
            missing: Vec::new(),
            subject: format!("[iro] {} {}: {what}", matter.id, matter.child),
            body: format!(
                "Matter: {}\nChild: {} (the child's reference)\n\nThe message below, which you were sent, was about a step that has been {}. Reason: {reason}\n\nSubject of that message: {}\n\n-- iro, the IRO service's escalation record\n",
                matter.id,
                matter.child,
                became,
                told.subject
            ),
        };
        tx.queue_message(&matter.id, &matter.child, &notice, Some(void), entered)?;
    }
    Ok(())
}

/// One correction inside a transaction the caller owns: judged over the matter's log by the engine,
/// recorded, and the matter's state written again where it changes.
pub fn correct_in(
    tx: &Tx,
    setting: &Setting,
    actor: &str,
    on: Option<NaiveDate>,
    correction: &Correction,
    named: Option<&str>,
) -> anyhow::Result<Taken> {
    let on = on.unwrap_or(setting.clock.today);
    let actor = super::acting(tx, setting, actor, on)?;
    let id = matter_of(tx, correction, named)?;
    let matter = find_matter(tx, &id)?;
    let child = child_on(tx, &matter.child, on)?;
    let calendar = setting.calendar(tx)?;
    let covers = tx.covers_on(on)?;
    let judge = judge(&actor, &child, on, setting, &calendar, &covers);
    let log = tx.matter_log(&id)?;
    let event = corrections::correct(&matter, &log, correction, &judge)?;
    let step = Step {
        actor: actor.id.clone(),
        on,
        event,
    };
    let entered = setting.entered(tx)?;
    let mut warnings = Vec::new();
    let after = if step.event.is_correction() {
        let mut log = log;
        log.push(Logged {
            id: i64::MAX,
            step: step.clone(),
        });
        let effective = corrections::effective(&log);
        let after = corrections::fold(&id, &log)?
            .with_context(|| format!("the correction leaves nothing of matter {id}"))?;
        let recorded = tx.record_correction(&after, &effective, &step, &entered)?;
        if let (crate::engine::Event::Voided { event, reason }, true) =
            (&step.event, setting.notify)
        {
            tell_of_void(tx, &log, *event, recorded, reason, &after, &entered)?;
        }
        after
    } else {
        // A withdrawn action: its owner, who was told to do it, is told it no longer needs doing.
        let after = crate::engine::evolve(Some(matter), &id, &step)?;
        let steps = std::slice::from_ref(&step);
        let events = tx.record(&after, steps, &entered)?;
        if setting.notify {
            warnings = super::outbox::queue(tx, setting, steps, &events, &after, &child, &covers)?;
        }
        after
    };
    Ok(Taken {
        matter: after,
        warnings,
    })
}
