//! 后台用户管理: a system administrator lists and creates back-office users (a province
//! administrator for any bureau, a city administrator for their own).

use crate::web::extract::Query;
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::admins::{self as app_admins, AdminInput, Refusal};
use crate::domain::account::FieldErrors;
use crate::domain::auth::{AdminRole, may_create_admin};
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::web::extract::CsrfForm;
use crate::web::front::FlashQuery;
use crate::web::page::{Layout, flash_from, render, render_status};
use crate::web::session::{AdminUser, Signed, bureau_name};

pub struct Row {
    username: String,
    display_name: String,
    bureau: String,
    role: &'static str,
    ukey: bool,
    disabled: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "back/admins.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    truncated: bool,
}

fn require_system(user: &AdminUser) -> Result<()> {
    app_admins::require_system(user.role)
}

pub async fn list(
    Signed { state, ctx, user }: Signed<AdminUser>,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    let dicts = state.dicts();
    let admins = app_admins::list(&state, &user.admin, user.role).await?;
    let truncated = admins.len() as u64 == app_admins::LIST_LIMIT;
    let rows = admins
        .into_iter()
        .map(|a| Row {
            bureau: dicts
                .region(&a.bureau_code)
                .map(|r| bureau_name(&r.name))
                .unwrap_or_default(),
            role: AdminRole::parse(&a.role).map_or("", AdminRole::label),
            ukey: a.cert_fingerprint.is_some(),
            disabled: a.disabled,
            created: format_minutes(a.created_at),
            username: a.username,
            display_name: a.display_name,
        })
        .collect();
    render(&ListPage {
        layout: Layout::back(
            &ctx,
            &user,
            "后台用户管理",
            "/sdmanager/admins",
            flash_from(q.m.as_deref()),
        ),
        rows,
        truncated,
    })
}

#[derive(Deserialize, Default, Clone)]
pub struct AdminForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bureau: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    cert_fingerprint: String,
}

#[derive(Template)]
#[template(path = "back/admin_new.html")]
struct NewPage {
    layout: Layout,
    form: AdminForm,
    errors: FieldErrors,
    bureaus: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
    created_password: Option<String>,
}

impl NewPage {
    fn err(&self, f: &str) -> &'static str {
        self.errors.get(f).unwrap_or("")
    }
}

/// The bureaus this user may create users for.
fn bureaus_for(state: &AppState, user: &AdminUser) -> Vec<(String, String)> {
    state
        .dicts()
        .regions
        .iter()
        .filter(|r| may_create_admin(user.role, &user.admin.bureau_code, &r.code))
        .map(|r| (r.code.clone(), bureau_name(&r.name)))
        .collect()
}

fn roles() -> Vec<(&'static str, &'static str)> {
    AdminRole::ALL
        .iter()
        .map(|r| (r.as_str(), r.label()))
        .collect()
}

pub async fn new_page(Signed { state, ctx, user }: Signed<AdminUser>) -> Result<Response> {
    require_system(&user)?;
    let form = AdminForm {
        bureau: user.admin.bureau_code.clone(),
        role: "operator".into(),
        ..Default::default()
    };
    render(&NewPage {
        layout: Layout::back(&ctx, &user, "新增后台用户", "/sdmanager/admins", None),
        form,
        errors: FieldErrors::default(),
        bureaus: bureaus_for(&state, &user),
        roles: roles(),
        created_password: None,
    })
}

pub async fn create(
    Signed { state, ctx, user }: Signed<AdminUser>,
    CsrfForm(form): CsrfForm<AdminForm>,
) -> Result<Response> {
    let input = AdminInput {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        bureau: form.bureau.clone(),
        role: AdminRole::parse(&form.role).unwrap_or(AdminRole::Operator),
        cert_fingerprint: form.cert_fingerprint.clone(),
    };
    let caller = ctx.admin_caller(&state, &user);
    let outcome = app_admins::create(&state, &caller, (&user.admin, user.role), &input).await?;
    let page = |form: AdminForm, errors: FieldErrors, created_password: Option<String>| NewPage {
        layout: Layout::back(&ctx, &user, "新增后台用户", "/sdmanager/admins", None),
        form,
        errors,
        bureaus: bureaus_for(&state, &user),
        roles: roles(),
        created_password,
    };
    match outcome {
        Ok((created, password)) => render(&page(
            AdminForm {
                username: created.username,
                ..form
            },
            FieldErrors::default(),
            Some(password),
        )),
        Err(Refusal::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(form, errors, None))
        }
        Err(Refusal::Taken(errors)) => {
            render_status(StatusCode::CONFLICT, &page(form, errors, None))
        }
    }
}
