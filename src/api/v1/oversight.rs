//! The back office's 业务监管 calls: 单位查询, a unit, 更正单位名称, and 解锁 / 强制下线 /
//! 重置密码 of unit and person accounts, through `app::oversight` as the pages are.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::types::{ErrorBody, IdempotencyHeader};
use super::{ApiPath, Resp};
use crate::api::extract::{ApiAdmin, ApiJson, ApiQuery, Bounds, at_most};
use crate::app::AppState;
use crate::app::oversight::{self as app_oversight, AccountAction};
use crate::domain::auth::{SubjectKind, locked_until};
use crate::error::AppError;
use crate::store::oversight::UnitRow;

const TAG: &str = "业务监管（人社局）";

/// A unit of the operator's region.
#[derive(Serialize, ToSchema)]
pub struct UnitOut {
    pub id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub region: String,
    pub region_name: String,
    /// Locked after failed logins.
    pub locked: bool,
    pub disabled: bool,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

impl UnitOut {
    fn of(state: &AppState, u: UnitRow) -> Self {
        UnitOut {
            region_name: state
                .dicts()
                .region(&u.region_code)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            locked: locked_until(u.locked_until, state.now_ms()).is_some(),
            id: u.id,
            name: u.name,
            credit_code: u.credit_code,
            region: u.region_code,
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct UnitsQuery {
    /// A credit code, or two or more characters of the name; nothing lists the newest.
    #[param(max_length = 50)]
    pub q: Option<String>,
}

impl Bounds for UnitsQuery {
    fn check(&self) -> Result<(), AppError> {
        at_most(self.q.as_deref(), 50)
    }
}

fn region(me: &ApiAdmin) -> Result<Option<String>, AppError> {
    app_oversight::scope(&me.user.admin, me.user.role)
}

/// 单位查询: at most 50 units of the region (20 without a query).
#[utoipa::path(get, path = "/sdmanager/api/v1/units", tag = TAG, params(UnitsQuery),
    responses((status = 200, body = Vec<UnitOut>), (status = "default", body = ErrorBody)))]
pub async fn units(
    State(state): State<AppState>,
    me: ApiAdmin,
    ApiQuery(q): ApiQuery<UnitsQuery>,
) -> Resp<Json<Vec<UnitOut>>> {
    let region = region(&me)?;
    let text = q.q.unwrap_or_default();
    let rows = app_oversight::find_units(&state, region.as_deref(), &text)
        .await?
        .map_err(|m| AppError::field("q", m))?;
    Ok(Json(
        rows.into_iter().map(|u| UnitOut::of(&state, u)).collect(),
    ))
}

/// One unit of the region.
#[utoipa::path(get, path = "/sdmanager/api/v1/units/{id}", tag = TAG,
    params(("id" = String, Path, description = "单位 id")),
    responses((status = 200, body = UnitOut), (status = "default", body = ErrorBody)))]
pub async fn unit(
    State(state): State<AppState>,
    me: ApiAdmin,
    ApiPath(id): ApiPath<String>,
) -> Resp<Json<UnitOut>> {
    let u = app_oversight::unit_in(&state, region(&me)?.as_deref(), &id).await?;
    Ok(Json(UnitOut::of(&state, u)))
}

/// 更正单位名称.
#[derive(Deserialize, ToSchema)]
pub struct RenameIn {
    pub name: String,
    /// Why (required, at most 200 characters); it goes to the audit log.
    pub reason: String,
}

/// 更正单位名称: the new name (unique across the province) and the reason.
#[utoipa::path(post, path = "/sdmanager/api/v1/units/{id}/rename", tag = TAG,
    params(("id" = String, Path, description = "单位 id"), IdempotencyHeader), request_body = RenameIn,
    responses((status = 200, body = UnitOut), (status = 422, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn rename(
    State(state): State<AppState>,
    me: ApiAdmin,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RenameIn>,
) -> Resp<Json<UnitOut>> {
    let region = region(&me)?;
    let u = app_oversight::unit_in(&state, region.as_deref(), &id).await?;
    app_oversight::rename_unit(&state, &me.caller, &u, &body.name, &body.reason).await?;
    let u = app_oversight::unit_in(&state, region.as_deref(), &id).await?;
    Ok(Json(UnitOut::of(&state, u)))
}

#[derive(Deserialize, ToSchema)]
pub struct AccountIn {
    pub action: AccountAction,
}

#[derive(Serialize, ToSchema)]
pub struct AccountOut {
    /// After `reset` only: the one-time password, shown this once; the holder must change it
    /// at the next login.
    pub one_time_password: Option<String>,
}

/// 解锁, 强制下线 or 重置密码 of a unit's account.
#[utoipa::path(post, path = "/sdmanager/api/v1/units/{id}/account", tag = TAG,
    params(("id" = String, Path, description = "单位 id"), IdempotencyHeader), request_body = AccountIn,
    responses((status = 200, body = AccountOut), (status = "default", body = ErrorBody)))]
pub async fn unit_account(
    State(state): State<AppState>,
    me: ApiAdmin,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AccountIn>,
) -> Resp<Json<AccountOut>> {
    let u = app_oversight::unit_in(&state, region(&me)?.as_deref(), &id).await?;
    let one_time_password =
        app_oversight::account_action(&state, &me.caller, (SubjectKind::Unit, u.id), body.action)
            .await?;
    Ok(Json(AccountOut { one_time_password }))
}

/// 解锁, 强制下线 or 重置密码 of a person's account (a person who applied in the region).
#[utoipa::path(post, path = "/sdmanager/api/v1/persons/{id}/account", tag = TAG,
    params(("id" = String, Path, description = "个人 id"), IdempotencyHeader), request_body = AccountIn,
    responses((status = 200, body = AccountOut), (status = "default", body = ErrorBody)))]
pub async fn person_account(
    State(state): State<AppState>,
    me: ApiAdmin,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AccountIn>,
) -> Resp<Json<AccountOut>> {
    let pid = app_oversight::person_in(&state, region(&me)?.as_deref(), &id).await?;
    let one_time_password =
        app_oversight::account_action(&state, &me.caller, (SubjectKind::Person, pid), body.action)
            .await?;
    Ok(Json(AccountOut { one_time_password }))
}
