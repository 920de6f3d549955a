//! The back office's 业务监管 calls: 单位查询, a unit, 更正单位名称, and 解锁 / 强制下线 /
//! 重置密码 of unit and person accounts, through `app::oversight` as the pages are.

use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::types::{ErrorBody, IdempotencyHeader, PageQuery, keyset, keyset_page};
use super::{ApiPath, Resp};
use crate::api::extract::{ApiAdmin, ApiJson, ApiQuery, text_query};
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

text_query!(UnitsQuery {
    /// A credit code, or two or more characters of the name; nothing lists the newest.
    q: Option<String>, at most 50
});

fn region(me: &ApiAdmin) -> Result<Option<String>, AppError> {
    app_oversight::scope(&me.user.admin, me.user.role)
}

/// 单位查询: at most 50 units of the region (20 without a query).
#[utoipa::path(get, path = "/sdmanager/api/v1/units", tag = TAG, params(UnitsQuery),
    responses((status = 200, body = Vec<UnitOut>), (status = "default", body = ErrorBody)))]
pub async fn units(me: ApiAdmin, ApiQuery(q): ApiQuery<UnitsQuery>) -> Resp<Json<Vec<UnitOut>>> {
    let region = region(&me)?;
    let text = q.q.unwrap_or_default();
    let rows = app_oversight::find_units(&me.state, region.as_deref(), &text)
        .await?
        .map_err(|m| AppError::field("q", m))?;
    Ok(Json(
        rows.into_iter()
            .map(|u| UnitOut::of(&me.state, u))
            .collect(),
    ))
}

keyset_page!(UnitPage of UnitOut);

/// Every unit of the region, newest registration first, paged by `cursor`: the rows of the
/// page's 导出.
#[utoipa::path(get, path = "/sdmanager/api/v1/units/all", tag = TAG, params(PageQuery),
    responses((status = 200, body = UnitPage), (status = "default", body = ErrorBody)))]
pub async fn all_units(me: ApiAdmin, ApiQuery(q): ApiQuery<PageQuery>) -> Resp<Json<UnitPage>> {
    let region = region(&me)?;
    let (cursor, limit) = keyset(&q.cursor, q.limit)?;
    let rows = app_oversight::all_units(&me.state, region.as_deref(), cursor, limit).await?;
    Ok(Json(UnitPage::of(
        rows,
        limit,
        |u| (u.created_at, u.id),
        |u| UnitOut::of(&me.state, u),
    )))
}

/// One unit of the region.
#[utoipa::path(get, path = "/sdmanager/api/v1/units/{id}", tag = TAG,
    params(("id" = String, Path, description = "单位 id")),
    responses((status = 200, body = UnitOut), (status = "default", body = ErrorBody)))]
pub async fn unit(me: ApiAdmin, ApiPath(id): ApiPath<String>) -> Resp<Json<UnitOut>> {
    let u = app_oversight::unit_in(&me.state, region(&me)?.as_deref(), &id).await?;
    Ok(Json(UnitOut::of(&me.state, u)))
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
    me: ApiAdmin,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RenameIn>,
) -> Resp<Json<UnitOut>> {
    let region = region(&me)?;
    let u = app_oversight::unit_in(&me.state, region.as_deref(), &id).await?;
    app_oversight::rename_unit(&me.state, &me.caller, &u, &body.name, &body.reason).await?;
    let u = app_oversight::unit_in(&me.state, region.as_deref(), &id).await?;
    Ok(Json(UnitOut::of(&me.state, u)))
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

/// 解锁, 强制下线 or 重置密码 of an account of the region: one call per kind of account
/// (`SubjectKind::$kind`), which `app_oversight::$find` finds by the path's id.
macro_rules! account_actions {
    ($($(#[$doc:meta])* $name:ident at $path:tt of $what:tt: $kind:ident by $find:ident;)+) => {$(
        $(#[$doc])*
        #[utoipa::path(post, path = $path, tag = TAG,
            params(("id" = String, Path, description = $what), IdempotencyHeader), request_body = AccountIn,
            responses((status = 200, body = AccountOut), (status = "default", body = ErrorBody)))]
        pub async fn $name(
            me: ApiAdmin,
            ApiPath(id): ApiPath<String>,
            ApiJson(body): ApiJson<AccountIn>,
        ) -> Resp<Json<AccountOut>> {
            let account = app_oversight::$find(&me.state, region(&me)?.as_deref(), &id).await?;
            let subject = (SubjectKind::$kind, account.id);
            let one_time_password =
                app_oversight::account_action(&me.state, &me.caller, subject, body.action).await?;
            Ok(Json(AccountOut { one_time_password }))
        }
    )+};
}

account_actions! {
    /// 解锁, 强制下线 or 重置密码 of a unit's account.
    unit_account at "/sdmanager/api/v1/units/{id}/account" of "单位 id": Unit by unit_in;
    /// 解锁, 强制下线 or 重置密码 of a person's account (a person who applied in the region).
    person_account at "/sdmanager/api/v1/persons/{id}/account" of "个人 id": Person by person_in;
}

/// An applicant of the operator's region, ID number and mobile masked.
#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    pub id: Uuid,
    pub name: String,
    pub id_masked: String,
    pub phone_masked: String,
    /// Locked after failed logins.
    pub locked: bool,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

/// 申报人查询: a name or an ID number, sent in the body so that it never stands in a URL.
#[derive(Deserialize, ToSchema)]
pub struct PersonSearchIn {
    /// An ID number finds that person; anything else is an exact name (at most 30 characters).
    pub q: String,
}

/// 申报人查询: up to 50 applicants of the region (20 by ID number); nothing typed finds none.
/// It reads only, so a read token may call it.
#[utoipa::path(post, path = "/sdmanager/api/v1/persons/search", tag = TAG,
    request_body = PersonSearchIn,
    responses((status = 200, body = Vec<PersonOut>), (status = "default", body = ErrorBody)))]
pub async fn persons(
    me: ApiAdmin,
    ApiJson(body): ApiJson<PersonSearchIn>,
) -> Resp<Json<Vec<PersonOut>>> {
    let rows = app_oversight::find_persons(&me.state, region(&me)?.as_deref(), &body.q).await?;
    let now = me.state.now_ms();
    Ok(Json(
        rows.into_iter()
            .map(|p| PersonOut {
                id: p.id,
                name: p.name,
                id_masked: p.id_masked,
                phone_masked: p.phone_masked,
                locked: locked_until(p.locked_until, now).is_some(),
                created_at: p.created_at,
            })
            .collect(),
    ))
}

/// One of a person's applications.
#[derive(Serialize, ToSchema)]
pub struct PersonApplicationOut {
    pub id: Uuid,
    pub title: String,
    /// draft, pending, returned, to_report or approved.
    pub state: String,
    /// The state as the pages name it (未提交, 待审核 …).
    pub state_label: String,
    /// Milliseconds since the epoch, once 确定申报 was done.
    pub submitted_at: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonDetailOut {
    pub person: PersonOut,
    /// The newest 50.
    pub applications: Vec<PersonApplicationOut>,
}

/// 申报人详情: the person (masked) and their applications.
#[utoipa::path(get, path = "/sdmanager/api/v1/persons/{id}", tag = TAG,
    params(("id" = String, Path, description = "个人 id")),
    responses((status = 200, body = PersonDetailOut), (status = "default", body = ErrorBody)))]
pub async fn person(me: ApiAdmin, ApiPath(id): ApiPath<String>) -> Resp<Json<PersonDetailOut>> {
    let (p, apps) = app_oversight::person_detail(&me.state, region(&me)?.as_deref(), &id).await?;
    let d = me.state.dicts();
    let now = me.state.now_ms();
    Ok(Json(PersonDetailOut {
        applications: apps
            .into_iter()
            .map(|a| {
                let st = crate::store::applications::state(&a);
                PersonApplicationOut {
                    id: a.id,
                    title: d.title_name(a.title_id).to_owned(),
                    state: st.as_str().into(),
                    state_label: st.label().into(),
                    submitted_at: a.submitted_at,
                }
            })
            .collect(),
        person: PersonOut {
            locked: locked_until(p.locked_until, now).is_some(),
            id: p.id,
            name: p.name,
            id_masked: p.id_masked,
            phone_masked: p.phone_masked,
            created_at: p.created_at,
        },
    }))
}

#[derive(Serialize, ToSchema)]
pub struct RevealedOut {
    /// The full ID number.
    pub id_number: String,
}

/// 查看完整身份证号: the full number, for this call only; every reveal is in the audit log.
#[utoipa::path(post, path = "/sdmanager/api/v1/persons/{id}/reveal", tag = TAG,
    params(("id" = String, Path, description = "个人 id"), IdempotencyHeader),
    responses((status = 200, body = RevealedOut), (status = "default", body = ErrorBody)))]
pub async fn reveal(me: ApiAdmin, ApiPath(id): ApiPath<String>) -> Resp<Json<RevealedOut>> {
    let p = app_oversight::person_in(&me.state, region(&me)?.as_deref(), &id).await?;
    let id_number = app_oversight::reveal_id(&me.state, &me.caller, &p).await?;
    Ok(Json(RevealedOut { id_number }))
}
