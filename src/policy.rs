//! The policy file, `iro.toml`: an authority's local variant of the protocol.
//!
//! It sets the challenge window, the resolution period, optional per-stage response deadlines, the
//! stage names and resolving roles, the concern categories and the service's closure days. It is read
//! once per run (`--config`, else `IRO_CONFIG`, else `iro.toml` beside the database) into an
//! [`engine::Policy`](crate::engine::Policy); a file that does not check out is refused naming the line
//! and the key. Deadlines are stored when they are set, so changing the file never moves one.

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::dates::parse_date;
use crate::engine::Policy;
use crate::error::Problem;
use crate::model::Role;

/// The file name looked for beside the database.
pub const FILE_NAME: &str = "iro.toml";

/// The most working days any timescale in the file may have (about a working year).
pub const MAX_DAYS: u32 = 260;

/// Where the policy in force came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// No file: the protocol's defaults. Holds the path looked at beside the database, if any.
    Defaults(Option<PathBuf>),
    /// `--config PATH`.
    Flag(PathBuf),
    /// `IRO_CONFIG`.
    Env(PathBuf),
    /// `iro.toml` beside the database.
    BesideDb(PathBuf),
}

impl Source {
    /// The file read, if one was.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Source::Defaults(_) => None,
            Source::Flag(p) | Source::Env(p) | Source::BesideDb(p) => Some(p),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Defaults(Some(p)) => {
                write!(f, "the built-in defaults (there is no {})", p.display())
            }
            Source::Defaults(None) => f.write_str("the built-in defaults"),
            Source::Flag(p) => write!(f, "{} (--config)", p.display()),
            Source::Env(p) => write!(f, "{} (IRO_CONFIG)", p.display()),
            Source::BesideDb(p) => write!(f, "{} (beside the database)", p.display()),
        }
    }
}

/// The policy in force, its closure days and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub policy: Policy,
    /// Closure days the file adds to the database's, with their reasons.
    pub closure_days: Vec<(NaiveDate, String)>,
    pub source: Source,
}

impl Loaded {
    pub fn defaults(source: Source) -> Loaded {
        Loaded {
            policy: Policy::default(),
            closure_days: Vec::new(),
            source,
        }
    }
}

/// Finds and reads the policy: `flag`, else `env`, else `iro.toml` beside `db`, else the defaults.
///
/// A file named by the flag or the environment must exist; one beside the database may not.
pub fn load(flag: Option<&Path>, env: Option<&Path>, db: Option<&Path>) -> anyhow::Result<Loaded> {
    let source = match (flag, env) {
        (Some(path), _) => Source::Flag(path.to_path_buf()),
        (None, Some(path)) => Source::Env(path.to_path_buf()),
        (None, None) => {
            let beside = db.map(|db| {
                db.parent()
                    .filter(|dir| !dir.as_os_str().is_empty())
                    .unwrap_or(Path::new("."))
                    .join(FILE_NAME)
            });
            match beside {
                Some(path) if path.is_file() => Source::BesideDb(path),
                other => return Ok(Loaded::defaults(Source::Defaults(other))),
            }
        }
    };
    let path = source.path().expect("a file source").to_path_buf();
    trusted(&path)?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Problem::Usage(format!(
            "cannot read the policy file {}: {e}",
            path.display()
        ))
    })?;
    let (policy, closure_days) =
        parse(&text).map_err(|e| Problem::Usage(e.in_file(&path.display().to_string())))?;
    Ok(Loaded {
        policy,
        closure_days,
        source,
    })
}

/// The policy decides every deadline, so a file another user owns, or that others may write, is refused:
/// whoever could change it could change the rules. A file root owns is trusted (root can change
/// anything anyway).
fn trusted(path: &Path) -> Result<(), Problem> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path) else {
        // Reading it says what is wrong.
        return Ok(());
    };
    let me = nix::unistd::getuid().as_raw();
    if meta.uid() != me && meta.uid() != 0 {
        return Err(Problem::Untrusted(format!(
            "the policy file {} belongs to another user (uid {}): a policy is read only from a file you or root own",
            path.display(),
            meta.uid()
        )));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(Problem::Untrusted(format!(
            "the policy file {} can be changed by other users (mode {:o}): run chmod go-w {}",
            path.display(),
            meta.mode() & 0o777,
            path.display()
        )));
    }
    Ok(())
}

/// What is wrong with a policy file, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// 1-based line, when known.
    pub line: Option<usize>,
    pub key: Option<String>,
    pub reason: String,
}

impl PolicyError {
    /// "iro.toml line N: key `x`: reason".
    pub fn in_file(&self, file: &str) -> String {
        let mut said = file.to_string();
        if let Some(line) = self.line {
            said.push_str(&format!(" line {line}"));
        }
        if let Some(key) = &self.key {
            said.push_str(&format!(": key `{key}`"));
        }
        said.push_str(&format!(": {}", self.reason));
        said
    }
}

/// The file as written: every key optional, each value with its place in the text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    challenge_days: Option<Spanned<i64>>,
    resolution_days: Option<Spanned<i64>>,
    stage_response_days: Option<Spanned<i64>>,
    stage_names: Option<Spanned<Vec<Spanned<String>>>>,
    resolving_roles: Option<Spanned<Vec<Spanned<String>>>>,
    categories: Option<Spanned<Vec<Spanned<String>>>>,
    category_aliases: Option<std::collections::BTreeMap<String, Spanned<String>>>,
    drift_days: Option<Spanned<i64>>,
    max_extensions: Option<Spanned<i64>>,
    consultation_days: Option<Spanned<i64>>,
    remind_days: Option<Spanned<i64>>,
    cafcass_email: Option<Spanned<String>>,
    csv_bom: Option<bool>,
    closure_days: Option<Vec<Spanned<RawClosure>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClosure {
    date: Spanned<toml::Value>,
    reason: Option<Spanned<String>>,
}

/// Reads a policy's text as the record kept it with a step: as [`parse`], except that a text without
/// `stage_response_days` was written when no key meant none (the default since is 5).
pub fn parse_kept(text: &str) -> Result<(Policy, Vec<(NaiveDate, String)>), PolicyError> {
    let (mut policy, closures) = parse(text)?;
    let raw: toml::Table = toml::from_str(text).unwrap_or_default();
    if !raw.contains_key("stage_response_days") {
        policy.stage_response_days = None;
    }
    Ok((policy, closures))
}

/// What a policy allows that the guidance advises against, for `policy check` to say.
pub fn advice(policy: &Policy) -> Vec<String> {
    let mut advice = Vec::new();
    if policy.resolution_days > 20 {
        advice.push(format!(
            "resolution_days is {}: the guidance gives EPCP/DRP no more than 20 working days in total",
            policy.resolution_days
        ));
    }
    advice
}

/// Reads the text of a policy file: the policy, and the closure days it lists.
pub fn parse(text: &str) -> Result<(Policy, Vec<(NaiveDate, String)>), PolicyError> {
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| line_of(text, span.start));
        let key = e
            .span()
            .and_then(|span| key_at(text, span.start))
            .or_else(|| unknown_key(e.message()));
        PolicyError {
            line,
            key,
            reason: first_line(e.message()),
        }
    })?;
    let at = |key: &str, offset: usize, reason: String| PolicyError {
        line: Some(line_of(text, offset)),
        key: Some(key.to_string()),
        reason,
    };
    let mut policy = Policy::default();
    let days = |key: &str, value: &Spanned<i64>| -> Result<u32, PolicyError> {
        let n = *value.get_ref();
        if !(1..=i64::from(MAX_DAYS)).contains(&n) {
            return Err(at(
                key,
                value.span().start,
                format!("must be a number of working days from 1 to {MAX_DAYS}; {n} is not"),
            ));
        }
        Ok(n as u32)
    };
    if let Some(v) = &raw.challenge_days {
        policy.challenge_days = days("challenge_days", v)?;
    }
    if let Some(v) = &raw.resolution_days {
        policy.resolution_days = days("resolution_days", v)?;
    }
    if let Some(bom) = raw.csv_bom {
        policy.csv_bom = bom;
    }
    if let Some(v) = &raw.drift_days {
        policy.drift_days = days("drift_days", v)?;
    }
    if let Some(v) = &raw.max_extensions {
        policy.max_extensions = days("max_extensions", v)?;
    }
    if let Some(v) = &raw.consultation_days {
        policy.consultation_days = days("consultation_days", v)?;
    }
    if let Some(v) = &raw.remind_days {
        policy.remind_days = days("remind_days", v)?;
    }
    if let Some(v) = &raw.cafcass_email {
        policy.cafcass_email = Some(
            crate::text::parse_email(v.get_ref())
                .map_err(|e| at("cafcass_email", v.span().start, e))?,
        );
    }
    if raw
        .stage_response_days
        .as_ref()
        .is_some_and(|v| *v.get_ref() == 0)
    {
        // 0 turns the stage response deadlines off.
        policy.stage_response_days = None;
    } else if let Some(v) = &raw.stage_response_days {
        let n = days("stage_response_days", v)?;
        if n > policy.resolution_days {
            return Err(at(
                "stage_response_days",
                v.span().start,
                format!(
                    "a stage's response deadline ({n} working days) cannot be later than the resolution period ({} working days)",
                    policy.resolution_days
                ),
            ));
        }
        policy.stage_response_days = Some(n);
    }
    if let Some(names) = &raw.stage_names {
        let list = three("stage_names", names, &at)?;
        let mut out: [String; 3] = Default::default();
        for (slot, name) in out.iter_mut().zip(list) {
            *slot = crate::text::parse_name(name.get_ref()).map_err(|e| {
                at(
                    "stage_names",
                    name.span().start,
                    format!("a stage name {e}"),
                )
            })?;
        }
        policy.stage_names = out;
    }
    if let Some(roles) = &raw.resolving_roles {
        let list = three("resolving_roles", roles, &at)?;
        let mut out = policy.resolving_roles;
        for (slot, role) in out.iter_mut().zip(list) {
            *slot = role
                .get_ref()
                .parse::<Role>()
                .map_err(|e| at("resolving_roles", role.span().start, e))?;
            // A matter is resolved by a manager of the child's social work line (rule 7).
            if !matches!(
                *slot,
                Role::PracticeSupervisor
                    | Role::TeamManager
                    | Role::ServiceManager
                    | Role::AssistantDirector
            ) {
                return Err(at(
                    "resolving_roles",
                    role.span().start,
                    format!(
                        "'{}' is not a manager of the child's social work line: a stage is resolved by a practice-supervisor, team-manager, service-manager or assistant-director",
                        role.get_ref()
                    ),
                ));
            }
        }
        policy.resolving_roles = out;
    }
    if let Some(categories) = &raw.categories {
        let list = categories.get_ref();
        if list.is_empty() {
            return Err(at(
                "categories",
                categories.span().start,
                "at least one category is needed".into(),
            ));
        }
        let mut out: Vec<String> = Vec::with_capacity(list.len());
        for category in list {
            let name = crate::text::parse_id(category.get_ref()).map_err(|e| {
                at(
                    "categories",
                    category.span().start,
                    format!("category '{}' {e}", category.get_ref()),
                )
            })?;
            if out.contains(&name) {
                return Err(at(
                    "categories",
                    category.span().start,
                    format!("category '{name}' is listed twice"),
                ));
            }
            out.push(name);
        }
        policy.categories = out;
    }
    for (alias, category) in raw.category_aliases.iter().flatten() {
        let offset = category.span().start;
        crate::text::parse_name(alias).map_err(|e| {
            at(
                "category_aliases",
                offset,
                format!("the alias '{alias}' {e}"),
            )
        })?;
        if !policy.categories.contains(category.get_ref()) {
            return Err(at(
                "category_aliases",
                offset,
                format!(
                    "'{alias}' is given for '{}', which is not one of the categories: {}",
                    category.get_ref(),
                    policy.categories.join(", ")
                ),
            ));
        }
        policy
            .category_aliases
            .push((alias.clone(), category.get_ref().clone()));
    }
    let mut closures = Vec::new();
    for closure in raw.closure_days.iter().flatten() {
        let date = closure.get_ref().date.get_ref();
        let offset = closure.get_ref().date.span().start;
        let text = match date {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
            other => {
                return Err(at(
                    "closure_days.date",
                    offset,
                    format!("expected a date like 2026-12-29, found {other}"),
                ))
            }
        };
        let day = parse_date(&text).map_err(|e| at("closure_days.date", offset, e))?;
        // The reason is shown at terminals and in reports: printable text only.
        let reason = match &closure.get_ref().reason {
            Some(reason) => crate::text::parse_name(reason.get_ref()).map_err(|e| {
                at(
                    "closure_days.reason",
                    reason.span().start,
                    format!("a closure day's reason {e}"),
                )
            })?,
            None => "closure day (iro.toml)".to_string(),
        };
        closures.push((day, reason));
    }
    closures.sort();
    closures.dedup_by_key(|(day, _)| *day);
    Ok((policy, closures))
}

/// A list that must have exactly three entries, one per stage.
fn three<'a>(
    key: &str,
    list: &'a Spanned<Vec<Spanned<String>>>,
    at: &dyn Fn(&str, usize, String) -> PolicyError,
) -> Result<&'a [Spanned<String>], PolicyError> {
    if list.get_ref().len() != 3 {
        return Err(at(
            key,
            list.span().start,
            format!(
                "needs exactly 3 entries, one for each stage; found {}",
                list.get_ref().len()
            ),
        ));
    }
    Ok(list.get_ref())
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

/// The key whose value covers `offset`: the nearest `key =` on that line or above it.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    for line in text[..line_end].lines().rev() {
        let line = line.trim();
        if line.starts_with('[') {
            return Some(
                line.trim_matches(|c| c == '[' || c == ']')
                    .trim()
                    .to_string(),
            );
        }
        if let Some((key, _)) = line.split_once('=') {
            let key = key.trim().trim_matches('"');
            if !key.is_empty() && !key.starts_with('#') {
                return Some(key.to_string());
            }
        }
    }
    None
}

/// The key named in serde's "unknown field `x`" message.
fn unknown_key(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    Some(rest.split('`').next()?.to_string())
}

fn first_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The policy as a file: what `iro policy show` prints, and a starting point for an `iro.toml`.
pub fn to_toml(loaded: &Loaded) -> String {
    let mut text = format!("# The policy in force: {}\n", loaded.source);
    text.push_str(&format!("# digest: {}\n", loaded.digest()));
    if loaded.policy.stage_response_days.is_none() {
        text.push_str("# stage_response_days = 0: no response deadline within a stage\n");
    }
    text.push_str(&loaded.canonical());
    text
}

impl Loaded {
    /// The policy in one canonical text, whatever file it came from (its comments, order and spacing
    /// left out): what a step records the digest of, and the record keeps.
    pub fn canonical(&self) -> String {
        canonical_toml(self)
    }

    /// The SHA-256 of the canonical text, in hex: recorded with every step taken under it.
    pub fn digest(&self) -> String {
        digest_of(&self.canonical())
    }
}

/// The digest of a policy's canonical text.
pub fn digest_of(text: &str) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

fn canonical_toml(loaded: &Loaded) -> String {
    #[derive(Serialize)]
    struct Closure<'a> {
        date: String,
        reason: &'a str,
    }
    #[derive(Serialize)]
    struct File<'a> {
        challenge_days: u32,
        resolution_days: u32,
        // Always written (0 for none): a policy kept before the default was 5 has no key, and meant none.
        stage_response_days: u32,
        stage_names: &'a [String; 3],
        resolving_roles: Vec<&'static str>,
        categories: &'a [String],
        // The thresholds of drift and reminders, left out at their defaults so a policy that does not
        // set them keeps the digest it always had.
        #[serde(skip_serializing_if = "Option::is_none")]
        drift_days: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        max_extensions: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        consultation_days: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        remind_days: Option<u32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cafcass_email: Option<&'a str>,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        csv_bom: bool,
        // Left out when there are none, so a policy without them keeps the digest it always had.
        #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        category_aliases: std::collections::BTreeMap<&'a str, &'a str>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        closure_days: Vec<Closure<'a>>,
    }
    let p = &loaded.policy;
    let defaults = Policy::default();
    let file = File {
        challenge_days: p.challenge_days,
        resolution_days: p.resolution_days,
        stage_response_days: p.stage_response_days.unwrap_or(0),
        stage_names: &p.stage_names,
        resolving_roles: p.resolving_roles.iter().map(|r| r.as_str()).collect(),
        categories: &p.categories,
        drift_days: Some(p.drift_days).filter(|d| *d != defaults.drift_days),
        max_extensions: Some(p.max_extensions).filter(|d| *d != defaults.max_extensions),
        consultation_days: Some(p.consultation_days).filter(|d| *d != defaults.consultation_days),
        remind_days: Some(p.remind_days).filter(|d| *d != defaults.remind_days),
        cafcass_email: p.cafcass_email.as_deref(),
        csv_bom: p.csv_bom,
        category_aliases: p
            .category_aliases
            .iter()
            .map(|(a, c)| (a.as_str(), c.as_str()))
            .collect(),
        closure_days: loaded
            .closure_days
            .iter()
            .map(|(date, reason)| Closure {
                date: date.to_string(),
                reason,
            })
            .collect(),
    };
    toml::to_string_pretty(&file).unwrap_or_default()
}

/// Whether a category is one the policy lists; if not, the usage error naming the allowed list.
pub fn check_category(policy: &Policy, category: &str) -> Result<(), Problem> {
    if policy.categories.iter().any(|c| c == category) {
        return Ok(());
    }
    Err(Problem::Usage(format!(
        "--category '{category}' is not one of this service's categories: {}",
        policy.categories.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_is_the_default_policy() {
        let (policy, closures) = parse("").expect("empty file");
        assert_eq!(policy, Policy::default());
        assert!(closures.is_empty());
    }

    #[test]
    fn every_key_is_read() {
        let text = r#"
challenge_days = 7
resolution_days = 25
stage_response_days = 10
stage_names = ["Team", "Service", "Director"]
resolving_roles = ["team-manager", "service-manager", "assistant-director"]
categories = ["permanence", "contact"]

[[closure_days]]
date = 2026-12-29
reason = "Christmas"

[[closure_days]]
date = "2026-12-30"
"#;
        let (policy, closures) = parse(text).expect("valid");
        assert_eq!(policy.challenge_days, 7);
        assert_eq!(policy.resolution_days, 25);
        assert_eq!(policy.stage_response_days, Some(10));
        assert_eq!(policy.stage_names[2], "Director");
        assert_eq!(policy.categories, ["permanence", "contact"]);
        assert_eq!(closures.len(), 2);
        assert_eq!(closures[0].1, "Christmas");
    }

    #[test]
    fn errors_name_the_line_and_the_key() {
        let cases = [
            (
                "challenge_days = 5\nresolution_days = 0\n",
                2,
                "resolution_days",
                "from 1",
            ),
            (
                "challenge_days = \"five\"\n",
                1,
                "challenge_days",
                "invalid type",
            ),
            (
                "\n\nstage_names = [\"a\", \"b\"]\n",
                3,
                "stage_names",
                "exactly 3",
            ),
            (
                "resolving_roles = [\"team-manager\",\n  \"boss\", \"assistant-director\"]\n",
                2,
                "resolving_roles",
                "not a role",
            ),
            ("categories = [\"a b\"]\n", 1, "categories", "a space"),
            (
                "[[closure_days]]\ndate = 2026-12-29\nreason = \"Xmas\\u001b]52;c;aGk=\\u0007\"\n",
                3,
                "closure_days.reason",
                "U+001B",
            ),
            ("challenge_dayz = 5\n", 1, "challenge_dayz", "unknown field"),
            (
                "[[closure_days]]\ndate = \"2026-13-01\"\n",
                2,
                "closure_days.date",
                "not a day",
            ),
            ("challenge_days = [\n", 1, "challenge_days", ""),
        ];
        for (text, line, key, reason) in cases {
            let err = parse(text).expect_err(text);
            assert_eq!(err.line, Some(line), "{text}: {err:?}");
            assert_eq!(err.key.as_deref(), Some(key), "{text}: {err:?}");
            assert!(err.reason.contains(reason), "{text}: {err:?}");
            let said = err.in_file("iro.toml");
            assert!(
                said.starts_with(&format!("iro.toml line {line}: key `{key}`: ")),
                "{said}"
            );
        }
    }

    #[test]
    fn the_readme_example_is_a_valid_policy_file() {
        let readme = include_str!("../README.md");
        let section = &readme[readme.find("## The policy file").expect("section")..];
        let start = section.find("```toml\n").expect("toml block") + "```toml\n".len();
        let end = start + section[start..].find("```").expect("block end");
        let (policy, closures) = parse(&section[start..end]).expect("the README's iro.toml");
        assert_eq!(policy.stage_response_days, Some(5));
        assert_eq!(
            policy.cafcass_email.as_deref(),
            Some("referrals@cafcass.example")
        );
        assert_eq!(
            policy.category_named("pep"),
            Some("personal-education-plan")
        );
        assert_eq!(policy.categories, Policy::default().categories);
        assert_eq!(closures.len(), 1);
    }

    #[test]
    fn what_show_prints_reads_back_as_the_same_policy() {
        let loaded = Loaded {
            policy: Policy {
                stage_response_days: Some(5),
                ..Policy::default()
            },
            closure_days: vec![(
                NaiveDate::from_ymd_opt(2026, 12, 29).unwrap(),
                "Xmas".into(),
            )],
            source: Source::Defaults(None),
        };
        let (policy, closures) = parse(&to_toml(&loaded)).expect("round trip");
        assert_eq!(policy, loaded.policy);
        assert_eq!(closures, loaded.closure_days);
    }
}
