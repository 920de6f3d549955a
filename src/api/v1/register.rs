//! 个人注册 and 单位注册 in one call each: the same checks as the pages' 立即注册 and the
//! same account creation as their 确认, through `app::accounts`; and 找回密码 through
//! `app::reset`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Resp;
use super::types::ErrorBody;
use crate::api::extract::ApiJson;
use crate::app::AppState;
use crate::app::{accounts, reset};
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

impl Registered {
    /// The 201 answer of a registration.
    fn created(id: uuid::Uuid, account: String, name: String) -> (StatusCode, Json<Registered>) {
        (StatusCode::CREATED, Json(Registered { id, account, name }))
    }
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
    Ok(Registered::created(
        p.id,
        record.id.as_str().to_owned(),
        p.name,
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
    Ok(Registered::created(u.id, u.credit_code, u.name))
}

/// 找回密码, first step.
#[derive(Deserialize, ToSchema)]
pub struct ForgotIn {
    pub kind: AccountKind,
    /// The ID number (person) or the 统一社会信用代码 (unit).
    pub account: String,
    /// The registered mobile number.
    pub phone: String,
}

#[derive(Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Person,
    Unit,
}

#[derive(Serialize, ToSchema)]
pub struct ForgotOut {
    /// Pass to `/password/reset` with the code; valid for 10 minutes.
    pub ticket: String,
    pub message: String,
}

/// 找回密码 · 获取验证码: sends a code to the mobile if it is the account's registered one.
/// The answer is the same whether or not they match; one code a minute per address.
#[utoipa::path(post, path = "/rsrc/api/v1/password/forgot", tag = TAG, security(()),
    request_body = ForgotIn,
    responses((status = 202, body = ForgotOut), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn forgot(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiJson(body): ApiJson<ForgotIn>,
) -> Resp<(StatusCode, Json<ForgotOut>)> {
    let kind = match body.kind {
        AccountKind::Person => "person",
        AccountKind::Unit => "unit",
    };
    let ticket = reset::send_code(&state, ctx.ip, kind, &body.account, &body.phone)
        .await?
        .map_err(AppError::Validation)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ForgotOut {
            ticket,
            message: reset::SENT.into(),
        }),
    ))
}

/// 找回密码 · 确定.
#[derive(Deserialize, ToSchema)]
pub struct ResetIn {
    /// The `ticket` of `/password/forgot`.
    pub ticket: String,
    /// The code sent by SMS.
    pub code: String,
    pub password: String,
}

/// 找回密码 · 确定: the code and the new password replace the old one, and every session of
/// the account ends. A wrong or used code, or a password the policy refuses, is 422 on its
/// field; an expired ticket is 409 (ask for a new code).
#[utoipa::path(post, path = "/rsrc/api/v1/password/reset", tag = TAG, security(()),
    request_body = ResetIn,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = "default", body = ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ctx: ReqCtx,
    ApiJson(body): ApiJson<ResetIn>,
) -> Resp<StatusCode> {
    let pw = body.password.as_str();
    reset::reset(&state, ctx.ip, &body.ticket, &body.code, (pw, pw))
        .await?
        .map_err(AppError::Validation)?;
    Ok(StatusCode::NO_CONTENT)
}
