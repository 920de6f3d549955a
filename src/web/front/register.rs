//! 个人注册 and 单位注册: fill in, 立即注册 (checked, shown again), 确认 (created).
//!
//! Between the two steps the checked entry travels as an encrypted, expiring ticket, so
//! the password never goes back to the browser and nothing is kept on the server.

use crate::web::extract::Query;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::app::accounts;
use crate::domain::account::{FieldErrors, PersonForm, UnitForm};
use crate::domain::ids::{CitizenId, CreditCode, Phone};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::accounts::{PersonRecord, UnitRecord};
use crate::store::dicts::Region;
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::{Layout, render, render_status};
use crate::web::session::Visitor;

const TICKET_LIFETIME_MS: i64 = 15 * 60_000;
const PERSON_TICKET: &str = "pending.person";
const UNIT_TICKET: &str = "pending.unit";

#[derive(Template)]
#[template(path = "front/register_person.html")]
struct PersonPage {
    layout: Layout,
    form: PersonForm,
    errors: FieldErrors,
}

field_errors!(PersonPage);

#[derive(Template)]
#[template(path = "front/register_person_confirm.html")]
struct PersonConfirmPage {
    layout: Layout,
    name: String,
    id_number: String,
    pending: String,
}

#[derive(Serialize, Deserialize)]
struct PersonTicket {
    name: String,
    id_number: String,
    phone: String,
    password_hash: String,
    expires: i64,
}

pub async fn person_page(ctx: ReqCtx) -> Result<Response> {
    render(&PersonPage {
        layout: Layout::public(&ctx, "个人注册", None),
        form: PersonForm::default(),
        errors: FieldErrors::default(),
    })
}

/// 立即注册: checks every field and shows the name and ID number for confirmation.
pub async fn person_check(
    Visitor { state, ctx, .. }: Visitor,
    CsrfForm(form): CsrfForm<PersonForm>,
) -> Result<Response> {
    let invalid = |form: PersonForm, errors: FieldErrors| {
        let form = PersonForm {
            password: String::new(),
            password2: String::new(),
            ..form
        };
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &PersonPage {
                layout: Layout::public(&ctx, "个人注册", None),
                form,
                errors,
            },
        )
    };
    let record = match accounts::check_person(&state, ctx.ip, &form).await? {
        Ok(r) => r,
        Err(errors) => return invalid(form, errors),
    };
    let ticket = PersonTicket {
        name: record.name,
        id_number: record.id.as_str().to_owned(),
        phone: record.phone.as_str().to_owned(),
        password_hash: record.password_hash,
        expires: state.now_ms() + TICKET_LIFETIME_MS,
    };
    let pending = seal(&state, PERSON_TICKET, &ticket)?;
    render(&PersonConfirmPage {
        layout: Layout::public(&ctx, "个人注册", None),
        name: ticket.name,
        id_number: ticket.id_number,
        pending,
    })
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    pending: String,
}

/// The checked entry, encrypted for the confirmation step.
fn seal<T: Serialize>(state: &AppState, context: &str, ticket: &T) -> Result<String> {
    let json = serde_json::to_string(ticket).map_err(anyhow::Error::from)?;
    Ok(state.keys.encrypt(context, &json))
}

/// The ticket the confirmation posts back; a forged, foreign or expired one (`expires` reads
/// its deadline) asks for 立即注册 again.
fn open_ticket<T: for<'de> Deserialize<'de>>(
    state: &AppState,
    context: &str,
    pending: &str,
    expires: impl Fn(&T) -> i64,
) -> Result<T> {
    let json = state
        .keys
        .decrypt(context, pending)
        .map_err(|_| AppError::Conflict(Msg::ConfirmFirst))?;
    let t = serde_json::from_str(&json).map_err(|_| AppError::Conflict(Msg::ConfirmFirst))?;
    if expires(&t) < state.now_ms() {
        return Err(AppError::Conflict(Msg::ConfirmFirst));
    }
    Ok(t)
}

/// The ticket's content no longer parses: ask for 立即注册 again.
fn stale<E>(_: E) -> AppError {
    AppError::Conflict(Msg::ConfirmFirst)
}

/// 确认's outcome: the done page of `kind`, or the errors the database found (a race lost).
fn registered<T>(
    outcome: Result<T>,
    kind: &str,
) -> Result<std::result::Result<Response, FieldErrors>> {
    match outcome {
        Ok(_) => Ok(Ok(Redirect::to(&format!(
            "/rsrc/register/done?kind={kind}"
        ))
        .into_response())),
        Err(AppError::Validation(errors)) => Ok(Err(errors)),
        Err(e) => Err(e),
    }
}

/// 确认: creates the account; the unique index settles a race between two registrations.
pub async fn person_confirm(
    Visitor { state, ctx, .. }: Visitor,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response> {
    let t = open_ticket(&state, PERSON_TICKET, &form.pending, |t: &PersonTicket| {
        t.expires
    })?;
    let record = PersonRecord {
        name: t.name,
        id: CitizenId::parse(&t.id_number, state.clock.today()).map_err(stale)?,
        phone: Phone::parse(&t.phone).map_err(stale)?,
        password_hash: t.password_hash,
    };
    let outcome = accounts::register_person(&state, &ctx.ip.to_string(), &record).await;
    let errors = match registered(outcome, "person")? {
        Ok(done) => return Ok(done),
        Err(errors) => errors,
    };
    let form = PersonForm {
        name: record.name,
        id_number: record.id.as_str().to_owned(),
        phone: record.phone.as_str().to_owned(),
        ..Default::default()
    };
    render_status(
        StatusCode::CONFLICT,
        &PersonPage {
            layout: Layout::public(&ctx, "个人注册", None),
            form,
            errors,
        },
    )
}

#[derive(Template)]
#[template(path = "front/register_unit.html")]
struct UnitPage {
    layout: Layout,
    form: UnitForm,
    errors: FieldErrors,
    regions: Vec<Region>,
}

field_errors!(UnitPage);

#[derive(Template)]
#[template(path = "front/register_unit_confirm.html")]
struct UnitConfirmPage {
    layout: Layout,
    name: String,
    credit_code: String,
    region: String,
    pending: String,
}

#[derive(Serialize, Deserialize)]
struct UnitTicket {
    name: String,
    credit_code: String,
    region: String,
    contact: String,
    contact_phone: String,
    password_hash: String,
    expires: i64,
}

pub async fn unit_page(Visitor { state, ctx, .. }: Visitor) -> Result<Response> {
    render(&UnitPage {
        layout: Layout::public(&ctx, "单位注册", None),
        form: UnitForm::default(),
        errors: FieldErrors::default(),
        regions: state.dicts().regions.clone(),
    })
}

pub async fn unit_check(
    Visitor { state, ctx, .. }: Visitor,
    CsrfForm(form): CsrfForm<UnitForm>,
) -> Result<Response> {
    let dicts = state.dicts();
    let invalid = |form: UnitForm, errors: FieldErrors| {
        let form = UnitForm {
            password: String::new(),
            password2: String::new(),
            ..form
        };
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &UnitPage {
                layout: Layout::public(&ctx, "单位注册", None),
                form,
                errors,
                regions: dicts.regions.clone(),
            },
        )
    };
    let record = match accounts::check_unit(&state, ctx.ip, &form).await? {
        Ok(r) => r,
        Err(errors) => return invalid(form, errors),
    };
    let region = dicts
        .region(&record.region)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let ticket = UnitTicket {
        name: record.name,
        credit_code: record.credit_code.as_str().to_owned(),
        region: record.region,
        contact: record.contact,
        contact_phone: record.contact_phone.as_str().to_owned(),
        password_hash: record.password_hash,
        expires: state.now_ms() + TICKET_LIFETIME_MS,
    };
    let pending = seal(&state, UNIT_TICKET, &ticket)?;
    render(&UnitConfirmPage {
        layout: Layout::public(&ctx, "单位注册", None),
        name: ticket.name,
        credit_code: ticket.credit_code,
        region,
        pending,
    })
}

pub async fn unit_confirm(
    Visitor { state, ctx, .. }: Visitor,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response> {
    let t = open_ticket(&state, UNIT_TICKET, &form.pending, |t: &UnitTicket| {
        t.expires
    })?;
    let record = UnitRecord {
        name: t.name,
        credit_code: CreditCode::parse(&t.credit_code).map_err(stale)?,
        region: t.region,
        contact: t.contact,
        contact_phone: Phone::parse(&t.contact_phone).map_err(stale)?,
        password_hash: t.password_hash,
    };
    let outcome = accounts::register_unit(&state, &ctx.ip.to_string(), &record).await;
    let errors = match registered(outcome, "unit")? {
        Ok(done) => return Ok(done),
        Err(errors) => errors,
    };
    let form = UnitForm {
        name: record.name,
        credit_code: record.credit_code.as_str().to_owned(),
        region: record.region,
        contact: record.contact,
        contact_phone: record.contact_phone.as_str().to_owned(),
        ..Default::default()
    };
    render_status(
        StatusCode::CONFLICT,
        &UnitPage {
            layout: Layout::public(&ctx, "单位注册", None),
            form,
            errors,
            regions: state.dicts().regions.clone(),
        },
    )
}

#[derive(Template)]
#[template(path = "front/register_done.html")]
struct DonePage {
    layout: Layout,
    who: &'static str,
    account_label: &'static str,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    kind: String,
}

pub async fn done(ctx: ReqCtx, Query(q): Query<DoneQuery>) -> Result<Response> {
    let (title, who, account_label) = if q.kind == "unit" {
        ("单位注册", "单位账号已创建，", "统一社会信用代码")
    } else {
        ("个人注册", "个人账号已创建，", "身份证号")
    };
    render(&DonePage {
        layout: Layout::public(&ctx, title, None),
        who,
        account_label,
    })
}
