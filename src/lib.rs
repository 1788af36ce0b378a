//! `iro`: escalation monitoring for an Independent Reviewing Officer service.
//!
//! The protocol (Quality Assurance Process, EPCP/DRP stages 1–3, CAFCASS referral) is enforced by a
//! functional core with an imperative shell around it:
//!
//! - [`calendar`]: working days of England and Wales: bank holidays, closure days. Pure.
//! - [`engine`]: judges a requested step against the protocol; returns events or a refusal. Pure.
//! - [`model`]: the domain values the engine, the store and the commands share.
//! - [`store`]: every SQL string; one transaction per command; typed reads.
//! - [`notify`]: who is told of a step (design rule 10) and the messages they get. Pure.
//! - [`policy`]: the policy file `iro.toml`: the authority's timescales, lists and closure days.
//! - [`prompt`]: asking a person at a terminal for what a command still needs; never without one.
//! - [`render`]: tables, CSV and JSON written to any `io::Write`.
//! - [`commands`]: one file per subcommand: parse, resolve names to records, ask the engine, hand its
//!   events to the store, render.
//! - [`cli`]: the clap command tree, global flags, and the one place the clock is read.
//! - [`error`]: the exit statuses scripts rely on.
//! - [`text`]: what people may type (ids, names, texts, e-mail addresses) and how a terminal is shown it.
//! - [`files`]: writing files about children safely: no symlinks followed, nothing overwritten, whole or not at all.
//!
//! The engine and the calendar never touch clap, SQLite, the terminal or the clock: today is an input.

pub mod calendar;
pub mod cli;
pub mod commands;
pub mod dates;
pub mod engine;
pub mod environment;
pub mod error;
pub mod files;
pub mod model;
pub mod notify;
pub mod policy;
pub mod prompt;
pub mod render;
pub mod store;
pub mod text;
pub mod workflow;
