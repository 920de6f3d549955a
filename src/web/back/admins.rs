//! 后台用户管理: a system administrator lists and creates back-office users (a province
//! administrator for any bureau, a city administrator for their own).

use crate::web::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::account::{FieldErrors, parse_person_name};
use crate::domain::auth::{AdminRole, PROVINCE_CODE, may_create_admin};
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::accounts::{self, NewAdmin};
use crate::store::audit::{self, Event, Outcome};
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::front::FlashQuery;
use crate::web::page::{Layout, flash_from, render, render_status};
use crate::web::session::{AdminUser, bureau_name};

const LIST_LIMIT: u64 = 200;

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
    if user.role == AdminRole::System {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    require_system(&user)?;
    let scope =
        (user.admin.bureau_code != PROVINCE_CODE).then_some(user.admin.bureau_code.as_str());
    let dicts = state.dicts();
    let admins = accounts::admins_of(&state.db.conn, scope, LIST_LIMIT).await?;
    let truncated = admins.len() as u64 == LIST_LIMIT;
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

pub async fn new_page(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
) -> Result<Response> {
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

/// Checks a back-office user name: 3–32 of ASCII letters, digits and underscores.
pub fn valid_username(s: &str) -> bool {
    (3..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Normalises a SHA-256 fingerprint typed with or without colons to `AB:CD:…`.
pub fn parse_fingerprint(s: &str) -> Option<String> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | ' '))
        .collect::<String>()
        .to_ascii_uppercase();
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(
        hex.as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(":"),
    )
}

pub async fn create(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    CsrfForm(form): CsrfForm<AdminForm>,
) -> Result<Response> {
    require_system(&user)?;
    let mut errors = FieldErrors::default();
    let username = form.username.trim().to_owned();
    if !valid_username(&username) {
        errors.add("username", Msg::UsernameInvalid);
    }
    let display = parse_person_name(&form.display_name)
        .map_err(|m| errors.add("display_name", m))
        .ok();
    if state.dicts().region(&form.bureau).is_none()
        || !may_create_admin(user.role, &user.admin.bureau_code, &form.bureau)
    {
        errors.add("bureau", Msg::BureauUnknown);
    }
    let role = AdminRole::parse(&form.role).unwrap_or(AdminRole::Operator);
    let fingerprint = if form.cert_fingerprint.trim().is_empty() {
        None
    } else {
        let fp = parse_fingerprint(&form.cert_fingerprint);
        if fp.is_none() {
            errors.add("cert_fingerprint", Msg::FingerprintInvalid);
        }
        fp
    };
    let page = |form: AdminForm, errors: FieldErrors, created_password: Option<String>| NewPage {
        layout: Layout::back(&ctx, &user, "新增后台用户", "/sdmanager/admins", None),
        form,
        errors,
        bureaus: bureaus_for(&state, &user),
        roles: roles(),
        created_password,
    };
    if !errors.is_empty() {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page(form, errors, None));
    }
    let password = crate::domain::password::generate_one_time();
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let created = accounts::insert_admin(
        &*tx,
        now,
        NewAdmin {
            username: &username,
            display_name: display.as_deref().unwrap_or_default(),
            bureau: &form.bureau,
            role,
            password: &password,
            must_change_password: true,
            cert_fingerprint: fingerprint,
            created_by: Some(user.admin.id),
        },
    )
    .await;
    let created = match created {
        Ok(a) => a,
        Err(AppError::Validation(errors)) => {
            drop(tx);
            return render_status(StatusCode::CONFLICT, &page(form, errors, None));
        }
        Err(e) => return Err(e),
    };
    audit::append(
        &*tx,
        now,
        Event {
            actor: &user.actor(&state.dicts()),
            ip: &ctx.ip.to_string(),
            action: "admin_create",
            object: format!("admin:{}", created.id),
            outcome: Outcome::Success,
            detail: format!(
                "{} {} {}",
                created.username, created.bureau_code, created.role
            ),
        },
    )
    .await?;
    tx.commit().await?;
    render(&page(
        AdminForm { username, ..form },
        FieldErrors::default(),
        Some(password),
    ))
}
