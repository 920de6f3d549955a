//! 登录 and 退出 on the front site, the captcha picture, the portal and the title home page.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::AppState;
use crate::app::limit::Bucket;
use crate::domain::auth::SubjectKind;
use crate::domain::clock::format_minutes;
use crate::domain::mask::mask;
use crate::error::{AppError, Result};
use crate::infra::crypto::random_token;
use crate::store::{accounts, audit::Actor, captcha};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::login::{self, Attempt, Candidate, Outcome_};
use crate::web::page::{Layout, flash_from, render, render_status};
use crate::web::session::{FrontUser, LiveSession, login_cookies};

#[derive(Template)]
#[template(path = "front/login.html")]
struct LoginPage {
    layout: Layout,
    kind: String,
    account: String,
    error: String,
    captcha_id: Option<String>,
    captcha_error: String,
    /// The page to return to after logging in (empty: the home page).
    next: String,
}

#[derive(Deserialize, Default)]
pub struct FlashQuery {
    #[serde(default)]
    pub m: Option<String>,
}

pub async fn login_page(
    State(state): State<AppState>,
    ctx: ReqCtx,
    session: Option<LiveSession>,
    Query(q): Query<login::LoginQuery>,
) -> Result<Response> {
    if session.is_some() {
        return Ok(Redirect::to("/rsrc/portal").into_response());
    }
    let _ = state;
    render(&LoginPage {
        layout: Layout::public(&ctx, "用户登录", "/rsrc", flash_from(q.m.as_deref())),
        kind: "person".into(),
        account: String::new(),
        error: String::new(),
        captcha_id: None,
        captcha_error: String::new(),
        next: login::kept_next(ctx.realm, q.next.as_deref()),
    })
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    captcha_id: String,
    #[serde(default)]
    captcha: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: ReqCtx,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response> {
    let account = form.account.trim().to_ascii_uppercase();
    let dicts = state.dicts();
    let candidate = if account.len() != 18 {
        None
    } else if form.kind == "unit" {
        accounts::unit_by_credit_code(&state.db.conn, &account)
            .await?
            .map(|u| Candidate {
                kind: SubjectKind::Unit,
                id: u.id,
                failed: u.failed_logins,
                locked_until: u.locked_until,
                disabled: u.disabled,
                actor: Actor::unit(
                    &u,
                    dicts
                        .region(&u.region_code)
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                ),
                password_hash: u.password_hash,
            })
    } else {
        accounts::person_by_id_number(&state.db.conn, &state.keys, &account)
            .await?
            .map(|p| Candidate {
                kind: SubjectKind::Person,
                id: p.id,
                failed: p.failed_logins,
                locked_until: p.locked_until,
                disabled: p.disabled,
                actor: Actor::person(&p),
                password_hash: p.password_hash,
            })
    };
    let input = Attempt {
        password: &form.password,
        captcha_id: &form.captcha_id,
        captcha: &form.captcha,
        masked_account: mask(&account),
        account_key: format!("front:{}:{account}", form.kind == "unit"),
    };
    match login::attempt(&state, &ctx, candidate, input, |_| None).await? {
        Outcome_::LoggedIn(s) => Ok((
            login_cookies(&state, ctx.realm, s.token, s.csrf),
            Redirect::to(login::landing(ctx.realm, &form.next, "/rsrc/portal")),
        )
            .into_response()),
        Outcome_::Refused { message, captcha } => {
            let (error, captcha_error) = if message.contains("验证码") {
                (String::new(), message)
            } else {
                (message, String::new())
            };
            let kind = if form.kind == "unit" {
                "unit"
            } else {
                "person"
            };
            render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &LoginPage {
                    layout: Layout::public(&ctx, "用户登录", "/rsrc", None),
                    kind: kind.into(),
                    account: form.account.trim().chars().take(18).collect(),
                    error,
                    captcha_id: captcha.then(|| random_token(16)),
                    captcha_error,
                    next: login::kept_next(ctx.realm, Some(&form.next)),
                },
            )
        }
    }
}

/// The captcha picture for a challenge id chosen by the page; each request draws a new answer.
pub async fn captcha_image(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Path(id): Path<String>,
) -> Result<Response> {
    captcha_response(&state, &ctx, &id).await
}

pub async fn captcha_response(state: &AppState, ctx: &ReqCtx, id: &str) -> Result<Response> {
    let now = state.now_ms();
    if !state.limiter.hit(Bucket::Captcha, ctx.ip, now).await {
        return Err(AppError::TooManyRequests);
    }
    if !(16..=64).contains(&id.len())
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(AppError::NotFound);
    }
    let (answer, svg) = crate::infra::captcha::generate();
    let tx = state.db.begin().await?;
    crate::store::exec(&*tx, "DELETE FROM captchas WHERE id = ?", vec![id.into()]).await?;
    captcha::create(&*tx, &state.keys, id, &answer, now).await?;
    tx.commit().await?;
    if let Some(log) = &state.captcha_log {
        log.record(id, &answer);
    }
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "front/portal.html")]
struct PortalPage {
    layout: Layout,
    user_name: String,
    role: &'static str,
}

pub async fn portal(ctx: ReqCtx, user: FrontUser) -> Result<Response> {
    render(&PortalPage {
        layout: Layout::public(&ctx, "山东省专业技术人员管理服务平台", "/rsrc", None),
        user_name: user.name().to_owned(),
        role: user.role_label(),
    })
}

#[derive(Template)]
#[template(path = "front/home.html")]
struct HomePage {
    layout: Layout,
    last_login: Option<String>,
}

pub async fn home(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: FrontUser,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    let last = match &user {
        FrontUser::Person(p) => p.last_login_at,
        FrontUser::Unit(u) => u.last_login_at,
    };
    render(&HomePage {
        layout: Layout::front_with_bell(
            &state,
            &ctx,
            &user,
            "专业技术职称",
            "",
            flash_from(q.m.as_deref()),
        )
        .await?,
        last_login: last.map(format_minutes),
    })
}
