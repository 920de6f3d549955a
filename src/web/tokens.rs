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
use crate::web::context::ReqCtx;
use crate::web::extract::{CsrfForm, NoFields, Query};
use crate::web::page::{Flash, Layout, flash_from, render_status};
use crate::web::session::{AdminUser, FrontUser, Signed};

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub scope: &'static str,
    pub created: String,
    pub expires: String,
    pub used: String,
    pub state: &'static str,
    pub colour: &'static str,
    pub live: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    /// 单位, 账号 …: whose systems the tokens serve.
    whose: &'static str,
    /// The page's path under the site's base.
    path: &'static str,
    secret: Option<String>,
    rows: Vec<TokenRow>,
    form_name: String,
    form_scope: String,
    form_days: String,
    errors: FieldErrors,
}

impl TokensPage {
    fn err(&self, f: &str) -> &'static str {
        self.errors.get(f).unwrap_or("")
    }
}

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
    path: &'static str,
    home: &'static str,
}

/// The signed-in user of either site, as the page needs them.
pub trait SignedIn: axum::extract::FromRequestParts<AppState, Rejection = AppError> + Send {
    fn owner(&self) -> Owner;
    fn caller(&self, state: &AppState, ctx: &ReqCtx) -> Caller;
    fn layout(
        &self,
        state: &AppState,
        ctx: &ReqCtx,
        flash: Option<Flash>,
    ) -> impl std::future::Future<Output = Result<Layout>> + Send;
}

impl SignedIn for FrontUser {
    fn owner(&self) -> Owner {
        Owner {
            subject: (self.kind(), self.id()),
            whose: match self {
                FrontUser::Person(_) => "人",
                FrontUser::Unit(_) => "单位",
            },
            path: "/zc/tokens",
            home: "/rsrc/zc/tokens",
        }
    }
    fn caller(&self, state: &AppState, ctx: &ReqCtx) -> Caller {
        ctx.caller(state, self)
    }
    async fn layout(&self, state: &AppState, ctx: &ReqCtx, flash: Option<Flash>) -> Result<Layout> {
        Layout::front_with_bell(state, ctx, self, "访问令牌", "/rsrc/zc/tokens", flash).await
    }
}

impl SignedIn for AdminUser {
    fn owner(&self) -> Owner {
        Owner {
            subject: (SubjectKind::Admin, self.admin.id),
            whose: "机构",
            path: "/tokens",
            home: "/sdmanager/tokens",
        }
    }
    fn caller(&self, state: &AppState, ctx: &ReqCtx) -> Caller {
        ctx.admin_caller(state, self)
    }
    async fn layout(&self, state: &AppState, ctx: &ReqCtx, flash: Option<Flash>) -> Result<Layout> {
        Layout::back_with_bell(state, ctx, self, "访问令牌", "/sdmanager/tokens", flash).await
    }
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
            let (st, colour) = if t.revoked_at.is_some() {
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
                state: st,
                colour,
                live,
            }
        })
        .collect();
    Ok(TokensPage {
        layout,
        whose: owner.whose,
        path: owner.path,
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
    Signed { state, ctx, user }: Signed<U>,
    Query(q): Query<TokensQuery>,
) -> Result<Response> {
    let layout = user
        .layout(&state, &ctx, flash_from(q.m.as_deref()))
        .await?;
    let page = page(
        &state,
        layout,
        &user.owner(),
        None,
        TokenForm::default(),
        FieldErrors::default(),
    )
    .await?;
    render_status(StatusCode::OK, &page)
}

/// 生成令牌.
pub async fn create<U: SignedIn>(
    Signed { state, ctx, user }: Signed<U>,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response> {
    let layout = user.layout(&state, &ctx, None).await?;
    let caller = user.caller(&state, &ctx);
    created(&state, &caller, &user.owner(), layout, form).await
}

/// 撤销, back to the page with its message.
pub async fn revoke<U: SignedIn>(
    Signed { state, ctx, user }: Signed<U>,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let owner = user.owner();
    tokens::revoke(&state, &user.caller(&state, &ctx), owner.subject, &id).await?;
    Ok(Redirect::to(&format!("{}?m={}", owner.home, Msg::TokenRevoked.code())).into_response())
}
