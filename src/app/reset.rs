//! 找回密码: a code sent to the registered mobile number replaces the password, for persons
//! and units, on the page and in the API.
//!
//! The answer is the same whether or not the account and number match, so it cannot be
//! used to find out who is registered; the ticket handed on to the second step is encrypted.

use std::net::IpAddr;

use rand::Rng;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::app::accounts::{account_object, replace_password};
use crate::app::limit::Bucket;
use crate::app::{AppState, Caller};
use crate::domain::account::{FieldErrors, parse_new_password};
use crate::domain::auth::SubjectKind;
use crate::domain::ids::Phone;
use crate::domain::mask::mask;
use crate::domain::password::PasswordContext;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::accounts;
use crate::store::audit::{Actor, Outcome};
use crate::store::reset::{self, Verdict};

const TICKET: &str = "password.reset";

/// What every request for a code is told, matched or not (SECURITY item 5).
pub const SENT: &str =
    "若账号与注册手机号一致，验证码已发送至该手机，10分钟内有效；1分钟内只发送一次";

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

/// 获取验证码: checks the entry, then (matched or not, with the same writes and the same
/// answer) issues a code and returns the encrypted ticket for [`reset`]. `kind` is `unit`
/// for a unit's account (the credit code), anything else a person's (the ID number).
pub async fn send_code(
    state: &AppState,
    ip: IpAddr,
    kind: &str,
    account: &str,
    phone: &str,
) -> Result<std::result::Result<String, FieldErrors>> {
    let now = state.now_ms();
    let account = account.trim().to_ascii_uppercase();
    let mut errors = FieldErrors::default();
    if account.is_empty() {
        errors.add("account", Msg::Required);
    }
    let phone = errors.check(
        "phone",
        Phone::parse(phone).map_err(crate::domain::account::phone_msg),
    );
    let Some(phone) = phone.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    if !state.limiter.hit(Bucket::Sms, ip, now).await {
        return Err(AppError::TooManyRequests);
    }
    // Find the account whose registered number matches.
    let kind = if kind == "unit" {
        SubjectKind::Unit
    } else {
        SubjectKind::Person
    };
    let registered = |context: &str, cipher: &str| {
        state
            .keys
            .decrypt(context, cipher)
            .is_ok_and(|stored| stored == phone.as_str())
    };
    let subject: Option<(Uuid, Actor)> = if kind == SubjectKind::Unit {
        accounts::unit_by_credit_code(&state.db.conn, &account)
            .await?
            .filter(|u| registered(accounts::UNIT_PHONE_CONTEXT, &u.contact_phone_cipher))
            .map(|u| (u.id, Actor::unit(&u, String::new())))
    } else {
        accounts::person_by_id_number(&state.db.conn, &state.keys, &account)
            .await?
            .filter(|p| registered(accounts::PHONE_CONTEXT, &p.phone_cipher))
            .map(|p| (p.id, Actor::person(&p)))
    };
    // Without a match, a decoy code is issued to a random id that no account has: the
    // ticket, the writes and every later answer (wrong code, used up) are then the same.
    let matched = subject.is_some();
    let (id, actor, object) = match subject {
        Some((id, actor)) => (id, actor, account_object((kind, id))),
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
    Caller::new(actor, ip)
        .record_outcome(
            &*tx,
            now,
            "reset_code",
            object,
            outcome,
            mask(phone.as_str()),
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
    Ok(Ok(ticket))
}

/// 确定: the code of the ticket's account and the new password (twice). A ticket that does
/// not decrypt or has expired is `Conflict(CodeExpired)`; a wrong or used code, or a password
/// the policy refuses, is told field by field. Every session of the account ends.
pub async fn reset(
    state: &AppState,
    ip: IpAddr,
    ticket: &str,
    code: &str,
    (password, password2): (&str, &str),
) -> Result<std::result::Result<(), FieldErrors>> {
    let now = state.now_ms();
    let ticket: Ticket = state
        .keys
        .decrypt(TICKET, ticket)
        .ok()
        .and_then(|j| serde_json::from_str(&j).ok())
        .filter(|t: &Ticket| t.expires > now)
        .ok_or(AppError::Conflict(Msg::CodeExpired))?;
    let mut errors = FieldErrors::default();
    if code.trim().is_empty() {
        errors.add("code", Msg::Required);
        return Ok(Err(errors));
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
    let new = match parse_new_password(password, password2, &words) {
        Ok(p) => p,
        Err(errors) => return Ok(Err(errors)),
    };
    let tx = state.db.begin().await?;
    let verdict = reset::redeem(&*tx, &state.keys, kind, id, code, now).await?;
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
        return Ok(Err(errors));
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
    replace_password(
        &*tx,
        (kind, id),
        crate::domain::account::expose(&new),
        false,
        now,
    )
    .await?;
    Caller::new(actor, ip)
        .record(&*tx, now, "password_reset", account_object((kind, id)), "")
        .await?;
    tx.commit().await?;
    Ok(Ok(()))
}
