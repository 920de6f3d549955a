//! The applicant's calls: 新增, 保存 of each module, 附件材料, 确定申报, 撤回, 删除, the
//! history and the 转入表, all through `app`.

use axum::Json;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::types::*;
use super::{ApiPath, Resp};
use crate::api::extract::{ApiJson, ApiPerson};
use crate::app::applications::{self as app_applications, ModuleInput};
use crate::app::workflow;
use crate::domain::application::{BasicForm, Original, Slot, Transfer};
use crate::error::AppError;
use crate::messages::Msg;
use crate::store::applications;
use crate::web::context::ReqCtx;
use crate::web::error::ApiError;

const TAG: &str = "申报（个人用户）";

/// 我的申报信息: the person's applications, newest first (a person has a few).
#[utoipa::path(get, path = "/rsrc/api/v1/applications", tag = TAG,
    responses((status = 200, body = Vec<ApplicationSummary>), (status = "default", body = ErrorBody)))]
pub async fn list(me: ApiPerson) -> Resp<Json<Vec<ApplicationSummary>>> {
    let list = applications::list_for_person(&me.state.db.conn, me.person.id, 50).await?;
    Ok(Json(
        list.iter()
            .map(|a| ApplicationSummary::of(&me.state, a))
            .collect(),
    ))
}

/// 新增申报信息: a draft with its 基本信息 (one open application per person).
#[utoipa::path(post, path = "/rsrc/api/v1/applications", tag = TAG, params(IdempotencyHeader),
    request_body = BasicForm,
    responses((status = 201, body = Position), (status = "default", body = ErrorBody)))]
pub async fn create(
    me: ApiPerson,
    ApiJson(mut form): ApiJson<BasicForm>,
) -> Resp<(StatusCode, Json<Position>)> {
    let id = app_applications::create(&me.state, &me.caller, &me.person, &mut form).await?;
    let a = workflow::own(&me.state, &me.person, &id.to_string()).await?;
    Ok((StatusCode::CREATED, Json(Position::of(&a))))
}

/// The whole application, with what 确定申报 would still refuse.
#[utoipa::path(get, path = "/rsrc/api/v1/applications/{id}", tag = TAG,
    params(("id" = String, Path, description = "申报 id")),
    responses((status = 200, body = ApplicationDetail), (status = "default", body = ErrorBody)))]
pub async fn show(me: ApiPerson, ApiPath(id): ApiPath<String>) -> Resp<Json<ApplicationDetail>> {
    let a = workflow::own(&me.state, &me.person, &id).await?;
    Ok(Json(detail(&me.state, &a, None).await?))
}

async fn saved(me: &ApiPerson, id: &str) -> Resp<Json<Position>> {
    Ok(Json(Position::of(
        &workflow::own(&me.state, &me.person, id).await?,
    )))
}

/// 保存 of 基本信息.
#[utoipa::path(put, path = "/rsrc/api/v1/applications/{id}/basic", tag = TAG,
    params(("id" = String, Path, description = "申报 id"), IdempotencyHeader), request_body = BasicForm,
    responses((status = 200, body = Position), (status = "default", body = ErrorBody)))]
pub async fn save_basic(
    me: ApiPerson,
    ApiPath(id): ApiPath<String>,
    ApiJson(mut form): ApiJson<BasicForm>,
) -> Resp<Json<Position>> {
    let a = workflow::own(&me.state, &me.person, &id).await?;
    app_applications::save_basic(&me.state, &me.caller, &me.person, &a, &mut form).await?;
    saved(&me, &id).await
}

async fn save(me: &ApiPerson, id: &str, input: ModuleInput) -> Resp<Json<Position>> {
    let a = workflow::own(&me.state, &me.person, id).await?;
    app_applications::save_module(&me.state, &me.caller, &me.person, &a, &input).await?;
    saved(me, id).await
}

/// The 保存 of the modules after 基本信息: `PUT …/applications/{id}/$module` with the
/// module's body, each through [`save`] as the `ModuleInput` its `|body|` makes.
macro_rules! module_saves {
    ($($(#[$doc:meta])* $name:ident at $path:tt takes $body:ident as |$v:ident| $input:expr;)+) => {$(
        $(#[$doc])*
        #[utoipa::path(put, path = $path, tag = TAG,
            params(("id" = String, Path, description = "申报 id"), IdempotencyHeader), request_body = $body,
            responses((status = 200, body = Position), (status = "default", body = ErrorBody)))]
        pub async fn $name(
            me: ApiPerson,
            ApiPath(id): ApiPath<String>,
            ApiJson($v): ApiJson<$body>,
        ) -> Resp<Json<Position>> {
            save(&me, &id, $input).await
        }
    )+};
}

module_saves! {
    /// 保存 of 原职称信息.
    save_original at "/rsrc/api/v1/applications/{id}/original"
        takes Original as |v| ModuleInput::Original(v);
    /// 保存 of 调入信息.
    save_transfer at "/rsrc/api/v1/applications/{id}/transfer"
        takes Transfer as |v| ModuleInput::Transfer(v);
    /// 保存 of 学历信息 (all rows).
    save_education at "/rsrc/api/v1/applications/{id}/education"
        takes EducationIn as |v| ModuleInput::Education(v.rows);
    /// 保存 of 工作经历 (all rows).
    save_work at "/rsrc/api/v1/applications/{id}/work"
        takes WorkIn as |v| ModuleInput::Work(v.rows);
}

/// Reads the multipart body of an upload; a malformed one is a 400.
async fn read_upload(mut mp: Multipart) -> Result<(String, String, Vec<u8>), ApiError> {
    let bad = || ApiError(AppError::Status(400, Msg::BadRequest));
    let (mut slot, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Some(mut field) = mp.next_field().await.map_err(|_| bad())? {
        match field.name() {
            Some("slot") => slot = field.text().await.map_err(|_| bad())?,
            Some("file") => {
                name = crate::domain::text::strip_controls(field.file_name().unwrap_or(""))
                    .into_owned();
                while let Some(chunk) = field.chunk().await.map_err(|_| bad())? {
                    if bytes.len() + chunk.len() > crate::domain::application::MAX_FILE_BYTES {
                        return Err(ApiError(AppError::Conflict(Msg::FileTooLarge)));
                    }
                    bytes.extend_from_slice(&chunk);
                }
            }
            _ => {}
        }
    }
    Ok((slot, name, bytes))
}

/// 上传 of one file into a 附件材料 slot.
#[utoipa::path(post, path = "/rsrc/api/v1/applications/{id}/attachments", tag = TAG,
    params(("id" = String, Path, description = "申报 id"), IdempotencyHeader),
    request_body(content = UploadIn, content_type = "multipart/form-data"),
    responses((status = 201, body = Created), (status = "default", body = ErrorBody)))]
pub async fn upload(
    me: ApiPerson,
    ApiPath(id): ApiPath<String>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Resp<(StatusCode, Json<Created>)> {
    let a = workflow::own(&me.state, &me.person, &id).await?;
    let mp = mp.map_err(|_| AppError::Status(415, Msg::BadRequest))?;
    let (slot, name, bytes) = read_upload(mp).await?;
    let slot = Slot::parse(&slot).ok_or(AppError::field("slot", Msg::BadChoice))?;
    let id = app_applications::upload(&me.state, &me.caller, &a, slot, &name, &bytes).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// 删除 of one attachment.
#[utoipa::path(delete, path = "/rsrc/api/v1/applications/{id}/attachments/{file}", tag = TAG,
    params(("id" = String, Path, description = "申报 id"), ("file" = String, Path, description = "附件 id"), IdempotencyHeader),
    responses((status = 200, body = Position), (status = "default", body = ErrorBody)))]
pub async fn remove(
    me: ApiPerson,
    ApiPath((id, file)): ApiPath<(String, String)>,
) -> Resp<Json<Position>> {
    let a = workflow::own(&me.state, &me.person, &id).await?;
    app_applications::remove_attachment(&me.state, &me.caller, &a, &file).await?;
    saved(&me, &id).await
}

/// 下载 of one attachment.
#[utoipa::path(get, path = "/rsrc/api/v1/applications/{id}/attachments/{file}", tag = TAG,
    params(("id" = String, Path, description = "申报 id"), ("file" = String, Path, description = "附件 id")),
    responses((status = 200, content_type = "application/octet-stream", body = Binary), (status = "default", body = ErrorBody)))]
pub async fn download(
    ctx: ReqCtx,
    me: ApiPerson,
    ApiPath((id, file)): ApiPath<(String, String)>,
) -> Resp<Response> {
    let a = workflow::own(&me.state, &me.person, &id).await?;
    super::attachment(&me.state, &ctx, &me.caller, &a, &file).await
}

/// 确定申报: 422 with `gaps` while something is missing or the pledge is not given.
#[utoipa::path(post, path = "/rsrc/api/v1/applications/{id}/submit", tag = TAG,
    params(("id" = String, Path, description = "申报 id"), IdempotencyHeader), request_body = SubmitIn,
    responses((status = 200, body = Position), (status = "default", body = ErrorBody)))]
pub async fn submit(
    me: ApiPerson,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<SubmitIn>,
) -> Resp<Response> {
    let a = workflow::own(&me.state, &me.person, &id).await?;
    match workflow::submit(
        &me.state,
        &me.caller,
        &me.person,
        &a,
        &body.version,
        body.pledge,
    )
    .await?
    {
        Ok(_) => Ok(saved(&me, &id).await?.into_response()),
        Err(unready) => {
            let m = unready.message();
            let mut fields = serde_json::Map::new();
            if !unready.pledged {
                fields.insert(
                    "pledge".into(),
                    serde_json::json!({"code": Msg::PledgeRequired.code(), "message": Msg::PledgeRequired.text()}),
                );
            }
            let gaps: Vec<_> = unready
                .gaps
                .iter()
                .map(|g| serde_json::json!({"module": g.module.as_str(), "what": g.what}))
                .collect();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({"code": m.code(), "message": m.text(), "fields": fields, "gaps": gaps})),
            )
                .into_response())
        }
    }
}

/// 撤回 while the 申报单位 has not acted in this round.
#[utoipa::path(post, path = "/rsrc/api/v1/applications/{id}/withdraw", tag = TAG,
    params(("id" = String, Path, description = "申报 id"), IdempotencyHeader), request_body = VersionIn,
    responses((status = 200, body = Position), (status = "default", body = ErrorBody)))]
pub async fn withdraw(
    me: ApiPerson,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<VersionIn>,
) -> Resp<Json<Position>> {
    let a = workflow::own(&me.state, &me.person, &id).await?;
    workflow::withdraw(&me.state, &me.caller, &me.person, &a, &body.version).await?;
    saved(&me, &id).await
}

/// 删除 of a draft never submitted, with its files.
#[utoipa::path(post, path = "/rsrc/api/v1/applications/{id}/delete", tag = TAG,
    params(("id" = String, Path, description = "申报 id"), IdempotencyHeader), request_body = VersionIn,
    responses((status = 204, description = "已删除"), (status = "default", body = ErrorBody)))]
pub async fn delete(
    me: ApiPerson,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<VersionIn>,
) -> Resp<StatusCode> {
    let a = workflow::own(&me.state, &me.person, &id).await?;
    workflow::delete(&me.state, &me.caller, &a, &body.version).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 办理记录: every step, oldest first.
#[utoipa::path(get, path = "/rsrc/api/v1/applications/{id}/history", tag = TAG,
    params(("id" = String, Path, description = "申报 id")),
    responses((status = 200, body = Vec<HistoryItem>), (status = "default", body = ErrorBody)))]
pub async fn history(me: ApiPerson, ApiPath(id): ApiPath<String>) -> Resp<Json<Vec<HistoryItem>>> {
    let a = workflow::own(&me.state, &me.person, &id).await?;
    Ok(Json(super::history_of(&me.state, a.id).await?))
}

/// The 转入表 (PDF), once 终审通过.
#[utoipa::path(get, path = "/rsrc/api/v1/applications/{id}/form.pdf", tag = TAG,
    params(("id" = String, Path, description = "申报 id")),
    responses((status = 200, content_type = "application/pdf", body = Binary), (status = "default", body = ErrorBody)))]
pub async fn form(ctx: ReqCtx, me: ApiPerson, ApiPath(id): ApiPath<String>) -> Resp<Response> {
    let a = workflow::own(&me.state, &me.person, &id).await?;
    Ok(crate::web::front::send_form(&me.state, &ctx, &me.caller.actor, &a).await?)
}
