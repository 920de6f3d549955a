//! Back-office lookups: units and applicants of a region. Every query is bounded and
//! scoped to the bureau's region (`None` = the whole province). The statistics are in
//! `store::stats`.

use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use uuid::Uuid;

use super::{exec, query_as};
use crate::error::Result;

#[derive(Debug, Clone, FromQueryResult)]
pub struct UnitRow {
    pub id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub region_code: String,
    pub locked_until: Option<i64>,
    pub disabled: bool,
    pub created_at: i64,
}

/// Units that match `cond` (with `values`), in `order`.
async fn units_where(
    c: &impl ConnectionTrait,
    cond: &str,
    order: &str,
    values: Vec<Value>,
) -> Result<Vec<UnitRow>> {
    Ok(query_as(
        c,
        &format!(
            "SELECT id, name, credit_code, region_code, locked_until, disabled, created_at FROM units WHERE {cond}{order}"
        ),
        values,
    )
    .await?)
}

/// The condition on a region's units (`None`: all), to add to, and its values.
fn in_region(region: Option<&str>) -> (Vec<String>, Vec<Value>) {
    match region {
        Some(r) => (vec!["region_code = ?".to_owned()], vec![r.into()]),
        None => (vec!["1 = 1".to_owned()], vec![]),
    }
}

/// Units by exact credit code or by ids (from the name search), within a region.
pub async fn units(
    c: &impl ConnectionTrait,
    region: Option<&str>,
    credit_code: Option<&str>,
    ids: &[Uuid],
    limit: u64,
) -> Result<Vec<UnitRow>> {
    let (mut cond, mut v) = in_region(region);
    if let Some(code) = credit_code {
        cond.push("credit_code = ?".to_owned());
        v.push(code.into());
    } else if !ids.is_empty() {
        cond.push(format!("id IN ({})", vec!["?"; ids.len()].join(", ")));
        v.extend(ids.iter().map(|i| Value::from(*i)));
    }
    v.push((limit as i64).into());
    let order = " ORDER BY created_at DESC LIMIT ?";
    units_where(c, &cond.join(" AND "), order, v).await
}

pub async fn unit(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<UnitRow>> {
    Ok(units_where(c, "id = ?", "", vec![id.into()])
        .await?
        .into_iter()
        .next())
}

/// Renames a unit (a bureau's correction); the unique index refuses a name in use.
pub async fn rename_unit(
    c: &impl ConnectionTrait,
    id: Uuid,
    name: &str,
    now: i64,
) -> std::result::Result<u64, sea_orm::DbErr> {
    exec(
        c,
        "UPDATE units SET name = ?, updated_at = ? WHERE id = ?",
        vec![name.into(), now.into(), id.into()],
    )
    .await
}

/// Lifts a lock (and the failure count) on any kind of account.
pub async fn unlock(c: &impl ConnectionTrait, table: &str, id: Uuid, now: i64) -> Result<u64> {
    Ok(exec(
        c,
        &format!(
            "UPDATE {table} SET failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?"
        ),
        vec![now.into(), id.into()],
    )
    .await?)
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct PersonRow {
    pub id: Uuid,
    pub name: String,
    pub id_masked: String,
    pub phone_masked: String,
    pub locked_until: Option<i64>,
    pub created_at: i64,
}

/// Applicants by exact name or ID hash; a city sees only those with an application declared in it.
pub async fn persons(
    c: &impl ConnectionTrait,
    region: Option<&str>,
    name: Option<&str>,
    id_hash: Option<&str>,
    limit: u64,
) -> Result<Vec<PersonRow>> {
    let mut cond = Vec::new();
    let mut v: Vec<Value> = Vec::new();
    if let Some(n) = name {
        cond.push("p.name = ?");
        v.push(n.into());
    }
    if let Some(h) = id_hash {
        cond.push("p.id_hash = ?");
        v.push(h.into());
    }
    if let Some(r) = region {
        cond.push("EXISTS (SELECT 1 FROM applications a JOIN units u ON u.id = a.declare_unit_id WHERE a.person_id = p.id AND u.region_code = ?)");
        v.push(r.into());
    }
    if cond.is_empty() {
        return Ok(Vec::new());
    }
    v.push((limit as i64).into());
    Ok(query_as(
        c,
        &format!("SELECT p.id, p.name, p.id_masked, p.phone_masked, p.locked_until, p.created_at FROM persons p WHERE {} ORDER BY p.created_at DESC LIMIT ?", cond.join(" AND ")),
        v,
    )
    .await?)
}

/// Whether a person belongs to a city's oversight (an application declared at a unit there).
pub async fn person_in_region(
    c: &impl ConnectionTrait,
    person: Uuid,
    region: &str,
) -> Result<bool> {
    Ok(super::count(c, "SELECT COUNT(*) AS n FROM applications a JOIN units u ON u.id = a.declare_unit_id WHERE a.person_id = ? AND u.region_code = ?", vec![person.into(), region.into()]).await? > 0)
}

/// Whose applications to list.
#[derive(Debug, Clone, Copy)]
pub enum Party {
    /// The person who applied.
    Applicant(Uuid),
    /// The unit they were declared at.
    DeclaringUnit(Uuid),
}

/// Applications declared at a unit or by a person, newest first, bounded.
pub async fn applications_of(
    c: &impl ConnectionTrait,
    of: Party,
    limit: u64,
) -> Result<Vec<super::entities::application::Model>> {
    use super::entities::application::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
    let (col, id) = match of {
        Party::Applicant(id) => (Column::PersonId, id),
        Party::DeclaringUnit(id) => (Column::DeclareUnitId, id),
    };
    Ok(Entity::find()
        .filter(col.eq(id))
        .order_by_desc(Column::CreatedAt)
        .limit(limit)
        .all(c)
        .await?)
}

/// A region's units, newest first, keyset-paged by (created_at, id) for exports.
pub async fn units_before(
    c: &impl ConnectionTrait,
    region: Option<&str>,
    before: Option<(i64, Uuid)>,
    limit: u64,
) -> Result<Vec<UnitRow>> {
    let (mut cond, mut v) = in_region(region);
    if let Some((at, id)) = before {
        cond.push("(created_at < ? OR (created_at = ? AND id < ?))".to_owned());
        v.extend([at.into(), at.into(), id.into()]);
    }
    v.push((limit as i64).into());
    let order = " ORDER BY created_at DESC, id DESC LIMIT ?";
    units_where(c, &cond.join(" AND "), order, v).await
}
