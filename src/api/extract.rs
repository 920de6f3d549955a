//! What API handlers take from a request: the caller (an API token or the browser session),
//! a JSON body and a query string, each refusing bad input with a JSON error, never a page.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::Method;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::app::{AppState, Caller};
use crate::domain::auth::{AdminRole, Realm, SubjectKind};
use crate::error::AppError;
use crate::messages::Msg;
use crate::store::accounts;
use crate::store::audit::Actor;
use crate::store::dicts::Dicts;
use crate::store::tokens::{self, Scope};
use crate::web::context::ReqCtx;
use crate::web::error::ApiError;
use crate::web::extract::constant_time_eq;
use crate::web::session::{AdminUser, FrontUser};

/// The header a same-site script sends the form token in when it calls with the session.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Whether the call may change something: every method but the safe ones, except a search
/// that posts its query so that an ID number never stands in a URL (`…/search`).
fn writes(parts: &Parts) -> bool {
    !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS)
        && !parts.uri.path().ends_with("/search")
}

/// The secret of `Authorization: Bearer …`, if the request carries one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let v = parts.headers.get(axum::http::header::AUTHORIZATION)?;
    let v = v.to_str().ok()?;
    let (scheme, secret) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

/// A live token of this site's realm, or 401; a read-only one is refused any write.
async fn token_of(
    parts: &Parts,
    state: &AppState,
    secret: &str,
    realm: Realm,
) -> Result<tokens::Token, AppError> {
    let now = state.now_ms();
    let t = tokens::authenticate(&state.db.conn, secret, now)
        .await?
        .filter(|t| t.kind.realm() == realm)
        .ok_or(AppError::Status(401, Msg::TokenInvalid))?;
    if t.use_due(now) {
        // Through the writer's queue: on SQLite a write beside it would be a second writer.
        let id = t.id;
        state
            .db
            .write(Box::new(move |tx| {
                Box::pin(async move { tokens::mark_used(tx, id, now).await })
            }))
            .await?;
    }
    if writes(parts) && t.scope == Scope::Read {
        return Err(AppError::Status(403, Msg::TokenReadOnly));
    }
    Ok(t)
}

/// A session caller's writes must echo the form token in [`CSRF_HEADER`]: a cross-site page
/// cannot read it, so it cannot forge the call.
fn session_write_allowed(parts: &Parts, ctx: &ReqCtx) -> Result<(), AppError> {
    if !writes(parts) {
        return Ok(());
    }
    let sent = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if constant_time_eq(sent.as_bytes(), ctx.csrf.as_bytes()) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

/// An account that calls a site's API: by an API token of its site, or by the browser
/// session, whose writes must echo the form token.
pub trait SignsIn: FromRequestParts<AppState, Rejection = AppError> + Send + Sized {
    /// The site its tokens are for.
    const REALM: Realm;

    /// The account a live token names, refused (401) when it is gone or disabled.
    fn by_token(
        state: &AppState,
        t: tokens::Token,
    ) -> impl Future<Output = Result<Self, AppError>> + Send;

    /// Who it acts as in the audit log.
    fn audit_actor(&self, dicts: &Dicts) -> Actor;
}

impl SignsIn for FrontUser {
    const REALM: Realm = Realm::Front;

    async fn by_token(state: &AppState, t: tokens::Token) -> Result<Self, AppError> {
        let user = match t.kind {
            SubjectKind::Person => accounts::person_by_id(&state.db.conn, t.subject)
                .await?
                .filter(|p| !p.disabled)
                .map(FrontUser::Person),
            SubjectKind::Unit => accounts::unit_by_id(&state.db.conn, t.subject)
                .await?
                .filter(|u| !u.disabled)
                .map(FrontUser::Unit),
            SubjectKind::Admin => None,
        };
        let user = user.ok_or(AppError::Status(401, Msg::TokenInvalid))?;
        if user.must_change_password() {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(user)
    }

    fn audit_actor(&self, dicts: &Dicts) -> Actor {
        self.actor(dicts)
    }
}

impl SignsIn for AdminUser {
    const REALM: Realm = Realm::Back;

    async fn by_token(state: &AppState, t: tokens::Token) -> Result<Self, AppError> {
        let admin = accounts::admin_by_id(&state.db.conn, t.subject)
            .await?
            .filter(|a| !a.disabled)
            .ok_or(AppError::Status(401, Msg::TokenInvalid))?;
        if admin.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        let role = AdminRole::parse(&admin.role).ok_or(AppError::Forbidden)?;
        Ok(AdminUser { admin, role })
    }

    fn audit_actor(&self, dicts: &Dicts) -> Actor {
        self.actor(dicts)
    }
}

/// A signed-in account calling its site's API, the caller it acts as, and the
/// application's state (as `State` gives it).
pub struct Api<U> {
    pub user: U,
    pub caller: Caller,
    pub state: AppState,
}

/// A logged-in person or unit calling the front API.
pub type ApiUser = Api<FrontUser>;

/// A back-office user calling the back-office API (its network rules apply as for pages).
pub type ApiAdmin = Api<AdminUser>;

impl<U: SignsIn> FromRequestParts<AppState> for Api<U> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let ctx = ReqCtx::from_request_parts(parts, state).await?;
        let user = match bearer(parts) {
            Some(secret) => {
                let t = token_of(parts, state, secret, U::REALM).await?;
                U::by_token(state, t).await?
            }
            None => {
                let user = U::from_request_parts(parts, state).await?;
                session_write_allowed(parts, &ctx)?;
                user
            }
        };
        let caller = Caller::new(user.audit_actor(&state.dicts()), ctx.ip);
        Ok(Api {
            user,
            caller,
            state: state.clone(),
        })
    }
}

impl ApiUser {
    /// The caller if `pick` accepts its kind (person or unit); the other kind is told "not
    /// found", so a path reveals nothing to whom it is not for.
    async fn narrowed<T>(
        parts: &mut Parts,
        state: &AppState,
        pick: impl FnOnce(FrontUser) -> Option<T>,
    ) -> Result<Api<T>, ApiError> {
        let u = ApiUser::from_request_parts(parts, state).await?;
        let user = pick(u.user).ok_or(AppError::NotFound)?;
        Ok(Api {
            user,
            caller: u.caller,
            state: u.state,
        })
    }
}

/// Declares a front-API caller of one kind of account (`FrontUser::$kind`, held in
/// `$field`); the other kind is told "not found" (see [`ApiUser::narrowed`]).
macro_rules! narrowed_caller {
    ($(#[$doc:meta])* $name:ident { $field:ident: $model:ty } of $kind:ident) => {
        $(#[$doc])*
        pub struct $name {
            pub $field: $model,
            pub caller: Caller,
            /// The application's state, as `State` gives it.
            pub state: AppState,
        }

        impl FromRequestParts<AppState> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &AppState,
            ) -> Result<Self, ApiError> {
                let narrowed = ApiUser::narrowed(parts, state, |u| match u {
                    FrontUser::$kind(account) => Some(account),
                    _ => None,
                })
                .await?;
                Ok($name {
                    $field: narrowed.user,
                    caller: narrowed.caller,
                    state: narrowed.state,
                })
            }
        }
    };
}

narrowed_caller!(
    /// A person calling the front API; units are told "not found".
    ApiPerson { person: crate::store::entities::person::Model } of Person
);

narrowed_caller!(
    /// A unit calling the front API; persons are told "not found".
    ApiUnit { unit: crate::store::entities::unit::Model } of Unit
);

/// Strips the control characters no field may hold from every string of a JSON document
/// (SECURITY item 12, as `CsrfForm` does for forms).
fn clean(v: &mut serde_json::Value) {
    use crate::domain::text::strip_controls;
    match v {
        serde_json::Value::String(s) if s.chars().any(char::is_control) => {
            *s = strip_controls(s).into_owned();
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(clean),
        serde_json::Value::Object(o) => {
            let taken = std::mem::take(o);
            for (k, mut val) in taken {
                clean(&mut val);
                o.insert(strip_controls(&k).into_owned(), val);
            }
        }
        _ => {}
    }
}

/// A JSON body; anything else (not JSON, wrong types, missing fields) is a 400 or 415 with
/// the catalogue's message.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        let json_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| {
                let v = v.to_ascii_lowercase();
                v.starts_with("application/json") || v.contains("+json")
            });
        if !json_type {
            return Err(AppError::Status(415, Msg::BadJson).into());
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::TooLarge)?;
        let mut v: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|_| AppError::Status(400, Msg::BadJson))?;
        clean(&mut v);
        serde_json::from_value(v)
            .map(ApiJson)
            .map_err(|_| AppError::Status(400, Msg::BadJson).into())
    }
}

/// A query string, cleaned as forms are; a value of the wrong type is a 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Bounds> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, ApiError> {
        let raw = parts.uri.query().unwrap_or("").as_bytes();
        let bad = |_| AppError::Status(400, Msg::BadRequest);
        // An integer sent empty would read as absent: the document says it is no integer.
        let pairs: Vec<(String, String)> = serde_html_form::from_bytes(raw).map_err(bad)?;
        if pairs
            .iter()
            .any(|(k, v)| v.is_empty() && T::INTEGERS.contains(&k.as_str()))
        {
            return Err(AppError::Status(400, Msg::BadRequest).into());
        }
        // The limits hold for what was sent; the handler gets it cleaned of control
        // characters, as forms are.
        serde_html_form::from_bytes::<T>(raw)
            .map_err(bad)?
            .check()?;
        let q = serde_html_form::from_bytes(&crate::web::extract::clean_urlencoded(raw))
            .map_err(bad)?;
        Ok(ApiQuery(q))
    }
}

/// The limits a query's values must keep, as its OpenAPI parameters declare them: a value
/// outside them is a 400, never silently cut or clamped.
pub trait Bounds {
    /// The integer parameters, which may not be sent empty.
    const INTEGERS: &'static [&'static str] = &[];
    fn check(&self) -> Result<(), AppError>;
}

/// Declares a query of one text parameter, `String` (empty when absent) or `Option<String>`,
/// of at most `$max` characters: the document's `max_length` and the check of [`Bounds`] come
/// from the one number.
macro_rules! text_query {
    ($(#[$doc:meta])* $name:ident { $(#[$fdoc:meta])* $field:ident: String, at most $max:tt }) => {
        $(#[$doc])*
        #[derive(serde::Deserialize, utoipa::IntoParams, Default)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            $(#[$fdoc])*
            #[serde(default)]
            #[param(max_length = $max)]
            pub $field: String,
        }

        impl $crate::api::extract::Bounds for $name {
            fn check(&self) -> Result<(), $crate::error::AppError> {
                $crate::api::extract::at_most(Some(&self.$field), $max)
            }
        }
    };
    ($(#[$doc:meta])* $name:ident { $(#[$fdoc:meta])* $field:ident: Option<String>, at most $max:tt }) => {
        $(#[$doc])*
        #[derive(serde::Deserialize, utoipa::IntoParams, Default)]
        #[into_params(parameter_in = Query)]
        pub struct $name {
            $(#[$fdoc])*
            #[param(max_length = $max)]
            pub $field: Option<String>,
        }

        impl $crate::api::extract::Bounds for $name {
            fn check(&self) -> Result<(), $crate::error::AppError> {
                $crate::api::extract::at_most(self.$field.as_deref(), $max)
            }
        }
    };
}
pub(crate) use text_query;

/// At most `max` characters.
pub fn at_most(value: Option<&str>, max: usize) -> Result<(), AppError> {
    match value {
        Some(v) if v.chars().count() > max => Err(AppError::Status(400, Msg::BadRequest)),
        _ => Ok(()),
    }
}

/// Within `lo..=hi` when given.
pub fn within(value: Option<u32>, lo: u32, hi: u32) -> Result<(), AppError> {
    match value {
        Some(v) if !(lo..=hi).contains(&v) => Err(AppError::Status(400, Msg::BadRequest)),
        _ => Ok(()),
    }
}
