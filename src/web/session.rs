//! Who is logged in: session cookies and the extractors that demand a person, a unit or an admin.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar};

use super::context::{Bell, ReqCtx, cookie_name, make_cookie};
use crate::app::AppState;
use crate::domain::auth::{AdminRole, Realm, SubjectKind, session_alive};
use crate::error::AppError;
use crate::store::entities::{admin, person, session, unit};
use crate::store::sessions::{self, Account};

/// The session cookie that logs `token` in, and a fresh form token for the new session.
pub fn login_cookies(state: &AppState, realm: Realm, token: String, csrf: String) -> CookieJar {
    CookieJar::new()
        .add(make_cookie(state, cookie_name(state, realm, "sid"), token))
        .add(make_cookie(state, cookie_name(state, realm, "csrf"), csrf))
}

/// Cookies that clear the session.
pub fn logout_cookies(state: &AppState, realm: Realm) -> CookieJar {
    let mut gone = make_cookie(state, cookie_name(state, realm, "sid"), String::new());
    gone.make_removal();
    CookieJar::new().add(gone)
}

/// A live session of the request's site.
#[derive(Clone, Debug)]
pub struct LiveSession {
    pub row: session::Model,
    pub kind: SubjectKind,
    /// The account the session belongs to, read with it; `None` if it is gone.
    account: Option<Account>,
}

impl FromRequestParts<AppState> for LiveSession {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(s) = parts.extensions.get::<LiveSession>() {
            return Ok(s.clone());
        }
        let ctx = ReqCtx::from_request_parts(parts, state).await?;
        let jar = CookieJar::from_headers(&parts.headers);
        let token = jar
            .get(&cookie_name(state, ctx.realm, "sid"))
            .map(Cookie::value)
            .filter(|v| !v.is_empty())
            .ok_or(AppError::Unauthenticated)?;
        // A page (GET) shows the unread count in its header: read it with the session.
        let bell = parts.method == Method::GET;
        let signed = sessions::find_signed(&state.db, token, ctx.realm, bell)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let row = signed.session;
        let now = state.now_ms();
        let kind = SubjectKind::parse(&row.subject_kind).ok_or(AppError::Unauthenticated)?;
        if row.realm != ctx.realm.as_str() || kind.realm() != ctx.realm {
            return Err(AppError::Unauthenticated);
        }
        if !session_alive(ctx.realm, row.created_at, row.last_seen_at, now) {
            let id_hash = row.id_hash.clone();
            state
                .db
                .write(Box::new(move |tx| {
                    Box::pin(async move { sessions::delete(tx, &id_hash).await })
                }))
                .await?;
            return Err(AppError::Unauthenticated);
        }
        // On the UKEY listener the same certificate must be presented on every request.
        if row.cert_fingerprint.is_some() && row.cert_fingerprint != ctx.cert_fingerprint {
            return Err(AppError::Unauthenticated);
        }
        // The form token belongs to this session (set with it at login): a token planted in
        // the browser before login, or taken from another session, is refused on every write.
        let writes = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if writes && !super::extract::constant_time_eq(ctx.csrf.as_bytes(), row.csrf.as_bytes()) {
            return Err(AppError::Csrf);
        }
        if sessions::touch_due(&row, now) {
            // Through the writer's queue like every other write: on SQLite a statement of
            // its own beside the group commit would be a second writer.
            let id_hash = row.id_hash.clone();
            state
                .db
                .write(Box::new(move |tx| {
                    Box::pin(async move { sessions::touch(tx, &id_hash, now).await })
                }))
                .await?;
        }
        if let Some(unread) = signed.unread {
            let subject = (kind, row.subject_id);
            ctx.bell.get_or_init(|| Bell { subject, unread });
        }
        let live = LiveSession {
            row,
            kind,
            account: signed.account,
        };
        parts.extensions.insert(live.clone());
        Ok(live)
    }
}

/// What a signed-in page handler starts from: the application state, the request's context
/// and the signed-in user (`AdminUser`, `FrontUser`, an extractor built on them, or `Anyone`). One
/// extractor instead of the same three in every handler; they are taken in the order the
/// handlers named them, so a request is refused exactly as before.
pub struct Signed<U> {
    pub state: AppState,
    pub ctx: ReqCtx,
    pub user: U,
}

impl<U> FromRequestParts<AppState> for Signed<U>
where
    U: FromRequestParts<AppState, Rejection = AppError> + Send,
{
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ctx = ReqCtx::from_request_parts(parts, state).await?;
        let user = U::from_request_parts(parts, state).await?;
        Ok(Signed {
            state: state.clone(),
            ctx,
            user,
        })
    }
}

/// Anyone at all: the "user" of the pages without a login.
pub struct Anyone;

impl FromRequestParts<AppState> for Anyone {
    type Rejection = AppError;

    async fn from_request_parts(_: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        Ok(Anyone)
    }
}

/// What a page without a login starts from (登录, 注册, 找回密码, the public check of a
/// 转入表): the application state and the request's context.
pub type Visitor = Signed<Anyone>;

/// A logged-in person or unit on the front site.
#[derive(Clone, Debug)]
pub enum FrontUser {
    Person(person::Model),
    Unit(unit::Model),
}

impl FrontUser {
    pub fn name(&self) -> &str {
        match self {
            FrontUser::Person(p) => &p.name,
            FrontUser::Unit(u) => &u.name,
        }
    }
    pub fn role_label(&self) -> &'static str {
        match self {
            FrontUser::Person(_) => "个人",
            FrontUser::Unit(_) => "单位",
        }
    }
    pub fn kind(&self) -> SubjectKind {
        match self {
            FrontUser::Person(_) => SubjectKind::Person,
            FrontUser::Unit(_) => SubjectKind::Unit,
        }
    }
    pub fn id(&self) -> uuid::Uuid {
        match self {
            FrontUser::Person(p) => p.id,
            FrontUser::Unit(u) => u.id,
        }
    }
    pub fn must_change_password(&self) -> bool {
        match self {
            FrontUser::Person(p) => p.must_change_password,
            FrontUser::Unit(u) => u.must_change_password,
        }
    }
    /// The audit actor for this user; a person is labelled with the masked ID number.
    /// What a new password of this account is checked against.
    pub fn password_secrets(&self, state: &AppState) -> crate::app::accounts::PasswordSecrets {
        use crate::app::accounts::PasswordSecrets;
        match self {
            FrontUser::Person(p) => PasswordSecrets::of_person(state, p),
            FrontUser::Unit(u) => PasswordSecrets::of_unit(u),
        }
    }

    pub fn actor(&self, dicts: &crate::store::dicts::Dicts) -> crate::store::audit::Actor {
        match self {
            FrontUser::Person(p) => crate::store::audit::Actor::person(p),
            FrontUser::Unit(u) => unit_actor(u, dicts),
        }
    }
}

impl FrontUser {
    /// The person or unit a live front-site session belongs to, unless disabled.
    async fn of_session(state: &AppState, live: &LiveSession) -> Result<Self, AppError> {
        let user = match &live.account {
            Some(Account::Person(p)) => FrontUser::Person(p.clone()),
            Some(Account::Unit(u)) => FrontUser::Unit(u.clone()),
            Some(Account::Admin(_)) | None => return Err(AppError::Unauthenticated),
        };
        let disabled = match &user {
            FrontUser::Person(p) => p.disabled,
            FrontUser::Unit(u) => u.disabled,
        };
        refuse_disabled(state, (user.kind(), user.id()), disabled).await?;
        Ok(user)
    }
}

/// A logged-in back-office user.
#[derive(Clone, Debug)]
pub struct AdminUser {
    pub admin: admin::Model,
    pub role: AdminRole,
}

impl AdminUser {
    pub fn actor(&self, dicts: &crate::store::dicts::Dicts) -> crate::store::audit::Actor {
        admin_actor(&self.admin, dicts)
    }
}

/// A unit as the audit log names it: with its region.
pub fn unit_actor(
    u: &unit::Model,
    dicts: &crate::store::dicts::Dicts,
) -> crate::store::audit::Actor {
    let region = dicts.region(&u.region_code).map(|r| r.name.clone());
    crate::store::audit::Actor::unit(u, region.unwrap_or_default())
}

/// A back-office user as the audit log names it: with the bureau.
pub fn admin_actor(
    a: &admin::Model,
    dicts: &crate::store::dicts::Dicts,
) -> crate::store::audit::Actor {
    crate::store::audit::Actor {
        kind: "admin",
        id: Some(a.id),
        label: a.username.clone(),
        org: dicts
            .region(&a.bureau_code)
            .map(|r| bureau_name(&r.name))
            .unwrap_or_default(),
    }
}

/// 山东省 → 山东省人力资源和社会保障厅, 济南市 → 济南市人力资源和社会保障局.
pub fn bureau_name(region: &str) -> String {
    if region == "山东省" {
        "山东省人力资源和社会保障厅".into()
    } else {
        format!("{region}人力资源和社会保障局")
    }
}

impl AdminUser {
    /// The back-office user a live session belongs to, unless disabled.
    async fn of_session(state: &AppState, live: &LiveSession) -> Result<Self, AppError> {
        let Some(Account::Admin(admin)) = &live.account else {
            return Err(AppError::Unauthenticated);
        };
        let admin = admin.clone();
        refuse_disabled(state, (SubjectKind::Admin, admin.id), admin.disabled).await?;
        let role = AdminRole::parse(&admin.role).ok_or(AppError::Forbidden)?;
        Ok(AdminUser { admin, role })
    }

    pub fn must_change_password(&self) -> bool {
        self.admin.must_change_password
    }

    /// What a new password of this user is checked against: the hash and the username.
    pub fn password_holder(&self) -> crate::app::accounts::Holder<'_> {
        crate::app::accounts::Holder {
            subject: (SubjectKind::Admin, self.admin.id),
            hash: &self.admin.password_hash,
            words: crate::domain::password::PasswordContext {
                username: Some(&self.admin.username),
                ..Default::default()
            },
        }
    }
}

/// A disabled account's sessions end with it, this request's too.
async fn refuse_disabled(
    state: &AppState,
    (kind, id): (SubjectKind, uuid::Uuid),
    disabled: bool,
) -> Result<(), AppError> {
    if disabled {
        state
            .db
            .write(Box::new(move |tx| {
                Box::pin(async move { sessions::delete_for_subject(tx, kind, id).await.map(drop) })
            }))
            .await?;
        return Err(AppError::Unauthenticated);
    }
    Ok(())
}

/// A user with a one-time password may open only the password page and 退出.
fn password_first(parts: &Parts, must_change_password: bool) -> Result<(), AppError> {
    let p = parts.uri.path();
    if must_change_password && !(p.ends_with("/password") || p.ends_with("/logout")) {
        return Err(AppError::PasswordChangeRequired);
    }
    Ok(())
}

/// `Option<X>` as an extractor: `None` for the rejections listed (nobody logged in, or a
/// user who must change the password first), other errors still fail.
macro_rules! optional {
    ($t:ty, $($none:path)|+) => {
        impl OptionalFromRequestParts<AppState> for $t {
            type Rejection = AppError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Option<Self>, Self::Rejection> {
                match <$t as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
                    Ok(s) => Ok(Some(s)),
                    Err($($none)|+) => Ok(None),
                    Err(e) => Err(e),
                }
            }
        }
    };
}

/// The extractor of a site's signed-in user: the live session's account (`of_session`),
/// which must change a one-time password before anything else; optional like the session.
macro_rules! signed_user {
    ($($t:ty),+) => {$(
        impl FromRequestParts<AppState> for $t {
            type Rejection = AppError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, Self::Rejection> {
                let live = <LiveSession as FromRequestParts<AppState>>::from_request_parts(
                    parts, state,
                )
                .await?;
                let user = <$t>::of_session(state, &live).await?;
                password_first(parts, user.must_change_password())?;
                Ok(user)
            }
        }

        optional!($t, AppError::Unauthenticated | AppError::PasswordChangeRequired);
    )+};
}

optional!(LiveSession, AppError::Unauthenticated);
signed_user!(FrontUser, AdminUser);

/// `GET …/keepalive`: 204 while the session lives, and the session's idle clock starts again
/// (the page's "继续办理" in the timeout warning); a dead session gets the login redirect.
pub async fn keepalive(_session: LiveSession) -> Response {
    (
        StatusCode::NO_CONTENT,
        [(header::CACHE_CONTROL, "no-store")],
    )
        .into_response()
}
