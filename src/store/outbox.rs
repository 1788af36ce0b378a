//! The outbox: messages the steps tell people, queued in the step's transaction, then written to `.eml`
//! files or sent. A send claims each message in its own committed transaction before the server sees it,
//! so two runs never send the same message, and one interrupted mid-send is left `uncertain`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::backend::{BackendError, Row, Sql};
use super::chain::{Appended, Entered};
use super::{StoreError, Tx};
use crate::engine::{Delivery, Entry, Mail};
use crate::notify::{Message, Recipient};

/// Where a queued message is on its way to people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutboxStatus {
    /// Not yet delivered either way.
    Pending,
    /// Written to an `.eml` file, which the service delivers itself; not sent by iro.
    Written,
    /// Claimed by a send that did not say how it ended: the server may or may not have it. Sent again
    /// only with `outbox send --resend-uncertain`.
    Uncertain,
    /// Accepted by the SMTP server for every recipient.
    Sent,
    /// Refused for good by the server (or unsendable as stored); retried only when asked.
    Failed,
    /// Never delivered: the step it told of was voided as entered in error before it went out.
    Withdrawn,
}

impl OutboxStatus {
    pub const ALL: [OutboxStatus; 6] = [
        OutboxStatus::Pending,
        OutboxStatus::Written,
        OutboxStatus::Uncertain,
        OutboxStatus::Sent,
        OutboxStatus::Failed,
        OutboxStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Written => "written",
            OutboxStatus::Uncertain => "uncertain",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for OutboxStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OutboxStatus {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        OutboxStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| format!("'{text}' is not an outbox status"))
    }
}

/// One message in the outbox, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub matter: Option<String>,
    pub child: Option<String>,
    pub event_kind: String,
    pub created_at: String,
    pub to: Vec<Recipient>,
    pub cc: Vec<Recipient>,
    pub missing: Vec<String>,
    pub subject: String,
    pub body: String,
    pub status: OutboxStatus,
    pub error: Option<String>,
    pub written_at: Option<String>,
    /// The `.eml` file it was written to.
    pub written_to: Option<String>,
    /// When a send claimed it.
    pub claimed_at: Option<String>,
    pub sent_at: Option<String>,
}

/// Which messages a read returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    All,
    /// Not yet delivered either way (`pending`, `uncertain` or `failed`).
    Undelivered,
    /// What a delivery may take: these statuses and no others.
    Only(Vec<OutboxStatus>),
}

macro_rules! outbox_columns {
    () => {
        "id, matter, child, event_kind, created_at, to_addrs, cc_addrs, missing, subject, \
         body, status, error, written_at, written_to, claimed_at, sent_at"
    };
}

const QUEUE_MESSAGE: Sql = Sql::new(
    "queue a message",
    "INSERT INTO outbox (matter, child, event_kind, created_at, to_addrs, cc_addrs, missing,
        subject, body, status, event)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10)
     RETURNING id",
);
const ALL_MESSAGES: Sql = Sql::new(
    "every message",
    concat!("SELECT ", outbox_columns!(), " FROM outbox ORDER BY id"),
);
const UNDELIVERED: Sql = Sql::new(
    "messages not yet delivered",
    concat!(
        "SELECT ",
        outbox_columns!(),
        " FROM outbox WHERE status IN ('pending', 'uncertain', 'failed') ORDER BY id"
    ),
);
const BY_STATUS: Sql = Sql::new(
    "messages by status",
    concat!(
        "SELECT ",
        outbox_columns!(),
        " FROM outbox
          WHERE (status = 'pending' AND ?1) OR (status = 'written' AND ?2)
             OR (status = 'uncertain' AND ?3) OR (status = 'failed' AND ?4)
          ORDER BY id"
    ),
);
const FOR_MATTER: Sql = Sql::new(
    "a matter's messages",
    concat!(
        "SELECT ",
        outbox_columns!(),
        " FROM outbox WHERE matter = ?1 ORDER BY id"
    ),
);
const FOR_EVENT: Sql = Sql::new(
    "the messages a step queued",
    concat!(
        "SELECT ",
        outbox_columns!(),
        " FROM outbox WHERE event = ?1 ORDER BY id"
    ),
);
const STAGE_EVENTS: Sql = Sql::new(
    "the events that entered a matter's stages",
    "SELECT stage, event FROM stages WHERE matter = ?1 ORDER BY event",
);
const MESSAGE: Sql = Sql::new(
    "a message by id",
    concat!("SELECT ", outbox_columns!(), " FROM outbox WHERE id = ?1"),
);
const MARK_WRITTEN: Sql = Sql::new(
    "mark a message written",
    "UPDATE outbox SET status = 'written', written_at = ?2, written_to = ?3, error = NULL
     WHERE id = ?1 AND status = 'pending'",
);
const CLAIM: Sql = Sql::new(
    "claim a message for sending",
    "UPDATE outbox SET status = 'uncertain', claimed_at = ?3 WHERE id = ?1 AND status = ?2",
);
const MARK_SENT: Sql = Sql::new(
    "mark a message sent",
    "UPDATE outbox SET status = 'sent', sent_at = ?2, error = NULL
     WHERE id = ?1 AND status = 'uncertain'",
);
const RELEASE: Sql = Sql::new(
    "end a claim that did not deliver",
    "UPDATE outbox SET status = ?2, error = ?3 WHERE id = ?1 AND status = 'uncertain'",
);
const MARK_FAILED: Sql = Sql::new(
    "record why a message was not delivered",
    "UPDATE outbox SET error = ?2 WHERE id = ?1 AND status = 'pending'",
);
const WITHDRAW: Sql = Sql::new(
    "withdraw the undelivered messages of a voided step",
    "UPDATE outbox SET status = 'withdrawn', error = ?2
     WHERE event = ?1 AND status IN ('pending', 'failed') RETURNING id",
);
const RESTORE: Sql = Sql::new(
    "queue again the withdrawn messages of a step restored",
    "UPDATE outbox SET status = 'pending', error = NULL
     WHERE event = ?1 AND status = 'withdrawn' RETURNING id",
);
const REMINDED: Sql = Sql::new(
    "whether a reminder with this subject is queued already",
    "SELECT COUNT(*) FROM outbox INDEXED BY outbox_reminders
      WHERE event_kind = 'reminder' AND subject = ?1 AND matter IS NULL",
);
const DELIVERY: Sql = Sql::new(
    "a message's delivery",
    "SELECT status, error, written_at, written_to, claimed_at, sent_at FROM outbox WHERE id = ?1",
);
const EVERY_MESSAGE_AS_STORED: Sql = Sql::new(
    "every message as stored, for the audit",
    "SELECT id, matter, child, event_kind, created_at, to_addrs, cc_addrs, missing, subject, body, event,
            status, error, written_at, written_to, claimed_at, sent_at
       FROM outbox ORDER BY id",
);
const DATABASE_ID: Sql = Sql::new(
    "the database's id",
    "SELECT value FROM meta WHERE key = 'database_id'",
);

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

fn json(value: &impl Serialize) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Database {
        place: "the outbox".into(),
        cause: e.to_string(),
    })
}

/// The digest a queued message is recorded by: SHA-256 over its columns as stored, in one unambiguous
/// encoding, so any later edit of who it went to or what it said no longer matches.
#[allow(clippy::too_many_arguments)]
pub fn message_digest(
    matter: Option<&str>,
    child: Option<&str>,
    event_kind: &str,
    created_at: &str,
    to: &str,
    cc: &str,
    missing: &str,
    subject: &str,
    body: &str,
    event: Option<i64>,
) -> String {
    use sha2::{Digest, Sha256};
    let canonical = serde_json::json!([
        matter, child, event_kind, created_at, to, cc, missing, subject, body, event
    ])
    .to_string();
    format!("{:x}", Sha256::digest(canonical.as_bytes()))
}

/// A message as the audit reads it: the digest of what it says now, and its delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: i64,
    pub digest: String,
    pub delivery: Delivery,
}

impl Tx<'_> {
    /// Queues a message about a matter in this transaction, with its event on the chain; returns its
    /// outbox id.
    pub fn queue_message(
        &self,
        matter: &str,
        child: &str,
        message: &Message,
        event: Option<i64>,
        entered: &Entered,
    ) -> Result<i64, StoreError> {
        self.queue_message_about(Some(matter), Some(child), message, event, entered)
    }

    /// Queues a message about a matter, or (with none) about no one matter: a person's reminder digest.
    pub fn queue_message_about(
        &self,
        matter: Option<&str>,
        child: Option<&str>,
        message: &Message,
        event: Option<i64>,
        entered: &Entered,
    ) -> Result<i64, StoreError> {
        let (to, cc, missing) = (
            json(&message.to)?,
            json(&message.cc)?,
            json(&message.missing)?,
        );
        let created_at = entered.recorded_at();
        let id = self.one(
            &QUEUE_MESSAGE,
            &[
                &matter,
                &child,
                &message.kind,
                &created_at,
                &to,
                &cc,
                &missing,
                &message.subject,
                &message.body,
                &event,
            ],
            |r| r.get(0),
        )?;
        let digest = message_digest(
            matter,
            child,
            message.kind,
            &created_at,
            &to,
            &cc,
            &missing,
            &message.subject,
            &message.body,
            event,
        );
        self.append_mail(
            Mail::MessageQueued {
                message: id,
                digest,
            },
            entered,
        )?;
        Ok(id)
    }

    /// Puts a message's delivery, as it now stands, on the chain.
    fn record_delivery(&self, id: i64, entered: &Entered) -> Result<(), StoreError> {
        let delivery = self.one(&DELIVERY, &[&id], delivery_from_row)?;
        self.append_mail(
            Mail::MessageMarked {
                message: id,
                delivery,
            },
            entered,
        )
    }

    fn append_mail(&self, mail: Mail, entered: &Entered) -> Result<(), StoreError> {
        self.append_entry(
            None,
            None,
            mail.kind(),
            MAIL_ACTOR,
            entered.at.date_naive(),
            Appended::Entered(entered),
            &Entry::Mail(mail),
        )?;
        Ok(())
    }

    /// Every message as stored, with the digest of what it says now, for the audit to compare with its
    /// events.
    pub fn stored_messages(
        &self,
        mut each: impl FnMut(StoredMessage) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.stream(
            &EVERY_MESSAGE_AS_STORED,
            &[],
            |r| {
                let matter: Option<String> = r.get(1)?;
                let child: Option<String> = r.get(2)?;
                let (kind, created, to, cc, missing, subject, body): (
                    String,
                    String,
                    String,
                    String,
                    String,
                    String,
                    String,
                ) = (
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                );
                let event: Option<i64> = r.get(10)?;
                Ok(StoredMessage {
                    id: r.get(0)?,
                    digest: message_digest(
                        matter.as_deref(),
                        child.as_deref(),
                        &kind,
                        &created,
                        &to,
                        &cc,
                        &missing,
                        &subject,
                        &body,
                        event,
                    ),
                    delivery: Delivery {
                        status: r.get(11)?,
                        error: r.get(12)?,
                        written_at: r.get(13)?,
                        written_to: r.get(14)?,
                        claimed_at: r.get(15)?,
                        sent_at: r.get(16)?,
                    },
                })
            },
            &mut each,
        )
    }

    /// Messages in the outbox, oldest first.
    pub fn outbox(&self, which: Which) -> Result<Vec<OutboxMessage>, StoreError> {
        match which {
            Which::All => self.rows(&ALL_MESSAGES, &[], message_from_row),
            Which::Undelivered => self.rows(&UNDELIVERED, &[], message_from_row),
            Which::Only(statuses) => {
                let wanted = |s: OutboxStatus| statuses.contains(&s);
                self.rows(
                    &BY_STATUS,
                    &[
                        &wanted(OutboxStatus::Pending),
                        &wanted(OutboxStatus::Written),
                        &wanted(OutboxStatus::Uncertain),
                        &wanted(OutboxStatus::Failed),
                    ],
                    message_from_row,
                )
            }
        }
    }

    /// Every message about one matter, oldest first.
    pub fn outbox_for_matter(&self, matter: &str) -> Result<Vec<OutboxMessage>, StoreError> {
        self.rows(&FOR_MATTER, &[&matter], message_from_row)
    }

    /// The messages one step queued.
    pub fn outbox_for_event(&self, event: i64) -> Result<Vec<OutboxMessage>, StoreError> {
        self.rows(&FOR_EVENT, &[&event], message_from_row)
    }

    /// The event that entered each of a matter's stages.
    pub fn stage_events(
        &self,
        matter: &str,
    ) -> Result<Vec<(crate::model::Stage, i64)>, StoreError> {
        self.rows(&STAGE_EVENTS, &[&matter], |r| Ok((r.get(0)?, r.get(1)?)))
    }

    /// One message by id, as it stands now.
    pub fn outbox_message(&self, id: i64) -> Result<Option<OutboxMessage>, StoreError> {
        self.row(&MESSAGE, &[&id], message_from_row)
    }

    /// Marks a pending message written to a file; false if it was no longer pending.
    pub fn mark_written(&self, id: i64, entered: &Entered, file: &str) -> Result<bool, StoreError> {
        let marked = self.exec(&MARK_WRITTEN, &[&id, &entered.recorded_at(), &file])? == 1;
        if marked {
            self.record_delivery(id, entered)?;
        }
        Ok(marked)
    }

    /// Claims a message for sending, if its status is still `from`: it becomes `uncertain` until the
    /// send says how it ended. Committed before the message goes to the server, so two runs can never
    /// both send it; false if another run (or an earlier one) has it.
    pub fn claim_for_send(
        &self,
        id: i64,
        from: OutboxStatus,
        entered: &Entered,
    ) -> Result<bool, StoreError> {
        let claimed = self.exec(&CLAIM, &[&id, &from, &entered.recorded_at()])? == 1;
        if claimed {
            self.record_delivery(id, entered)?;
        }
        Ok(claimed)
    }

    /// Marks a claimed message sent: the server accepted it for every recipient.
    pub fn mark_sent(&self, id: i64, entered: &Entered) -> Result<bool, StoreError> {
        let marked = self.exec(&MARK_SENT, &[&id, &entered.recorded_at()])? == 1;
        if marked {
            self.record_delivery(id, entered)?;
        }
        Ok(marked)
    }

    /// Ends a claim that did not deliver: the message goes to `to` (back where it was when the server
    /// definitely did not take it, `failed` when it refused it for good, `uncertain` when nobody can say)
    /// with the error that stopped it.
    pub fn release_claim(
        &self,
        id: i64,
        to: OutboxStatus,
        error: &str,
        entered: &Entered,
    ) -> Result<(), StoreError> {
        if self.exec(&RELEASE, &[&id, &to, &error])? == 1 {
            self.record_delivery(id, entered)?;
        }
        Ok(())
    }

    /// Records why a message could not be delivered; a pending one is kept pending.
    pub fn mark_failed(&self, id: i64, error: &str, entered: &Entered) -> Result<(), StoreError> {
        if self.exec(&MARK_FAILED, &[&id, &error])? == 1 {
            self.record_delivery(id, entered)?;
        }
        Ok(())
    }

    /// Whether a reminder with this subject (one person's, one day's) is in the outbox already.
    pub fn reminded(&self, subject: &str) -> Result<bool, StoreError> {
        let n: i64 = self.one(&REMINDED, &[&subject], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// Withdraws the messages of a voided step that have not gone out (pending, or refused and not
    /// retried), saying why; gives how many.
    pub fn withdraw_messages(
        &self,
        event: i64,
        why: &str,
        entered: &Entered,
    ) -> Result<usize, StoreError> {
        let ids: Vec<i64> = self.rows(&WITHDRAW, &[&event, &why], |r| r.get(0))?;
        for id in &ids {
            self.record_delivery(*id, entered)?;
        }
        Ok(ids.len())
    }

    /// Queues again the messages withdrawn when a step was voided, now the step is restored.
    pub fn restore_messages(&self, event: i64, entered: &Entered) -> Result<usize, StoreError> {
        let ids: Vec<i64> = self.rows(&RESTORE, &[&event], |r| r.get(0))?;
        for id in &ids {
            self.record_delivery(*id, entered)?;
        }
        Ok(ids.len())
    }

    /// This database's own id: it names its messages and files so no two databases' can collide.
    pub fn database_id(&self) -> Result<String, StoreError> {
        self.one(&DATABASE_ID, &[], |r| r.get(0))
    }
}

/// Who mail entries are recorded as taken by: the outbox itself, entered by whoever ran it.
const MAIL_ACTOR: &str = "outbox";

fn delivery_from_row(r: &dyn Row) -> Result<Delivery, BackendError> {
    Ok(Delivery {
        status: r.get(0)?,
        error: r.get(1)?,
        written_at: r.get(2)?,
        written_to: r.get(3)?,
        claimed_at: r.get(4)?,
        sent_at: r.get(5)?,
    })
}

/// The migration to version 5: every message already in the outbox goes on the chain, queued and (if it
/// has gone anywhere) marked as it stands, so the audit can hold every message to its events.
pub(super) fn record_the_outbox_as_it_stands(
    tx: &Tx,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let at = timestamp(now);
    let mut stored = Vec::new();
    tx.stored_messages(|m| {
        stored.push(m);
        Ok(())
    })?;
    for m in stored {
        let append = |mail: Mail| {
            tx.append_entry(
                None,
                None,
                mail.kind(),
                super::directory::UPGRADE,
                now.date_naive(),
                Appended::ByUpgrade(&at),
                &Entry::Mail(mail),
            )
        };
        append(Mail::MessageQueued {
            message: m.id,
            digest: m.digest,
        })?;
        if m.delivery.status != OutboxStatus::Pending.as_str() || m.delivery.error.is_some() {
            append(Mail::MessageMarked {
                message: m.id,
                delivery: m.delivery,
            })?;
        }
    }
    // From here on every event says who entered it and under which policy.
    tx.exec(
        &Sql::new(
            "note the first event that says who entered it",
            "INSERT INTO meta (key, value) SELECT 'entered_from_event', COALESCE(MAX(id), 0) + 1 FROM events",
        ),
        &[],
    )?;
    Ok(())
}

fn message_from_row(r: &dyn Row) -> Result<OutboxMessage, BackendError> {
    fn json<T: serde::de::DeserializeOwned>(r: &dyn Row, index: usize) -> Result<T, BackendError> {
        let text: String = r.get(index)?;
        serde_json::from_str(&text).map_err(|e| BackendError::Decode {
            column: index,
            why: e.to_string(),
        })
    }
    Ok(OutboxMessage {
        id: r.get(0)?,
        matter: r.get(1)?,
        child: r.get(2)?,
        event_kind: r.get(3)?,
        created_at: r.get(4)?,
        to: json(r, 5)?,
        cc: json(r, 6)?,
        missing: json(r, 7)?,
        subject: r.get(8)?,
        body: r.get(9)?,
        status: r.get(10)?,
        error: r.get(11)?,
        written_at: r.get(12)?,
        written_to: r.get(13)?,
        claimed_at: r.get(14)?,
        sent_at: r.get(15)?,
    })
}
