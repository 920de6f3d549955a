//! 账号信息 / 单位信息 and 修改密码 for people and units.

use crate::web::extract::Query;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::FlashQuery;
use super::logged_in::{LoggedIn, Member};
use crate::app::accounts as app_accounts;
use crate::domain::account::FieldErrors;
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::{Flash, Layout, flash_from, render, render_status};
use crate::web::session::{FrontUser, login_cookies};

#[derive(Template)]
#[template(path = "front/account.html")]
struct AccountPage {
    layout: Layout,
    rows: Vec<(&'static str, String)>,
    note: &'static str,
}

pub async fn show(me: Member) -> Result<Response> {
    let (title, rows, note) = match &me.user {
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
                    me.state
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
        layout: me.layout(title, active, None).await?,
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

field_errors!(PasswordPage);

/// The front site's 修改密码 page, fresh or with the errors of a refused change.
fn password_form(
    ctx: &ReqCtx,
    user: &FrontUser,
    flash: Option<Flash>,
    errors: FieldErrors,
) -> PasswordPage {
    PasswordPage {
        layout: Layout::front(ctx, user, "修改密码", "/rsrc/zc/password", flash),
        action: "/rsrc/zc/password",
        errors,
    }
}

pub async fn password_page(
    ctx: ReqCtx,
    user: FrontUser,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    let flash = flash_from(q.m.as_deref());
    render(&password_form(&ctx, &user, flash, FieldErrors::default()))
}

/// The 修改密码 form of every site.
pub type PasswordForm = crate::app::accounts::PasswordChange;

/// Changing a password needs the current one; every other session of the account ends
/// and this one is replaced by a new session id.
pub async fn change_password(
    me: Member,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response> {
    let LoggedIn {
        state, ctx, user, ..
    } = &me;
    let secrets = user.password_secrets(state);
    let invalid = |errors: FieldErrors| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &password_form(ctx, user, None, errors),
        )
    };
    let who = secrets.holder();
    let caller = me.caller();
    let fresh = match app_accounts::change_password(state, &caller, &who, &form, Some(None)).await {
        Ok(fresh) => fresh.expect("a session was asked for"),
        Err(AppError::Validation(errors)) => return invalid(errors),
        Err(e) => return Err(e),
    };
    Ok((
        login_cookies(state, ctx.realm, fresh.token, fresh.csrf),
        Redirect::to("/rsrc/zc/password?m=password_changed"),
    )
        .into_response())
}
