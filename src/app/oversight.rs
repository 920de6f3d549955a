//! 业务监管 of a bureau's region: finding units, correcting a unit's name, and the account
//! actions (解锁, 强制下线, 重置密码) on units and persons. Business operators only; a bureau
//! sees its own region, the province bureau all of them.

use uuid::Uuid;

use crate::app::accounts::{account_object, replace_password};
use crate::app::{AppState, Caller};
use crate::domain::account::{FieldErrors, parse_text, parse_unit_name};
use crate::domain::auth::{AdminRole, PROVINCE_CODE, SubjectKind};
use crate::domain::ids::CreditCode;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::entities::{admin, application, person};
use crate::store::oversight::{self, UnitRow};
use crate::store::{accounts, sessions, unique_violation, unit_search};

/// Operators only; the region they may see (`None`: the whole province).
pub fn scope(admin: &admin::Model, role: AdminRole) -> Result<Option<String>> {
    if role != AdminRole::Operator {
        return Err(AppError::Forbidden);
    }
    Ok((admin.bureau_code != PROVINCE_CODE).then(|| admin.bureau_code.clone()))
}

/// 单位查询: nothing typed lists the newest units; a credit code finds that unit; two or
/// more characters search the names. `Err(msg)` for one character.
pub async fn find_units(
    state: &AppState,
    region: Option<&str>,
    text: &str,
) -> Result<std::result::Result<Vec<UnitRow>, Msg>> {
    let text: String = text.trim().chars().take(50).collect();
    let c = &state.db.conn;
    if text.is_empty() {
        return Ok(Ok(oversight::units(c, region, None, &[], 20).await?));
    }
    if let Ok(code) = CreditCode::parse(&text) {
        return Ok(Ok(oversight::units(
            c,
            region,
            Some(code.as_str()),
            &[],
            20,
        )
        .await?));
    }
    if text.chars().count() < 2 {
        return Ok(Err(Msg::QueryTooShort));
    }
    let ids: Vec<Uuid> = unit_search::search(&state.db, &text, 200)
        .await?
        .iter()
        .map(|h| h.id)
        .collect();
    if ids.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    Ok(Ok(oversight::units(c, region, None, &ids, 50).await?))
}

/// The unit if it is in the region; anything else is "not found".
pub async fn unit_in(state: &AppState, region: Option<&str>, id: &str) -> Result<UnitRow> {
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let u = oversight::unit(&state.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if region.is_some_and(|r| r != u.region_code) {
        return Err(AppError::NotFound);
    }
    Ok(u)
}

/// The person if they applied in the region; anything else is "not found".
pub async fn person_in(state: &AppState, region: Option<&str>, id: &str) -> Result<person::Model> {
    let pid = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let p = accounts::person_by_id(&state.db.conn, pid)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(r) = region
        && !oversight::person_in_region(&state.db.conn, pid, r).await?
    {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

/// 更正单位名称 with a reason (both required); the old and new names and the reason go to
/// the audit log. A name another unit has is `Validation` on `name`. Returns the new name.
pub async fn rename_unit(
    state: &AppState,
    caller: &Caller,
    u: &UnitRow,
    name: &str,
    reason: &str,
) -> Result<String> {
    let mut errors = FieldErrors::default();
    let name = errors.check("name", parse_unit_name(name));
    let reason = errors.check("reason", parse_text(reason, 200, true));
    let (Some(name), Some(reason)) = (name, reason) else {
        return Err(AppError::Validation(errors));
    };
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    match oversight::rename_unit(&*tx, u.id, &name, now).await {
        Ok(_) => {}
        Err(e) if unique_violation(&e).is_some() => {
            return Err(AppError::field("name", Msg::UnitNameTaken));
        }
        Err(e) => return Err(e.into()),
    }
    unit_search::index_unit(&*tx, u.id, &name, &u.region_code).await?;
    caller
        .record(
            &*tx,
            now,
            "unit_rename",
            format!("unit:{}", u.id),
            format!("{} → {name}；原因：{reason}", u.name),
        )
        .await?;
    tx.commit().await?;
    Ok(name)
}

/// What an operator may do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccountAction {
    /// 解锁: clears the lockout after failed logins.
    Unlock,
    /// 强制下线: ends every session.
    Logout,
    /// 重置密码: a one-time password the holder must change at the next login.
    Reset,
}

impl AccountAction {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unlock" => Some(Self::Unlock),
            "logout" => Some(Self::Logout),
            "reset" => Some(Self::Reset),
            _ => None,
        }
    }
}

/// Applies `action` to a unit's or a person's account, audited; a reset returns the
/// one-time password, to be shown once.
pub async fn account_action(
    state: &AppState,
    caller: &Caller,
    (kind, subject): (SubjectKind, Uuid),
    action: AccountAction,
) -> Result<Option<String>> {
    let table = match kind {
        SubjectKind::Unit => "units",
        SubjectKind::Person => "persons",
        SubjectKind::Admin => return Err(AppError::NotFound),
    };
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let (audit_action, one_time) = match action {
        AccountAction::Unlock => {
            oversight::unlock(&*tx, table, subject, now).await?;
            ("account_unlock", None)
        }
        AccountAction::Logout => {
            sessions::delete_for_subject(&*tx, kind, subject).await?;
            ("account_kill_sessions", None)
        }
        AccountAction::Reset => {
            let pw = crate::domain::password::generate_one_time();
            replace_password(&*tx, (kind, subject), &pw, true, now).await?;
            ("account_reset_password", Some(pw))
        }
    };
    caller
        .record(&*tx, now, audit_action, account_object((kind, subject)), "")
        .await?;
    tx.commit().await?;
    Ok(one_time)
}

/// 申报人查询: an ID number finds that person, anything else is an exact name; nothing
/// typed finds nobody. At most 50 (20 by ID), of the region.
pub async fn find_persons(
    state: &AppState,
    region: Option<&str>,
    text: &str,
) -> Result<Vec<oversight::PersonRow>> {
    let text: String = text.trim().chars().take(30).collect();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let upper = text.to_ascii_uppercase();
    let c = &state.db.conn;
    match crate::domain::ids::CitizenId::parse(&upper, state.clock.today()) {
        Ok(idn) => {
            let hash = state.keys.blind_index(accounts::ID_CONTEXT, idn.as_str());
            oversight::persons(c, region, None, Some(&hash), 20).await
        }
        Err(_) => oversight::persons(c, region, Some(&text), None, 50).await,
    }
}

/// A person of the region (masked) and their newest 50 applications.
pub async fn person_detail(
    state: &AppState,
    region: Option<&str>,
    id: &str,
) -> Result<(person::Model, Vec<application::Model>)> {
    let p = person_in(state, region, id).await?;
    let apps =
        oversight::applications_of(&state.db.conn, oversight::Party::Applicant(p.id), 50).await?;
    Ok((p, apps))
}

/// The full ID number of a person of the region, decrypted for this caller; every reveal is
/// audited (PIPL: who saw whose number, when).
pub async fn reveal_id(state: &AppState, caller: &Caller, p: &person::Model) -> Result<String> {
    let full = state.keys.decrypt(accounts::ID_CONTEXT, &p.id_cipher)?;
    caller
        .record_alone(state, "pii_reveal", format!("person:{}", p.id), "")
        .await?;
    Ok(full)
}

/// Every unit of the region, newest registration first, keyset-paged after `before`: what
/// 导出 writes to a workbook and the API pages through.
pub async fn all_units(
    state: &AppState,
    region: Option<&str>,
    before: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<UnitRow>> {
    oversight::units_before(&state.db.conn, region, before, limit).await
}
