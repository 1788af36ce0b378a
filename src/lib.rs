//! `iro`: escalation monitoring for an Independent Reviewing Officer service.
//!
//! The protocol (`docs/protocol.md`: Quality Assurance Process, EPCP/DRP stages 1–3, CAFCASS referral)
//! is enforced by a functional core with an imperative shell around it. The modules, from the bottom
//! up; each may use only those above it in this list (the test `layers` below holds it to that):
//!
//! - [`model`]: the domain values every layer shares. [`text`]: what people may type and how a terminal
//!   is shown it. [`calendar`]: working days of England and Wales. [`files`]: writing files about
//!   children safely. All pure but `files`.
//! - [`dates`]: the one form a date is typed in.
//! - [`engine`]: judges a step against the protocol; returns events or a refusal. Pure.
//! - [`notify`]: who is told of a step (rule 10) and what they are told. Pure.
//! - [`store`]: every SQL string, over the storage seam; one transaction per command; typed reads.
//!   [`render`]: tables, CSV, JSON, Markdown and HTML written to any `io::Write`. Neither knows the other.
//! - [`error`]: the kinds of failure and the exit statuses scripts rely on.
//! - [`policy`]: the policy file `iro.toml`.
//! - [`workflow`]: the operations: a step, its messages and their delivery, the documents of the record.
//!   [`prompt`]: asking a person at a terminal. [`environment`]: the one reader of the environment
//!   and the clock.
//! - [`commands`]: one file per subcommand: parse, call, render.
//! - [`cli`]: the global flags, and the outcome turned into an exit status.
//!
//! The engine, the calendar and notify never touch clap, SQLite, the terminal or the clock: today is an
//! input. `ARCHITECTURE.md` is the map for a newcomer.

pub mod calendar;
pub mod cli;
pub mod commands;
pub mod dates;
pub mod engine;
pub mod environment;
pub mod error;
pub mod files;
#[cfg(test)]
pub(crate) mod fixture;
pub mod model;
pub mod notify;
pub mod policy;
pub mod prompt;
pub mod render;
pub mod store;
pub mod text;
pub mod workflow;

#[cfg(test)]
mod layers {
    //! No arrow runs back up: each module uses only modules below it, and the pure core no crate that
    //! touches a terminal, a database or mail.

    use std::path::{Path, PathBuf};

    /// Each module's layer; a module may use only modules of a lower layer.
    const LAYERS: &[(&str, u8)] = &[
        ("model", 0),
        ("text", 0),
        ("calendar", 0),
        ("files", 0),
        ("dates", 1),
        ("fixture", 1),
        ("engine", 2),
        ("notify", 3),
        ("store", 4),
        ("render", 4),
        ("error", 5),
        ("policy", 6),
        ("workflow", 7),
        ("prompt", 7),
        ("environment", 7),
        ("commands", 8),
        ("cli", 9),
    ];

    /// Crates the pure core must not use.
    const SHELL_CRATES: &[&str] = &[
        "clap",
        "rusqlite",
        "comfy_table",
        "dialoguer",
        "lettre",
        "indicatif",
        "dirs",
    ];
    const PURE: &[&str] = &["model", "calendar", "dates", "engine", "notify"];

    fn layer(module: &str) -> Option<u8> {
        LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
    }

    fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }

    /// The top-level module a source file belongs to: `src/store/chain.rs` is `store`.
    fn module_of(src: &Path, file: &Path) -> Option<String> {
        let rel = file.strip_prefix(src).ok()?;
        let first = rel.components().next()?.as_os_str().to_str()?;
        Some(first.trim_end_matches(".rs").to_string())
    }

    /// What a file names of the crate, outside comments: `crate::store::Tx` names `store`.
    fn uses(text: &str) -> Vec<String> {
        let mut named = Vec::new();
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or_default();
            let mut rest = code;
            while let Some(at) = rest.find("crate::") {
                let after = &rest[at + "crate::".len()..];
                let name: String = after
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    named.push(name);
                }
                rest = after;
            }
        }
        named
    }

    #[test]
    fn no_module_uses_one_above_it() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        let mut wrong = Vec::new();
        for file in &files {
            let Some(module) = module_of(&src, file) else {
                continue;
            };
            if matches!(module.as_str(), "lib" | "main") {
                continue;
            }
            let own = layer(&module).unwrap_or_else(|| panic!("{module} has no layer in LAYERS"));
            let text = std::fs::read_to_string(file).expect("read");
            for used in uses(&text) {
                if used == module {
                    continue;
                }
                match layer(&used) {
                    Some(theirs) if theirs < own => {}
                    _ => wrong.push(format!("{} uses {used}", file.display())),
                }
            }
            if PURE.contains(&module.as_str()) {
                for krate in SHELL_CRATES {
                    if text.contains(&format!("{krate}::")) {
                        wrong.push(format!("{} (pure) uses {krate}", file.display()));
                    }
                }
            }
        }
        assert!(
            wrong.is_empty(),
            "arrows running back up:\n{}",
            wrong.join("\n")
        );
    }

    #[test]
    fn the_map_names_every_module() {
        let map =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md"))
                .expect("ARCHITECTURE.md");
        for (module, _) in LAYERS {
            let named = map.contains(&format!("src/{module}.rs"))
                || map.contains(&format!("src/{module}/"));
            assert!(
                named,
                "ARCHITECTURE.md's code map does not name src/{module}"
            );
        }
    }
}
