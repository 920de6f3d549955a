//! 确定申报, 撤回 and 删除: thin skins over `app::workflow`. The form's `version` makes a
//! replayed or double-clicked request change nothing.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::workflow;
use crate::error::Result;
use crate::web::front::logged_in::{Own, Step};
use crate::web::page::{Flash, render_status};

#[derive(Deserialize, Default)]
pub struct ActionForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    pledge: Option<String>,
}

pub async fn submit(Step { me, a, form, .. }: Step<Own, ActionForm>) -> Result<Response> {
    let (version, pledged) = (&form.version, form.pledge.is_some());
    match workflow::submit(&me.state, &me.caller(), &me.account, &a, version, pledged).await? {
        Ok(_) => Ok(Redirect::to("/rsrc/zc/transfer?m=submitted").into_response()),
        Err(unready) => {
            let flash = Flash {
                ok: false,
                text: unready.message().text(),
            };
            let mut page = super::detail::build(&me, &a, Some(flash)).await?;
            page.pledge_error = !unready.pledged;
            page.gaps = unready.gaps;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

pub async fn withdraw(Step { me, a, form, .. }: Step<Own, ActionForm>) -> Result<Response> {
    workflow::withdraw(&me.state, &me.caller(), &me.account, &a, &form.version).await?;
    Ok(Redirect::to(&format!("/rsrc/zc/transfer/{}?m=withdrawn", a.id)).into_response())
}

pub async fn delete(Step { me, a, form, .. }: Step<Own, ActionForm>) -> Result<Response> {
    workflow::delete(&me.state, &me.caller(), &a, &form.version).await?;
    Ok(Redirect::to("/rsrc/zc/transfer?m=deleted").into_response())
}
