//! Whether the state tables are what the record says: every matter replayed through the engine's
//! `evolve`, and the directory folded from its changes, each compared with the rows as stored. An edit
//! made behind the tool's back, which the hash chain cannot see because it touches no event, shows here.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::directory::{Replayed, Version};
use crate::engine::{evolve, Step};
use crate::model::Matter;
use crate::store::{StoreError, Tx};

/// Names the first row whose stored state differs from what its events say (a matter, then the
/// directory), or a row no event explains; `None` when everything checks out.
pub fn replay_mismatch(tx: &Tx) -> Result<Option<String>, StoreError> {
    if let Some(mismatch) = matter_mismatch(tx)? {
        return Ok(Some(mismatch));
    }
    directory_mismatch(tx)
}

fn matter_mismatch(tx: &Tx) -> Result<Option<String>, StoreError> {
    let mut mismatch: Option<String> = None;
    tx.for_each_matter_log(|id, log| {
        if mismatch.is_some() {
            return Ok(());
        }
        let mut state: Option<Matter> = None;
        for recorded in log {
            let step = Step {
                actor: recorded.actor,
                on: recorded.effective_on,
                event: recorded.event,
            };
            match evolve(state, id, &step) {
                Ok(next) => state = Some(next),
                Err(e) => {
                    mismatch = Some(format!("event {}: {e}", recorded.id));
                    return Ok(());
                }
            }
        }
        let stored = tx.matter(id)?;
        mismatch = first_difference("matter", id, stored.as_ref(), state.as_ref());
        Ok(())
    })?;
    if mismatch.is_none() {
        mismatch = tx
            .matters_without_events()?
            .first()
            .map(|id| format!("matter {id}: no recorded event explains it"));
    }
    Ok(mismatch)
}

/// Folds every directory change and compares what it leaves with each directory table.
fn directory_mismatch(tx: &Tx) -> Result<Option<String>, StoreError> {
    let mut replayed = Replayed::default();
    tx.for_each_directory_change(|event, on, change| {
        replayed.apply(event, on, &change);
        Ok(())
    })?;
    let stored = tx.stored_directory()?;
    let staff: BTreeMap<String, _> = stored
        .staff
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let children: BTreeMap<String, _> = stored
        .children
        .into_iter()
        .map(|c| (c.reference.clone(), c))
        .collect();
    let mismatch = keyed_difference("staff", &staff, &replayed.staff)
        .or_else(|| keyed_difference("child", &children, &replayed.children))
        .or_else(|| {
            keyed_difference(
                "staff version",
                &versions(stored.staff_versions),
                &versions(replayed.staff_versions),
            )
        })
        .or_else(|| {
            keyed_difference(
                "allocation",
                &versions(stored.allocations),
                &versions(replayed.allocations),
            )
        })
        .or_else(|| {
            let covers = |rows: Vec<(i64, _)>| -> BTreeMap<String, _> {
                rows.into_iter()
                    .map(|(event, cover)| (format!("set by event {event}"), cover))
                    .collect()
            };
            keyed_difference("cover", &covers(stored.covers), &covers(replayed.covers))
        })
        .or_else(|| {
            let stored: BTreeMap<String, (String, Option<i64>)> = stored
                .closure_days
                .into_iter()
                .map(|(day, reason, event)| (day.to_string(), (reason, event)))
                .collect();
            let replayed: BTreeMap<String, (String, Option<i64>)> = replayed
                .closure_days
                .into_iter()
                .map(|(day, (reason, event))| (day.to_string(), (reason, Some(event))))
                .collect();
            keyed_difference("closure day", &stored, &replayed)
        });
    Ok(mismatch)
}

/// Versions keyed by whose they are, from when, and the event that made them.
fn versions<T>(rows: Vec<Version<T>>) -> BTreeMap<String, T> {
    rows.into_iter()
        .map(|v| {
            (
                format!("{} from {} (event {})", v.key, v.from_on, v.event),
                v.record,
            )
        })
        .collect()
}

/// The first key whose stored row differs from its replay, or that only one side has.
fn keyed_difference<T: Serialize + PartialEq>(
    what: &str,
    stored: &BTreeMap<String, T>,
    replayed: &BTreeMap<String, T>,
) -> Option<String> {
    let keys: std::collections::BTreeSet<&String> = stored.keys().chain(replayed.keys()).collect();
    keys.into_iter()
        .find_map(|key| first_difference(what, key, stored.get(key), replayed.get(key)))
}

/// Names the first field where a stored row differs from the one its events replay to.
fn first_difference<T: Serialize + PartialEq>(
    what: &str,
    id: &str,
    stored: Option<&T>,
    replayed: Option<&T>,
) -> Option<String> {
    let (stored, replayed) = match (stored, replayed) {
        (Some(s), Some(r)) if s == r => return None,
        (Some(s), Some(r)) => (s, r),
        (None, None) => return None,
        (None, Some(_)) => return Some(format!("{what} {id}: events exist but the row does not")),
        (Some(_), None) => return Some(format!("{what} {id}: no recorded event explains it")),
    };
    let (stored, replayed) = (
        serde_json::to_value(stored).ok()?,
        serde_json::to_value(replayed).ok()?,
    );
    let field = match (stored.as_object(), replayed.as_object()) {
        (Some(fields), Some(replayed)) => fields
            .iter()
            .find(|(k, v)| replayed.get(k.as_str()) != Some(v))
            .map(|(k, v)| {
                format!(
                    "{k} is {v} but its events say {}",
                    replayed.get(k.as_str()).unwrap_or(&serde_json::Value::Null)
                )
            }),
        _ => Some(format!("is {stored} but its events say {replayed}")),
    }
    .unwrap_or_else(|| "differs from its events".to_string());
    Some(format!("{what} {id}: {field}"))
}
