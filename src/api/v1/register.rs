//! 个人注册 and 单位注册 in one call each: the same checks as the pages' 立即注册 and the
//! same account creation as their 确认, through `app::accounts`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use super::Resp;
use super::types::ErrorBody;
use crate::api::extract::ApiJson;
use crate::app::AppState;
use crate::app::accounts;
use crate::domain::account::{PersonForm, UnitForm};
use crate::error::AppError;
use crate::web::context::ReqCtx;

const TAG: &str = "注册";

/// A new account: log in with `account` (the ID number or the credit code) on the pages,
/// then create an API token on 访问令牌.
#[derive(Serialize, ToSchema)]
pub struct Registered {
    pub id: uuid::Uuid,
    pub account: String,
    pub name: String,
}

/// 个人注册: name, ID number, mobile and the password twice; 422 names each wrong field.
/// Needs no credential; a repeated call is refused as already registered.
#[utoipa::path(post, path = "/rsrc/api/v1/register/person", tag = TAG, security(()),
    request_body = PersonForm,
    responses((status = 201, body = Registered), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn person(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiJson(form): ApiJson<PersonForm>,
) -> Resp<(StatusCode, Json<Registered>)> {
    let record = accounts::check_person(&state, ctx.ip, &form)
        .await?
        .map_err(AppError::Validation)?;
    let p = accounts::register_person(&state, &ctx.ip.to_string(), &record).await?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            id: p.id,
            account: record.id.as_str().to_owned(),
            name: p.name,
        }),
    ))
}

/// 单位注册: name, 统一社会信用代码, region code, contact and the password twice.
#[utoipa::path(post, path = "/rsrc/api/v1/register/unit", tag = TAG, security(()),
    request_body = UnitForm,
    responses((status = 201, body = Registered), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn unit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiJson(form): ApiJson<UnitForm>,
) -> Resp<(StatusCode, Json<Registered>)> {
    let record = accounts::check_unit(&state, ctx.ip, &form)
        .await?
        .map_err(AppError::Validation)?;
    let u = accounts::register_unit(&state, &ctx.ip.to_string(), &record).await?;
    Ok((
        StatusCode::CREATED,
        Json(Registered {
            id: u.id,
            account: u.credit_code,
            name: u.name,
        }),
    ))
}
