//! The working-day calendar of this service: bank holidays, its closure days in the database, and the
//! ones its policy file adds.

use std::cell::RefCell;

use chrono::NaiveDate;

use crate::calendar::Calendar;
use crate::store::Tx;

/// The calendar last built, with the closure days it was built from.
///
/// The closure days are read in the caller's transaction every time (one indexed read); the tables built
/// from them (a fraction of a millisecond) are reused while those are the same, so a bulk import or
/// generator taking many steps in one process builds them once.
#[derive(Default)]
pub struct Calendars {
    last: RefCell<Option<(String, Vec<NaiveDate>, Calendar)>>,
}

impl Calendars {
    /// The calendar as the database stands in `tx`, with `from_policy`'s closure days too.
    pub fn of(&self, tx: &Tx, from_policy: &[NaiveDate]) -> anyhow::Result<Calendar> {
        // With nothing kept the days themselves are read at once: on a server each question is a round
        // trip, and a command that builds one calendar should ask one.
        if self.last.borrow().is_some() {
            let key = tx.closure_days_key()?;
            if let Some((_, _, calendar)) = self
                .last
                .borrow()
                .as_ref()
                .filter(|(db, policy, _)| *db == key && policy == from_policy)
            {
                return Ok(calendar.clone());
            }
        }
        let closures = tx.closure_days()?;
        let key = closures
            .iter()
            .map(|(day, _)| day.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let calendar = Calendar::with_closures(
            closures
                .into_iter()
                .map(|(day, _)| day)
                .chain(from_policy.iter().copied()),
        );
        *self.last.borrow_mut() = Some((key, from_policy.to_vec(), calendar.clone()));
        Ok(calendar)
    }
}

/// The calendar with only the policy file's closure days, for a question asked without a database.
pub fn without_database(from_policy: &[NaiveDate]) -> Calendar {
    Calendar::with_closures(from_policy.iter().copied())
}
