//! 后台用户管理: a system administrator lists and creates back-office users (a province
//! administrator for any bureau, a city administrator for their own).

use crate::app::{AppState, Caller};
use crate::domain::account::{FieldErrors, parse_person_name};
use crate::domain::auth::{
    AdminRole, PROVINCE_CODE, may_create_admin, parse_fingerprint, valid_username,
};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::accounts::{self, NewAdmin};
use crate::store::entities::admin;

/// The most users one list shows.
pub const LIST_LIMIT: u64 = 200;

/// Only the role `needed` may; every other back-office role is forbidden.
pub fn require_role(role: AdminRole, needed: AdminRole) -> Result<()> {
    if role == needed {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// System administrators only.
pub fn require_system(role: AdminRole) -> Result<()> {
    require_role(role, AdminRole::System)
}

/// The users `me` manages: every bureau's for the province, the own bureau's for a city;
/// at most [`LIST_LIMIT`], newest first.
pub async fn list(
    state: &AppState,
    me: &admin::Model,
    role: AdminRole,
) -> Result<Vec<admin::Model>> {
    require_system(role)?;
    let scope = (me.bureau_code != PROVINCE_CODE).then_some(me.bureau_code.as_str());
    accounts::admins_of(&state.db.conn, scope, LIST_LIMIT).await
}

/// A new back-office user as entered.
#[derive(Debug, Clone)]
pub struct AdminInput {
    pub username: String,
    pub display_name: String,
    pub bureau: String,
    pub role: AdminRole,
    /// Empty: no UKEY; otherwise a SHA-256 fingerprint with or without colons.
    pub cert_fingerprint: String,
}

/// Why a new user was refused.
#[derive(Debug)]
pub enum Refusal {
    /// What is wrong with which field.
    Invalid(FieldErrors),
    /// The user name or the UKEY is another user's.
    Taken(FieldErrors),
}

/// Creates the user with a one-time password they must change at the first login, audited.
/// Returns the user and the password, to be shown once.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    (me, role): (&admin::Model, AdminRole),
    input: &AdminInput,
) -> Result<std::result::Result<(admin::Model, String), Refusal>> {
    require_system(role)?;
    let mut errors = FieldErrors::default();
    let username = input.username.trim();
    if !valid_username(username) {
        errors.add("username", Msg::UsernameInvalid);
    }
    let display = errors.check("display_name", parse_person_name(&input.display_name));
    if state.dicts().region(&input.bureau).is_none()
        || !may_create_admin(role, &me.bureau_code, &input.bureau)
    {
        errors.add("bureau", Msg::BureauUnknown);
    }
    let fingerprint = if input.cert_fingerprint.trim().is_empty() {
        None
    } else {
        let fp = parse_fingerprint(&input.cert_fingerprint);
        if fp.is_none() {
            errors.add("cert_fingerprint", Msg::FingerprintInvalid);
        }
        fp
    };
    let Some(display) = display.filter(|_| errors.is_empty()) else {
        return Ok(Err(Refusal::Invalid(errors)));
    };
    let password = crate::domain::password::generate_one_time();
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let created = accounts::insert_admin(
        &*tx,
        now,
        NewAdmin {
            username,
            display_name: &display,
            bureau: &input.bureau,
            role: input.role,
            password: &password,
            must_change_password: true,
            cert_fingerprint: fingerprint,
            created_by: Some(me.id),
        },
    )
    .await;
    let created = match created {
        Ok(a) => a,
        Err(AppError::Validation(errors)) => return Ok(Err(Refusal::Taken(errors))),
        Err(e) => return Err(e),
    };
    caller
        .record(
            &*tx,
            now,
            "admin_create",
            format!("admin:{}", created.id),
            format!(
                "{} {} {}",
                created.username, created.bureau_code, created.role
            ),
        )
        .await?;
    tx.commit().await?;
    Ok(Ok((created, password)))
}
