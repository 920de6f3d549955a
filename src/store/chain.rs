//! Reporting paths, final-review grants and the record of which units held an application.

use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use uuid::Uuid;

use super::{exec, guarded, insert_new, query_as, unique_or};
use crate::domain::chain::{Standing, grant_key, path_key};
use crate::error::{AppError, Result};
use crate::messages::Msg;

/// Records that a unit holds (or held) an application; it can see it from now on.
/// The row carries a copy of the application's submission time, the review queue's sort
/// key, so that a queue page reads its twenty entries in index order (`review::slice`); a
/// new round refreshes the copies (`applications::move_to`).
pub async fn hold(c: &impl ConnectionTrait, app: Uuid, unit: Uuid, now: i64) -> Result<()> {
    let sql = format!(
        "INSERT INTO application_holders (application_id, unit_id, since, submitted_at) \
         SELECT id, ?, ?, submitted_at FROM applications WHERE id = ?{}",
        super::dialect::on_conflict_ignore(c.get_database_backend(), "application_id, unit_id")
    );
    exec(c, &sql, vec![unit.into(), now.into(), app.into()]).await?;
    Ok(())
}

pub async fn has_held(c: &impl ConnectionTrait, app: Uuid, unit: Uuid) -> Result<bool> {
    Ok(super::count(
        c,
        "SELECT COUNT(*) AS n FROM application_holders WHERE application_id = ? AND unit_id = ?",
        vec![app.into(), unit.into()],
    )
    .await?
        > 0)
}

/// A reporting path with the names the pages show.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Path {
    pub id: Uuid,
    pub from_unit: Uuid,
    pub from_name: String,
    pub to_unit: Uuid,
    pub to_name: String,
    #[sea_orm(from_alias = "series_code")]
    pub series: String,
    #[sea_orm(from_alias = "level_code")]
    pub level: String,
    #[sea_orm(from_alias = "state")]
    pub standing: Standing,
    pub opinion: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

const PATH_COLS: &str = "p.id, p.from_unit, f.name AS from_name, p.to_unit, t.name AS to_name, p.series_code, p.level_code, \
    p.state, p.opinion, p.created_at, p.decided_at FROM report_paths p JOIN units f ON f.id = p.from_unit JOIN units t ON t.id = p.to_unit";

async fn paths_where(
    c: &impl ConnectionTrait,
    cond: &str,
    values: Vec<Value>,
) -> Result<Vec<Path>> {
    Ok(query_as(
        c,
        &format!("SELECT {PATH_COLS} WHERE {cond} ORDER BY p.created_at DESC LIMIT 200"),
        values,
    )
    .await?)
}

/// The paths a unit asked for (newest first, at most 200: a unit has a handful).
pub async fn paths_from(c: &impl ConnectionTrait, unit: Uuid) -> Result<Vec<Path>> {
    paths_where(c, "p.from_unit = ?", vec![unit.into()]).await
}

/// The paths asked of a unit.
pub async fn paths_to(c: &impl ConnectionTrait, unit: Uuid) -> Result<Vec<Path>> {
    paths_where(c, "p.to_unit = ?", vec![unit.into()]).await
}

pub async fn path(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<Path>> {
    Ok(paths_where(c, "p.id = ?", vec![id.into()])
        .await?
        .into_iter()
        .next())
}

/// Which paths lead to a superior: any live one (pending or active), for the cycle check;
/// or only an active one, where 数据上报 sends the application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Along {
    Live,
    Active,
}

/// The superior along the unit's path for a series and level, if there is one.
pub async fn superior(
    c: &impl ConnectionTrait,
    along: Along,
    unit: Uuid,
    series: &str,
    level: &str,
) -> Result<Option<Uuid>> {
    let cond = match along {
        Along::Live => "",
        Along::Active => " AND state = 'active'",
    };
    Ok(super::query_scalar(
        c,
        &format!("SELECT to_unit FROM report_paths WHERE live_key = ?{cond}"),
        vec![path_key(unit, series, level).into()],
        "to_unit",
    )
    .await?)
}

/// The columns of a new request (a path or a grant): pending under its live key, with no
/// opinion yet and undecided.
fn pending(live_key: String, now: i64) -> [(&'static str, Value); 5] {
    [
        ("state", "pending".into()),
        ("live_key", live_key.into()),
        ("opinion", "".into()),
        ("created_at", now.into()),
        ("decided_at", Option::<i64>::None.into()),
    ]
}

/// Asks for a path; the unique live key refuses a second live path for the same series and level.
pub async fn create_path(
    c: &impl ConnectionTrait,
    from: Uuid,
    to: Uuid,
    series: &str,
    level: &str,
    now: i64,
) -> Result<Uuid> {
    let mut cols = vec![
        ("from_unit", from.into()),
        ("to_unit", to.into()),
        ("series_code", series.into()),
        ("level_code", level.into()),
    ];
    cols.extend(pending(path_key(from, series, level), now));
    let res = insert_new(c, "report_paths", cols).await;
    unique_or(res, |_| AppError::Conflict(Msg::PathExists))
}

/// 通过 (the request becomes active) or 不通过 (refused, its live key freed) of a pending
/// path or grant by `decider`, the column naming who may decide it; `set` are the other
/// columns the decision writes, `values` theirs, then the id and the decider's.
async fn decide(
    c: &impl ConnectionTrait,
    table: &str,
    decider: &str,
    approve: bool,
    set: &str,
    values: Vec<Value>,
) -> Result<()> {
    let (state, freed) = if approve {
        ("active", "")
    } else {
        ("refused", ", live_key = NULL")
    };
    let sql = format!(
        "UPDATE {table} SET state = '{state}', {set}{freed} WHERE id = ? AND {decider} = ? AND state = 'pending'"
    );
    guarded(exec(c, &sql, values).await?)
}

/// 通过 or 不通过 by the superior; only a pending path can be decided, once.
pub async fn decide_path(
    c: &impl ConnectionTrait,
    id: Uuid,
    to: Uuid,
    approve: bool,
    opinion: &str,
    now: i64,
) -> Result<()> {
    let values = vec![opinion.into(), now.into(), id.into(), to.into()];
    decide(
        c,
        "report_paths",
        "to_unit",
        approve,
        "opinion = ?, decided_at = ?",
        values,
    )
    .await
}

/// A final-review grant request or grant.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Grant {
    pub id: Uuid,
    pub unit_id: Uuid,
    pub unit_name: String,
    #[sea_orm(from_alias = "region_code")]
    pub unit_region: String,
    #[sea_orm(from_alias = "level_code")]
    pub level: String,
    #[sea_orm(from_alias = "bureau_code")]
    pub bureau: String,
    #[sea_orm(from_alias = "state")]
    pub standing: Standing,
    pub opinion: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

const GRANT_COLS: &str = "g.id, g.unit_id, u.name AS unit_name, u.region_code, g.level_code, g.bureau_code, g.state, g.opinion, \
    g.created_at, g.decided_at FROM final_grants g JOIN units u ON u.id = g.unit_id";

async fn grants_where(
    c: &impl ConnectionTrait,
    cond: &str,
    values: Vec<Value>,
    limit: i64,
) -> Result<Vec<Grant>> {
    let mut values = values;
    values.push(limit.into());
    Ok(query_as(
        c,
        &format!("SELECT {GRANT_COLS} WHERE {cond} ORDER BY g.created_at DESC, g.id DESC LIMIT ?"),
        values,
    )
    .await?)
}

pub async fn grants_of_unit(c: &impl ConnectionTrait, unit: Uuid) -> Result<Vec<Grant>> {
    grants_where(c, "g.unit_id = ?", vec![unit.into()], 100).await
}

/// The final-review requests a bureau sees (addressed to it, or from its region's units),
/// newest first, after `cursor` (the `(created_at, id)` of the last one seen).
pub async fn grants_for_bureau_after(
    c: &impl ConnectionTrait,
    bureau: &str,
    state: Option<Standing>,
    cursor: Option<(i64, Uuid)>,
    limit: i64,
) -> Result<Vec<Grant>> {
    let mut cond = String::from("(g.bureau_code = ? OR u.region_code = ?)");
    let mut values: Vec<Value> = vec![bureau.into(), bureau.into()];
    if let Some(s) = state {
        cond.push_str(" AND g.state = ?");
        values.push(s.as_str().into());
    }
    if let Some((at, id)) = cursor {
        cond.push_str(" AND (g.created_at < ? OR (g.created_at = ? AND g.id < ?))");
        values.extend([at.into(), at.into(), id.into()]);
    }
    grants_where(c, &cond, values, limit).await
}

pub async fn grant(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<Grant>> {
    Ok(grants_where(c, "g.id = ?", vec![id.into()], 1)
        .await?
        .into_iter()
        .next())
}

pub async fn request_grant(
    c: &impl ConnectionTrait,
    unit: Uuid,
    level: &str,
    bureau: &str,
    now: i64,
) -> Result<Uuid> {
    let mut cols = vec![
        ("unit_id", unit.into()),
        ("level_code", level.into()),
        ("bureau_code", bureau.into()),
        ("decided_by", Option::<Uuid>::None.into()),
    ];
    cols.extend(pending(grant_key(unit, level), now));
    let res = insert_new(c, "final_grants", cols).await;
    unique_or(res, |_| AppError::Conflict(Msg::GrantExists))
}

/// 通过 / 不通过 by the bureau the request names.
pub async fn decide_grant(
    c: &impl ConnectionTrait,
    id: Uuid,
    bureau: &str,
    approve: bool,
    opinion: &str,
    by: Uuid,
    now: i64,
) -> Result<()> {
    let values = vec![
        opinion.into(),
        by.into(),
        now.into(),
        id.into(),
        bureau.into(),
    ];
    let set = "opinion = ?, decided_by = ?, decided_at = ?";
    decide(c, "final_grants", "bureau_code", approve, set, values).await
}

/// Revokes an active grant; applications already approved stay approved.
pub async fn revoke_grant(
    c: &impl ConnectionTrait,
    id: Uuid,
    bureau: &str,
    opinion: &str,
    by: Uuid,
    now: i64,
) -> Result<()> {
    let rows = exec(
        c,
        // The rule of `domain::chain::bureau_may_revoke`, held by the update itself.
        "UPDATE final_grants SET state = 'revoked', opinion = ?, decided_by = ?, decided_at = ?, live_key = NULL \
         WHERE id = ? AND state = 'active' AND (bureau_code = ? OR (bureau_code <> ? AND unit_id IN (SELECT id FROM units WHERE region_code = ?)))",
        vec![
            opinion.into(),
            by.into(),
            now.into(),
            id.into(),
            bureau.into(),
            crate::domain::auth::PROVINCE_CODE.into(),
            bureau.into(),
        ],
    )
    .await?;
    guarded(rows)
}

/// Whether a unit's 通过 is final for a level.
pub async fn has_final_authority(
    c: &impl ConnectionTrait,
    unit: Uuid,
    level: &str,
) -> Result<bool> {
    Ok(super::count(
        c,
        "SELECT COUNT(*) AS n FROM final_grants WHERE live_key = ? AND state = 'active'",
        vec![grant_key(unit, level).into()],
    )
    .await?
        > 0)
}
