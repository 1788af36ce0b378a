//! The outbox: messages the steps tell people, queued in the step's transaction, then written to `.eml`
//! files or sent. A send claims each message in its own committed transaction before the server sees it,
//! so two runs never send the same message, and one interrupted mid-send is left `uncertain`.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::backend::{BackendError, Row, Sql};
use super::{StoreError, Tx};
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
}

impl OutboxStatus {
    pub const ALL: [OutboxStatus; 5] = [
        OutboxStatus::Pending,
        OutboxStatus::Written,
        OutboxStatus::Uncertain,
        OutboxStatus::Sent,
        OutboxStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Written => "written",
            OutboxStatus::Uncertain => "uncertain",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
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

impl Tx<'_> {
    /// Queues a message about a matter in this transaction; returns its outbox id.
    pub fn queue_message(
        &self,
        matter: &str,
        child: &str,
        message: &Message,
        event: Option<i64>,
        created_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let (to, cc, missing) = (
            json(&message.to)?,
            json(&message.cc)?,
            json(&message.missing)?,
        );
        self.one(
            &QUEUE_MESSAGE,
            &[
                &matter,
                &child,
                &message.kind,
                &timestamp(created_at),
                &to,
                &cc,
                &missing,
                &message.subject,
                &message.body,
                &event,
            ],
            |r| r.get(0),
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
    pub fn mark_written(&self, id: i64, at: DateTime<Utc>, file: &str) -> Result<bool, StoreError> {
        Ok(self.exec(&MARK_WRITTEN, &[&id, &timestamp(at), &file])? == 1)
    }

    /// Claims a message for sending, if its status is still `from`: it becomes `uncertain` until the
    /// send says how it ended. Committed before the message goes to the server, so two runs can never
    /// both send it; false if another run (or an earlier one) has it.
    pub fn claim_for_send(
        &self,
        id: i64,
        from: OutboxStatus,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        Ok(self.exec(&CLAIM, &[&id, &from, &timestamp(at)])? == 1)
    }

    /// Marks a claimed message sent: the server accepted it for every recipient.
    pub fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
        Ok(self.exec(&MARK_SENT, &[&id, &timestamp(at)])? == 1)
    }

    /// Ends a claim that did not deliver: the message goes to `to` (back where it was when the server
    /// definitely did not take it, `failed` when it refused it for good, `uncertain` when nobody can say)
    /// with the error that stopped it.
    pub fn release_claim(&self, id: i64, to: OutboxStatus, error: &str) -> Result<(), StoreError> {
        self.exec(&RELEASE, &[&id, &to, &error])?;
        Ok(())
    }

    /// Records why a message could not be delivered; a pending one is kept pending.
    pub fn mark_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.exec(&MARK_FAILED, &[&id, &error])?;
        Ok(())
    }

    /// This database's own id: it names its messages and files so no two databases' can collide.
    pub fn database_id(&self) -> Result<String, StoreError> {
        self.one(&DATABASE_ID, &[], |r| r.get(0))
    }
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
