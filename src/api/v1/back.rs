//! The back office's calls: 外地调终审权限审核 (list, 通过, 不通过, 撤销) and 统计分析.

use axum::Json;

use super::types::*;
use super::{ApiPath, Resp};
use crate::api::extract::{ApiAdmin, ApiJson, ApiQuery};
use crate::app::chain::{self as app_chain, GrantDecision};
use crate::domain::auth::AdminRole;
use crate::domain::chain::Standing;
use crate::error::AppError;
use crate::messages::Msg;

const TAG: &str = "权限管理（人社局）";
const STATS_TAG: &str = "统计分析（人社局）";

/// The caller.
#[utoipa::path(get, path = "/sdmanager/api/v1/me", tag = TAG,
    responses((status = 200, body = Me), (status = "default", body = ErrorBody)))]
pub async fn me(me: ApiAdmin) -> Json<Me> {
    Json(Me {
        kind: "admin".into(),
        id: me.user.admin.id,
        name: me.user.admin.username.clone(),
        role: me.user.role.label().into(),
    })
}

/// 站内消息, newest first.
#[utoipa::path(get, path = "/sdmanager/api/v1/messages", tag = TAG, params(PageQuery),
    responses((status = 200, body = NoticePage), (status = "default", body = ErrorBody)))]
pub async fn messages(me: ApiAdmin, ApiQuery(q): ApiQuery<PageQuery>) -> Resp<Json<NoticePage>> {
    let to = (crate::domain::auth::SubjectKind::Admin, me.user.admin.id);
    super::common::notices_of(&me.state, to, &q).await
}

fn operator(me: &ApiAdmin) -> Result<(), AppError> {
    crate::app::admins::require_role(me.user.role, AdminRole::Operator)
}

/// Requests and grants the bureau sees, newest first, optionally of one state.
#[utoipa::path(get, path = "/sdmanager/api/v1/grants", tag = TAG, params(GrantQuery),
    responses((status = 200, body = GrantPage), (status = "default", body = ErrorBody)))]
pub async fn grants(me: ApiAdmin, ApiQuery(q): ApiQuery<GrantQuery>) -> Resp<Json<GrantPage>> {
    operator(&me)?;
    let filter = match q.state.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => Some(Standing::parse(s).ok_or(AppError::Status(400, Msg::BadChoice))?),
        None => None,
    };
    let (cursor, limit) = keyset(&q.cursor, q.limit)?;
    let list = crate::store::chain::grants_for_bureau_after(
        &me.state.db.conn,
        &me.user.admin.bureau_code,
        filter,
        cursor,
        limit as i64,
    )
    .await?;
    Ok(Json(GrantPage::of(
        list,
        limit,
        |g| (g.created_at, g.id),
        Into::into,
    )))
}

/// 通过, 不通过 (with an opinion) or 撤销 (with an opinion).
#[utoipa::path(post, path = "/sdmanager/api/v1/grants/{id}/decide", tag = TAG,
    params(("id" = String, Path, description = "权限申请 id"), IdempotencyHeader), request_body = DecideIn,
    responses((status = 200, body = GrantOut), (status = "default", body = ErrorBody)))]
pub async fn decide(
    me: ApiAdmin,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DecideIn>,
) -> Resp<Json<GrantOut>> {
    operator(&me)?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let decision =
        GrantDecision::parse(&body.decision).ok_or(AppError::field("decision", Msg::BadChoice))?;
    app_chain::decide_grant(
        &me.state,
        &me.caller,
        &me.user.admin,
        id,
        decision,
        &body.opinion,
    )
    .await?;
    let g = crate::store::chain::grant(&me.state.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(g.into()))
}

/// The statistics filters within the operator's region; a day that is no calendar day is a
/// 422 on its field.
fn stats_filter(
    me: &ApiAdmin,
    from: &Option<String>,
    to: &Option<String>,
    series: &Option<String>,
) -> Result<crate::store::stats::StatsFilter, AppError> {
    let region = crate::app::oversight::scope(&me.user.admin, me.user.role)?;
    Ok(crate::store::stats::StatsFilter {
        region,
        series: series.clone().filter(|s| !s.is_empty()),
        from_ms: day_param("from", from, false)?,
        to_ms: day_param("to", to, true)?,
    })
}

/// 统计分析 of the operator's region (the whole province for the province bureau): the
/// counts by state, series, level, city and month of submission, and how long submission →
/// 终审通过 takes. The same figures as the page, with codes beside the labels.
#[utoipa::path(get, path = "/sdmanager/api/v1/stats", tag = STATS_TAG, params(StatsParams),
    responses((status = 200, body = StatsOut), (status = "default", body = ErrorBody)))]
pub async fn stats(me: ApiAdmin, ApiQuery(q): ApiQuery<StatsParams>) -> Resp<Json<StatsOut>> {
    let f = stats_filter(&me, &q.from, &q.to, &q.series)?;
    let summary = crate::app::stats::summary(&me.state, &f).await?;
    let (median, p90, approved) = summary.durations;
    let tables: Vec<StatsTable> = crate::app::stats::labelled(&me.state, &summary.tables)
        .into_iter()
        .map(|(by, title, rows)| StatsTable {
            by: by.into(),
            title: title.into(),
            rows: rows
                .into_iter()
                .map(|(code, label, count)| StatsRow { code, label, count })
                .collect(),
        })
        .collect();
    Ok(Json(StatsOut {
        total: tables
            .first()
            .map_or(0, |t| t.rows.iter().map(|r| r.count).sum()),
        approved,
        median_hours: median,
        p90_hours: p90,
        tables,
    }))
}

/// 修改密码 of the calling back-office user. Every session of the user ends; API tokens
/// stay valid.
#[utoipa::path(post, path = "/sdmanager/api/v1/me/password", tag = TAG, params(IdempotencyHeader),
    request_body = crate::app::accounts::PasswordChange,
    responses((status = 204), (status = 422, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn change_password(
    me: ApiAdmin,
    ApiJson(change): ApiJson<crate::app::accounts::PasswordChange>,
) -> Resp<axum::http::StatusCode> {
    let admin = &me.user.admin;
    let who = crate::app::accounts::Holder {
        subject: (crate::domain::auth::SubjectKind::Admin, admin.id),
        hash: &admin.password_hash,
        words: crate::domain::password::PasswordContext {
            username: Some(&admin.username),
            ..Default::default()
        },
    };
    crate::app::accounts::change_password(&me.state, &me.caller, &who, &change, None).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// 申报明细 with masked ID numbers: the submitted applications under 统计分析's filters,
/// newest submission first, paged by `cursor`.
#[utoipa::path(get, path = "/sdmanager/api/v1/stats/applications", tag = STATS_TAG,
    params(DetailsParams),
    responses((status = 200, body = DetailPage), (status = 422, body = ErrorBody),
        (status = "default", body = ErrorBody)))]
pub async fn details(me: ApiAdmin, ApiQuery(q): ApiQuery<DetailsParams>) -> Resp<Json<DetailPage>> {
    details_of(&me, &q, false).await
}

/// The same page with full ID numbers: the operator's reveal right, audited as an export
/// of personal information (a POST, so that no link or prefetch can ask for it).
#[utoipa::path(post, path = "/sdmanager/api/v1/stats/applications/full", tag = STATS_TAG,
    params(DetailsParams, IdempotencyHeader),
    responses((status = 200, body = DetailPage), (status = 422, body = ErrorBody),
        (status = "default", body = ErrorBody)))]
pub async fn details_full(
    me: ApiAdmin,
    ApiQuery(q): ApiQuery<DetailsParams>,
) -> Resp<Json<DetailPage>> {
    details_of(&me, &q, true).await
}

async fn details_of(me: &ApiAdmin, q: &DetailsParams, full_ids: bool) -> Resp<Json<DetailPage>> {
    let f = stats_filter(me, &q.from, &q.to, &q.series)?;
    let page = keyset(&q.cursor, q.limit)?;
    let rows = crate::app::stats::details(&me.state, &me.caller, &f, page, full_ids).await?;
    Ok(Json(DetailPage::of(
        rows,
        page.1,
        |r| (r.submitted_at, r.id),
        Into::into,
    )))
}
