//! A unit's calls: 外地调入审核 (queue, 不通过 marks, 通过, 退回), 数据上报, 上报路径申请 and
//! 审核, 外地调入终审权限申请, all through `app`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;

use super::types::*;
use super::{ApiPath, Resp};
use crate::api::extract::{ApiJson, ApiQuery, ApiUnit};
use crate::app::chain as app_chain;
use crate::app::workflow;
use crate::domain::application::Module;
use crate::error::AppError;
use crate::messages::Msg;
use crate::store::review::{self, Filter};
use crate::web::context::ReqCtx;

const TAG: &str = "审核（单位用户）";

/// 外地调入审核: what the unit holds or has held, newest first, with the page's filters.
#[utoipa::path(get, path = "/rsrc/api/v1/review", tag = TAG, params(QueueQuery),
    responses((status = 200, body = QueuePage), (status = "default", body = ErrorBody)))]
pub async fn queue(me: ApiUnit, ApiQuery(q): ApiQuery<QueueQuery>) -> Resp<Json<QueuePage>> {
    let (cursor, limit) = keyset(&q.cursor, q.limit)?;
    let nonempty = |s: &Option<String>| {
        s.clone()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    let f = Filter {
        name: nonempty(&q.name),
        level: nonempty(&q.level),
        series: nonempty(&q.series),
        state: nonempty(&q.state),
        held_now: q.held_now.unwrap_or(false),
        ..Filter::default()
    };
    let rows = review::after(&me.state.db, me.unit.id, &f, cursor, limit).await?;
    let d = me.state.dicts();
    Ok(Json(QueuePage::of(
        rows,
        limit,
        |r| (r.submitted_at.unwrap_or(0), r.id),
        |r| QueueRow {
            id: r.id,
            state: r.state.as_str().into(),
            state_label: r.state.label().into(),
            version: r.version.to_string(),
            held: r.holder == Some(me.unit.id),
            name: r.name,
            id_masked: r.id_masked,
            level: r.level,
            series: r.series,
            title: r.title.map(|t| d.title_name(Some(t)).to_owned()),
            submitted_at: r.submitted_at,
        },
    )))
}

/// The application as its reviewers see it.
#[utoipa::path(get, path = "/rsrc/api/v1/review/{id}", tag = TAG,
    params(("id" = String, Path, description = "申报 id")),
    responses((status = 200, body = ApplicationDetail), (status = "default", body = ErrorBody)))]
pub async fn show(me: ApiUnit, ApiPath(id): ApiPath<String>) -> Resp<Json<ApplicationDetail>> {
    let a = workflow::visible(&me.state, &me.unit, &id).await?;
    let person = crate::store::accounts::person_by_id(&me.state.db.conn, a.person_id).await?;
    Ok(Json(detail(&me.state, &a, person.as_ref()).await?))
}

fn module_of(m: &str) -> Result<Module, AppError> {
    Module::parse(m).ok_or(AppError::NotFound)
}

async fn position(me: &ApiUnit, id: &str) -> Resp<Json<Position>> {
    Ok(Json(Position::of(
        &workflow::visible(&me.state, &me.unit, id).await?,
    )))
}

/// 不通过 of one module, with the 审核意见.
#[utoipa::path(post, path = "/rsrc/api/v1/review/{id}/modules/{module}/fail", tag = TAG,
    params(("id" = String, Path, description = "申报 id"),
        ("module" = String, Path, description = "basic, original, transfer, education, work or attachments"),
        IdempotencyHeader),
    request_body = OpinionIn,
    responses((status = 200, body = Position), (status = "default", body = ErrorBody)))]
pub async fn fail(
    me: ApiUnit,
    ApiPath((id, module)): ApiPath<(String, String)>,
    ApiJson(body): ApiJson<OpinionIn>,
) -> Resp<Json<Position>> {
    let a = workflow::held(&me.state, &me.unit, &id).await?;
    let module = module_of(&module)?;
    workflow::fail_module(&me.state, &me.caller, &me.unit, &a, module, &body.opinion).await?;
    position(&me, &id).await
}

/// Takes back a 不通过 mark of this round.
#[utoipa::path(post, path = "/rsrc/api/v1/review/{id}/modules/{module}/unfail", tag = TAG,
    params(("id" = String, Path, description = "申报 id"),
        ("module" = String, Path, description = "basic, original, transfer, education, work or attachments"),
        IdempotencyHeader),
    responses((status = 200, body = Position), (status = "default", body = ErrorBody)))]
pub async fn unfail(
    me: ApiUnit,
    ApiPath((id, module)): ApiPath<(String, String)>,
) -> Resp<Json<Position>> {
    let a = workflow::held(&me.state, &me.unit, &id).await?;
    let module = module_of(&module)?;
    workflow::unfail_module(&me.state, &me.caller, &me.unit, &a, module).await?;
    position(&me, &id).await
}

/// 通过: 终审通过 where the unit holds the grant for the level, otherwise 待上报.
#[utoipa::path(post, path = "/rsrc/api/v1/review/{id}/approve", tag = TAG,
    params(("id" = String, Path, description = "申报 id"), IdempotencyHeader), request_body = ApproveIn,
    responses((status = 200, body = Position), (status = "default", body = ErrorBody)))]
pub async fn approve(
    me: ApiUnit,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ApproveIn>,
) -> Resp<Json<Position>> {
    let a = workflow::held(&me.state, &me.unit, &id).await?;
    workflow::approve(
        &me.state,
        &me.caller,
        &me.unit,
        &a,
        &body.version,
        &body.opinion,
    )
    .await?;
    position(&me, &id).await
}

/// 退回 to the applicant (at least one module marked 不通过).
#[utoipa::path(post, path = "/rsrc/api/v1/review/{id}/return", tag = TAG,
    params(("id" = String, Path, description = "申报 id"), IdempotencyHeader), request_body = VersionIn,
    responses((status = 200, body = Position), (status = "default", body = ErrorBody)))]
pub async fn send_back(
    me: ApiUnit,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<VersionIn>,
) -> Resp<Json<Position>> {
    let a = workflow::held(&me.state, &me.unit, &id).await?;
    workflow::send_back(&me.state, &me.caller, &me.unit, &a, &body.version).await?;
    position(&me, &id).await
}

/// 下载 of an attachment of an application on the unit's chain.
#[utoipa::path(get, path = "/rsrc/api/v1/review/{id}/attachments/{file}", tag = TAG,
    params(("id" = String, Path, description = "申报 id"), ("file" = String, Path, description = "附件 id")),
    responses((status = 200, content_type = "application/octet-stream", body = Binary), (status = "default", body = ErrorBody)))]
pub async fn download(
    ctx: ReqCtx,
    me: ApiUnit,
    ApiPath((id, file)): ApiPath<(String, String)>,
) -> Resp<Response> {
    let a = workflow::visible(&me.state, &me.unit, &id).await?;
    super::attachment(&me.state, &ctx, &me.caller, &a, &file).await
}

/// 数据上报: each application moves to the superior on the unit's active path; those that
/// stay are listed with the reason.
#[utoipa::path(post, path = "/rsrc/api/v1/report", tag = TAG, params(IdempotencyHeader), request_body = ReportIn,
    responses((status = 200, body = ReportOut), (status = "default", body = ErrorBody)))]
pub async fn report(me: ApiUnit, ApiJson(body): ApiJson<ReportIn>) -> Resp<Json<ReportOut>> {
    if body.items.is_empty() {
        return Err(AppError::field("items", Msg::SelectFirst).into());
    }
    if body.items.len() > workflow::MAX_REPORT {
        return Err(AppError::field("items", Msg::TooLong).into());
    }
    let picks: Vec<_> = body.items.into_iter().map(|i| (i.id, i.version)).collect();
    let out = workflow::report(&me.state, &me.caller, &me.unit, &picks).await?;
    Ok(Json(ReportOut {
        reported: out.done,
        problems: out.problems,
    }))
}

/// 上报路径申请: the paths the unit asked for.
#[utoipa::path(get, path = "/rsrc/api/v1/paths", tag = TAG,
    responses((status = 200, body = Vec<PathOut>), (status = "default", body = ErrorBody)))]
pub async fn paths(me: ApiUnit) -> Resp<Json<Vec<PathOut>>> {
    let list = crate::store::chain::paths_from(&me.state.db.conn, me.unit.id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// 新增 of 上报路径申请.
#[utoipa::path(post, path = "/rsrc/api/v1/paths", tag = TAG, params(IdempotencyHeader), request_body = PathIn,
    responses((status = 201, body = Created), (status = "default", body = ErrorBody)))]
pub async fn request_path(
    me: ApiUnit,
    ApiJson(body): ApiJson<PathIn>,
) -> Resp<(StatusCode, Json<Created>)> {
    let id = app_chain::request_path(&me.state, &me.caller, &me.unit, &body.into()).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// 上报路径审核: the paths asked of the unit.
#[utoipa::path(get, path = "/rsrc/api/v1/paths/asked", tag = TAG,
    responses((status = 200, body = Vec<PathOut>), (status = "default", body = ErrorBody)))]
pub async fn asked(me: ApiUnit) -> Resp<Json<Vec<PathOut>>> {
    let list = crate::store::chain::paths_to(&me.state.db.conn, me.unit.id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// 通过 / 不通过 of a path asked of the unit.
#[utoipa::path(post, path = "/rsrc/api/v1/paths/{id}/decide", tag = TAG,
    params(("id" = String, Path, description = "路径 id"), IdempotencyHeader), request_body = DecideIn,
    responses((status = 200, body = PathOut), (status = "default", body = ErrorBody)))]
pub async fn decide_path(
    me: ApiUnit,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<DecideIn>,
) -> Resp<Json<PathOut>> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let approve = match body.decision.as_str() {
        "approve" => true,
        "refuse" => false,
        _ => return Err(AppError::field("decision", Msg::BadChoice).into()),
    };
    app_chain::decide_path(&me.state, &me.caller, &me.unit, id, approve, &body.opinion).await?;
    let p = crate::store::chain::path(&me.state.db.conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Json(p.into()))
}

/// 外地调入终审权限申请: the unit's requests and grants.
#[utoipa::path(get, path = "/rsrc/api/v1/grants", tag = TAG,
    responses((status = 200, body = Vec<GrantOut>), (status = "default", body = ErrorBody)))]
pub async fn grants(me: ApiUnit) -> Resp<Json<Vec<GrantOut>>> {
    let list = crate::store::chain::grants_of_unit(&me.state.db.conn, me.unit.id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// 保存 of 外地调入终审权限申请.
#[utoipa::path(post, path = "/rsrc/api/v1/grants", tag = TAG, params(IdempotencyHeader), request_body = GrantIn,
    responses((status = 201, body = Created), (status = "default", body = ErrorBody)))]
pub async fn request_grant(
    me: ApiUnit,
    ApiJson(body): ApiJson<GrantIn>,
) -> Resp<(StatusCode, Json<Created>)> {
    let id = app_chain::request_grant(&me.state, &me.caller, &me.unit, &body.level, &body.bureau)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
