//! `outbox remind`: one digest per person of what they own or manage that falls due within
//! `remind_days` working days or is overdue, queued in the outbox with every other message and delivered
//! the same way; once per person per day, however often it runs.

use chrono::NaiveDate;

use super::Setting;
use crate::model::Role;
use crate::notify::{self, Message, People};
use crate::store::Tx;

/// What a run of `outbox remind` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reminded {
    /// Digests queued now.
    pub queued: usize,
    /// People with something due who had their digest for the day already.
    pub already: usize,
    /// People with something due who could not be reminded (they have left, with no cover).
    pub unreachable: usize,
    /// Things falling due or overdue.
    pub items: usize,
}

/// Queues the day's digests as of `as_of`, in the caller's transaction.
pub fn remind(tx: &Tx, setting: &Setting, as_of: NaiveDate) -> anyhow::Result<Reminded> {
    let calendar = setting.calendar(tx)?;
    let by = calendar.add_working_days(as_of, setting.policy.remind_days)?;
    let items = tx.reminders(as_of, by, &setting.policy.resolving_roles)?;
    let seniors: Vec<String> = tx
        .staff_in_role(Role::SeniorIroManager)?
        .into_iter()
        .filter(|s| s.in_post_on(as_of))
        .map(|s| s.id)
        .collect();
    let people = notify::reminded(&items, as_of, &seniors);
    let covers = tx.covers_on(as_of)?;
    let mut done = Reminded {
        items: items.len(),
        ..Reminded::default()
    };
    let entered = setting.entered(tx)?;
    for (id, theirs) in people {
        let Some(person) = tx.staff_on(&id, as_of)? else {
            done.unreachable += 1;
            continue;
        };
        // The cover, if any, is reminded in their place.
        let mut staff = vec![person.clone()];
        for cover in covers.iter().filter(|c| c.absent == id) {
            staff.extend(tx.staff_on(&cover.by, as_of)?);
        }
        let directory = People {
            staff: &staff,
            covers: &covers,
            on: as_of,
            today: as_of,
        };
        let mut missing = Vec::new();
        let named = format!("{id} (reminder)");
        let Some(recipient) = notify::reach(&person, directory, &mut missing, &named) else {
            done.unreachable += 1;
            continue;
        };
        // The subject is also what makes a day's reminder once only, so it names the person's id.
        let subject = format!(
            "[iro] Your reminders for {} ({id})",
            notify::long_date(as_of)
        );
        // Before the subject was written for people it read so; a run on the day of the upgrade
        // must not remind twice.
        let earlier_subject = format!("[iro] reminder for {id} on {as_of}");
        if tx.reminded(&subject)? || tx.reminded(&earlier_subject)? {
            done.already += 1;
            continue;
        }
        let mut lines = Vec::with_capacity(theirs.len());
        for (i, why) in theirs {
            let item = &items[i];
            lines.push((item, why, calendar.working_days_between(item.due, as_of)?));
        }
        let message = Message {
            kind: "reminder",
            step: 0,
            body: notify::reminder_body(&recipient, &lines, as_of, by),
            to: vec![recipient],
            cc: Vec::new(),
            missing,
            subject,
        };
        tx.queue_message_about(None, None, &message, None, &entered)?;
        done.queued += 1;
    }
    Ok(done)
}
