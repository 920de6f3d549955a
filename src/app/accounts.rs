//! 个人注册 and 单位注册: checking an entry (every field, then "already registered") and
//! creating the account with its audit entry. The pages check and create in two steps (立即注册,
//! 确认); the API does both in one call. Also 修改密码 for every kind of account.

use std::net::IpAddr;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::app::limit::Bucket;

use crate::app::AppState;
use crate::domain::account::{FieldErrors, PersonForm, UnitForm, expose, parse_new_password};
use crate::domain::auth::SubjectKind;
use crate::domain::password::PasswordContext;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::accounts::{self, PersonRecord, UnitRecord};
use crate::store::audit::Actor;
use crate::store::entities::{person, unit};
use crate::store::sessions;

use super::Caller;

/// Hashes a password off the async threads (Argon2 takes tens of milliseconds).
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    let hashed = crate::infra::cpu::run("hashing", move || {
        crate::infra::crypto::hash_password(&password)
    })
    .await?;
    Ok(hashed?)
}

/// Registrations from one address are limited (`TooManyRequests`), on the pages and the API.
async fn limited(state: &AppState, ip: IpAddr) -> Result<()> {
    if state
        .limiter
        .hit(Bucket::Register, ip, state.now_ms())
        .await
    {
        Ok(())
    } else {
        Err(AppError::TooManyRequests)
    }
}

/// A person's entry checked: the record to store, or what is wrong with which field.
pub async fn check_person(
    state: &AppState,
    ip: IpAddr,
    form: &PersonForm,
) -> Result<std::result::Result<PersonRecord, FieldErrors>> {
    limited(state, ip).await?;
    let person = match form.parse(state.clock.today()) {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors)),
    };
    if accounts::person_by_id_number(&state.db.conn, &state.keys, person.id.as_str())
        .await?
        .is_some()
    {
        let mut errors = FieldErrors::default();
        errors.add("id_number", Msg::IdTaken);
        return Ok(Err(errors));
    }
    Ok(Ok(PersonRecord {
        password_hash: hash_password(expose(&person.password)).await?,
        name: person.name,
        id: person.id,
        phone: person.phone,
    }))
}

/// A unit's entry checked; the region must be one of the dictionary's.
pub async fn check_unit(
    state: &AppState,
    ip: IpAddr,
    form: &UnitForm,
) -> Result<std::result::Result<UnitRecord, FieldErrors>> {
    limited(state, ip).await?;
    let dicts = state.dicts();
    let unit = match form.parse(|code| dicts.region(code).is_some()) {
        Ok(u) => u,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut errors = FieldErrors::default();
    if accounts::unit_by_credit_code(&state.db.conn, unit.credit_code.as_str())
        .await?
        .is_some()
    {
        errors.add("credit_code", Msg::CreditTaken);
    }
    if accounts::unit_name_taken(&state.db.conn, &unit.name).await? {
        errors.add("name", Msg::UnitNameTaken);
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    Ok(Ok(UnitRecord {
        password_hash: hash_password(expose(&unit.password)).await?,
        name: unit.name,
        credit_code: unit.credit_code,
        region: unit.region,
        contact: unit.contact,
        contact_phone: unit.contact_phone,
    }))
}

/// Creates the person's account; a registration that lost a race to the same ID number is
/// `AppError::Validation` on `id_number`.
pub async fn register_person(
    state: &AppState,
    ip: &str,
    record: &PersonRecord,
) -> Result<person::Model> {
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let person = accounts::insert_person(&*tx, &state.keys, now, record).await?;
    Caller::new(Actor::person(&person), ip)
        .record(&*tx, now, "register", format!("person:{}", person.id), "")
        .await?;
    tx.commit().await?;
    Ok(person)
}

/// Creates the unit's account; duplicates lost to a race are `AppError::Validation`.
pub async fn register_unit(state: &AppState, ip: &str, record: &UnitRecord) -> Result<unit::Model> {
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let unit = accounts::insert_unit(&*tx, &state.keys, now, record).await?;
    let region = state
        .dicts()
        .region(&unit.region_code)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    Caller::new(Actor::unit(&unit, region), ip)
        .record(&*tx, now, "register", format!("unit:{}", unit.id), "")
        .await?;
    tx.commit().await?;
    Ok(unit)
}

/// 修改密码 as typed: the current password and the new one twice.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password2: String,
}

/// Whose password changes: the account, its stored hash, and the personal words the new
/// password must not contain.
pub struct Holder<'a> {
    pub subject: (SubjectKind, Uuid),
    pub hash: &'a str,
    pub words: PasswordContext<'a>,
}

/// 修改密码: needs the current password; the new one follows the policy and differs from
/// it. Every session of the account ends; `reopen` (the pages) gets a fresh one for the
/// caller, bound to its UKEY fingerprint if any. Wrong entries are `AppError::Validation`.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    who: &Holder<'_>,
    change: &PasswordChange,
    reopen: Option<Option<&str>>,
) -> Result<Option<sessions::NewSession>> {
    let (current, hash) = (change.current.clone(), who.hash.to_owned());
    let ok = crate::infra::cpu::run("password check", move || {
        crate::infra::crypto::verify_password(&current, &hash)
    })
    .await?;
    if !ok {
        return Err(AppError::field("current", Msg::CurrentPasswordWrong));
    }
    if change.password == change.current {
        return Err(AppError::field("password", Msg::PasswordSame));
    }
    let new = parse_new_password(&change.password, &change.password2, &who.words)
        .map_err(AppError::Validation)?;
    let (kind, id) = who.subject;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    replace_password(&*tx, who.subject, expose(&new), false, now).await?;
    let fresh = match reopen {
        Some(fingerprint) => {
            Some(sessions::create(&*tx, kind, id, &caller.ip, fingerprint, now).await?)
        }
        None => None,
    };
    caller
        .record(
            &*tx,
            now,
            "password_change",
            account_object(who.subject),
            "",
        )
        .await?;
    tx.commit().await?;
    Ok(fresh)
}

/// A new password for the account, and every session of it ended, inside the caller's
/// transaction: 修改密码, 找回密码 and a bureau's reset each leave no old session behind.
/// `must_change` marks a one-time password.
pub(super) async fn replace_password(
    c: &impl ConnectionTrait,
    (kind, id): (SubjectKind, Uuid),
    password: &str,
    must_change: bool,
    now: i64,
) -> Result<()> {
    accounts::set_password(c, kind, id, password, must_change, now).await?;
    sessions::delete_for_subject(c, kind, id).await?;
    Ok(())
}

/// How the audit log names an account: `person:…`, `unit:…` or `admin:…`.
pub(super) fn account_object((kind, id): (SubjectKind, Uuid)) -> String {
    format!("{}:{id}", kind.as_str())
}

/// What a person's or unit's new password is checked against: its hash and its personal
/// numbers (a person's ID number and birth date, a unit's credit code).
pub struct PasswordSecrets {
    subject: (SubjectKind, Uuid),
    hash: String,
    id_number: Option<String>,
    birth: Option<String>,
    credit: Option<String>,
}

impl PasswordSecrets {
    pub fn of_person(state: &AppState, p: &person::Model) -> Self {
        PasswordSecrets {
            subject: (SubjectKind::Person, p.id),
            hash: p.password_hash.clone(),
            id_number: state.keys.decrypt(accounts::ID_CONTEXT, &p.id_cipher).ok(),
            birth: Some(p.birth_date.replace('-', "")),
            credit: None,
        }
    }

    pub fn of_unit(u: &unit::Model) -> Self {
        PasswordSecrets {
            subject: (SubjectKind::Unit, u.id),
            hash: u.password_hash.clone(),
            id_number: None,
            birth: None,
            credit: Some(u.credit_code.clone()),
        }
    }

    pub fn holder(&self) -> Holder<'_> {
        Holder {
            subject: self.subject,
            hash: &self.hash,
            words: PasswordContext {
                id_number: self.id_number.as_deref(),
                birth_digits: self.birth.as_deref(),
                credit_code: self.credit.as_deref(),
                username: None,
            },
        }
    }
}
