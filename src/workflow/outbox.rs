//! The messages steps tell people: queued with the step that tells them, then delivered once, as an
//! `.eml` file or by SMTP.
//!
//! The two deliveries are a service's choice: a written message is not sent unless asked. A send claims
//! each message (`uncertain`) in its own committed transaction before the server sees it, so concurrent
//! runs never send one twice, and marks it `sent` once the server has accepted it for every recipient;
//! a run killed in between leaves it `uncertain`, sent again only when asked, under the same Message-ID.

use std::path::Path;
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use chrono::{DateTime, NaiveDate};
use lettre::address::Envelope;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, SmtpTransport, Transport};

use crate::engine::Step;
use crate::error::Problem;
use crate::files;
use crate::model::{Child, Cover, Matter, Role, Staff};
use crate::notify::{self, Recipient};
use crate::store::outbox::{OutboxMessage, OutboxStatus, Which};
use crate::store::{Store, Tx};
use crate::text::parse_email;

/// Composes the messages the steps of one command tell people and queues them in its transaction.
///
/// Returns a warning for each person the rule table names who could not be told. `covers` are those in
/// force on the steps' day, as the steps were judged by.
pub fn queue(
    tx: &Tx,
    setting: &super::Setting,
    steps: &[Step],
    events: &[i64],
    after: &Matter,
    child: &Child,
    covers: &[Cover],
) -> anyhow::Result<Vec<String>> {
    let beyond: Vec<notify::Beyond> = steps
        .iter()
        .map(|s| notify::beyond_the_table(s, after, child))
        .collect();
    let cafcass = setting.policy.cafcass_email.is_some()
        && steps
            .iter()
            .any(|s| matches!(s.event, crate::engine::Event::ReferredToCafcass { .. }));
    if !cafcass
        && steps
            .iter()
            .zip(&beyond)
            .all(|(s, b)| notify::who_is_told(&s.event, after).is_none() && b.is_empty())
    {
        return Ok(Vec::new());
    }
    let present: Vec<&str> = steps
        .iter()
        .flat_map(|step| notify::present(&step.event))
        .chain(
            beyond
                .iter()
                .flat_map(|b| b.people.iter().map(|(id, _)| id.as_str())),
        )
        .collect();
    let on = steps.last().map_or(after.last_step_on, |s| s.on);
    let staff = people_to_tell(tx, child, &present, on, covers)?;
    let people = notify::People {
        staff: &staff,
        covers,
        on,
        today: setting.clock.today,
    };
    let composed = notify::compose(steps, after, child, people, &setting.policy);
    let entered = setting.entered(tx)?;
    for message in &composed.messages {
        let event = events.get(message.step).copied();
        tx.queue_message(&after.id, &after.child, message, event, &entered)?;
    }
    Ok(composed.warnings)
}

/// The staff records the rule table may name for this child on `on`, as they were that day: the
/// people allocated to them, everyone holding a role named by role (senior IRO managers, assistant
/// directors), those `present`, and whoever covers for any of them by `covers` (those in force that
/// day).
pub fn people_to_tell(
    tx: &Tx,
    child: &Child,
    present: &[&str],
    on: NaiveDate,
    covers: &[Cover],
) -> anyhow::Result<Vec<Staff>> {
    let allocated = [
        Some(&child.social_worker),
        child.practice_supervisor.as_ref(),
        Some(&child.team_manager),
        Some(&child.service_manager),
        child.assistant_director.as_ref(),
        Some(&child.iro_team_manager),
        Some(&child.iro),
    ];
    // The holders of the two roles named by role (index `staff_role`), then the people allocated or
    // present, by id: a handful of rows however large the directory, in the directory's order (role, id).
    // Each as they were that day, but with the day they left if they have left since: a leaver is not
    // written to about a step taken before they went.
    // All of them read in one statement.
    let holders = tx.staff_in_roles(Role::SeniorIroManager, Role::AssistantDirector)?;
    let mut ids: Vec<&str> = Vec::new();
    for id in holders
        .iter()
        .map(|h| h.id.as_str())
        .chain(allocated.into_iter().flatten().map(String::as_str))
        .chain(present.iter().copied())
        .chain(covers.iter().map(|c| c.by.as_str()))
    {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let mut staff = tx.staff_on_leaving_now_of(&ids, on)?;
    staff.sort_by(|a, b| (a.role.as_str(), &a.id).cmp(&(b.role.as_str(), &b.id)));
    Ok(staff)
}

/// The Message-ID of an outbox message: the same whichever way and however often it is delivered, and
/// never the same as another database's.
pub fn message_id(m: &OutboxMessage, database_id: &str) -> String {
    format!("<{}.{database_id}@iro>", m.id)
}

/// The file an outbox message is written to: named by this database and the message, so files of two
/// databases sharing a directory never collide.
pub fn file_name(m: &OutboxMessage, database_id: &str) -> String {
    let short = database_id.get(..16).unwrap_or(database_id);
    format!("iro-{short}-{}.eml", m.id)
}

/// The RFC 5322 message for an outbox row, dated when the step was taken, and the SMTP envelope built
/// from the same parsed addresses, so the server is given exactly the people the message names.
pub fn email(
    m: &OutboxMessage,
    from: &Mailbox,
    database_id: &str,
    reply_to: Option<&Mailbox>,
    since: Option<&str>,
) -> anyhow::Result<(lettre::Message, Envelope)> {
    let created = DateTime::parse_from_rfc3339(&m.created_at)
        .with_context(|| format!("outbox {}: created_at '{}'", m.id, m.created_at))?;
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .subject(m.subject.clone())
        .date(SystemTime::from(created))
        .message_id(Some(message_id(m, database_id)));
    // A reply reaches the child's IRO, not the service's mailbox.
    if let Some(iro) = reply_to {
        builder = builder.reply_to(iro.clone());
    }
    let mut recipients = Vec::new();
    for r in &m.to {
        let mailbox = mailbox(r)?;
        recipients.push(mailbox.email.clone());
        builder = builder.to(mailbox);
    }
    for r in &m.cc {
        let mailbox = mailbox(r)?;
        recipients.push(mailbox.email.clone());
        builder = builder.cc(mailbox);
    }
    if recipients.is_empty() {
        anyhow::bail!("outbox {}: the message names no one to send it to", m.id);
    }
    let envelope = Envelope::new(Some(from.email.clone()), recipients)
        .with_context(|| format!("outbox {}: the envelope", m.id))?;
    // One plain-text part: MIME-Version, the charset and a transfer encoding that keeps every line.
    // What the message says was true when it was written; what has happened since comes first.
    let body = match since {
        Some(note) => format!("{note}\n\n{}", m.body),
        None => m.body.clone(),
    };
    let part = lettre::message::SinglePart::builder()
        .header(ContentType::TEXT_PLAIN)
        .body(body);
    Ok((builder.singlepart(part)?, envelope))
}

/// Who a reply to each message reaches: the IRO of the child the message is about, as allocated now.
pub fn replies_to(
    tx: &crate::store::Tx,
    messages: &[OutboxMessage],
) -> anyhow::Result<std::collections::HashMap<i64, Mailbox>> {
    let mut replies = std::collections::HashMap::new();
    for m in messages {
        let Some(child) = m.child.as_deref() else {
            continue;
        };
        let Some(child) = tx.child(child)? else {
            continue;
        };
        if let Some(iro) = tx.staff(&child.iro)? {
            if let Ok(mailbox) = mailbox(&Recipient::from(&iro)) {
                replies.insert(m.id, mailbox);
            }
        }
    }
    Ok(replies)
}

/// For each message about a matter that has ended since (resolved, or closed by CAFCASS), other than the
/// message of its ending: a first line saying so, so that a message delivered late asks for nothing
/// that is no longer needed.
pub fn since_written(
    tx: &crate::store::Tx,
    messages: &[OutboxMessage],
) -> anyhow::Result<std::collections::HashMap<i64, String>> {
    let mut notes = std::collections::HashMap::new();
    // Each matter's ending, read once however many of its messages wait: the note, and when the
    // ending was recorded; none for a matter still running.
    let mut endings: std::collections::HashMap<&str, Option<(String, String)>> =
        std::collections::HashMap::new();
    for m in messages {
        let ending = matches!(m.event_kind.as_str(), "resolved" | "cafcass-decided");
        let Some(id) = m.matter.as_deref().filter(|_| !ending) else {
            continue;
        };
        if !endings.contains_key(id) {
            endings.insert(id, ended(tx, id)?);
        }
        // Only a message written before the ending was recorded: a note added to the finished
        // matter afterwards was written knowing it.
        if let Some((note, recorded)) = &endings[id] {
            if m.created_at < *recorded {
                notes.insert(m.id, note.clone());
            }
        }
    }
    Ok(notes)
}

/// How a finished matter ended, as a message delivered late says it, and when the ending was recorded.
fn ended(tx: &crate::store::Tx, id: &str) -> anyhow::Result<Option<(String, String)>> {
    let Some(matter) = tx.matter(id)? else {
        return Ok(None);
    };
    let (Some(on), true) = (matter.resolved_on, matter.state.is_finished()) else {
        return Ok(None);
    };
    let recorded = tx
        .matter_events(id)?
        .into_iter()
        .filter(|e| {
            matches!(
                e.event,
                crate::engine::Event::Resolved { .. } | crate::engine::Event::CafcassDecided { .. }
            )
        })
        .map(|e| e.recorded_at)
        .max();
    let how = match matter.state {
        crate::model::MatterState::Closed => "was closed by CAFCASS's decision",
        _ => "was resolved",
    };
    Ok(recorded.map(|recorded| {
        (
            format!(
                "Since this message was written, matter {id} {how} on {}: nothing it asks for is needed now.",
                crate::notify::long_date(on)
            ),
            recorded,
        )
    }))
}

/// A recipient's mailbox, parsed as `staff add` checks addresses: one that cannot be sent to is an
/// error naming the person, never a recipient silently dropped.
fn mailbox(r: &Recipient) -> anyhow::Result<Mailbox> {
    let checked = parse_email(&r.email)
        .map_err(|why| anyhow::anyhow!("{} ({}) cannot be sent to: {why}", r.id, r.name))?;
    let address: Address = checked
        .parse()
        .with_context(|| format!("{} has no usable e-mail address '{}'", r.id, r.email))?;
    Ok(Mailbox::new(Some(r.name.clone()), address))
}

/// What became of one message, as a delivery run goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    Written {
        id: i64,
        path: String,
    },
    NotWritten {
        id: i64,
        error: String,
    },
    Sent {
        id: i64,
        subject: String,
    },
    /// Not delivered: back to `status`, with the error.
    NotSent {
        id: i64,
        status: OutboxStatus,
        error: String,
    },
    /// The send broke off after the server may have taken it.
    Uncertain {
        id: i64,
        error: String,
    },
    /// The server is not taking messages now: the run stopped with `left` still to go.
    Stopped {
        left: usize,
    },
}

/// How a delivery run went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub delivered: usize,
    pub failed: usize,
    pub uncertain: usize,
}

/// Writes each pending message as an `.eml` file in `dir` (made private when missing) and marks it
/// written, telling `each` as it goes.
pub fn write_pending(
    store: &mut Store,
    setting: &super::Setting,
    dir: &Path,
    from: &Mailbox,
    mut each: impl FnMut(&Delivered),
) -> anyhow::Result<Tally> {
    let (pending, database_id, replies) = {
        let tx = store.read()?;
        let pending = tx.outbox(Which::Only(vec![OutboxStatus::Pending]))?;
        let replies = replies_to(&tx, &pending)?;
        let notes = since_written(&tx, &pending)?;
        (pending, tx.database_id()?, (replies, notes))
    };
    let (replies, notes) = replies;
    files::private_dir(dir)?;
    let mut tally = Tally::default();
    for m in &pending {
        let name = file_name(m, &database_id);
        let path = dir.join(&name);
        let note = notes.get(&m.id).map(String::as_str);
        let result = email(m, from, &database_id, replies.get(&m.id), note)
            .and_then(|(message, _)| Ok(files::write_new(dir, &name, &message.formatted())?));
        let tx = store.write()?;
        match result {
            Ok(_) => {
                // Another run may have written and marked it meanwhile: then this run adds nothing.
                if tx.mark_written(m.id, &setting.entered(&tx)?, &path.display().to_string())? {
                    tally.delivered += 1;
                    each(&Delivered::Written {
                        id: m.id,
                        path: path.display().to_string(),
                    });
                }
                tx.commit()?;
            }
            Err(e) => {
                let error = crate::error::one_line(&e);
                tx.mark_failed(m.id, &error, &setting.entered(&tx)?)?;
                tx.commit()?;
                tally.failed += 1;
                each(&Delivered::NotWritten { id: m.id, error });
            }
        }
    }
    Ok(tally)
}

/// An SMTP server to send through, from a URL (`smtp://`, `smtp://…?tls=required`, `smtps://`) and the
/// credentials, which never come in the URL itself.
pub fn smtp(url: &str, credentials: Option<(String, String)>) -> anyhow::Result<SmtpTransport> {
    let authority = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    if authority.contains('@') {
        return Err(Problem::Usage(
            "--smtp must not carry credentials: set IRO_SMTP_USER and IRO_SMTP_PASSWORD".into(),
        )
        .into());
    }
    let mut builder = SmtpTransport::from_url(url)
        .map_err(|e| Problem::Usage(format!("--smtp '{url}': {}", said(&e))))?
        .timeout(Some(Duration::from_secs(30)));
    if let Some((user, password)) = credentials {
        builder = builder.credentials(Credentials::new(user, password));
    }
    Ok(builder.build())
}

/// Which messages beyond the pending ones a send takes.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendAlso {
    /// Those whose send was interrupted (the server may already have them).
    pub uncertain: bool,
    /// Those already written as `.eml` files.
    pub written: bool,
    /// Those the server refused for good.
    pub failed: bool,
}

/// Sends each pending message (and what `also` adds) through `transport`, telling `each` as it goes.
/// Returns the tally and how many messages were left `uncertain` by earlier runs and not taken now.
#[allow(clippy::too_many_arguments)]
pub fn send_pending(
    store: &mut Store,
    setting: &super::Setting,
    transport: &SmtpTransport,
    server: &str,
    from: &Mailbox,
    also: SendAlso,
    mut each: impl FnMut(&Delivered),
) -> anyhow::Result<(Tally, usize)> {
    let mut taken = vec![OutboxStatus::Pending];
    for (wanted, status) in [
        (also.written, OutboxStatus::Written),
        (also.uncertain, OutboxStatus::Uncertain),
        (also.failed, OutboxStatus::Failed),
    ] {
        if wanted {
            taken.push(status);
        }
    }
    let (candidates, database_id, left_uncertain, replies) = {
        let tx = store.read()?;
        let uncertain = if also.uncertain {
            0
        } else {
            tx.outbox(Which::Only(vec![OutboxStatus::Uncertain]))?.len()
        };
        let candidates = tx.outbox(Which::Only(taken))?;
        let replies = (
            replies_to(&tx, &candidates)?,
            since_written(&tx, &candidates)?,
        );
        (candidates, tx.database_id()?, uncertain, replies)
    };
    let (replies, notes) = replies;
    let mut tally = Tally::default();
    if candidates.is_empty() {
        return Ok((tally, left_uncertain));
    }
    // Reach the server before claiming anything, so a server that is down leaves nothing uncertain.
    match transport.test_connection() {
        Ok(true) => {}
        Ok(false) => anyhow::bail!("the SMTP server at {server} did not answer: nothing was sent"),
        Err(e) => anyhow::bail!(
            "cannot reach the SMTP server at {server}: {}: nothing was sent",
            said(&e)
        ),
    }
    for (i, m) in candidates.iter().enumerate() {
        // Claimed in its own committed transaction: from here no other run will take it.
        let claimed = {
            let tx = store.write()?;
            let claimed = tx.claim_for_send(m.id, m.status, &setting.entered(&tx)?)?;
            tx.commit()?;
            claimed
        };
        if !claimed {
            continue;
        }
        let note = notes.get(&m.id).map(String::as_str);
        let ended = match email(m, from, &database_id, replies.get(&m.id), note) {
            Err(e) => Delivered::NotSent {
                id: m.id,
                status: OutboxStatus::Failed,
                error: crate::error::one_line(&e),
            },
            Ok((message, envelope)) => match transport.send_raw(&envelope, &message.formatted()) {
                Ok(_) => Delivered::Sent {
                    id: m.id,
                    subject: m.subject.clone(),
                },
                // The server answered with a refusal: it does not have the message.
                Err(e) if e.is_permanent() => Delivered::NotSent {
                    id: m.id,
                    status: OutboxStatus::Failed,
                    error: said(&e),
                },
                Err(e) if e.is_transient() => Delivered::NotSent {
                    id: m.id,
                    status: m.status,
                    error: said(&e),
                },
                // The connection broke or timed out mid-send: the server may have it.
                Err(e) => Delivered::Uncertain {
                    id: m.id,
                    error: said(&e),
                },
            },
        };
        let tx = store.write()?;
        let entered = setting.entered(&tx)?;
        let stop = match &ended {
            Delivered::Sent { .. } => {
                tx.mark_sent(m.id, &entered)?;
                tally.delivered += 1;
                false
            }
            Delivered::NotSent { status, error, .. } => {
                tx.release_claim(m.id, *status, error, &entered)?;
                tally.failed += 1;
                // A refusal of one message (5xx) says nothing of the next; a server asking to try
                // later is asked again on the next run, not for every message now.
                *status != OutboxStatus::Failed
            }
            Delivered::Uncertain { error, .. } => {
                tx.release_claim(m.id, OutboxStatus::Uncertain, error, &entered)?;
                tally.uncertain += 1;
                true
            }
            _ => false,
        };
        tx.commit()?;
        each(&ended);
        if stop {
            let left = candidates.len() - (i + 1);
            tally.failed += left;
            each(&Delivered::Stopped { left });
            break;
        }
    }
    Ok((tally, left_uncertain))
}

/// An error and its causes, on one line.
fn said(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}
