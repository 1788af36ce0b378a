//! Tamper evidence: the hash chain over the events, and the reads an audit walks.
//!
//! Each event's hash is SHA-256 over the previous event's hash and a canonical JSON encoding of its own
//! columns, so changing, removing or inserting an event behind the tool's back breaks every hash after it.

use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};

use super::matters::{event_from_row, RecordedEvent};
use super::{StoreError, Tx};

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
}

/// The chain hash of an event: hex SHA-256 of the previous hash, a newline, and its canonical encoding.
pub fn chain_hash(prev_hash: &str, event: &EventColumns) -> String {
    // A JSON array of the stored text: one unambiguous encoding, whatever the fields contain.
    let canonical = serde_json::json!([
        event.id,
        event.matter,
        event.child,
        event.kind,
        event.actor,
        event.effective_on,
        event.recorded_at,
        event.details
    ])
    .to_string();
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(canonical.as_bytes());
    format!("{:x}", hasher.finalize())
}

/// Where the chain first fails to check out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub event: i64,
    pub why: String,
}

/// What walking the chain found: how many events, the head hash, and the first break if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainWalk {
    pub events: u64,
    pub head: String,
    pub first_break: Option<ChainBreak>,
}

impl Tx<'_> {
    /// The last event's id and hash, or none before the first event.
    pub(super) fn chain_tip(&self) -> Result<Option<(i64, String)>, StoreError> {
        self.tx
            .prepare_cached("SELECT id, hash FROM events ORDER BY id DESC LIMIT 1")
            .and_then(|mut stmt| {
                stmt.query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(|e| self.err(e))
    }

    /// The head of the chain: the hash a service keeps elsewhere to prove the record since.
    pub fn head_hash(&self) -> Result<String, StoreError> {
        Ok(self
            .chain_tip()?
            .map_or_else(|| GENESIS.to_string(), |(_, hash)| hash))
    }

    /// Recomputes every hash in order, streaming the events.
    pub fn walk_chain(&self) -> Result<ChainWalk, StoreError> {
        let mut stmt = self
            .tx
            .prepare(
                "SELECT id, matter, child, kind, actor, effective_on, recorded_at, details, prev_hash, hash
                 FROM events ORDER BY id",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut walk = ChainWalk {
            events: 0,
            head: GENESIS.to_string(),
            first_break: None,
        };
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let text = |i| row.get::<_, Option<String>>(i);
            let read = (|| -> rusqlite::Result<_> {
                Ok((
                    row.get::<_, i64>(0)?,
                    text(1)?,
                    text(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                    row.get::<_, String>(7)?,
                    row.get::<_, String>(8)?,
                    row.get::<_, String>(9)?,
                ))
            })();
            let (
                id,
                matter,
                child,
                kind,
                actor,
                effective_on,
                recorded_at,
                details,
                prev_hash,
                hash,
            ) = read.map_err(|e| self.err(e))?;
            walk.events += 1;
            if walk.first_break.is_none() {
                let expected = chain_hash(
                    &walk.head,
                    &EventColumns {
                        id,
                        matter: matter.as_deref(),
                        child: child.as_deref(),
                        kind: &kind,
                        actor: &actor,
                        effective_on: &effective_on,
                        recorded_at: &recorded_at,
                        details: &details,
                    },
                );
                if prev_hash != walk.head {
                    walk.first_break = Some(ChainBreak {
                        event: id,
                        why: "its prev_hash is not the hash of the event before it (an event was removed or inserted)"
                            .into(),
                    });
                } else if expected != hash {
                    walk.first_break = Some(ChainBreak {
                        event: id,
                        why: "its hash does not match its contents (it was changed after it was recorded)".into(),
                    });
                }
            }
            walk.head = hash;
        }
        Ok(walk)
    }

    /// Every matter's events in order, one matter at a time, so a replay never holds the whole log.
    pub fn for_each_matter_log(
        &self,
        mut visit: impl FnMut(&str, Vec<RecordedEvent>) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut stmt = self
            .tx
            .prepare(
                "SELECT id, matter, child, actor, effective_on, recorded_at, details FROM events
                 WHERE matter IS NOT NULL ORDER BY matter, id",
            )
            .map_err(|e| self.err(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.err(e))?;
        let mut current: Option<String> = None;
        let mut log = Vec::new();
        while let Some(row) = rows.next().map_err(|e| self.err(e))? {
            let event = event_from_row(row).map_err(|e| self.err(e))?;
            let matter = event.matter.clone().unwrap_or_default();
            if current.as_deref() != Some(matter.as_str()) {
                if let Some(done) = current.take() {
                    visit(&done, std::mem::take(&mut log))?;
                }
                current = Some(matter);
            }
            log.push(event);
        }
        if let Some(done) = current {
            visit(&done, log)?;
        }
        Ok(())
    }

    /// Matters with no event at all: state that no recorded step explains.
    pub fn matters_without_events(&self) -> Result<Vec<String>, StoreError> {
        self.tx
            .prepare(
                "SELECT id FROM matters m WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.matter = m.id) ORDER BY id",
            )
            .and_then(|mut stmt| stmt.query_map(params![], |r| r.get(0))?.collect())
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
