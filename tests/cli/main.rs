//! The one black-box test binary: `iro` run as a process over a temporary database and a fixed today.

mod annual;
mod as_of;
mod calendar;
mod common;
mod corrections;
mod directory;
mod drift;
mod identity;
mod import;
mod messages;
mod outbox;
mod privacy;
pub(crate) mod protocol;
mod record;
mod refusals;
mod reports;
mod safety;
mod server;
mod shell;
mod spreadsheets;
mod stats;
mod tamper;
mod told;
mod workflow;
