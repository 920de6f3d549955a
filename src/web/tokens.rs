//! 访问令牌: the page where a person, a unit or a back-office user creates, sees and revokes
//! the API tokens of their own account. One implementation for both sites.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::app::tokens::{self, TokenRequest};
use crate::app::{AppState, Caller};
use crate::domain::account::FieldErrors;
use crate::domain::auth::SubjectKind;
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::web::extract::{CsrfForm, NoFields, Query};
use crate::web::page::{Flash, Layout, Tag, flash_from, render_status};
use crate::web::session::Signed;
use crate::web::site::SignedIn;

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scope: &'static str,
    pub created: String,
    pub expires: String,
    pub used: String,
    pub state: Tag,
    pub live: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    /// 单位, 账号 …: whose systems the tokens serve.
    whose: &'static str,
    /// The page's path under the site's base.
    path: String,
    secret: Option<String>,
    rows: Vec<TokenRow>,
    form_name: String,
    form_scope: String,
    form_days: String,
    errors: FieldErrors,
}

field_errors!(TokensPage);

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    days: String,
}

#[derive(Deserialize, Default)]
pub struct TokensQuery {
    #[serde(default)]
    m: Option<String>,
}

/// Who the page is for, on either site.
pub struct Owner {
    subject: (SubjectKind, Uuid),
    whose: &'static str,
    /// The page's path under the site's base.
    path: String,
}

impl Owner {
    fn of<U: SignedIn>(user: &U) -> Self {
        Owner {
            subject: user.subject(),
            whose: user.whose(),
            path: U::page("/tokens"),
        }
    }
}

/// The frame of the page, with the header bell.
async fn layout<U: SignedIn>(
    Signed { state, ctx, user }: &Signed<U>,
    flash: Option<Flash>,
) -> Result<Layout> {
    let active = format!("{}{}", U::BASE, U::page("/tokens"));
    user.layout(state, ctx, "访问令牌", &active, flash).await
}

async fn page(
    state: &AppState,
    layout: Layout,
    owner: &Owner,
    secret: Option<String>,
    form: TokenForm,
    errors: FieldErrors,
) -> Result<TokensPage> {
    let now = state.now_ms();
    let rows = tokens::list(state, owner.subject)
        .await?
        .into_iter()
        .map(|t| {
            let live = t.live(now);
            let (label, colour) = if t.revoked_at.is_some() {
                ("已撤销", "grey")
            } else if !live {
                ("已过期", "grey")
            } else {
                ("有效", "green")
            };
            TokenRow {
                id: t.id.to_string(),
                name: t.name,
                scope: t.scope.label(),
                created: format_minutes(t.created_at),
                expires: format_minutes(t.expires_at),
                used: t
                    .last_used_at
                    .map(format_minutes)
                    .unwrap_or_else(|| "从未".into()),
                state: Tag { label, colour },
                live,
            }
        })
        .collect();
    Ok(TokensPage {
        layout,
        whose: owner.whose,
        path: owner.path.clone(),
        secret,
        rows,
        form_name: form.name,
        form_scope: if form.scope.is_empty() {
            "read".into()
        } else {
            form.scope
        },
        form_days: if form.days.is_empty() {
            "90".into()
        } else {
            form.days
        },
        errors,
    })
}

/// A new token: the page again, with the secret shown this once (never in a URL).
async fn created(
    state: &AppState,
    caller: &Caller,
    owner: &Owner,
    mut layout: Layout,
    form: TokenForm,
) -> Result<Response> {
    let request = TokenRequest {
        name: form.name.clone(),
        scope: form.scope.clone(),
        days: form.days.clone(),
    };
    let (status, secret, errors) =
        match tokens::create(state, caller, owner.subject, &request).await {
            Ok((_, secret)) => {
                layout.flash = Some(Flash {
                    ok: true,
                    text: Msg::TokenCreated.text(),
                });
                (StatusCode::OK, Some(secret), FieldErrors::default())
            }
            Err(AppError::Validation(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, None, errors),
            Err(AppError::Conflict(m)) => {
                layout.flash = Some(Flash {
                    ok: false,
                    text: m.text(),
                });
                (StatusCode::CONFLICT, None, FieldErrors::default())
            }
            Err(e) => return Err(e),
        };
    let form = if secret.is_some() {
        TokenForm::default()
    } else {
        form
    };
    let mut res = render_status(
        status,
        &page(state, layout, owner, secret, form, errors).await?,
    )?;
    // The secret is on this page only: never cached, never kept by the browser.
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// The page, with the flash a redirect named.
pub async fn show<U: SignedIn>(
    signed: Signed<U>,
    Query(q): Query<TokensQuery>,
) -> Result<Response> {
    let layout = layout(&signed, flash_from(q.m.as_deref())).await?;
    let page = page(
        &signed.state,
        layout,
        &Owner::of(&signed.user),
        None,
        TokenForm::default(),
        FieldErrors::default(),
    )
    .await?;
    render_status(StatusCode::OK, &page)
}

/// 生成令牌.
pub async fn create<U: SignedIn>(
    signed: Signed<U>,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response> {
    let layout = layout(&signed, None).await?;
    let Signed { state, ctx, user } = &signed;
    let caller = user.caller(state, ctx);
    created(state, &caller, &Owner::of(user), layout, form).await
}

/// 撤销, back to the page with its message.
pub async fn revoke<U: SignedIn>(
    Signed { state, ctx, user }: Signed<U>,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let owner = Owner::of(&user);
    tokens::revoke(&state, &user.caller(&state, &ctx), owner.subject, &id).await?;
    let home = format!("{}{}", U::BASE, owner.path);
    Ok(Redirect::to(&format!("{home}?m={}", Msg::TokenRevoked.code())).into_response())
}
