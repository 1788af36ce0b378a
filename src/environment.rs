//! The one module that reads the process's environment and the clock. Everything else is handed what it
//! needs as values: today and now, the database path, who is acting, the SMTP credentials.
//!
//! A variable that is set must be text: one that is not is refused, never skipped, so a step is never
//! recorded under another day or another person.

use std::path::PathBuf;

use chrono::{DateTime, NaiveDate, Utc};

use crate::dates::parse_date;
use crate::error::Problem;

/// What the environment says, read once at start.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `IRO_DB`.
    pub db: Option<PathBuf>,
    /// `IRO_USER`: the member of staff acting, when `--as` is not given.
    pub user: Option<String>,
    /// The operating-system account running the process, by its real user id (never `$USER`, which
    /// anyone can set): what every event records as `entered_by`.
    pub login: String,
    /// `IRO_CONFIG`.
    pub config: Option<PathBuf>,
    /// `NO_COLOR` is set (and not empty).
    pub no_colour: bool,
    /// `IRO_MAIL_FROM`.
    pub mail_from: Option<String>,
    /// `IRO_SMTP_USER` and `IRO_SMTP_PASSWORD`.
    pub smtp_user: Option<String>,
    pub smtp_password: Option<String>,
    /// `PGPASSWORD`: the password of a server's login, where the URL gives none (as for `psql`).
    pub pg_password: Option<String>,
    /// `PGSSLROOTCERT`: the certificate authorities (a PEM file) a server's certificate may be signed by,
    /// beside the web's (a council's own, say).
    pub pg_root_certificates: Option<PathBuf>,
    /// `IRO_CSV_BOM=1`: CSV output starts with a byte-order mark.
    pub csv_bom: bool,
    /// `IRO_TODAY`, parsed.
    pub today: Option<NaiveDate>,
    /// `iro.db` in the user's data directory (from `XDG_DATA_HOME` or `HOME`), where one is known.
    pub default_db: Option<PathBuf>,
}

impl Environment {
    pub fn read() -> anyhow::Result<Environment> {
        let today = match text("IRO_TODAY")? {
            Some(day) => {
                Some(parse_date(&day).map_err(|e| Problem::Usage(format!("IRO_TODAY: {e}")))?)
            }
            None => None,
        };
        Ok(Environment {
            db: path("IRO_DB"),
            user: text("IRO_USER")?,
            login: os_login(),
            config: path("IRO_CONFIG"),
            no_colour: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            mail_from: text("IRO_MAIL_FROM")?.filter(|v| !v.is_empty()),
            smtp_user: text("IRO_SMTP_USER")?.filter(|v| !v.is_empty()),
            smtp_password: text("IRO_SMTP_PASSWORD")?,
            pg_password: text("PGPASSWORD")?.filter(|v| !v.is_empty()),
            pg_root_certificates: path("PGSSLROOTCERT"),
            csv_bom: text("IRO_CSV_BOM")?.is_some_and(|v| v == "1"),
            today,
            default_db: dirs::data_dir().map(|dir| dir.join("iro").join("iro.db")),
        })
    }

    /// The SMTP credentials, when the environment gives them.
    pub fn smtp_credentials(&self) -> anyhow::Result<Option<(String, String)>> {
        match (&self.smtp_user, &self.smtp_password) {
            (Some(user), Some(password)) => Ok(Some((user.clone(), password.clone()))),
            (Some(_), None) => Err(Problem::Usage(
                "IRO_SMTP_USER is set but IRO_SMTP_PASSWORD is not".into(),
            )
            .into()),
            (None, _) => Ok(None),
        }
    }
}

/// Today, now and the real day: `IRO_TODAY` fixes today for tests, replays and back-dated runs; now is
/// always the clock's, for `recorded_at`, and so is the real day, which no step may be dated after.
#[allow(clippy::disallowed_methods)] // the one place the clock is read
pub fn clock(env: &Environment) -> (NaiveDate, DateTime<Utc>, NaiveDate) {
    let now = Utc::now();
    let real_today = chrono::Local::now().date_naive();
    let today = env.today.unwrap_or(real_today);
    (today, now, real_today)
}

/// The account of the process's real user id, from the system's user database; `uid-N` for an id it
/// does not name (a container's user, say).
pub fn os_login() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => user.name,
        _ => format!("uid-{}", uid.as_raw()),
    }
}

/// An environment variable that must be text if set.
fn text(name: &str) -> anyhow::Result<Option<String>> {
    match std::env::var(name) {
        Ok(text) => Ok(Some(text)),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Problem::Usage(format!("{name} is set but is not valid UTF-8 text")).into())
        }
    }
}

/// An environment variable naming a path; empty is unset.
fn path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}
