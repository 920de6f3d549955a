//! Back-office login: password on the plain listener; on the UKEY listener the client
//! certificate bound to the account and the password, both.

use crate::web::extract::Query;
use askama::Template;
use axum::response::Response;

use crate::domain::auth::SubjectKind;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::messages::Msg;
use crate::store::accounts;
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::front::FlashQuery;
use crate::web::login::{self, Candidate, LoginFields, LoginForm};
use crate::web::page::{Flash, Layout, render};
use crate::web::session::{AdminUser, Signed, Visitor, admin_actor, bureau_name};

#[derive(Template)]
#[template(path = "back/login.html")]
pub struct LoginPage {
    layout: Layout,
    username: String,
    error: String,
    captcha_id: Option<String>,
    captcha_error: String,
    /// The page to return to after logging in (empty: the home page).
    next: String,
    ukey: bool,
    cert_hint: String,
}

fn cert_hint(ctx: &ReqCtx) -> String {
    ctx.cert_fingerprint
        .as_deref()
        .map(|f| format!("{}…", &f[..f.len().min(23)]))
        .unwrap_or_default()
}

/// The login page, fresh or after a refused attempt.
fn login_form(
    ctx: &ReqCtx,
    flash: Option<Flash>,
    username: String,
    fields: LoginFields,
) -> LoginPage {
    LoginPage {
        layout: Layout::public(ctx, "职称后台登录", flash),
        username,
        error: fields.error,
        captcha_id: fields.captcha_id,
        captcha_error: fields.captcha_error,
        next: fields.next,
        ukey: ctx.cert_fingerprint.is_some(),
        cert_hint: cert_hint(ctx),
    }
}

impl login::Page for LoginPage {
    fn fresh(ctx: &ReqCtx, flash: Option<Flash>, fields: LoginFields) -> Self {
        login_form(ctx, flash, String::new(), fields)
    }
}

pub async fn login(
    Visitor { state, ctx, .. }: Visitor,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response> {
    let username = form.username.trim();
    let dicts = state.dicts();
    let admin = if username.is_empty() || username.len() > 32 {
        None
    } else {
        accounts::admin_by_username(&state.db.conn, username).await?
    };
    let bound = admin.as_ref().and_then(|a| a.cert_fingerprint.clone());
    let candidate = admin.map(|a| {
        let actor = admin_actor(&a, &dicts);
        Candidate::of(SubjectKind::Admin, a.login_columns(), actor)
    });
    let presented = ctx.cert_fingerprint.clone();
    // A bound account logs in only with its certificate; on the UKEY listener every account needs one.
    let binding = move |_: &Candidate| match (&presented, &bound) {
        (None, Some(_)) => Some(Msg::CertOnlyAccount),
        (Some(p), Some(b)) if p == b => None,
        (Some(_), _) => Some(Msg::CertNotBound),
        (None, None) => None,
    };
    let input = form.attempt(
        username.chars().take(32).collect(),
        format!("back:{username}"),
    );
    login::answer(&state, &ctx, candidate, input, binding, |fields| {
        login_form(&ctx, None, username.chars().take(32).collect(), fields)
    })
    .await
}

#[derive(Template)]
#[template(path = "back/home.html")]
struct HomePage {
    layout: Layout,
    username: String,
    bureau: String,
    role: &'static str,
    ukey: bool,
    last_login: Option<String>,
}

pub async fn home(signed: Signed<AdminUser>, Query(q): Query<FlashQuery>) -> Result<Response> {
    let Signed { state, ctx, user } = &signed;
    let bureau = state
        .dicts()
        .region(&user.admin.bureau_code)
        .map(|r| bureau_name(&r.name))
        .unwrap_or_default();
    render(&HomePage {
        layout: signed
            .layout("首页", "/sdmanager/home", q.m.as_deref())
            .await?,
        username: user.admin.username.clone(),
        bureau,
        role: user.role.label(),
        ukey: ctx.cert_fingerprint.is_some(),
        last_login: user.admin.last_login_at.map(format_minutes),
    })
}
