//! Who is acting (rule 14): the member of staff a step or a change is taken as, and whether the login
//! running the command may take it as them. The login is the operating-system account (`Setting::login`),
//! never an environment variable.

use super::Setting;
use crate::engine::authority::{may_enter_for, may_in_role, Act};
use crate::model::Staff;
use crate::store::Tx;

/// The staff id a command acts as: the one named (`--as`), else the member of staff bound to the login,
/// else the login itself (a login named like a staff id).
pub fn actor_id(tx: &Tx, login: &str, named: Option<&str>) -> anyhow::Result<String> {
    if let Some(named) = named {
        return Ok(named.to_string());
    }
    Ok(match tx.staff_by_login(login)? {
        Some(bound) => bound.id,
        None => login.to_string(),
    })
}

/// Whether the login running may act as `actor` (as they stand now: a login bound today binds
/// back-dated steps too).
pub fn may_act_as(tx: &Tx, setting: &Setting, actor: &str) -> anyhow::Result<()> {
    let (current, entering) = tx.staff_and_by_login(actor, &setting.login)?;
    let Some(current) = current else {
        return Ok(());
    };
    may_enter_for(&current, &setting.login, entering.as_ref())?;
    Ok(())
}

/// Whether `actor` may change the directory: once an admin, an IRO team manager or the senior IRO
/// manager is in post, only one of them may (acting through their own login, or entered for by another
/// of them); until then, anyone may set the directory up.
pub fn may_change_directory(tx: &Tx, setting: &Setting, actor: &str) -> anyhow::Result<()> {
    if setting.setting_up.get() || !tx.directory_has_managers()? {
        return Ok(());
    }
    let staff: Staff = tx.staff(actor)?.ok_or_else(|| crate::engine::Refusal {
        rule: crate::engine::Rule::WhoMayAct,
        message: format!(
            "'{actor}' is not in the directory: only an admin, an IRO team manager or the senior IRO manager may change it (give --as ID, or bind your login with `iro staff update ID --login {}`)",
            setting.login
        ),
    })?;
    if let Some(left) = staff.left_on {
        return Err(crate::engine::Refusal {
            rule: crate::engine::Rule::WhoMayAct,
            message: format!("{actor} left on {left}: they change nothing after that day"),
        }
        .into());
    }
    may_in_role(&staff, Act::ChangeDirectory)?;
    may_act_as(tx, setting, actor)
}
