//! 找回密码: a code sent to the registered mobile number replaces the password.
//!
//! The page answers the same whether or not the account and number match, so it cannot
//! be used to find out who is registered; the ticket it hands on is encrypted.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::reset as app_reset;
use crate::domain::account::FieldErrors;
use crate::error::Result;
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::{Flash, Layout, render, render_status};
use crate::web::session::Visitor;

#[derive(Template)]
#[template(path = "front/forgot.html")]
struct ForgotPage {
    layout: Layout,
    kind: String,
    account: String,
    phone: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "front/reset.html")]
struct ResetPage {
    layout: Layout,
    ticket: String,
    errors: FieldErrors,
}

field_errors!(ForgotPage, ResetPage);

pub async fn forgot_page(ctx: ReqCtx) -> Result<Response> {
    render(&ForgotPage {
        layout: Layout::public(&ctx, "找回密码", None),
        kind: "person".into(),
        account: String::new(),
        phone: String::new(),
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize, Default)]
pub struct ForgotForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    phone: String,
}

pub async fn send_code(
    Visitor { state, ctx, .. }: Visitor,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response> {
    match app_reset::send_code(&state, ctx.ip, &form.kind, &form.account, &form.phone).await? {
        Ok(ticket) => render(&ResetPage {
            layout: Layout::public(
                &ctx,
                "重置密码",
                Some(Flash {
                    ok: true,
                    text: app_reset::SENT,
                }),
            ),
            ticket,
            errors: FieldErrors::default(),
        }),
        Err(errors) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ForgotPage {
                layout: Layout::public(&ctx, "找回密码", None),
                kind: form.kind,
                account: form.account.chars().take(18).collect(),
                phone: form.phone.chars().take(11).collect(),
                errors,
            },
        ),
    }
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub async fn reset(
    Visitor { state, ctx, .. }: Visitor,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<Response> {
    let passwords = (form.password.as_str(), form.password2.as_str());
    match app_reset::reset(&state, ctx.ip, &form.ticket, &form.code, passwords).await? {
        Ok(()) => Ok(Redirect::to("/rsrc/?m=reset_done").into_response()),
        Err(errors) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetPage {
                layout: Layout::public(&ctx, "重置密码", None),
                ticket: form.ticket,
                errors,
            },
        ),
    }
}
