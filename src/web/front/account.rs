//! 账号信息 / 单位信息 and 修改密码 for people and units.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::auth::FlashQuery;
use crate::app::AppState;
use crate::domain::account::{FieldErrors, parse_new_password};
use crate::domain::clock::format_minutes;
use crate::domain::password::PasswordContext;
use crate::error::Result;
use crate::messages::Msg;
use crate::store::audit::{self, Event, Outcome};
use crate::store::{accounts, sessions};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::{Layout, flash_from, render, render_status};
use crate::web::session::{FrontUser, login_cookies};

#[derive(Template)]
#[template(path = "front/account.html")]
struct AccountPage {
    layout: Layout,
    rows: Vec<(&'static str, String)>,
    note: &'static str,
}

pub async fn show(State(state): State<AppState>, ctx: ReqCtx, user: FrontUser) -> Result<Response> {
    let (title, rows, note) = match &user {
        FrontUser::Person(p) => (
            "账号信息",
            vec![
                ("姓名", p.name.clone()),
                ("身份证号", p.id_masked.clone()),
                ("性别", p.sex.clone()),
                ("出生日期", p.birth_date.clone()),
                ("手机号", p.phone_masked.clone()),
                ("注册时间", format_minutes(p.created_at)),
            ],
            "姓名和身份证号注册后不能修改。",
        ),
        FrontUser::Unit(u) => (
            "单位信息",
            vec![
                ("单位名称", u.name.clone()),
                ("统一社会信用代码", u.credit_code.clone()),
                (
                    "所属地区",
                    state
                        .dicts()
                        .region(&u.region_code)
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                ),
                ("联系人", u.contact_name.clone()),
                ("联系电话", u.contact_phone_masked.clone()),
                ("注册时间", format_minutes(u.created_at)),
            ],
            "单位名称注册后不能自行修改，如需更正请联系所属地区人社局。",
        ),
    };
    let active = "/rsrc/zc/account";
    render(&AccountPage {
        layout: Layout::front_with_bell(&state, &ctx, &user, title, active, None).await?,
        rows,
        note,
    })
}

#[derive(Template)]
#[template(path = "front/password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub action: &'static str,
    pub errors: FieldErrors,
}

impl PasswordPage {
    fn err(&self, f: &str) -> &'static str {
        self.errors.get(f).unwrap_or("")
    }
}

pub async fn password_page(
    ctx: ReqCtx,
    user: FrontUser,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    render(&PasswordPage {
        layout: Layout::front(
            &ctx,
            &user,
            "修改密码",
            "/rsrc/zc/password",
            flash_from(q.m.as_deref()),
        ),
        action: "/rsrc/zc/password",
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub password2: String,
}

/// Changing a password needs the current one; every other session of the account ends
/// and this one is replaced by a new session id.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: FrontUser,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response> {
    let (hash, id_number, birth, credit) = match &user {
        FrontUser::Person(p) => (
            p.password_hash.clone(),
            state.keys.decrypt(accounts::ID_CONTEXT, &p.id_cipher).ok(),
            Some(p.birth_date.replace('-', "")),
            None,
        ),
        FrontUser::Unit(u) => (
            u.password_hash.clone(),
            None,
            None,
            Some(u.credit_code.clone()),
        ),
    };
    let invalid = |errors: FieldErrors| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PasswordPage {
                layout: Layout::front(&ctx, &user, "修改密码", "/rsrc/zc/password", None),
                action: "/rsrc/zc/password",
                errors,
            },
        )
    };
    let current = form.current.clone();
    let ok = tokio::task::spawn_blocking(move || crate::crypto::verify_password(&current, &hash))
        .await
        .map_err(|e| anyhow::anyhow!("password check task: {e}"))?;
    if !ok {
        let mut errors = FieldErrors::default();
        errors.add("current", Msg::CurrentPasswordWrong);
        return invalid(errors);
    }
    let ctx_words = PasswordContext {
        id_number: id_number.as_deref(),
        birth_digits: birth.as_deref(),
        credit_code: credit.as_deref(),
        username: None,
    };
    let new = match parse_new_password(&form.password, &form.password2, &ctx_words) {
        Ok(p) => p,
        Err(errors) => return invalid(errors),
    };
    let now = state.now_ms();
    let kind = user.kind();
    let tx = state.db.begin().await?;
    accounts::set_password(
        &*tx,
        kind,
        user.id(),
        crate::domain::account::expose(&new),
        false,
        now,
    )
    .await?;
    sessions::delete_for_subject(&*tx, kind, user.id()).await?;
    let fresh = sessions::create(&*tx, kind, user.id(), &ctx.ip.to_string(), None, now).await?;
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&state.dicts()),
            ip: &ctx.ip.to_string(),
            action: "password_change",
            object: format!("{}:{}", kind.as_str(), user.id()),
            outcome: Outcome::Success,
            detail: String::new(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((
        login_cookies(&state, ctx.realm, fresh.token, fresh.csrf),
        Redirect::to("/rsrc/zc/password?m=password_changed"),
    )
        .into_response())
}
