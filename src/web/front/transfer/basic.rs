//! 基本信息: created by 新增申报信息 and edited while the module is open. The level →
//! title → specialty cascade works with JavaScript (fetching the dictionaries) and without
//! it (the 刷新选项 button redraws the dependent lists).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use super::{AppPath, Person, frame};
use crate::app::AppState;
use crate::app::applications as app_applications;
use crate::domain::account::FieldErrors;
use crate::domain::application::{BasicForm, Module, editable};
use crate::error::{AppError, Result};
use crate::store::accounts;
use crate::store::applications::{self};
use crate::store::entities::application;
use crate::web::extract::CsrfForm;
use crate::web::front::logged_in::{Own, Step};
use crate::web::front::review::Applicant;
use crate::web::page::{Layout, render, render_status};

#[derive(Template)]
#[template(path = "front/transfer/basic.html")]
struct BasicPage {
    layout: Layout,
    action: String,
    form: BasicForm,
    errors: FieldErrors,
    applicant: Applicant,
    levels: Vec<(String, String)>,
    titles: Vec<(String, String)>,
    specialties: Vec<(String, String)>,
    methods: Vec<(String, String)>,
    back: String,
}

field_errors!(BasicPage);

/// Builds the page with the dependent lists for what the form currently holds.
async fn page(
    me: &Person,
    action: String,
    form: BasicForm,
    errors: FieldErrors,
) -> Result<BasicPage> {
    let (state, p, d) = (&me.state, &me.account, me.state.dicts());
    let titles = d
        .titles_at(form.level.trim())
        .map(|t| {
            (
                t.id.to_string(),
                format!("{}（{}）", t.name, d.series_name(&t.series_code)),
            )
        })
        .collect();
    let series = Uuid::parse_str(form.title.trim())
        .ok()
        .and_then(|t| d.title(t))
        .map(|t| t.series_code.clone());
    let specialties = series
        .map(|s| {
            d.specialties_of(&s)
                .map(|x| (x.id.to_string(), x.name.clone()))
                .collect()
        })
        .unwrap_or_default();
    Ok(BasicPage {
        layout: frame(me, None).await?,
        back: if action.ends_with("/new") {
            "/rsrc/zc/transfer".into()
        } else {
            action.trim_end_matches("/basic").to_owned()
        },
        action,
        form,
        errors,
        applicant: Applicant::of(state, p),
        levels: crate::store::dicts::choices(&d.levels),
        titles,
        specialties,
        methods: crate::store::dicts::choices(&d.declare_methods),
    })
}

/// The form as stored, for editing.
async fn form_of(state: &AppState, a: &application::Model) -> Result<BasicForm> {
    let b = applications::basic(&state.keys, a);
    let names = super::UnitNames::load(state, [b.declare_unit, b.work_unit]).await?;
    Ok(BasicForm {
        phone: b.phone,
        declare_unit: b.declare_unit.map(|u| u.to_string()).unwrap_or_default(),
        declare_unit_name: names.name(b.declare_unit),
        is_work_unit: b
            .is_work_unit
            .map(|w| if w { "是" } else { "否" }.to_owned())
            .unwrap_or_default(),
        work_unit: b.work_unit.map(|u| u.to_string()).unwrap_or_default(),
        work_unit_name: names.name(b.work_unit),
        level: b.level.unwrap_or_default(),
        title: b.title.map(|u| u.to_string()).unwrap_or_default(),
        specialty: b.specialty.map(|u| u.to_string()).unwrap_or_default(),
        declare_method: b.declare_method.unwrap_or_default(),
        title_year: b.title_year.map(|y| y.to_string()).unwrap_or_default(),
    })
}

pub async fn new_page(me: Person) -> Result<Response> {
    let (state, p) = (&me.state, &me.account);
    if applications::has_open(&state.db.conn, p.id).await? {
        return Ok(Redirect::to("/rsrc/zc/transfer?m=open_application_exists").into_response());
    }
    let phone = state
        .keys
        .decrypt(accounts::PHONE_CONTEXT, &p.phone_cipher)
        .unwrap_or_default();
    let form = BasicForm {
        phone,
        ..Default::default()
    };
    let action = "/rsrc/zc/transfer/new".into();
    render(&page(&me, action, form, FieldErrors::default()).await?)
}

pub async fn edit_page(me: Person, id: AppPath) -> Result<Response> {
    let a = me.own(&id).await?;
    let failed = app_applications::failed_modules(&me.state, &a).await?;
    if !editable(applications::state(&a), &failed, Module::Basic) {
        return Ok(
            Redirect::to(&format!("/rsrc/zc/transfer/{}?m=module_locked", a.id)).into_response(),
        );
    }
    let form = form_of(&me.state, &a).await?;
    let action = format!("/rsrc/zc/transfer/{}/basic", a.id);
    render(&page(&me, action, form, FieldErrors::default()).await?)
}

#[derive(serde::Deserialize, Default)]
pub struct Submitted {
    #[serde(flatten)]
    form: BasicForm,
    #[serde(default)]
    refresh: Option<String>,
}

/// Saves the form submitted to `action` through `save`, unless it asked only to refresh the
/// dependent lists; a field error redraws the page with what was typed (unit names resolved)
/// and the message beside the field.
async fn saved_or_page(
    me: &Person,
    action: String,
    sub: Submitted,
    save: impl AsyncFnOnce(&mut BasicForm) -> Result<String>,
) -> Result<Response> {
    let mut form = sub.form;
    if sub.refresh.is_some() {
        return render(&page(me, action, form, FieldErrors::default()).await?);
    }
    match save(&mut form).await {
        Ok(to) => Ok(Redirect::to(&to).into_response()),
        Err(AppError::Validation(errors)) => render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(me, action, form, errors).await?,
        ),
        Err(e) => Err(e),
    }
}

pub async fn create(me: Person, CsrfForm(sub): CsrfForm<Submitted>) -> Result<Response> {
    let (state, p) = (&me.state, &me.account);
    if applications::has_open(&state.db.conn, p.id).await? {
        return Ok(Redirect::to("/rsrc/zc/transfer?m=open_application_exists").into_response());
    }
    let caller = me.caller();
    let action = "/rsrc/zc/transfer/new".to_owned();
    saved_or_page(&me, action, sub, async |form: &mut BasicForm| {
        app_applications::create(state, &caller, p, form).await?;
        Ok("/rsrc/zc/transfer?m=saved".to_owned())
    })
    .await
}

pub async fn save(
    Step {
        me, a, form: sub, ..
    }: Step<Own, Submitted>,
) -> Result<Response> {
    let (state, p) = (&me.state, &me.account);
    app_applications::expect_editable(state, &a, Module::Basic).await?;
    let caller = me.caller();
    let action = format!("/rsrc/zc/transfer/{}/basic", a.id);
    saved_or_page(&me, action, sub, async |form: &mut BasicForm| {
        app_applications::save_basic(state, &caller, p, &a, form).await?;
        Ok(format!("/rsrc/zc/transfer/{}?m=saved#module-basic", a.id))
    })
    .await
}
