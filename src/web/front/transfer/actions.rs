//! 确定申报, 撤回 and 删除: thin skins over `app::workflow`. The form's `version` makes a
//! replayed or double-clicked request change nothing.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Person, own};
use crate::app::{AppState, workflow};
use crate::error::Result;
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::{Flash, render_status};

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    pledge: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(p, user): Person,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response> {
    let a = own(&state, &p, &id).await?;
    let caller = ctx.caller(&state, &user);
    match workflow::submit(
        &state,
        &caller,
        &p,
        &a,
        &form.version,
        form.pledge.is_some(),
    )
    .await?
    {
        Ok(_) => Ok(Redirect::to("/rsrc/zc/transfer?m=submitted").into_response()),
        Err(unready) => {
            let flash = Flash {
                ok: false,
                text: unready.message().text(),
            };
            let mut page = super::detail::build(&state, &ctx, &user, &a, Some(flash)).await?;
            page.pledge_error = !unready.pledged;
            page.gaps = unready.gaps;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn withdraw(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(p, user): Person,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response> {
    let a = own(&state, &p, &id).await?;
    workflow::withdraw(&state, &ctx.caller(&state, &user), &p, &a, &form.version).await?;
    Ok(Redirect::to(&format!("/rsrc/zc/transfer/{}?m=withdrawn", a.id)).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(p, user): Person,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response> {
    let a = own(&state, &p, &id).await?;
    workflow::delete(&state, &ctx.caller(&state, &user), &a, &form.version).await?;
    Ok(Redirect::to("/rsrc/zc/transfer?m=deleted").into_response())
}
