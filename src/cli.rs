//! The shell: the global flags, reading the environment and the policy once, running the command and
//! turning its outcome into the exit status. The top of the module map: nothing imports `cli`.

use std::ffi::OsString;
use std::io::Write;

use clap::FromArgMatches;

pub use crate::commands::command;
use crate::commands::{self, Cli, Context};
use crate::engine::Policy;
use crate::environment::{self, Environment};
use crate::error;

/// Whether the command is `audit verify`: the one that frees and makes again the same room millions of
/// times over, and is quicker when its allocator keeps what was freed a while.
fn verifies_the_record(cli: &Cli) -> bool {
    matches!(
        cli.command,
        commands::Command::Audit(commands::audit::AuditArgs {
            command: commands::audit::AuditCommand::Verify { .. }
        })
    )
}

/// Runs `iro` with these arguments and streams, returning the exit status.
pub fn main(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    main_with(args, out, err, &mut || {})
}

/// The same, calling `before_verifying` once the arguments are read, before the command runs, when
/// they ask for `audit verify` (the binary tunes its allocator for it).
pub fn main_with(
    args: impl IntoIterator<Item = OsString>,
    out: &mut dyn Write,
    err: &mut dyn Write,
    before_verifying: &mut dyn FnMut(),
) -> u8 {
    // Whatever a command writes, a terminal (or a file someone will `cat`) is never sent a control
    // sequence iro did not make itself.
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut out = crate::render::terminal::SafeWriter::for_data(out, terminal);
    let mut err = crate::render::terminal::SafeWriter::new(err);
    let (out, err): (&mut dyn Write, &mut dyn Write) = (&mut out, &mut err);
    let parsed = command()
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let mut cli = match parsed {
        Ok((mut cli, matches)) => {
            cli.command.pair_repeated_flags(&matches);
            cli
        }
        Err(e) => return usage_error(e, out, err),
    };
    if verifies_the_record(&cli) {
        before_verifying();
    }
    // --quiet: messages for people go nowhere; errors are still written below.
    let mut quiet_sink = std::io::sink();
    let messages: &mut dyn Write = if cli.quiet {
        &mut quiet_sink
    } else {
        &mut *err
    };
    let result = Environment::read().and_then(|env| {
        let (today, now, real_today) = environment::clock(&env);
        let mut ctx = Context {
            db: cli.db.take().or_else(|| env.db.clone()),
            acting_as: cli.acting_as.take().or_else(|| env.user.clone()),
            today,
            now,
            real_today,
            out,
            err: messages,
            policy: Policy::default(),
            policy_source: crate::policy::Source::Defaults(None),
            policy_closures: Vec::new(),
            interactive: crate::prompt::is_interactive(),
            colour: std::io::IsTerminal::is_terminal(&std::io::stdout()) && !env.no_colour,
            yes: cli.yes,
            verbose: cli.verbose,
            quiet: cli.quiet,
            env,
            kept: None,
        };
        if cli.command.reads_policy() {
            // A policy file beside the database, where the database is a file.
            let db = ctx.db_path().ok();
            let loaded = crate::policy::load(
                cli.config.as_deref(),
                ctx.env.config.as_deref(),
                db.as_deref(),
            )?;
            ctx.policy = loaded.policy;
            ctx.policy_source = loaded.source;
            ctx.policy_closures = loaded.closure_days;
            if ctx.verbose {
                let db = ctx
                    .db_location()
                    .map(|location| location.to_string())
                    .unwrap_or_default();
                let source = ctx.policy_source.to_string();
                commands::tell(&mut ctx, format_args!("database: {db}; policy: {source}"));
            }
        }
        crate::store::postgres::use_password(ctx.env.pg_password.as_deref());
        crate::store::postgres::use_root_certificates(ctx.env.pg_root_certificates.as_deref());
        crate::render::set_csv_bom(cli.bom || ctx.env.csv_bom || ctx.policy.csv_bom);
        crate::render::xlsx::set_output(terminal, ctx.today);
        commands::run(&mut ctx, &cli.command)
    });
    match result {
        Ok(status) => status.code(),
        Err(e) if error::is_broken_pipe(&e) => error::DONE,
        Err(e) if e.is::<crate::workflow::sheet::RowErrors>() => {
            // An import lists every row's errors, one a line, before the summary.
            let rows = e
                .downcast_ref::<crate::workflow::sheet::RowErrors>()
                .expect("checked above");
            for line in &rows.lines {
                let _ = writeln!(err, "{line}");
            }
            let _ = writeln!(err, "error: {}", error::one_line(&e));
            rows.code
        }
        Err(e) => {
            let _ = writeln!(err, "error: {}", error::one_line(&e));
            error::exit_code(&e)
        }
    }
}

/// Prints a clap error as one line (help and version as they are) and gives its exit status.
fn usage_error(e: clap::Error, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = write!(out, "{}", e.render());
            error::DONE
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = write!(err, "{}", e.render());
            error::USAGE
        }
        _ => {
            // clap explains over several lines with a usage block; keep what it says, drop the rest.
            let rendered = e.render().to_string();
            let said = rendered
                .split("\n\n")
                .next()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let said = said.strip_prefix("error: ").unwrap_or(&said);
            // clap repeats a refused value whole; a 100 KB text need not come back in full.
            let said: String = if said.chars().count() > 300 {
                said.chars().take(300).chain("…".chars()).collect()
            } else {
                said.to_string()
            };
            let _ = writeln!(err, "error: {said} (see --help)");
            error::USAGE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the command these arguments give is taken for `audit verify`; none when they do not
    /// read.
    fn verifies(line: &str) -> Option<bool> {
        let matches = command().try_get_matches_from(line.split(' ')).ok()?;
        Cli::from_arg_matches(&matches)
            .ok()
            .map(|cli| verifies_the_record(&cli))
    }

    #[test]
    fn only_audit_verify_is_taken_for_a_verification_of_the_record() {
        assert_eq!(verifies("iro audit verify"), Some(true));
        assert_eq!(
            verifies("iro --db x.db audit verify --witness heads"),
            Some(true)
        );
        assert_eq!(verifies("iro audit head"), Some(false));
        assert_eq!(
            verifies("iro report annual --from 2025-04-01 --to 2026-03-31 --out annual"),
            Some(false)
        );
        assert_eq!(verifies("iro audit verify --no-such-flag"), None);
        assert_eq!(verifies("iro"), None);
    }
}
