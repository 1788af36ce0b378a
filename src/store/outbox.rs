//! The outbox: messages the steps tell people, queued in the step's transaction, then written to `.eml`
//! files or sent, each marked in its own committed transaction so none is ever sent twice.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rusqlite::{params, Row};
use serde::Serialize;

use super::{StoreError, Tx};
use crate::notify::{Message, Recipient};

/// Where a queued message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum OutboxStatus {
    /// Not yet written or sent.
    Pending,
    /// Written to an `.eml` file, not sent by iro.
    Written,
    /// Accepted by the SMTP server.
    Sent,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Written => "written",
            OutboxStatus::Sent => "sent",
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
        match text {
            "pending" => Ok(OutboxStatus::Pending),
            "written" => Ok(OutboxStatus::Written),
            "sent" => Ok(OutboxStatus::Sent),
            _ => Err(format!("'{text}' is not an outbox status")),
        }
    }
}

/// One message in the outbox, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxMessage {
    pub id: i64,
    pub matter: String,
    pub child: String,
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
    pub sent_at: Option<String>,
}

/// Which messages a read returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    All,
    /// Status `pending` only: what `outbox write` writes.
    Pending,
    /// Not yet sent (`pending` or `written`): what `outbox send` sends.
    Unsent,
}

const COLUMNS: &str =
    "id, matter, child, event_kind, created_at, to_addrs, cc_addrs, missing, subject, \
                       body, status, error, written_at, sent_at";

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

impl Tx<'_> {
    /// Queues a message about a matter in this transaction; returns its outbox id.
    pub fn queue_message(
        &self,
        matter: &str,
        child: &str,
        message: &Message,
        created_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let (to, cc, missing) = (
            self.to_json(&message.to)?,
            self.to_json(&message.cc)?,
            self.to_json(&message.missing)?,
        );
        self.tx
            .prepare_cached(
                "INSERT INTO outbox (matter, child, event_kind, created_at, to_addrs, cc_addrs, missing,
                    subject, body, status)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending')",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    matter,
                    child,
                    message.kind,
                    timestamp(created_at),
                    to,
                    cc,
                    missing,
                    message.subject,
                    message.body
                ])
            })
            .map_err(|e| self.err(e))?;
        Ok(self.tx.last_insert_rowid())
    }

    fn to_json(&self, value: &impl Serialize) -> Result<String, StoreError> {
        serde_json::to_string(value)
            .map_err(|e| self.err(rusqlite::Error::ToSqlConversionFailure(e.into())))
    }

    /// Messages in the outbox, oldest first.
    pub fn outbox(&self, which: Which) -> Result<Vec<OutboxMessage>, StoreError> {
        let filter = match which {
            Which::All => "",
            Which::Pending => "WHERE status = 'pending'",
            Which::Unsent => "WHERE status <> 'sent'",
        };
        self.tx
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM outbox {filter} ORDER BY id"
            ))
            .and_then(|mut stmt| stmt.query_map([], message_from_row)?.collect())
            .map_err(|e| self.err(e))
    }

    /// Every message about one matter, oldest first.
    pub fn outbox_for_matter(&self, matter: &str) -> Result<Vec<OutboxMessage>, StoreError> {
        self.tx
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM outbox WHERE matter = ?1 ORDER BY id"
            ))
            .and_then(|mut stmt| stmt.query_map([matter], message_from_row)?.collect())
            .map_err(|e| self.err(e))
    }

    /// One message by id, as it stands now.
    pub fn outbox_message(&self, id: i64) -> Result<Option<OutboxMessage>, StoreError> {
        use rusqlite::OptionalExtension;
        self.tx
            .prepare_cached(&format!("SELECT {COLUMNS} FROM outbox WHERE id = ?1"))
            .and_then(|mut stmt| stmt.query_row([id], message_from_row).optional())
            .map_err(|e| self.err(e))
    }

    /// Marks a pending message written to a file; false if it was no longer pending.
    pub fn mark_written(&self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let changed = self
            .tx
            .execute(
                "UPDATE outbox SET status = 'written', written_at = ?2, error = NULL
                 WHERE id = ?1 AND status = 'pending'",
                params![id, timestamp(at)],
            )
            .map_err(|e| self.err(e))?;
        Ok(changed == 1)
    }

    /// Marks a message sent; false if it was sent already.
    pub fn mark_sent(&self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let changed = self
            .tx
            .execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?2, error = NULL
                 WHERE id = ?1 AND status <> 'sent'",
                params![id, timestamp(at)],
            )
            .map_err(|e| self.err(e))?;
        Ok(changed == 1)
    }

    /// Records why a message could not be sent or written; its status is kept.
    pub fn mark_failed(&self, id: i64, error: &str) -> Result<(), StoreError> {
        self.tx
            .execute(
                "UPDATE outbox SET error = ?2 WHERE id = ?1 AND status <> 'sent'",
                params![id, error],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

fn message_from_row(r: &Row) -> rusqlite::Result<OutboxMessage> {
    fn json<T: serde::de::DeserializeOwned>(r: &Row, index: usize) -> rusqlite::Result<T> {
        let text: String = r.get(index)?;
        serde_json::from_str(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Text, e.into())
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
        status: super::directory::parse_column(r, 10)?,
        error: r.get(11)?,
        written_at: r.get(12)?,
        sent_at: r.get(13)?,
    })
}
