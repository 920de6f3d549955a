//! 个人注册 and 单位注册: fill in, 立即注册 (checked, shown again), 确认 (created).
//!
//! Between the two steps the checked entry travels as an encrypted, expiring ticket, so
//! the password never goes back to the browser and nothing is kept on the server.

use std::future::Future;
use std::net::IpAddr;

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

/// What 个人注册 and 单位注册 each bring to the one flow below: their form, the checked
/// record, the ticket it travels in, and their two pages.
trait Registration {
    /// The entry form (`domain::account`).
    type Form: for<'de> Deserialize<'de> + Default + Send + 'static;
    /// The checked entry, ready to insert.
    type Record: Send + Sync;
    /// The record sealed for 确认, with its deadline.
    type Ticket: Serialize + for<'de> Deserialize<'de>;
    type Page: Template;
    type Confirm: Template;
    /// The done page's `kind`, the pages' title and the ticket's sealing context.
    const KIND: &'static str;
    const TITLE: &'static str;
    const TICKET: &'static str;

    fn check(
        state: &AppState,
        ip: IpAddr,
        form: &Self::Form,
    ) -> impl Future<Output = Result<std::result::Result<Self::Record, FieldErrors>>> + Send;
    fn register(
        state: &AppState,
        ip: &str,
        record: &Self::Record,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The form to show again after 立即注册 found errors: never the passwords.
    fn without_passwords(form: Self::Form) -> Self::Form;
    /// The form filled again from a record refused at 确认 (a race lost).
    fn refill(record: Self::Record) -> Self::Form;
    fn ticket(record: Self::Record, expires: i64) -> Self::Ticket;
    fn expires(ticket: &Self::Ticket) -> i64;
    /// The record back from its ticket; a ticket whose content no longer parses is stale.
    fn record(state: &AppState, ticket: Self::Ticket) -> Result<Self::Record>;
    fn page(state: &AppState, layout: Layout, form: Self::Form, errors: FieldErrors) -> Self::Page;
    fn confirm(
        state: &AppState,
        layout: Layout,
        ticket: &Self::Ticket,
        pending: String,
    ) -> Self::Confirm;
}

/// The empty form.
async fn form_page<R: Registration>(Visitor { state, ctx, .. }: Visitor) -> Result<Response> {
    let layout = Layout::public(&ctx, R::TITLE, None);
    render(&R::page(
        &state,
        layout,
        R::Form::default(),
        FieldErrors::default(),
    ))
}

/// 立即注册: checks every field and shows the entry again for confirmation.
async fn check<R: Registration>(
    Visitor { state, ctx, .. }: Visitor,
    CsrfForm(form): CsrfForm<R::Form>,
) -> Result<Response> {
    let layout = Layout::public(&ctx, R::TITLE, None);
    let record = match R::check(&state, ctx.ip, &form).await? {
        Ok(r) => r,
        Err(errors) => {
            let page = R::page(&state, layout, R::without_passwords(form), errors);
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let ticket = R::ticket(record, state.now_ms() + TICKET_LIFETIME_MS);
    let pending = seal(&state, R::TICKET, &ticket)?;
    render(&R::confirm(&state, layout, &ticket, pending))
}

/// 确认: creates the account; the unique index settles a race between two registrations.
async fn confirm<R: Registration>(
    Visitor { state, ctx, .. }: Visitor,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response> {
    let ticket = open_ticket(&state, R::TICKET, &form.pending, R::expires)?;
    let record = R::record(&state, ticket)?;
    let errors = match R::register(&state, &ctx.ip.to_string(), &record).await {
        Ok(()) => {
            let done = format!("/rsrc/register/done?kind={}", R::KIND);
            return Ok(Redirect::to(&done).into_response());
        }
        Err(AppError::Validation(errors)) => errors,
        Err(e) => return Err(e),
    };
    let layout = Layout::public(&ctx, R::TITLE, None);
    let page = R::page(&state, layout, R::refill(record), errors);
    render_status(StatusCode::CONFLICT, &page)
}

/// 个人注册 and 单位注册 (each its form, 立即注册 and 确认), and the done page.
pub fn routes() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    fn flow<R: Registration + 'static>(
        router: axum::Router<AppState>,
        path: &str,
    ) -> axum::Router<AppState> {
        router
            .route(path, get(form_page::<R>).post(check::<R>))
            .route(&format!("{path}/confirm"), post(confirm::<R>))
    }
    let router = flow::<Person>(axum::Router::new(), "/register/person");
    flow::<Unit>(router, "/register/unit").route("/register/done", get(done))
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

/// 个人注册.
struct Person;

impl Registration for Person {
    type Form = PersonForm;
    type Record = PersonRecord;
    type Ticket = PersonTicket;
    type Page = PersonPage;
    type Confirm = PersonConfirmPage;
    const KIND: &'static str = "person";
    const TITLE: &'static str = "个人注册";
    const TICKET: &'static str = PERSON_TICKET;

    fn check(
        state: &AppState,
        ip: IpAddr,
        form: &PersonForm,
    ) -> impl Future<Output = Result<std::result::Result<PersonRecord, FieldErrors>>> + Send {
        accounts::check_person(state, ip, form)
    }
    async fn register(state: &AppState, ip: &str, record: &PersonRecord) -> Result<()> {
        accounts::register_person(state, ip, record).await.map(drop)
    }
    fn without_passwords(form: PersonForm) -> PersonForm {
        PersonForm {
            password: String::new(),
            password2: String::new(),
            ..form
        }
    }
    fn refill(record: PersonRecord) -> PersonForm {
        PersonForm {
            name: record.name,
            id_number: record.id.as_str().to_owned(),
            phone: record.phone.as_str().to_owned(),
            ..Default::default()
        }
    }
    fn ticket(record: PersonRecord, expires: i64) -> PersonTicket {
        PersonTicket {
            name: record.name,
            id_number: record.id.as_str().to_owned(),
            phone: record.phone.as_str().to_owned(),
            password_hash: record.password_hash,
            expires,
        }
    }
    fn expires(ticket: &PersonTicket) -> i64 {
        ticket.expires
    }
    fn record(state: &AppState, t: PersonTicket) -> Result<PersonRecord> {
        Ok(PersonRecord {
            name: t.name,
            id: CitizenId::parse(&t.id_number, state.clock.today()).map_err(stale)?,
            phone: Phone::parse(&t.phone).map_err(stale)?,
            password_hash: t.password_hash,
        })
    }
    fn page(_: &AppState, layout: Layout, form: PersonForm, errors: FieldErrors) -> PersonPage {
        PersonPage {
            layout,
            form,
            errors,
        }
    }
    fn confirm(
        _: &AppState,
        layout: Layout,
        t: &PersonTicket,
        pending: String,
    ) -> PersonConfirmPage {
        PersonConfirmPage {
            layout,
            name: t.name.clone(),
            id_number: t.id_number.clone(),
            pending,
        }
    }
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

/// 单位注册.
struct Unit;

impl Registration for Unit {
    type Form = UnitForm;
    type Record = UnitRecord;
    type Ticket = UnitTicket;
    type Page = UnitPage;
    type Confirm = UnitConfirmPage;
    const KIND: &'static str = "unit";
    const TITLE: &'static str = "单位注册";
    const TICKET: &'static str = UNIT_TICKET;

    fn check(
        state: &AppState,
        ip: IpAddr,
        form: &UnitForm,
    ) -> impl Future<Output = Result<std::result::Result<UnitRecord, FieldErrors>>> + Send {
        accounts::check_unit(state, ip, form)
    }
    async fn register(state: &AppState, ip: &str, record: &UnitRecord) -> Result<()> {
        accounts::register_unit(state, ip, record).await.map(drop)
    }
    fn without_passwords(form: UnitForm) -> UnitForm {
        UnitForm {
            password: String::new(),
            password2: String::new(),
            ..form
        }
    }
    fn refill(record: UnitRecord) -> UnitForm {
        UnitForm {
            name: record.name,
            credit_code: record.credit_code.as_str().to_owned(),
            region: record.region,
            contact: record.contact,
            contact_phone: record.contact_phone.as_str().to_owned(),
            ..Default::default()
        }
    }
    fn ticket(record: UnitRecord, expires: i64) -> UnitTicket {
        UnitTicket {
            name: record.name,
            credit_code: record.credit_code.as_str().to_owned(),
            region: record.region,
            contact: record.contact,
            contact_phone: record.contact_phone.as_str().to_owned(),
            password_hash: record.password_hash,
            expires,
        }
    }
    fn expires(ticket: &UnitTicket) -> i64 {
        ticket.expires
    }
    fn record(_: &AppState, t: UnitTicket) -> Result<UnitRecord> {
        Ok(UnitRecord {
            name: t.name,
            credit_code: CreditCode::parse(&t.credit_code).map_err(stale)?,
            region: t.region,
            contact: t.contact,
            contact_phone: Phone::parse(&t.contact_phone).map_err(stale)?,
            password_hash: t.password_hash,
        })
    }
    fn page(state: &AppState, layout: Layout, form: UnitForm, errors: FieldErrors) -> UnitPage {
        UnitPage {
            layout,
            form,
            errors,
            regions: state.dicts().regions.clone(),
        }
    }
    fn confirm(
        state: &AppState,
        layout: Layout,
        t: &UnitTicket,
        pending: String,
    ) -> UnitConfirmPage {
        let region = state
            .dicts()
            .region(&t.region)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        UnitConfirmPage {
            layout,
            name: t.name.clone(),
            credit_code: t.credit_code.clone(),
            region,
            pending,
        }
    }
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
