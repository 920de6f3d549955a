//! What the two sites' signed-in users differ in, for the pages both sites have (修改密码,
//! 访问令牌, 退出, the session keepalive): each such page is written once, for any `SignedIn`
//! user, and `site_routes` puts them under each site.

use axum::Router;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::routing::{get, post};
use uuid::Uuid;

use crate::app::accounts::{Holder, PasswordSecrets};
use crate::app::{AppState, Caller};
use crate::domain::auth::SubjectKind;
use crate::error::{AppError, Result};
use crate::web::context::ReqCtx;
use crate::web::page::{Flash, Layout};
use crate::web::session::{AdminUser, FrontUser};
use crate::web::{login, password, session, static_file, tokens};

/// The signed-in user of either site, as the pages both sites have need them.
pub trait SignedIn: FromRequestParts<AppState, Rejection = AppError> + Send {
    /// The site's base path: `/rsrc` or `/sdmanager`.
    const BASE: &'static str;
    /// The signed-in pages' prefix under the base: `/zc` on the front site.
    const SIGNED_IN: &'static str;
    /// Where a changed password lands, with its flash.
    const PASSWORD_CHANGED: &'static str;

    /// The account, as sessions, notices and tokens name it.
    fn subject(&self) -> (SubjectKind, Uuid);
    /// 人, 单位, 机构: whose systems the account's tokens serve.
    fn whose(&self) -> &'static str;
    fn caller(&self, state: &AppState, ctx: &ReqCtx) -> Caller;
    /// The frame of a page of this user's menu; `active` is the current menu href.
    fn frame(&self, ctx: &ReqCtx, title: &str, active: &str, flash: Option<Flash>) -> Layout;
    /// What a new password of this account is checked against (修改密码).
    fn secrets(&self, state: &AppState) -> Secrets<'_>;

    /// The path of the signed-in page `page` (`/tokens`) under the site's base.
    fn page(page: &str) -> String {
        format!("{}{page}", Self::SIGNED_IN)
    }

    /// `frame` with the unread-message count for the header bell.
    fn layout(
        &self,
        state: &AppState,
        ctx: &ReqCtx,
        title: &str,
        active: &str,
        flash: Option<Flash>,
    ) -> impl Future<Output = Result<Layout>> + Send {
        let frame = self.frame(ctx, title, active, flash);
        frame.with_bell(state, ctx, self.subject())
    }
}

impl SignedIn for FrontUser {
    const BASE: &'static str = "/rsrc";
    const SIGNED_IN: &'static str = "/zc";
    const PASSWORD_CHANGED: &'static str = "/rsrc/zc/password?m=password_changed";

    fn subject(&self) -> (SubjectKind, Uuid) {
        (self.kind(), self.id())
    }
    fn whose(&self) -> &'static str {
        match self {
            FrontUser::Person(_) => "人",
            FrontUser::Unit(_) => "单位",
        }
    }
    fn caller(&self, state: &AppState, ctx: &ReqCtx) -> Caller {
        ctx.caller(state, self)
    }
    fn frame(&self, ctx: &ReqCtx, title: &str, active: &str, flash: Option<Flash>) -> Layout {
        Layout::front(ctx, self, title, active, flash)
    }
    fn secrets(&self, state: &AppState) -> Secrets<'_> {
        Secrets::Account(self.password_secrets(state))
    }
}

impl SignedIn for AdminUser {
    const BASE: &'static str = "/sdmanager";
    const SIGNED_IN: &'static str = "";
    const PASSWORD_CHANGED: &'static str = "/sdmanager/home?m=password_changed";

    fn subject(&self) -> (SubjectKind, Uuid) {
        (SubjectKind::Admin, self.admin.id)
    }
    fn whose(&self) -> &'static str {
        "机构"
    }
    fn caller(&self, state: &AppState, ctx: &ReqCtx) -> Caller {
        ctx.admin_caller(state, self)
    }
    fn frame(&self, ctx: &ReqCtx, title: &str, active: &str, flash: Option<Flash>) -> Layout {
        Layout::back(ctx, self, title, active, flash)
    }
    fn secrets(&self, _: &AppState) -> Secrets<'_> {
        Secrets::Admin(self)
    }
}

/// What a new password is checked against: a person's or unit's secrets, read out of the
/// account (the ID number decrypted), or a back-office user's name.
pub enum Secrets<'a> {
    Account(PasswordSecrets),
    Admin(&'a AdminUser),
}

impl Secrets<'_> {
    pub fn holder(&self) -> Holder<'_> {
        match self {
            Secrets::Account(s) => s.holder(),
            Secrets::Admin(a) => a.password_holder(),
        }
    }
}

/// The routes both sites have, for their signed-in user `U`: 退出, the login's captcha
/// picture, the static files, and among the signed-in pages the session keepalive,
/// 修改密码 and 访问令牌.
pub fn site_routes<U>() -> Router<AppState>
where
    U: SignedIn + OptionalFromRequestParts<AppState, Rejection = AppError> + Sync + 'static,
{
    Router::new()
        .route("/logout", post(login::logout_page::<U>))
        .route("/captcha/{id}", get(login::captcha_image))
        .route(&U::page("/keepalive"), get(session::keepalive))
        .route(
            &U::page("/password"),
            get(password::show::<U>).post(password::change::<U>),
        )
        .route(
            &U::page("/tokens"),
            get(tokens::show::<U>).post(tokens::create::<U>),
        )
        .route(&U::page("/tokens/{id}/revoke"), post(tokens::revoke::<U>))
        .route("/static/{name}", get(static_file))
}
