//! The events and the hash chain over them: appending an event, the hash that covers it, and reading
//! events back.
//!
//! Each event's hash is SHA-256 over the previous event's hash and a canonical JSON encoding of its own
//! columns, so changing, removing or inserting an event behind the tool's back breaks every hash after it.

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use super::backend::{BackendError, Row, Sql};
use super::{StoreError, Tx};
use crate::engine::{Entry, Event, Step};

/// The `prev_hash` of the first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The columns of one event that its hash covers, as stored.
pub struct EventColumns<'a> {
    pub id: i64,
    pub matter: Option<&'a str>,
    pub child: Option<&'a str>,
    pub kind: &'a str,
    pub actor: &'a str,
    pub effective_on: &'a str,
    pub recorded_at: &'a str,
    pub details: &'a str,
    /// The login that entered it and the policy in force (none on events from before version 5).
    pub entered_by: Option<&'a str>,
    pub policy_digest: Option<&'a str>,
    /// Where an imported step came from (none on typed steps and on events before version 6).
    pub source: Option<&'a str>,
}

/// The chain hash of an event: hex SHA-256 of the previous hash, a newline, and its canonical encoding.
pub fn chain_hash(prev_hash: &str, event: &EventColumns) -> String {
    let mut hashed = String::with_capacity(64);
    chain_hash_into(prev_hash.as_bytes(), event, &mut Vec::new(), &mut hashed);
    hashed
}

/// The same, of the previous hash's bytes (as the audit reads them), written into `hashed`, the
/// encoding gathered first in `encoded`: room kept by a caller that hashes every event (the audit),
/// where feeding the hash the few bytes at a time serde_json writes an escaped text, and a new text
/// for every hash, were much of the walk's time.
pub fn chain_hash_into(
    prev_hash: &[u8],
    event: &EventColumns,
    encoded: &mut Vec<u8>,
    hashed: &mut String,
) {
    encoded.clear();
    encoded.extend_from_slice(prev_hash);
    encoded.push(b'\n');
    canonical_into(event, encoded);
    hashed.clear();
    use std::fmt::Write as _;
    let _ = write!(hashed, "{:x}", Sha256::digest(&encoded[..]));
}

/// An event's canonical encoding: the JSON array of its stored text, one unambiguous encoding whatever
/// the fields contain. It is the array serde_json writes of the columns' tuple, the form every hash on
/// a record was made with (a test holds the two to the same bytes); each text is escaped by
/// json-escape-simd, which writes serde_json's escapes many bytes at a time where serde_json looks at
/// each byte in turn, and the audit escapes every event's details.
fn canonical_into(event: &EventColumns, out: &mut Vec<u8>) {
    let text = |out: &mut Vec<u8>, value: Option<&str>| {
        out.push(b',');
        match value {
            Some(value) => json_escape_simd::escape_into(value, out),
            None => out.extend_from_slice(b"null"),
        }
    };
    out.push(b'[');
    serde_json::to_writer(&mut *out, &event.id).expect("a number writes into memory");
    text(out, event.matter);
    text(out, event.child);
    for column in [
        event.kind,
        event.actor,
        event.effective_on,
        event.recorded_at,
        event.details,
    ] {
        text(out, Some(column));
    }
    // Who entered it and under which policy, where recorded, and where it was imported from; an event
    // from before they were kept hashes as it always did.
    if event.source.is_some() || event.entered_by.is_some() || event.policy_digest.is_some() {
        text(out, event.entered_by);
        text(out, event.policy_digest);
    }
    if event.source.is_some() {
        text(out, event.source);
    }
    out.push(b']');
}

/// One event as recorded, for chronologies, replays and exports.
#[derive(Debug, Clone)]
pub struct RecordedEvent {
    pub id: i64,
    pub matter: Option<String>,
    pub child: Option<String>,
    pub actor: String,
    pub effective_on: NaiveDate,
    pub recorded_at: String,
    pub event: Event,
}

/// An event from a row of `id, matter, child, actor, effective_on, recorded_at, details`.
pub(super) fn event_from_row(r: &dyn Row) -> Result<RecordedEvent, BackendError> {
    let details: String = r.get(6)?;
    let event = serde_json::from_str(&details).map_err(|e| BackendError::Decode {
        column: 6,
        why: e.to_string(),
    })?;
    Ok(RecordedEvent {
        id: r.get(0)?,
        matter: r.get(1)?,
        child: r.get(2)?,
        actor: r.get(3)?,
        effective_on: r.get(4)?,
        recorded_at: r.get(5)?,
        event,
    })
}

const EVENT_HASH: Sql = Sql::new("an event's hash", "SELECT hash FROM events WHERE id = ?1");
const CHAIN_TIP: Sql = Sql::new(
    "the chain's last event",
    "SELECT id, hash FROM events ORDER BY id DESC LIMIT 1",
);

const APPEND_EVENT: Sql = Sql::new(
    "append an event",
    "INSERT INTO events (id, matter, child, kind, actor, effective_on, recorded_at, details, prev_hash, hash,
                         entered_by, policy_digest, source)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
);
/// As the schema stood at version 4, for the upgrade to it (whose events no one entered).
const APPEND_EVENT_V4: Sql = Sql::new(
    "append an event (schema version 4)",
    "INSERT INTO events (id, matter, child, kind, actor, effective_on, recorded_at, details, prev_hash, hash)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
);
const KEEP_POLICY: Sql = Sql::new(
    "keep the text of a policy",
    "INSERT INTO policies (digest, policy, recorded_at) VALUES (?1, ?2, ?3) ON CONFLICT (digest) DO NOTHING",
);

/// Who entered a write, under which policy, and when: what every event it appends carries besides its
/// step.
#[derive(Debug, Clone, Copy)]
pub struct Entered<'a> {
    pub at: DateTime<Utc>,
    /// The login that ran the command.
    pub by: &'a str,
    /// The digest of the policy in force.
    pub policy: &'a str,
    /// Where the steps came from, when not typed: an import's file, row and source key (JSON).
    pub source: Option<&'a str>,
}

impl Entered<'_> {
    /// `recorded_at` as stored: RFC 3339 UTC with microseconds.
    pub fn recorded_at(&self) -> String {
        self.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }
}

impl Tx<'_> {
    /// The last event's id and hash, or none before the first event.
    pub(super) fn chain_tip(&self) -> Result<Option<(i64, String)>, StoreError> {
        self.row(&CHAIN_TIP, &[], |r| Ok((r.get(0)?, r.get(1)?)))
    }

    /// The hash of one event, if there is one with that id.
    pub fn event_hash(&self, id: i64) -> Result<Option<String>, StoreError> {
        self.row(&EVENT_HASH, &[&id], |r| r.get(0))
    }

    /// The last event's id and hash, or none before the first event: the head as a witness keeps it.
    pub fn head(&self) -> Result<(i64, String), StoreError> {
        Ok(self
            .chain_tip()?
            .unwrap_or_else(|| (0, GENESIS.to_string())))
    }

    /// The head of the chain: the hash a service keeps elsewhere to prove the record since.
    pub fn head_hash(&self) -> Result<String, StoreError> {
        Ok(self
            .chain_tip()?
            .map_or_else(|| GENESIS.to_string(), |(_, hash)| hash))
    }

    /// Appends one step on a matter to the chain; gives the event's id.
    pub(super) fn append_event(
        &self,
        matter: Option<&str>,
        child: Option<&str>,
        step: &Step,
        entered: &Entered,
    ) -> Result<i64, StoreError> {
        let entry = Entry::Step(step.event.clone());
        self.append_entry(
            matter,
            child,
            step.event.kind(),
            &step.actor,
            step.on,
            Appended::Entered(entered),
            &entry,
        )
    }

    /// Keeps the text of the policy a step was taken under, once per digest.
    pub fn keep_policy(&self, digest: &str, text: &str, at: &str) -> Result<(), StoreError> {
        if self.written.borrow().policies.iter().any(|d| d == digest) {
            return Ok(());
        }
        self.exec(&KEEP_POLICY, &[&digest, &text, &at])?;
        self.written.borrow_mut().policies.push(digest.to_string());
        Ok(())
    }

    /// Appends one entry to the chain after its tip; gives the event's id.
    ///
    /// The tip is read in the writer's transaction, which holds the write lock from its start, so no
    /// other writer can append between the read and the insert; the primary key and the unique
    /// `prev_hash` would refuse a second event at the same place even so.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn append_entry(
        &self,
        matter: Option<&str>,
        child: Option<&str>,
        kind: &str,
        actor: &str,
        on: NaiveDate,
        appended: Appended,
        entry: &Entry,
    ) -> Result<i64, StoreError> {
        let details = serde_json::to_string(entry).map_err(|e| StoreError::Query {
            place: self.place.clone(),
            query: APPEND_EVENT.name,
            cause: BackendError::Database(e.to_string()),
        })?;
        let tip = match self.written.borrow_mut().tip.take() {
            Some(tip) => Some(tip),
            None => self.chain_tip()?,
        };
        let (id, prev_hash) = match tip {
            Some((last, hash)) => (last + 1, hash),
            None => (1, GENESIS.to_string()),
        };
        let effective_on = on.to_string();
        let (recorded_at, entered_by, policy_digest, source) = match appended {
            Appended::Entered(entered) => (
                entered.recorded_at(),
                Some(entered.by),
                Some(entered.policy),
                entered.source,
            ),
            Appended::ByUpgrade(at) => (at.to_string(), None, None, None),
        };
        let hash = chain_hash(
            &prev_hash,
            &EventColumns {
                id,
                matter,
                child,
                kind,
                actor,
                effective_on: &effective_on,
                recorded_at: &recorded_at,
                details: &details,
                entered_by,
                policy_digest,
                source,
            },
        );
        match appended {
            Appended::Entered(_) => self.exec(
                &APPEND_EVENT,
                &[
                    &id,
                    &matter,
                    &child,
                    &kind,
                    &actor,
                    &effective_on,
                    &recorded_at,
                    &details,
                    &prev_hash,
                    &hash,
                    &entered_by,
                    &policy_digest,
                    &source,
                ],
            )?,
            Appended::ByUpgrade(_) => self.exec(
                &APPEND_EVENT_V4,
                &[
                    &id,
                    &matter,
                    &child,
                    &kind,
                    &actor,
                    &effective_on,
                    &recorded_at,
                    &details,
                    &prev_hash,
                    &hash,
                ],
            )?,
        };
        self.written.borrow_mut().tip = Some((id, hash));
        Ok(id)
    }
}

/// How an event comes to be appended: entered by someone, or written by the upgrade to version 4 at a
/// time (before events recorded who entered them).
#[derive(Debug, Clone, Copy)]
pub(super) enum Appended<'a> {
    Entered(&'a Entered<'a>),
    ByUpgrade(&'a str),
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The encoding as the hashes on every record were first made: serde_json writing the columns'
    /// tuple, with the columns added since at its end only where they are recorded.
    fn as_serde_json_writes_it(event: &EventColumns) -> Vec<u8> {
        let base = (
            event.id,
            event.matter,
            event.child,
            event.kind,
            event.actor,
            event.effective_on,
            event.recorded_at,
            event.details,
        );
        let (a, b, c, d, e, f, g, h) = base;
        let (entered_by, policy_digest, source) =
            (event.entered_by, event.policy_digest, event.source);
        let written = if source.is_some() {
            serde_json::to_vec(&(a, b, c, d, e, f, g, h, entered_by, policy_digest, source))
        } else if entered_by.is_some() || policy_digest.is_some() {
            serde_json::to_vec(&(a, b, c, d, e, f, g, h, entered_by, policy_digest))
        } else {
            serde_json::to_vec(&base)
        };
        written.expect("encodes")
    }

    /// Any text: control characters, quotes, backslashes, the line and paragraph separators, text
    /// outside the basic plane, and runs long enough for every width of the escaper's kernels.
    fn any_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            any::<char>().prop_map(String::from),
            (0u8..0x20).prop_map(|b| char::from(b).to_string()),
            Just("\"".to_string()),
            Just("\\".to_string()),
            Just("\u{7f}\u{2028}\u{2029}\u{1F600}é".to_string()),
            "[a-z ]{1,40}",
        ];
        proptest::collection::vec(piece, 0..80).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn the_canonical_encoding_is_the_one_serde_json_writes(
            id in any::<i64>(),
            texts in proptest::collection::vec(any_text(), 6),
            optional in proptest::collection::vec(proptest::option::of(any_text()), 5),
        ) {
            let event = EventColumns {
                id,
                matter: optional[0].as_deref(),
                child: optional[1].as_deref(),
                kind: &texts[0],
                actor: &texts[1],
                effective_on: &texts[2],
                recorded_at: &texts[3],
                details: &texts[4],
                entered_by: optional[2].as_deref(),
                policy_digest: optional[3].as_deref(),
                source: optional[4].as_deref(),
            };
            let mut encoded = b"kept".to_vec();
            canonical_into(&event, &mut encoded);
            prop_assert_eq!(
                String::from_utf8(encoded).expect("text"),
                format!("kept{}", String::from_utf8(as_serde_json_writes_it(&event)).expect("text"))
            );
        }
    }

    #[test]
    fn the_hash_covers_every_column_and_the_previous_hash() {
        let event = EventColumns {
            id: 1,
            matter: Some("Q-2026-0001"),
            child: Some("LCS-1"),
            kind: "noted",
            actor: "asmith",
            effective_on: "2026-11-26",
            recorded_at: "2026-11-26T09:00:00.000000Z",
            details: r#"{"kind":"noted","text":"x"}"#,
            entered_by: None,
            policy_digest: None,
            source: None,
        };
        let base = chain_hash(GENESIS, &event);
        assert_eq!(base.len(), 64);
        assert_eq!(base, chain_hash(GENESIS, &event), "deterministic");
        assert_ne!(base, chain_hash(&"1".repeat(64), &event));
        assert_ne!(
            base,
            chain_hash(
                GENESIS,
                &EventColumns {
                    actor: "pother",
                    ..event
                }
            )
        );
        let event = EventColumns {
            actor: "asmith",
            ..event
        };
        assert_ne!(
            base,
            chain_hash(
                GENESIS,
                &EventColumns {
                    matter: None,
                    ..event
                }
            )
        );
        let event = EventColumns {
            matter: Some("Q-2026-0001"),
            ..event
        };
        assert_ne!(base, chain_hash(GENESIS, &EventColumns { id: 2, ..event }));
        // Who entered it and the policy are covered once recorded.
        let entered = EventColumns {
            entered_by: Some("alex"),
            policy_digest: Some("d1"),
            ..event
        };
        let signed = chain_hash(GENESIS, &entered);
        assert_ne!(signed, base);
        for other in [
            EventColumns {
                entered_by: Some("bob"),
                ..entered
            },
            EventColumns {
                policy_digest: Some("d2"),
                ..entered
            },
            EventColumns {
                entered_by: None,
                ..entered
            },
            // Where an imported step came from is covered too.
            EventColumns {
                source: Some(r#"{"key":"r1"}"#),
                ..entered
            },
        ] {
            assert_ne!(chain_hash(GENESIS, &other), signed);
        }
    }
}
