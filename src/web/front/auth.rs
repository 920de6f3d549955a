//! 登录 on the front site, the portal and the title home page.

use crate::web::extract::Query;
use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use super::logged_in::Member;
use crate::domain::auth::SubjectKind;
use crate::domain::clock::format_minutes;
use crate::domain::mask::mask;
use crate::error::Result;
use crate::store::{accounts, audit::Actor};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::login::{self, Candidate, LoginFields, LoginForm};
use crate::web::page::{Flash, Layout, flash_from, render};
use crate::web::session::{FrontUser, Visitor, unit_actor};

#[derive(Template)]
#[template(path = "front/login.html")]
pub struct LoginPage {
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

/// The login page, fresh or after a refused attempt.
fn login_form(
    ctx: &ReqCtx,
    flash: Option<Flash>,
    (kind, account): (&str, String),
    fields: LoginFields,
) -> LoginPage {
    LoginPage {
        layout: Layout::public(ctx, "用户登录", flash),
        kind: kind.into(),
        account,
        error: fields.error,
        captcha_id: fields.captcha_id,
        captcha_error: fields.captcha_error,
        next: fields.next,
    }
}

impl login::Page for LoginPage {
    fn fresh(ctx: &ReqCtx, flash: Option<Flash>, fields: LoginFields) -> Self {
        login_form(ctx, flash, ("person", String::new()), fields)
    }
}

pub async fn login(
    Visitor { state, ctx, .. }: Visitor,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response> {
    let account = form.account.trim().to_ascii_uppercase();
    let dicts = state.dicts();
    let candidate = if account.len() != 18 {
        None
    } else if form.kind == "unit" {
        accounts::unit_by_credit_code(&state.db.conn, &account)
            .await?
            .map(|u| {
                let actor = unit_actor(&u, &dicts);
                Candidate::of(SubjectKind::Unit, u.login_columns(), actor)
            })
    } else {
        accounts::person_by_id_number(&state.db.conn, &state.keys, &account)
            .await?
            .map(|p| {
                let actor = Actor::person(&p);
                Candidate::of(SubjectKind::Person, p.login_columns(), actor)
            })
    };
    let input = form.attempt(
        mask(&account),
        format!("front:{}:{account}", form.kind == "unit"),
    );
    let kind = if form.kind == "unit" {
        "unit"
    } else {
        "person"
    };
    let typed = form.account.trim().chars().take(18).collect();
    login::answer(
        &state,
        &ctx,
        candidate,
        input,
        |_| None,
        |fields| login_form(&ctx, None, (kind, typed), fields),
    )
    .await
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
        layout: Layout::public(&ctx, "山东省专业技术人员管理服务平台", None),
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

pub async fn home(me: Member, Query(q): Query<FlashQuery>) -> Result<Response> {
    let last = match &me.user {
        FrontUser::Person(p) => p.last_login_at,
        FrontUser::Unit(u) => u.last_login_at,
    };
    render(&HomePage {
        layout: me
            .layout("专业技术职称", "", flash_from(q.m.as_deref()))
            .await?,
        last_login: last.map(format_minutes),
    })
}
