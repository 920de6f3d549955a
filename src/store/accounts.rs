//! Account rows: create, find, count failures, change passwords.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use super::entities::{admin, person, unit};
use super::{exec, unique_or};
use crate::domain::auth::{AdminRole, SubjectKind, after_failure};
use crate::domain::ids::{CitizenId, CreditCode, Phone};
use crate::domain::mask::mask;
use crate::error::{AppError, Result};
use crate::infra::crypto::Keys;
use crate::messages::Msg;

pub const ID_CONTEXT: &str = "person.id_number";
pub const PHONE_CONTEXT: &str = "person.phone";
pub const UNIT_PHONE_CONTEXT: &str = "unit.contact_phone";

fn table(kind: SubjectKind) -> &'static str {
    match kind {
        SubjectKind::Person => "persons",
        SubjectKind::Unit => "units",
        SubjectKind::Admin => "admins",
    }
}

/// A new account's row: `$model` with a new id, its own columns as given, and the columns
/// every account table shares (`entities::account_entity`) as an account starts them: the
/// password given, no failed logins, no lock, enabled, created `now`, never logged in.
macro_rules! new_account {
    (
        $($model:ident)::+ { $($own:tt)* },
        password_hash: $hash:expr,
        must_change_password: $must_change:expr,
        now: $now:expr $(,)?
    ) => {
        $($model)::+ {
            id: Set(Uuid::now_v7()),
            $($own)*
            password_hash: Set($hash),
            failed_logins: Set(0),
            locked_until: Set(None),
            must_change_password: Set($must_change),
            disabled: Set(false),
            created_at: Set($now),
            updated_at: Set($now),
            last_login_at: Set(None),
        }
    };
}

/// A person ready to be stored: validated fields and the password already hashed.
pub struct PersonRecord {
    pub name: String,
    pub id: CitizenId,
    pub phone: Phone,
    pub password_hash: String,
}

/// A unit ready to be stored.
pub struct UnitRecord {
    pub name: String,
    pub credit_code: CreditCode,
    pub region: String,
    pub contact: String,
    pub contact_phone: Phone,
    pub password_hash: String,
}

/// Creates a person; the unique index on the ID hash decides "already registered", even under a race.
pub async fn insert_person(
    c: &impl ConnectionTrait,
    keys: &Keys,
    now: i64,
    p: &PersonRecord,
) -> Result<person::Model> {
    let model = new_account!(
        person::ActiveModel {
            name: Set(p.name.clone()),
            id_cipher: Set(keys.encrypt(ID_CONTEXT, p.id.as_str())),
            id_hash: Set(keys.blind_index(ID_CONTEXT, p.id.as_str())),
            id_masked: Set(mask(p.id.as_str())),
            sex: Set(p.id.sex().label().to_owned()),
            birth_date: Set(p.id.birth_date().to_string()),
            phone_cipher: Set(keys.encrypt(PHONE_CONTEXT, p.phone.as_str())),
            phone_masked: Set(mask(p.phone.as_str())),
        },
        password_hash: p.password_hash.clone(),
        must_change_password: false,
        now: now,
    );
    unique_or(model.insert(c).await, |_| {
        AppError::field("id_number", Msg::IdTaken)
    })
}

/// Creates a unit; unique indexes on the credit code and the name decide duplicates.
pub async fn insert_unit(
    c: &impl ConnectionTrait,
    keys: &Keys,
    now: i64,
    u: &UnitRecord,
) -> Result<unit::Model> {
    let model = new_account!(
        unit::ActiveModel {
            name: Set(u.name.clone()),
            credit_code: Set(u.credit_code.as_str().to_owned()),
            region_code: Set(u.region.clone()),
            contact_name: Set(u.contact.clone()),
            contact_phone_cipher: Set(keys.encrypt(UNIT_PHONE_CONTEXT, u.contact_phone.as_str())),
            contact_phone_masked: Set(mask(u.contact_phone.as_str())),
        },
        password_hash: u.password_hash.clone(),
        must_change_password: false,
        now: now,
    );
    let unit = unique_or(model.insert(c).await, |detail| {
        if detail.contains("credit_code") {
            AppError::field("credit_code", Msg::CreditTaken)
        } else {
            AppError::field("name", Msg::UnitNameTaken)
        }
    })?;
    super::unit_search::index_unit(c, unit.id, &unit.name, &unit.region_code).await?;
    Ok(unit)
}

/// The account row of entity `E` that `cond` selects (a unique column's value).
async fn one_where<E: EntityTrait>(
    c: &impl ConnectionTrait,
    cond: sea_orm::sea_query::SimpleExpr,
) -> Result<Option<E::Model>> {
    Ok(E::find().filter(cond).one(c).await?)
}

/// `name(arg) -> entity::Column;`: a lookup of one account by a unique column's value.
macro_rules! account_by {
    ($($name:ident($arg:ident: $ty:ty) -> $entity:ident::$col:ident;)+) => {$(
        pub async fn $name(c: &impl ConnectionTrait, $arg: $ty) -> Result<Option<$entity::Model>> {
            one_where::<$entity::Entity>(c, $entity::Column::$col.eq($arg)).await
        }
    )+};
}

account_by! {
    person_by_id(id: Uuid) -> person::Id;
    unit_by_id(id: Uuid) -> unit::Id;
    unit_by_credit_code(code: &str) -> unit::CreditCode;
    unit_by_name(name: &str) -> unit::Name;
    admin_by_id(id: Uuid) -> admin::Id;
    admin_by_username(username: &str) -> admin::Username;
    admin_by_fingerprint(fp: &str) -> admin::CertFingerprint;
}

pub async fn person_by_id_number(
    c: &impl ConnectionTrait,
    keys: &Keys,
    id_number: &str,
) -> Result<Option<person::Model>> {
    let hash = keys.blind_index(ID_CONTEXT, id_number);
    one_where::<person::Entity>(c, person::Column::IdHash.eq(hash)).await
}

/// Units' names by id in one query, for lists that show several; unknown ids are absent.
pub async fn unit_names(
    c: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, String>> {
    use sea_orm::QuerySelect;
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(Uuid, String)> = unit::Entity::find()
        .select_only()
        .column(unit::Column::Id)
        .column(unit::Column::Name)
        .filter(unit::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(c)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The back-office users a bureau manages, newest first, at most `limit`.
pub async fn admins_of(
    c: &impl ConnectionTrait,
    bureau: Option<&str>,
    limit: u64,
) -> Result<Vec<admin::Model>> {
    use sea_orm::{QueryOrder, QuerySelect};
    let mut q = admin::Entity::find()
        .order_by_desc(admin::Column::CreatedAt)
        .limit(limit);
    if let Some(b) = bureau {
        q = q.filter(admin::Column::BureauCode.eq(b));
    }
    Ok(q.all(c).await?)
}

/// A new back-office user.
pub struct NewAdmin<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub bureau: &'a str,
    pub role: AdminRole,
    pub password: &'a str,
    pub must_change_password: bool,
    pub cert_fingerprint: Option<String>,
    pub created_by: Option<Uuid>,
}

pub async fn insert_admin(
    c: &impl ConnectionTrait,
    now: i64,
    a: NewAdmin<'_>,
) -> Result<admin::Model> {
    let model = new_account!(
        admin::ActiveModel {
            username: Set(a.username.to_owned()),
            display_name: Set(a.display_name.to_owned()),
            bureau_code: Set(a.bureau.to_owned()),
            role: Set(a.role.as_str().to_owned()),
            cert_fingerprint: Set(a.cert_fingerprint),
            created_by: Set(a.created_by),
            password_changed_at: Set(Some(now)),
        },
        password_hash: crate::infra::crypto::hash_password(a.password)?,
        must_change_password: a.must_change_password,
        now: now,
    );
    unique_or(model.insert(c).await, |detail| {
        if detail.contains("fingerprint") {
            fingerprint_taken()
        } else {
            AppError::field("username", Msg::UsernameTaken)
        }
    })
}

fn fingerprint_taken() -> AppError {
    AppError::field("cert_fingerprint", Msg::FingerprintTaken)
}

pub async fn bind_certificate(
    c: &impl ConnectionTrait,
    now: i64,
    admin_id: Uuid,
    fp: Option<&str>,
) -> Result<()> {
    let res = exec(
        c,
        "UPDATE admins SET cert_fingerprint = ?, updated_at = ? WHERE id = ?",
        vec![fp.map(str::to_owned).into(), now.into(), admin_id.into()],
    )
    .await;
    unique_or(res, |_| fingerprint_taken())?;
    Ok(())
}

/// Counts one wrong password atomically; on the fifth the account locks.
/// Returns the count now stored and the end of a lock that this failure started.
pub async fn record_failure(
    c: &impl ConnectionTrait,
    kind: SubjectKind,
    id: Uuid,
    now: i64,
) -> Result<(i32, Option<i64>)> {
    let t = table(kind);
    exec(
        c,
        &format!("UPDATE {t} SET failed_logins = failed_logins + 1, updated_at = ? WHERE id = ?"),
        vec![now.into(), id.into()],
    )
    .await?;
    let sql = format!("SELECT failed_logins FROM {t} WHERE id = ?");
    let Some(count) = super::query_scalar::<i32>(c, &sql, vec![id.into()], "failed_logins").await?
    else {
        return Ok((0, None));
    };
    let (failed, lock) = after_failure(count - 1, now);
    if lock.is_some() {
        exec(
            c,
            &format!("UPDATE {t} SET failed_logins = ?, locked_until = ? WHERE id = ?"),
            vec![failed.into(), lock.into(), id.into()],
        )
        .await?;
    }
    Ok((failed, lock))
}

/// Clears the counters after a successful login.
pub async fn record_login(
    c: &impl ConnectionTrait,
    kind: SubjectKind,
    id: Uuid,
    now: i64,
) -> Result<()> {
    let sql = format!(
        "UPDATE {} SET failed_logins = 0, locked_until = NULL, last_login_at = ?, updated_at = ? WHERE id = ?",
        table(kind)
    );
    exec(c, &sql, vec![now.into(), now.into(), id.into()]).await?;
    Ok(())
}

/// Replaces a password (and lifts any lock, as a reset proves the owner).
pub async fn set_password(
    c: &impl ConnectionTrait,
    kind: SubjectKind,
    id: Uuid,
    password: &str,
    must_change: bool,
    now: i64,
) -> Result<()> {
    let hash = crate::infra::crypto::hash_password(password)?;
    let sql = format!(
        "UPDATE {} SET password_hash = ?, must_change_password = ?, failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?",
        table(kind)
    );
    exec(
        c,
        &sql,
        vec![hash.into(), must_change.into(), now.into(), id.into()],
    )
    .await?;
    if kind == SubjectKind::Admin {
        exec(
            c,
            "UPDATE admins SET password_changed_at = ? WHERE id = ?",
            vec![now.into(), id.into()],
        )
        .await?;
    }
    Ok(())
}

pub async fn unit_name_taken(c: &impl ConnectionTrait, name: &str) -> Result<bool> {
    Ok(unit_by_name(c, name).await?.is_some())
}

/// Enabled back-office users whose last login (or creation) is older than `cutoff`.
pub async fn inactive_admins(c: &impl ConnectionTrait, cutoff: i64) -> Result<Vec<(Uuid, String)>> {
    #[derive(sea_orm::FromQueryResult)]
    struct Dormant {
        id: Uuid,
        username: String,
    }
    let rows: Vec<Dormant> = super::query_as(
        c,
        "SELECT id, username FROM admins WHERE disabled = FALSE AND COALESCE(last_login_at, created_at) < ? LIMIT 1000",
        vec![cutoff.into()],
    )
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.username)).collect())
}
