//! 附件材料: upload by slot (type decided by content, 5 MB each), download, remove.
//! Bytes are written durably before the record commits; a failed commit removes them.

use axum::extract::{Multipart, Path};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::Person;
use crate::app::AppState;
use crate::app::applications as app_applications;
use crate::domain::application::{MAX_FILE_BYTES, Module, Slot};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::attachments::{self};
use crate::store::audit;
use crate::store::entities::application;
use crate::web::context::ReqCtx;
use crate::web::extract::NoFields;
use crate::web::front::logged_in::{LoggedIn, Own, Step};

/// Back to the slot an upload was refused for, with the reason shown there.
fn refused(a: &application::Model, m: Msg, slot: Slot) -> Response {
    Redirect::to(&format!(
        "/rsrc/zc/transfer/{}?m={}&slot={}#slot-{}",
        a.id,
        m.code(),
        slot.as_str(),
        slot.as_str()
    ))
    .into_response()
}

fn back(a: &application::Model, m: Msg) -> Response {
    Redirect::to(&format!(
        "/rsrc/zc/transfer/{}?m={}#module-attachments",
        a.id,
        m.code()
    ))
    .into_response()
}

/// What the upload form sent.
struct Upload {
    csrf: String,
    slot: String,
    file_name: String,
    bytes: Vec<u8>,
    too_large: bool,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload> {
    let mut up = Upload {
        csrf: String::new(),
        slot: String::new(),
        file_name: String::new(),
        bytes: Vec::new(),
        too_large: false,
    };
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|_| AppError::Conflict(Msg::BadRequest))?
    {
        match field.name().unwrap_or("") {
            "_csrf" => {
                up.csrf = field
                    .text()
                    .await
                    .map_err(|_| AppError::Conflict(Msg::BadRequest))?
            }
            "slot" => {
                up.slot = field
                    .text()
                    .await
                    .map_err(|_| AppError::Conflict(Msg::BadRequest))?
            }
            "file" => {
                up.file_name = field.file_name().unwrap_or("").to_owned();
                while let Some(chunk) = field.chunk().await.map_err(|_| AppError::TooLarge)? {
                    if up.bytes.len() + chunk.len() > MAX_FILE_BYTES {
                        up.too_large = true;
                        up.bytes.clear();
                    } else if !up.too_large {
                        up.bytes.extend_from_slice(&chunk);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(up)
}

pub async fn upload(me: Person, Path(id): Path<String>, mp: Multipart) -> Result<Response> {
    let up = read_upload(mp).await?;
    if up.csrf.is_empty() || up.csrf != me.ctx.csrf {
        return Err(AppError::Csrf);
    }
    let (state, a) = (&me.state, me.own(&id).await?);
    app_applications::expect_editable(state, &a, Module::Attachments).await?;
    let slot = Slot::parse(&up.slot).ok_or(AppError::Conflict(Msg::BadChoice))?;
    if up.too_large {
        return Ok(refused(&a, Msg::FileTooLarge, slot));
    }
    let caller = me.caller();
    match app_applications::upload(state, &caller, &a, slot, &up.file_name, &up.bytes).await {
        Ok(_) => Ok(back(&a, Msg::Uploaded)),
        Err(AppError::Conflict(m)) if m != Msg::AlreadyHandled && m != Msg::ModuleLocked => {
            Ok(refused(&a, m, slot))
        }
        Err(e) => Err(e),
    }
}

/// Serves a file as a download, to its owner (units on its chain come with the review chain).
pub async fn download(me: Person, Path((id, file)): Path<(String, String)>) -> Result<Response> {
    let a = me.own(&id).await?;
    serve_named(&me, &a, &file).await
}

/// Serves the attachment `file` (its id as the path gives it) of an application the caller
/// may read: the applicant's own, or one on the unit's chain.
pub async fn serve_named<A>(
    me: &LoggedIn<A>,
    a: &application::Model,
    file: &str,
) -> Result<Response> {
    let file_id = Uuid::parse_str(file).map_err(|_| AppError::NotFound)?;
    let f = attachments::find(&me.state.db.conn, a.id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    serve(&me.state, &me.ctx, &me.actor(), a, &f).await
}

/// Sends an attachment with download headers and records the download.
pub async fn serve(
    state: &AppState,
    ctx: &ReqCtx,
    actor: &audit::Actor,
    a: &application::Model,
    f: &attachments::Attachment,
) -> Result<Response> {
    let bytes = state.files.get(&f.storage_key).await?;
    let object = format!("application:{}/file:{}", a.id, f.id);
    ctx.record(state, actor, "attachment_download", object, String::new())
        .await?;
    let ascii: String = f
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = crate::web::percent_encode(&f.file_name);
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, f.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn remove(step: Step<Own, NoFields, (String, String)>) -> Result<Response> {
    let Step {
        me, a, rest: file, ..
    } = step;
    app_applications::remove_attachment(&me.state, &me.caller(), &a, &file).await?;
    Ok(back(&a, Msg::FileRemoved))
}
