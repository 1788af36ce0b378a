//! Asking a person for what a command still needs: the one place `iro` reads the terminal.
//!
//! Only when stdin and stdout are both a terminal ([`is_interactive`]) does anything here ask; a nightly
//! job or a pipe never waits on a prompt. Without a terminal, a command that lacks a required value
//! fails with one usage error naming every missing flag ([`Asker::finish`]). Prompts are drawn on stderr,
//! so stdout carries only data (a new matter's id).

use std::io::IsTerminal;

use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};
use dialoguer::{Confirm, FuzzySelect, Input, Select};

use crate::dates::{parse_date, parse_within};
use crate::engine::Timescale;
use crate::error::Problem;
use crate::model::{Matter, MatterState, Role};
use crate::store::{MatterFilter, Tx};

/// Whether a person is there to answer: stdin and stdout are both a terminal.
pub fn is_interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stdout().is_terminal()
}

/// Collects the values a command still lacks: asks for each when a person is there, else notes the
/// flag, so the error names every missing one at once.
pub struct Asker {
    interactive: bool,
    missing: Vec<&'static str>,
}

impl Asker {
    pub fn new(interactive: bool) -> Asker {
        Asker {
            interactive,
            missing: Vec::new(),
        }
    }

    /// Whether this asker will ask (rather than note what is missing).
    pub fn asks(&self) -> bool {
        self.interactive
    }

    /// Fills `slot` if it is empty: by asking, or by noting `flag` as missing.
    pub fn fill<T>(
        &mut self,
        slot: &mut Option<T>,
        flag: &'static str,
        ask: impl FnOnce() -> anyhow::Result<T>,
    ) -> anyhow::Result<()> {
        if slot.is_none() {
            if self.interactive {
                *slot = Some(ask()?);
            } else {
                self.missing.push(flag);
            }
        }
        Ok(())
    }

    /// Notes a flag as missing (for values that are not a simple `Option`).
    pub fn missing(&mut self, flag: &'static str) {
        self.missing.push(flag);
    }

    /// A usage error naming every missing flag, if any is.
    pub fn finish(self) -> anyhow::Result<()> {
        if self.missing.is_empty() {
            return Ok(());
        }
        Err(Problem::Usage(format!(
            "missing {} (give {}, or run at a terminal to be asked)",
            self.missing.join(", "),
            if self.missing.len() == 1 {
                "it"
            } else {
                "them"
            }
        ))
        .into())
    }
}

fn theme() -> Box<dyn Theme> {
    if std::env::var_os("NO_COLOR").is_some() {
        Box::new(SimpleTheme)
    } else {
        Box::new(ColorfulTheme::default())
    }
}

fn cancelled() -> anyhow::Error {
    anyhow::anyhow!("cancelled: nothing was recorded")
}

fn dialogue(e: dialoguer::Error) -> anyhow::Error {
    anyhow::Error::new(e).context("reading the answer from the terminal")
}

/// Picks one of `items` by typing part of it; gives its index.
pub fn choose(prompt: &str, items: &[String]) -> anyhow::Result<usize> {
    if items.is_empty() {
        return Err(Problem::NotFound(format!("{prompt}: there is nothing to choose from")).into());
    }
    FuzzySelect::with_theme(&*theme())
        .with_prompt(prompt)
        .items(items)
        .default(0)
        .max_length(10)
        .interact_opt()
        .map_err(dialogue)?
        .ok_or_else(cancelled)
}

/// Picks one of a few `items` with the arrow keys; gives its index.
pub fn pick(prompt: &str, items: &[String], default: usize) -> anyhow::Result<usize> {
    Select::with_theme(&*theme())
        .with_prompt(prompt)
        .items(items)
        .default(default)
        .interact_opt()
        .map_err(dialogue)?
        .ok_or_else(cancelled)
}

/// Text, checked by `check` before it is taken.
pub fn text(prompt: &str, check: fn(&str) -> Result<String, String>) -> anyhow::Result<String> {
    let answer: String = Input::with_theme(&*theme())
        .with_prompt(prompt)
        .validate_with(|input: &String| check(input).map(|_| ()))
        .interact_text()
        .map_err(dialogue)?;
    check(&answer).map_err(|e| Problem::Usage(e).into())
}

/// Text that may be left empty.
pub fn optional_text(
    prompt: &str,
    check: fn(&str) -> Result<String, String>,
) -> anyhow::Result<Option<String>> {
    let answer: String = Input::with_theme(&*theme())
        .with_prompt(prompt)
        .allow_empty(true)
        .validate_with(|input: &String| {
            if input.trim().is_empty() {
                Ok(())
            } else {
                check(input).map(|_| ())
            }
        })
        .interact_text()
        .map_err(dialogue)?;
    if answer.trim().is_empty() {
        return Ok(None);
    }
    check(&answer)
        .map(Some)
        .map_err(|e| Problem::Usage(e).into())
}

/// A timescale: a due date (YYYY-MM-DD) or a number of working days.
pub fn timescale(prompt: &str) -> anyhow::Result<Timescale> {
    fn read(input: &str) -> Result<Timescale, String> {
        let input = input.trim();
        if input.chars().all(|c| c.is_ascii_digit()) && !input.is_empty() {
            return parse_within(input).map(Timescale::Within);
        }
        parse_date(input).map(Timescale::By).map_err(|_| {
            format!("'{input}' is neither a date (YYYY-MM-DD) nor a number of working days")
        })
    }
    let answer: String = Input::with_theme(&*theme())
        .with_prompt(prompt)
        .validate_with(|input: &String| read(input).map(|_| ()))
        .interact_text()
        .map_err(dialogue)?;
    read(&answer).map_err(|e| Problem::Usage(e).into())
}

/// Asks whether to go ahead, having said what will follow; `false` when the person declines.
pub fn confirm(consequence: &str) -> anyhow::Result<bool> {
    Confirm::with_theme(&*theme())
        .with_prompt(consequence)
        .default(false)
        .interact_opt()
        .map_err(dialogue)
        .map(|answer| answer.unwrap_or(false))
}

/// Asks to go ahead unless `yes` was given or no person is there; a "no" ends the command unrecorded.
pub fn go_ahead(interactive: bool, yes: bool, consequence: &str) -> anyhow::Result<()> {
    if yes || !interactive {
        return Ok(());
    }
    if confirm(consequence)? {
        Ok(())
    } else {
        Err(cancelled())
    }
}

// Lists from the database to choose from.

/// A child, chosen from the directory.
pub fn pick_child(tx: &Tx) -> anyhow::Result<String> {
    let children = tx.children(None, None)?;
    let items: Vec<String> = children
        .iter()
        .map(|c| {
            format!(
                "{}  {} (team {}, IRO {})",
                c.reference, c.name, c.team, c.iro
            )
        })
        .collect();
    let i = choose("Child", &items)?;
    Ok(children[i].reference.clone())
}

/// A member of staff, chosen from those holding one of `roles` (any role if empty).
pub fn pick_staff(tx: &Tx, prompt: &str, roles: &[Role]) -> anyhow::Result<String> {
    let staff: Vec<_> = tx
        .all_staff()?
        .into_iter()
        .filter(|s| roles.is_empty() || roles.contains(&s.role))
        .collect();
    let items: Vec<String> = staff
        .iter()
        .map(|s| format!("{}  {} ({})", s.id, s.name, s.role))
        .collect();
    let i = choose(prompt, &items)?;
    Ok(staff[i].id.clone())
}

/// A matter, chosen from those in one of `states`.
pub fn pick_matter(tx: &Tx, prompt: &str, states: &[MatterState]) -> anyhow::Result<String> {
    let matters: Vec<Matter> = tx
        .matters(&MatterFilter::default())?
        .into_iter()
        .map(|listed| listed.matter)
        .filter(|m| states.contains(&m.state))
        .collect();
    let items: Vec<String> = matters
        .iter()
        .map(|m| {
            let stage = m.stage.map(|s| format!(" stage {s}")).unwrap_or_default();
            format!(
                "{}  {} {}{stage}: {} ({})",
                m.id, m.child, m.state, m.summary, m.category
            )
        })
        .collect();
    let i = choose(prompt, &items)?;
    Ok(matters[i].id.clone())
}

/// A category from the policy's list.
pub fn pick_category(categories: &[String]) -> anyhow::Result<String> {
    let i = choose("Category", categories)?;
    Ok(categories[i].clone())
}

/// Who is acting, asked for when neither `--as` nor `IRO_USER` says and the login running is neither
/// bound to a member of staff nor a staff id.
pub fn ask_actor(tx: &Tx, acting_as: &mut Option<String>, login: &str) -> anyhow::Result<()> {
    if acting_as.is_some() {
        return Ok(());
    }
    if tx.staff_by_login(login)?.is_some() || tx.staff(login)?.is_some() {
        return Ok(());
    }
    *acting_as = Some(pick_staff(tx, "Who is acting (--as)", &[])?);
    Ok(())
}
