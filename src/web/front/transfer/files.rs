//! 附件材料: upload by slot (type decided by content, 5 MB each), download, remove.
//! Bytes are written durably before the record commits; a failed commit removes them.

use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Person, own};
use crate::domain::application::{
    FileKind, MAX_FILE_BYTES, MAX_FILES_PER_SLOT, Module, Slot, clean_file_name, editable,
};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::startup::AppState;
use crate::store::applications;
use crate::store::attachments::{self, NewAttachment};
use crate::store::audit::{self, Event, Outcome};
use crate::store::entities::application;
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::extract::NoFields;

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

async fn failed_modules(state: &AppState, a: &application::Model) -> Result<Vec<Module>> {
    Ok(applications::failures(&state.db.conn, a.id, a.round)
        .await?
        .into_iter()
        .map(|f| f.module)
        .collect())
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

pub async fn upload(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(p, user): Person,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response> {
    let up = read_upload(mp).await?;
    if up.csrf.is_empty() || up.csrf != ctx.csrf {
        return Err(AppError::Csrf);
    }
    let a = own(&state, &p, &id).await?;
    if !editable(
        applications::state(&a),
        &failed_modules(&state, &a).await?,
        Module::Attachments,
    ) {
        return Err(AppError::Conflict(Msg::ModuleLocked));
    }
    let slot = Slot::parse(&up.slot).ok_or(AppError::Conflict(Msg::BadChoice))?;
    if up.too_large {
        return Ok(refused(&a, Msg::FileTooLarge, slot));
    }
    if up.file_name.is_empty() && up.bytes.is_empty() {
        return Ok(refused(&a, Msg::FileMissing, slot));
    }
    if up.bytes.is_empty() {
        return Ok(refused(&a, Msg::FileEmpty, slot));
    }
    let Some(kind) = FileKind::sniff(&up.bytes) else {
        return Ok(refused(&a, Msg::FileType, slot));
    };
    let existing = attachments::list(&state.db.conn, a.id).await?;
    if existing.iter().filter(|f| f.slot == slot).count() >= MAX_FILES_PER_SLOT {
        return Ok(refused(&a, Msg::TooManyFiles, slot));
    }
    let sha = hex::encode(Sha256::digest(&up.bytes));
    let key = format!("{}.bin", Uuid::now_v7().simple());
    state.files.put(&key, &up.bytes).await?;
    metrics::counter!("zhicheng_upload_bytes_total").increment(up.bytes.len() as u64);
    let name = clean_file_name(&up.file_name, kind);
    let now = state.now_ms();
    let result = async {
        let tx = state.db.begin().await?;
        applications::bump(&*tx, &a, now).await?;
        let file_id = attachments::insert(
            &*tx,
            a.id,
            now,
            NewAttachment {
                slot,
                file_name: &name,
                content_type: kind.mime(),
                size: up.bytes.len() as i64,
                sha256: &sha,
                storage_key: &key,
            },
        )
        .await?;
        audit::append(
            &*tx,
            now,
            Event {
                actor: &user.actor(&state.dicts()),
                ip: &ctx.ip.to_string(),
                action: "attachment_upload",
                object: format!("application:{}/file:{file_id}", a.id),
                outcome: Outcome::Success,
                detail: format!("{} {} {} bytes", slot.as_str(), kind.mime(), up.bytes.len()),
            },
        )
        .await?;
        tx.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    if let Err(e) = result {
        // The record never committed: the bytes must not stay behind.
        if let Err(del) = state.files.delete(&key).await {
            tracing::warn!(error = %del, "could not remove an uncommitted upload; the orphan sweep will");
        }
        return Err(e);
    }
    Ok(back(&a, Msg::Uploaded))
}

/// Serves a file as a download, to its owner (units on its chain come with the review chain).
pub async fn download(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(p, user): Person,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response> {
    let a = own(&state, &p, &id).await?;
    let file_id = Uuid::parse_str(&file).map_err(|_| AppError::NotFound)?;
    let f = attachments::find(&state.db.conn, a.id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    serve(&state, &ctx, &user.actor(&state.dicts()), &a, &f).await
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
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    audit::append(
        &*tx,
        now,
        Event {
            actor,
            ip: &ctx.ip.to_string(),
            action: "attachment_download",
            object: format!("application:{}/file:{}", a.id, f.id),
            outcome: Outcome::Success,
            detail: String::new(),
        },
    )
    .await?;
    tx.commit().await?;
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

pub async fn remove(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(p, user): Person,
    Path((id, file)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let a = own(&state, &p, &id).await?;
    if !editable(
        applications::state(&a),
        &failed_modules(&state, &a).await?,
        Module::Attachments,
    ) {
        return Err(AppError::Conflict(Msg::ModuleLocked));
    }
    let file_id = Uuid::parse_str(&file).map_err(|_| AppError::NotFound)?;
    let f = attachments::find(&state.db.conn, a.id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    applications::bump(&*tx, &a, now).await?;
    attachments::delete(&*tx, a.id, f.id).await?;
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&state.dicts()),
            ip: &ctx.ip.to_string(),
            action: "attachment_remove",
            object: format!("application:{}/file:{}", a.id, f.id),
            outcome: Outcome::Success,
            detail: f.slot.as_str().to_owned(),
        },
    )
    .await?;
    tx.commit().await?;
    state.files.delete(&f.storage_key).await?;
    Ok(back(&a, Msg::FileRemoved))
}
