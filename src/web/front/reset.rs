//! 找回密码: a code sent to the registered mobile number replaces the password.
//!
//! The page answers the same whether or not the account and number match, so it cannot
//! be used to find out who is registered; the ticket it hands on is encrypted.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use rand::Rng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::AppState;
use crate::app::limit::Bucket;
use crate::domain::account::{FieldErrors, parse_new_password};
use crate::domain::auth::SubjectKind;
use crate::domain::ids::Phone;
use crate::domain::mask::mask;
use crate::domain::password::PasswordContext;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::audit::{self, Actor, Event, Outcome};
use crate::store::reset::{self, Verdict};
use crate::store::{accounts, sessions};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::{Flash, Layout, render, render_status};

const TICKET: &str = "password.reset";

#[derive(Template)]
#[template(path = "front/forgot.html")]
struct ForgotPage {
    layout: Layout,
    kind: String,
    account: String,
    phone: String,
    errors: FieldErrors,
}

impl ForgotPage {
    fn err(&self, f: &str) -> &'static str {
        self.errors.get(f).unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "front/reset.html")]
struct ResetPage {
    layout: Layout,
    ticket: String,
    errors: FieldErrors,
}

impl ResetPage {
    fn err(&self, f: &str) -> &'static str {
        self.errors.get(f).unwrap_or("")
    }
}

/// What the reset page carries from 获取验证码 to 确定, encrypted. It has the same shape
/// whether or not the account and number matched: when they did not, `subject` is a random id
/// that no code belongs to, so every code is refused exactly as a wrong one would be.
#[derive(Serialize, Deserialize)]
struct Ticket {
    kind: String,
    subject: Uuid,
    /// The account as typed: the password policy's personal words come from it, never from
    /// the stored account, so the policy's answers cannot tell a match either.
    account: String,
    expires: i64,
}

pub async fn forgot_page(ctx: ReqCtx) -> Result<Response> {
    render(&ForgotPage {
        layout: Layout::public(&ctx, "找回密码", "/rsrc", None),
        kind: "person".into(),
        account: String::new(),
        phone: String::new(),
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize, Default)]
pub struct ForgotForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    account: String,
    #[serde(default)]
    phone: String,
}

pub async fn send_code(
    State(state): State<AppState>,
    ctx: ReqCtx,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response> {
    let now = state.now_ms();
    let account = form.account.trim().to_ascii_uppercase();
    let mut errors = FieldErrors::default();
    if account.is_empty() {
        errors.add("account", Msg::Required);
    }
    let phone = Phone::parse(&form.phone)
        .map_err(|e| errors.add("phone", crate::domain::account::phone_msg(e)))
        .ok();
    let Some(phone) = phone.filter(|_| errors.is_empty()) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ForgotPage {
                layout: Layout::public(&ctx, "找回密码", "/rsrc", None),
                kind: form.kind,
                account: form.account.chars().take(18).collect(),
                phone: form.phone.chars().take(11).collect(),
                errors,
            },
        );
    };
    if !state.limiter.hit(Bucket::Sms, ctx.ip, now) {
        return Err(AppError::TooManyRequests);
    }
    // Find the account whose registered number matches.
    let subject: Option<(SubjectKind, Uuid, Actor)> = if form.kind == "unit" {
        accounts::unit_by_credit_code(&state.db.conn, &account)
            .await?
            .and_then(|u| {
                let stored = state
                    .keys
                    .decrypt(accounts::UNIT_PHONE_CONTEXT, &u.contact_phone_cipher)
                    .ok()?;
                (stored == phone.as_str())
                    .then(|| (SubjectKind::Unit, u.id, Actor::unit(&u, String::new())))
            })
    } else {
        accounts::person_by_id_number(&state.db.conn, &state.keys, &account)
            .await?
            .and_then(|p| {
                let stored = state
                    .keys
                    .decrypt(accounts::PHONE_CONTEXT, &p.phone_cipher)
                    .ok()?;
                (stored == phone.as_str()).then(|| (SubjectKind::Person, p.id, Actor::person(&p)))
            })
    };
    // One answer for every outcome (sent, not matched, asked too soon): SECURITY item 5.
    let flash = Flash {
        ok: true,
        text: "若账号与注册手机号一致，验证码已发送至该手机，10分钟内有效；1分钟内只发送一次",
    };
    // Without a match, a decoy code is issued to a random id that no account has: the
    // ticket, the writes and every later answer (wrong code, used up) are then the same.
    let kind = if form.kind == "unit" {
        SubjectKind::Unit
    } else {
        SubjectKind::Person
    };
    let matched = subject.is_some();
    let (id, actor, object) = match subject {
        Some((k, id, actor)) => (id, actor, format!("{}:{id}", k.as_str())),
        None => (
            Uuid::now_v7(),
            Actor {
                label: mask(&account),
                ..Actor::anonymous()
            },
            "account:unknown".to_owned(),
        ),
    };
    let code = format!("{:08}", rand::thread_rng().gen_range(0..100_000_000u32));
    let tx = state.db.begin().await?;
    let issued = reset::issue(&*tx, &state.keys, kind, id, &code, now).await?;
    let outcome = match (matched, issued.is_ok()) {
        (true, true) => Outcome::Success,
        (true, false) => Outcome::Denied,
        (false, _) => Outcome::Failure,
    };
    audit::append(
        &*tx,
        now,
        Event {
            actor: &actor,
            ip: &ctx.ip.to_string(),
            action: "reset_code",
            object,
            outcome,
            detail: mask(phone.as_str()),
        },
    )
    .await?;
    tx.commit().await?;
    if matched && issued.is_ok() {
        state.sms.send(
            phone.as_str(),
            &format!(
                "【山东省专业技术人员管理服务平台】您的验证码为{code}，10分钟内有效，请勿泄露。"
            ),
        );
    }
    let ticket = Ticket {
        kind: kind.as_str().to_owned(),
        subject: id,
        account: account.chars().take(18).collect(),
        expires: now + reset::LIFETIME_MS,
    };
    let ticket = state.keys.encrypt(
        TICKET,
        &serde_json::to_string(&ticket).map_err(anyhow::Error::from)?,
    );
    render(&ResetPage {
        layout: Layout::public(&ctx, "重置密码", "/rsrc", Some(flash)),
        ticket,
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password2: String,
}

pub async fn reset(
    State(state): State<AppState>,
    ctx: ReqCtx,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<Response> {
    let now = state.now_ms();
    let ticket: Ticket = state
        .keys
        .decrypt(TICKET, &form.ticket)
        .ok()
        .and_then(|j| serde_json::from_str(&j).ok())
        .filter(|t: &Ticket| t.expires > now)
        .ok_or(AppError::Conflict(Msg::CodeExpired))?;
    let again = |errors: FieldErrors| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetPage {
                layout: Layout::public(&ctx, "重置密码", "/rsrc", None),
                ticket: form.ticket.clone(),
                errors,
            },
        )
    };
    let mut errors = FieldErrors::default();
    if form.code.trim().is_empty() {
        errors.add("code", Msg::Required);
        return again(errors);
    }
    let kind = SubjectKind::parse(&ticket.kind)
        .filter(|k| *k != SubjectKind::Admin)
        .ok_or(AppError::Conflict(Msg::CodeExpired))?;
    let id = ticket.subject;
    let words = match kind {
        SubjectKind::Unit => PasswordContext {
            id_number: None,
            birth_digits: None,
            credit_code: Some(&ticket.account),
            username: None,
        },
        _ => PasswordContext {
            id_number: Some(&ticket.account),
            birth_digits: ticket.account.get(6..14),
            credit_code: None,
            username: None,
        },
    };
    let new = match parse_new_password(&form.password, &form.password2, &words) {
        Ok(p) => p,
        Err(errors) => return again(errors),
    };
    let tx = state.db.begin().await?;
    let verdict = reset::redeem(&*tx, &state.keys, kind, id, &form.code, now).await?;
    if verdict != Verdict::Ok {
        // A decoy code (no match) is wrong, then used up, exactly as a real one.
        tx.commit().await?;
        errors.add(
            "code",
            if verdict == Verdict::Wrong {
                Msg::CodeWrong
            } else {
                Msg::CodeExpired
            },
        );
        return again(errors);
    }
    let actor = match kind {
        SubjectKind::Unit => accounts::unit_by_id(&*tx, id)
            .await?
            .map(|u| Actor::unit(&u, String::new())),
        _ => accounts::person_by_id(&*tx, id)
            .await?
            .map(|p| Actor::person(&p)),
    }
    .ok_or(AppError::NotFound)?;
    accounts::set_password(
        &*tx,
        kind,
        id,
        crate::domain::account::expose(&new),
        false,
        now,
    )
    .await?;
    sessions::delete_for_subject(&*tx, kind, id).await?;
    audit::append(
        &*tx,
        now,
        Event {
            actor: &actor,
            ip: &ctx.ip.to_string(),
            action: "password_reset",
            object: format!("{}:{id}", kind.as_str()),
            outcome: Outcome::Success,
            detail: String::new(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to("/rsrc/?m=reset_done").into_response())
}
