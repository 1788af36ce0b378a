//! The repeated `--action TEXT --owner ID (--due DATE | --within N)` groups that QAPs and formal
//! meetings share.

use chrono::NaiveDate;
use clap::{ArgMatches, Args};
use std::borrow::Cow;

use super::{find_staff, parse_text};
use crate::dates::{parse_date, parse_within};
use crate::engine::{NewAction, Timescale};
use crate::error::Problem;
use crate::store::Tx;

/// Actions with owners and timescales; each `--action` takes the `--owner` and the `--due` or
/// `--within` that follow it, in order.
#[derive(Debug, Args)]
pub struct ActionArgs {
    /// An action to be taken (repeat for several)
    #[arg(long = "action", value_name = "TEXT", value_parser = parse_text)]
    pub actions: Vec<String>,
    /// Who owns the action before it (staff id)
    #[arg(long = "owner", value_name = "ID")]
    pub owners: Vec<String>,
    /// The action's due date
    #[arg(long = "due", value_name = "DATE", value_parser = parse_date)]
    pub dues: Vec<NaiveDate>,
    /// The action's timescale in working days from the day of the step
    #[arg(long = "within", value_name = "N", value_parser = parse_within)]
    pub withins: Vec<u32>,
    /// The timescales in the order given on the command line, filled from the parsed matches.
    #[arg(skip)]
    pub timescales: Vec<Timescale>,
}

/// `--due` and `--within` in the order they were typed, so each pairs with its `--action`.
pub fn timescales_in_order(matches: &ArgMatches) -> Vec<Timescale> {
    let mut placed: Vec<(usize, Timescale)> = Vec::new();
    if let (Some(idx), Some(vals)) = (
        matches.indices_of("dues"),
        matches.get_many::<NaiveDate>("dues"),
    ) {
        placed.extend(idx.zip(vals.map(|d| Timescale::By(*d))));
    }
    if let (Some(idx), Some(vals)) = (
        matches.indices_of("withins"),
        matches.get_many::<u32>("withins"),
    ) {
        placed.extend(idx.zip(vals.map(|n| Timescale::Within(*n))));
    }
    placed.sort_by_key(|(index, _)| *index);
    placed.into_iter().map(|(_, t)| t).collect()
}

impl ActionArgs {
    /// Checks each action has its owner and timescale, naming the counts when they do not pair up.
    pub fn check(&self) -> Result<(), Problem> {
        let (actions, owners, timescales) =
            (self.actions.len(), self.owners.len(), self.timescales.len());
        if actions != owners || actions != timescales {
            return Err(Problem::Usage(format!(
                "each --action needs its own --owner and one --due or --within: got {actions} action(s), \
                 {owners} owner(s) and {timescales} timescale(s)"
            )));
        }
        Ok(())
    }

    /// The actions with their owners resolved in the step's transaction.
    pub fn resolve(&self, tx: &Tx) -> anyhow::Result<Vec<NewAction<'static>>> {
        let mut actions = Vec::with_capacity(self.actions.len());
        for ((text, owner), due) in self.actions.iter().zip(&self.owners).zip(&self.timescales) {
            actions.push(NewAction {
                text: text.clone(),
                owner: Cow::Owned(
                    find_staff(tx, owner).map_err(|e| e.context(format!("--owner {owner}")))?,
                ),
                due: *due,
            });
        }
        Ok(actions)
    }
}
