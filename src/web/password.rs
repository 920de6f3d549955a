//! 修改密码 on either site: the current password and the new one twice. Every other session
//! of the account ends and this one is replaced by a new session id.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::app::accounts::{self as app_accounts, PasswordChange};
use crate::domain::account::FieldErrors;
use crate::error::{AppError, Result};
use crate::web::context::ReqCtx;
use crate::web::extract::{CsrfForm, Query};
use crate::web::front::FlashQuery;
use crate::web::page::{Flash, Layout, flash_from, render, render_status};
use crate::web::session::{Signed, login_cookies};
use crate::web::site::SignedIn;

#[derive(Template)]
#[template(path = "front/password.html")]
struct PasswordPage {
    layout: Layout,
    action: String,
    errors: FieldErrors,
}

field_errors!(PasswordPage);

/// The page, fresh or with the errors of a refused change.
fn form<U: SignedIn>(
    ctx: &ReqCtx,
    user: &U,
    flash: Option<Flash>,
    errors: FieldErrors,
) -> PasswordPage {
    let action = format!("{}{}", U::BASE, U::page("/password"));
    PasswordPage {
        layout: user.frame(ctx, "修改密码", &action, flash),
        action,
        errors,
    }
}

/// The page, with the flash a redirect named.
pub async fn show<U: SignedIn>(
    Signed { ctx, user, .. }: Signed<U>,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    let flash = flash_from(q.m.as_deref());
    render(&form(&ctx, &user, flash, FieldErrors::default()))
}

/// 保存: the new session's cookies and the site's landing page, or the form again (422).
pub async fn change<U: SignedIn>(
    Signed { state, ctx, user }: Signed<U>,
    CsrfForm(change): CsrfForm<PasswordChange>,
) -> Result<Response> {
    let secrets = user.secrets(&state);
    let caller = user.caller(&state, &ctx);
    // Only the UKEY listener knows a certificate: the fresh session there is bound to it.
    let fingerprint = Some(ctx.cert_fingerprint.as_deref());
    let who = secrets.holder();
    let fresh =
        match app_accounts::change_password(&state, &caller, &who, &change, fingerprint).await {
            Ok(fresh) => fresh.expect("a session was asked for"),
            Err(AppError::Validation(errors)) => {
                let page = form(&ctx, &user, None, errors);
                return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
            }
            Err(e) => return Err(e),
        };
    Ok((
        login_cookies(&state, ctx.realm, fresh.token, fresh.csrf),
        Redirect::to(U::PASSWORD_CHANGED),
    )
        .into_response())
}
