//! A service's whole record moved between databases (`iro copy`, and `iro backup` of a server's
//! database): every table read in one snapshot and written in one transaction, the copy's chain walked
//! before it is committed, and committed only when its head is the original's.

use crate::store::copy::TABLES;
use crate::store::{Store, StoreError};

/// What a copy wrote: the rows, and the chain it carries (the same count and head on both sides).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    pub rows: u64,
    pub events: u64,
    pub head: String,
}

/// Copies everything in `from` into `to`, which holds no record; `progress` is told (rows done, rows
/// in all) as it goes. Nothing of it is kept in `to` unless all of it is, and checks out.
pub fn copy(
    from: &mut Store,
    to: &mut Store,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Copied, StoreError> {
    let source_place = from.place();
    let source = from.read()?;
    let original = source.walk_chain()?;
    if let Some(problem) = &original.first_break {
        return Err(StoreError::Database {
            place: source_place,
            cause: format!(
                "the record does not check out ({problem}): run `iro audit verify`; a broken record is not copied"
            ),
        });
    }
    let target_place = to.place();
    let target = to.write()?;
    if !target.holds_nothing()? {
        return Err(StoreError::NotEmpty(target_place));
    }
    let mut total = 0;
    for table in TABLES {
        total += source.rows_in(table)?;
    }
    target.forget_own_facts()?;
    let mut done = 0;
    for table in TABLES {
        source.each_batch_of(table, |batch| {
            target.insert_batch(table, &batch)?;
            done += batch.len() as u64;
            progress(done, total);
            Ok::<(), StoreError>(())
        })?;
    }
    target.after_copy()?;
    let copied = target.walk_chain()?;
    if copied.events != original.events
        || copied.head != original.head
        || copied.first_break.is_some()
    {
        return Err(StoreError::Database {
            place: target_place,
            cause: format!(
                "the copy's chain is not the original's ({} events, head {}; the original has {} events, head {}): nothing was kept",
                copied.events, copied.head, original.events, original.head
            ),
        });
    }
    target.commit()?;
    Ok(Copied {
        rows: done,
        events: copied.events,
        head: copied.head,
    })
}
