//! The login procedure shared by the front site and the back office: captcha after
//! failures, lockout after five, generic messages, an audit entry for every outcome.

use axum::http::{StatusCode, header};
use uuid::Uuid;

use super::context::ReqCtx;
use crate::app::AppState;
use crate::app::limit::Bucket;
use crate::domain::auth::{CAPTCHA_AFTER, Realm, SubjectKind, locked_until, return_path};
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::infra::crypto;
use crate::messages::Msg;
use crate::store::audit::{self, Actor, Event, Outcome};
use crate::store::sessions::NewSession;
use crate::store::{accounts, captcha, sessions};

/// The account a login names, as far as the login needs it.
pub struct Candidate {
    pub kind: SubjectKind,
    pub id: Uuid,
    pub password_hash: String,
    pub failed: i32,
    pub locked_until: Option<i64>,
    pub disabled: bool,
    pub actor: Actor,
}

impl Candidate {
    /// The account a login names, with the audit actor it acts as.
    pub fn of(kind: SubjectKind, row: crate::store::entities::LoginColumns, actor: Actor) -> Self {
        Candidate {
            kind,
            id: row.id,
            password_hash: row.password_hash,
            failed: row.failed_logins,
            locked_until: row.locked_until,
            disabled: row.disabled,
            actor,
        }
    }
}

/// What the user typed besides the account.
pub struct Attempt<'a> {
    pub password: &'a str,
    pub captcha_id: &'a str,
    pub captcha: &'a str,
    /// The account as typed, masked, for the audit of unknown accounts.
    pub masked_account: String,
    /// The account as looked up (normalised, with its kind), which keys the stand-in
    /// counters of a name that belongs to nobody.
    pub account_key: String,
    /// The form's hidden `next`: where to go after logging in.
    pub next: &'a str,
}

pub enum Outcome_ {
    LoggedIn(NewSession),
    Refused { message: String, captcha: bool },
}

/// The login form of either site; each site reads its own account field and ignores the other's.
#[derive(serde::Deserialize, Default)]
pub struct LoginForm {
    /// The back office's account.
    #[serde(default)]
    pub username: String,
    /// The front site's kind of account, `person` or `unit`.
    #[serde(default)]
    pub kind: String,
    /// The front site's account: an ID number or a credit code.
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub captcha_id: String,
    #[serde(default)]
    pub captcha: String,
    #[serde(default)]
    pub next: String,
}

impl LoginForm {
    /// What the attempt needs of the form, with the account as the site reads it.
    pub fn attempt(&self, masked_account: String, account_key: String) -> Attempt<'_> {
        Attempt {
            password: &self.password,
            captcha_id: &self.captcha_id,
            captcha: &self.captcha,
            masked_account,
            account_key,
            next: &self.next,
        }
    }
}

/// Runs one login attempt. `extra` is a last check on a correct password (the UKEY binding).
async fn decide(
    state: &AppState,
    ctx: &ReqCtx,
    candidate: Option<Candidate>,
    input: Attempt<'_>,
    extra: impl FnOnce(&Candidate) -> Option<Msg>,
) -> Result<Outcome_> {
    let now = state.now_ms();
    let refuse = |m: Msg, captcha: bool| Outcome_::Refused {
        message: m.text().to_owned(),
        captcha,
    };
    if !state.limiter.hit(Bucket::Login, ctx.ip, now).await {
        return Ok(refuse(Msg::TooManyRequests, state.settings.captcha));
    }
    let ip_failures = state.limiter.count(Bucket::LoginFailure, ctx.ip, now).await as i32;
    // An unknown name fails, captchas and locks exactly as an account would.
    let (account_failures, account_lock) = match &candidate {
        Some(c) => (c.failed, c.locked_until),
        None => {
            state
                .limiter
                .unknown_account(&input.account_key, now)
                .await?
        }
    };
    let need_captcha = state.settings.captcha
        && (ip_failures >= CAPTCHA_AFTER || account_failures >= CAPTCHA_AFTER);
    if need_captcha {
        if input.captcha.trim().is_empty() || input.captcha_id.is_empty() {
            return Ok(refuse(Msg::CaptchaRequired, true));
        }
        if !captcha::check(
            &state.db.conn,
            &state.keys,
            input.captcha_id,
            input.captcha,
            now,
        )
        .await?
        {
            return Ok(refuse(Msg::CaptchaWrong, true));
        }
    }
    let anon = Actor {
        label: input.masked_account.clone(),
        ..Actor::anonymous()
    };
    let actor = candidate.as_ref().map_or(anon, |c| c.actor.clone());
    let object = candidate.as_ref().map_or_else(
        || "account:unknown".to_owned(),
        |c| format!("{}:{}", c.kind.as_str(), c.id),
    );
    let ip = ctx.ip.to_string();
    // Every outcome but a login is audited about the same actor and object.
    let event = |outcome: Outcome, action: &'static str, detail: String| Event {
        actor: &actor,
        ip: &ip,
        action,
        object: object.clone(),
        outcome,
        detail,
    };
    let record = |outcome: Outcome, action: &'static str, detail: String| {
        audit::record(&state.db, now, event(outcome, action, detail))
    };

    if let Some(until) = locked_until(account_lock, now) {
        record(Outcome::Denied, "login", "account locked".into()).await?;
        return Ok(Outcome_::Refused {
            message: locked_message(until),
            captcha: need_captcha,
        });
    }

    let known = candidate.as_ref().map(|c| (c.kind, c.id));
    let hash = candidate
        .as_ref()
        .map_or(crypto::dummy_hash(), |c| c.password_hash.as_str())
        .to_owned();
    let password = input.password.to_owned();
    let ok = crate::infra::cpu::run("password check", move || {
        crypto::verify_password(&password, &hash)
    })
    .await?;

    let Some(c) = candidate.filter(|_| ok) else {
        state.limiter.hit(Bucket::LoginFailure, ctx.ip, now).await;
        let ip_after = ip_failures + 1;
        let (failed, lock) = match known {
            None => {
                let counted = state
                    .limiter
                    .unknown_account_failed(&input.account_key, now)
                    .await?;
                record(
                    Outcome::Failure,
                    "login",
                    "unknown account or wrong password".into(),
                )
                .await?;
                counted
            }
            Some((kind, id)) => {
                let tx = state.db.begin().await?;
                let (failed, lock) = accounts::record_failure(&*tx, kind, id, now).await?;
                let failure = event(Outcome::Failure, "login", "wrong password".into());
                audit::append(&*tx, now, failure).await?;
                if lock.is_some() {
                    let lockout = event(Outcome::Success, "lockout", "5 wrong passwords".into());
                    audit::append(&*tx, now, lockout).await?;
                }
                tx.commit().await?;
                (failed, lock)
            }
        };
        if let Some(until) = lock {
            return Ok(Outcome_::Refused {
                message: locked_message(until),
                captcha: state.settings.captcha,
            });
        }
        let captcha =
            state.settings.captcha && (ip_after >= CAPTCHA_AFTER || failed >= CAPTCHA_AFTER);
        return Ok(refuse(Msg::LoginFailed, captcha));
    };

    if c.disabled {
        record(Outcome::Denied, "login", "account disabled".into()).await?;
        return Ok(refuse(Msg::AccountDisabled, need_captcha));
    }
    if let Some(m) = extra(&c) {
        record(Outcome::Denied, "login", m.code().into()).await?;
        return Ok(refuse(m, need_captcha));
    }

    let tx = state.db.begin().await?;
    accounts::record_login(&*tx, c.kind, c.id, now).await?;
    let session = sessions::create(
        &*tx,
        c.kind,
        c.id,
        &ctx.ip.to_string(),
        ctx.cert_fingerprint.as_deref(),
        now,
    )
    .await?;
    let detail = if ctx.cert_fingerprint.is_some() {
        "password + UKEY certificate"
    } else {
        "password"
    };
    ctx.append(&*tx, now, &c.actor, "login", object, detail.into())
        .await?;
    tx.commit().await?;
    // The per-IP failure count is not reset here: a spray that mixes in a known good
    // password must still meet the captcha.
    Ok(Outcome_::LoggedIn(session))
}

/// Counts a login outcome for `/metrics`: ok, failed (wrong password or unknown account),
/// locked, or refused (captcha, rate limit, disabled, certificate rules).
fn counted(ctx: &ReqCtx, outcome: Outcome_) -> Outcome_ {
    let label = match &outcome {
        Outcome_::LoggedIn(_) => "ok",
        Outcome_::Refused { message, .. } if message.starts_with(Msg::AccountLocked.text()) => {
            "locked"
        }
        Outcome_::Refused { message, .. } if message == Msg::LoginFailed.text() => "failed",
        Outcome_::Refused { .. } => "refused",
    };
    metrics::counter!("zhicheng_logins_total", "site" => ctx.realm.as_str(), "outcome" => label)
        .increment(1);
    outcome
}

fn locked_message(until: i64) -> String {
    format!(
        "{}，请于 {} 后再试",
        Msg::AccountLocked.text(),
        format_minutes(until)
    )
}

/// Ends the request's session, with an audit entry.
pub async fn logout(
    state: &AppState,
    ctx: &ReqCtx,
    session: &crate::web::session::LiveSession,
    actor: &Actor,
) -> Result<()> {
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    sessions::delete(&*tx, &session.row.id_hash).await?;
    let object = format!("{}:{}", session.kind.as_str(), session.row.subject_id);
    ctx.append(&*tx, now, actor, "logout", object, String::new())
        .await?;
    tx.commit().await?;
    Ok(())
}

/// 退出 on either site: ends the session (audited) and clears the cookies; without a live
/// session it only clears them.
pub async fn logout_page<U>(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: ReqCtx,
    session: Option<crate::web::session::LiveSession>,
    user: Option<U>,
    crate::web::extract::CsrfForm(_): crate::web::extract::CsrfForm<crate::web::extract::NoFields>,
) -> Result<axum::response::Response>
where
    U: crate::web::site::SignedIn
        + axum::extract::OptionalFromRequestParts<AppState, Rejection = crate::error::AppError>,
{
    use axum::response::IntoResponse;
    if let (Some(s), Some(u)) = (session, user) {
        logout(&state, &ctx, &s, &u.caller(&state, &ctx).actor).await?;
    }
    let home = match ctx.realm {
        crate::domain::auth::Realm::Front => "/rsrc/?m=logged_out",
        crate::domain::auth::Realm::Back => "/sdmanager?m=logged_out",
    };
    Ok((
        crate::web::session::logout_cookies(&state, ctx.realm),
        axum::response::Redirect::to(home),
    )
        .into_response())
}

/// The part of a login page both sites draw alike: the message of a refused attempt (under
/// the password, or under the captcha when it is about the captcha), the captcha challenge
/// when one is asked for, and the page to return to.
#[derive(Default)]
pub struct LoginFields {
    pub error: String,
    pub captcha_id: Option<String>,
    pub captcha_error: String,
    pub next: String,
}

impl LoginFields {
    /// A fresh login form, which keeps `next` if the realm may return there.
    pub fn fresh(realm: Realm, next: Option<&str>) -> Self {
        LoginFields {
            next: kept_next(realm, next),
            ..Default::default()
        }
    }
}

/// A site's login page.
pub trait Page: askama::Template {
    /// The page with nothing typed yet, the flash `?m=` asked for and the fresh `fields`.
    fn fresh(ctx: &ReqCtx, flash: Option<crate::web::page::Flash>, fields: LoginFields) -> Self;
}

/// The login page (`GET`) of either site; a signed-in user goes on to the realm's home.
pub async fn page<P: Page>(
    ctx: ReqCtx,
    session: Option<crate::web::session::LiveSession>,
    crate::web::extract::Query(q): crate::web::extract::Query<LoginQuery>,
) -> Result<axum::response::Response> {
    use axum::response::{IntoResponse, Redirect};
    if session.is_some() {
        return Ok(Redirect::to(home(ctx.realm)).into_response());
    }
    let fields = LoginFields::fresh(ctx.realm, q.next.as_deref());
    let flash = crate::web::page::flash_from(q.m.as_deref());
    crate::web::page::render(&P::fresh(&ctx, flash, fields))
}

/// The page a signed-in user of the realm lands on when a login names none.
fn home(realm: Realm) -> &'static str {
    match realm {
        Realm::Front => "/rsrc/portal",
        Realm::Back => "/sdmanager/home",
    }
}

/// 登录 on either site: runs the attempt, then either sets the session cookies and leads on
/// (to `next` when it is one of the realm's pages, else the realm's home), or draws the form
/// again with 422 through `page`, which adds what the site's form shows besides.
pub async fn answer<T: askama::Template>(
    state: &AppState,
    ctx: &ReqCtx,
    candidate: Option<Candidate>,
    input: Attempt<'_>,
    extra: impl FnOnce(&Candidate) -> Option<Msg>,
    page: impl FnOnce(LoginFields) -> T,
) -> Result<axum::response::Response> {
    use axum::response::{IntoResponse, Redirect};
    let next = input.next;
    let outcome = decide(state, ctx, candidate, input, extra).await?;
    match counted(ctx, outcome) {
        Outcome_::LoggedIn(s) => Ok((
            crate::web::session::login_cookies(state, ctx.realm, s.token, s.csrf),
            Redirect::to(landing(ctx.realm, next, home(ctx.realm))),
        )
            .into_response()),
        Outcome_::Refused { message, captcha } => {
            let (error, captcha_error) = if message.contains("验证码") {
                (String::new(), message)
            } else {
                (message, String::new())
            };
            let fields = LoginFields {
                error,
                captcha_id: captcha.then(|| crypto::random_token(16)),
                captcha_error,
                next: kept_next(ctx.realm, Some(next)),
            };
            crate::web::page::render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(fields))
        }
    }
}

/// The captcha picture for a challenge id chosen by the login page, on either site; each
/// request draws a new answer.
pub async fn captcha_image(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: ReqCtx,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
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
    crate::store::exec(
        &*tx,
        "DELETE FROM captchas WHERE id = ?",
        vec![id.as_str().into()],
    )
    .await?;
    captcha::create(&*tx, &state.keys, &id, &answer, now).await?;
    tx.commit().await?;
    if let Some(log) = state.captcha_log.get() {
        log.record(&id, &answer);
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

/// The login page's query: a message code, and the signed-in page to return to.
#[derive(serde::Deserialize, Default)]
pub struct LoginQuery {
    #[serde(default)]
    pub m: Option<String>,
    #[serde(default)]
    pub next: Option<String>,
}

/// `next` if the realm may return there after a login (see [`return_path`]), else empty: what
/// the login form carries in its hidden `next` field.
pub fn kept_next(realm: Realm, next: Option<&str>) -> String {
    next.and_then(|n| return_path(realm, n))
        .unwrap_or_default()
        .to_owned()
}

/// Where a successful login leads: back to `next` when it is one of the realm's own pages.
pub fn landing<'a>(realm: Realm, next: &'a str, home: &'a str) -> &'a str {
    return_path(realm, next).unwrap_or(home)
}
