//! Units and applicants of the bureau's region: search, open, correct a unit's name,
//! unlock accounts, reset passwords to one-time passwords. Business operators only.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::oversight::{self as app_oversight, AccountAction};
use crate::app::{AppState, Caller};
use crate::domain::account::FieldErrors;
use crate::domain::auth::{SubjectKind, locked_until};
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::audit::{Event, Outcome};
use crate::store::oversight::{self, UnitRow};
use crate::store::{accounts, chain};
use crate::web::context::ReqCtx;
use crate::web::extract::{CsrfForm, NoFields};
use crate::web::page::{Layout, flash_from, render, render_status};
use crate::web::session::AdminUser;

/// Operators only; returns the region they may see (`None`: the whole province).
pub fn operator_scope(user: &AdminUser) -> Result<Option<String>> {
    app_oversight::scope(&user.admin, user.role)
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    m: Option<String>,
}

pub struct UnitView {
    pub id: String,
    pub name: String,
    pub credit_code: String,
    pub region: String,
    pub locked: bool,
    pub created: String,
}

fn unit_view(state: &AppState, u: UnitRow, now: i64) -> UnitView {
    UnitView {
        id: u.id.to_string(),
        region: state
            .dicts()
            .region(&u.region_code)
            .map(|r| r.name.clone())
            .unwrap_or_default(),
        locked: locked_until(u.locked_until, now).is_some(),
        created: format_minutes(u.created_at),
        name: u.name,
        credit_code: u.credit_code,
    }
}

#[derive(Template)]
#[template(path = "back/units.html")]
struct UnitsPage {
    layout: Layout,
    q: String,
    rows: Vec<UnitView>,
    message: &'static str,
}

pub async fn units(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response> {
    let scope = operator_scope(&user)?;
    let text: String = q.q.trim().chars().take(50).collect();
    let now = state.now_ms();
    let (rows, message) = match app_oversight::find_units(&state, scope.as_deref(), &text).await? {
        Ok(rows) => (rows, ""),
        Err(m) => (Vec::new(), m.text()),
    };
    let rows = rows
        .into_iter()
        .map(|u| unit_view(&state, u, now))
        .collect();
    render(&UnitsPage {
        layout: Layout::back_with_bell(
            &state,
            &ctx,
            &user,
            "单位查询",
            "/sdmanager/units",
            flash_from(q.m.as_deref()),
        )
        .await?,
        q: text,
        rows,
        message,
    })
}

pub struct AppRow {
    pub person: String,
    pub title: String,
    pub state: &'static str,
    pub colour: &'static str,
    pub submitted: String,
}

pub struct Line {
    pub a: String,
    pub b: String,
    pub c: String,
    pub state: &'static str,
    pub colour: &'static str,
}

#[derive(Template)]
#[template(path = "back/unit.html")]
struct UnitPage {
    layout: Layout,
    u: UnitView,
    contact: String,
    paths: Vec<Line>,
    grants: Vec<Line>,
    apps: Vec<AppRow>,
    errors: FieldErrors,
    new_name: String,
    reason: String,
}

impl UnitPage {
    fn err(&self, f: &str) -> &'static str {
        self.errors.get(f).unwrap_or("")
    }
}

/// The unit if it is in the operator's region.
async fn scoped_unit(state: &AppState, user: &AdminUser, id: &str) -> Result<UnitRow> {
    app_oversight::unit_in(state, operator_scope(user)?.as_deref(), id).await
}

async fn unit_page(
    state: &AppState,
    ctx: &ReqCtx,
    user: &AdminUser,
    u: UnitRow,
    flash: Option<crate::web::page::Flash>,
) -> Result<UnitPage> {
    let d = state.dicts();
    let model = accounts::unit_by_id(&state.db.conn, u.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut paths = Vec::new();
    for p in chain::paths_from(&state.db.conn, u.id)
        .await?
        .into_iter()
        .chain(chain::paths_to(&state.db.conn, u.id).await?)
    {
        paths.push(Line {
            a: format!("{} → {}", p.from_name, p.to_name),
            b: d.series_name(&p.series).to_owned(),
            c: d.level_name(&p.level).to_owned(),
            state: p.standing.path_label(),
            colour: p.standing.colour(),
        });
    }
    let grants = chain::grants_of_unit(&state.db.conn, u.id)
        .await?
        .into_iter()
        .map(|g| Line {
            a: d.level_name(&g.level).to_owned(),
            b: d.region(&g.bureau)
                .map(|r| crate::web::session::bureau_name(&r.name))
                .unwrap_or_default(),
            c: format_minutes(g.created_at),
            state: g.standing.grant_label(),
            colour: g.standing.colour(),
        })
        .collect();
    let mut apps = Vec::new();
    for a in oversight::applications_of(&state.db.conn, oversight::Party::DeclaringUnit(u.id), 50)
        .await?
    {
        let st = crate::store::applications::state(&a);
        let person = accounts::person_by_id(&state.db.conn, a.person_id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        apps.push(AppRow {
            person,
            title: d.title_name(a.title_id).to_owned(),
            state: st.label(),
            colour: st.colour(),
            submitted: a.submitted_at.map(format_minutes).unwrap_or_default(),
        });
    }
    let now = state.now_ms();
    Ok(UnitPage {
        layout: Layout::back_with_bell(state, ctx, user, "单位详情", "/sdmanager/units", flash)
            .await?,
        contact: format!("{} {}", model.contact_name, model.contact_phone_masked),
        u: unit_view(state, u, now),
        paths,
        grants,
        apps,
        errors: FieldErrors::default(),
        new_name: String::new(),
        reason: String::new(),
    })
}

pub async fn unit(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Path(id): Path<String>,
    Query(q): Query<SearchQuery>,
) -> Result<Response> {
    let u = scoped_unit(&state, &user, &id).await?;
    render(&unit_page(&state, &ctx, &user, u, flash_from(q.m.as_deref())).await?)
}

#[derive(Deserialize, Default)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    reason: String,
}

/// 更正单位名称: only a bureau can; the reason and both names go to the audit log.
pub async fn rename(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RenameForm>,
) -> Result<Response> {
    let u = scoped_unit(&state, &user, &id).await?;
    let caller = ctx.admin_caller(&state, &user);
    let status = match app_oversight::rename_unit(&state, &caller, &u, &form.name, &form.reason)
        .await
    {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/sdmanager/units/{}?m=saved", u.id)).into_response());
        }
        Err(AppError::Validation(errors)) => {
            let taken = errors.get("name") == Some(Msg::UnitNameTaken.text());
            (
                if taken {
                    StatusCode::CONFLICT
                } else {
                    StatusCode::UNPROCESSABLE_ENTITY
                },
                errors,
            )
        }
        Err(e) => return Err(e),
    };
    let mut page = unit_page(&state, &ctx, &user, u, None).await?;
    page.errors = status.1;
    page.new_name = form.name;
    page.reason = form.reason;
    render_status(status.0, &page)
}

/// 解锁 and 重置密码 for units and persons.
/// 解锁, 强制下线 or 重置密码 of a unit's account.
pub async fn unit_account(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    account_action(state, ctx, user, (SubjectKind::Unit, id), action).await
}

/// 解锁, 强制下线 or 重置密码 of a person's account.
pub async fn person_account(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    account_action(state, ctx, user, (SubjectKind::Person, id), action).await
}

async fn account_action(
    state: AppState,
    ctx: ReqCtx,
    user: AdminUser,
    (kind, id): (SubjectKind, String),
    action: String,
) -> Result<Response> {
    let scope = operator_scope(&user)?;
    let (subject, back) = match kind {
        SubjectKind::Unit => {
            let u = app_oversight::unit_in(&state, scope.as_deref(), &id).await?;
            (
                (SubjectKind::Unit, u.id),
                format!("/sdmanager/units/{}", u.id),
            )
        }
        SubjectKind::Person => {
            let pid = app_oversight::person_in(&state, scope.as_deref(), &id)
                .await?
                .id;
            (
                (SubjectKind::Person, pid),
                format!("/sdmanager/persons/{pid}"),
            )
        }
        SubjectKind::Admin => return Err(AppError::NotFound),
    };
    let act = AccountAction::parse(&action).ok_or(AppError::NotFound)?;
    let caller = ctx.admin_caller(&state, &user);
    let one_time = app_oversight::account_action(&state, &caller, subject, act).await?;
    match one_time {
        // The one-time password is shown once, on this response only.
        Some(pw) => render(&OneTimePage {
            layout: Layout::back(&ctx, &user, "重置密码", "", None),
            password: pw,
            back,
        }),
        None if action == "logout" => {
            Ok(Redirect::to(&format!("{back}?m=sessions_ended")).into_response())
        }
        None => Ok(Redirect::to(&format!("{back}?m=unlocked")).into_response()),
    }
}

#[derive(Template)]
#[template(path = "back/one_time.html")]
struct OneTimePage {
    layout: Layout,
    password: String,
    back: String,
}

pub struct PersonView {
    pub id: String,
    pub name: String,
    pub id_masked: String,
    pub phone: String,
    pub locked: bool,
    pub created: String,
}

#[derive(Template)]
#[template(path = "back/persons.html")]
struct PersonsPage {
    layout: Layout,
    q: String,
    rows: Vec<PersonView>,
    message: &'static str,
}

pub async fn persons(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Query(q): Query<SearchQuery>,
) -> Result<Response> {
    persons_page(state, ctx, user, q).await
}

/// The search posts its form, so that an ID number never travels in a URL.
pub async fn persons_search(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    CsrfForm(q): CsrfForm<SearchQuery>,
) -> Result<Response> {
    persons_page(state, ctx, user, q).await
}

async fn persons_page(
    state: AppState,
    ctx: ReqCtx,
    user: AdminUser,
    q: SearchQuery,
) -> Result<Response> {
    let scope = operator_scope(&user)?;
    let text: String = q.q.trim().chars().take(30).collect();
    let now = state.now_ms();
    let rows = app_oversight::find_persons(&state, scope.as_deref(), &text).await?;
    let message = if text.is_empty() {
        "请输入姓名或身份证号查询"
    } else if rows.is_empty() {
        "未找到匹配的申报人"
    } else {
        ""
    };
    let rows = rows
        .into_iter()
        .map(|p| PersonView {
            id: p.id.to_string(),
            name: p.name,
            id_masked: p.id_masked,
            phone: p.phone_masked,
            locked: locked_until(p.locked_until, now).is_some(),
            created: format_minutes(p.created_at),
        })
        .collect();
    render(&PersonsPage {
        layout: Layout::back_with_bell(
            &state,
            &ctx,
            &user,
            "申报人查询",
            "/sdmanager/persons",
            flash_from(q.m.as_deref()),
        )
        .await?,
        q: text,
        rows,
        message,
    })
}

#[derive(Template)]
#[template(path = "back/person.html")]
struct PersonPage {
    layout: Layout,
    p: PersonView,
    full_id: Option<String>,
    apps: Vec<AppRow>,
}

async fn person_page(
    state: &AppState,
    ctx: &ReqCtx,
    user: &AdminUser,
    id: &str,
    reveal: Option<&Caller>,
    flash: Option<crate::web::page::Flash>,
) -> Result<PersonPage> {
    let scope = operator_scope(user)?;
    let (p, applications) = app_oversight::person_detail(state, scope.as_deref(), id).await?;
    let d = state.dicts();
    let mut apps = Vec::new();
    for a in applications {
        let st = crate::store::applications::state(&a);
        apps.push(AppRow {
            person: p.name.clone(),
            title: d.title_name(a.title_id).to_owned(),
            state: st.label(),
            colour: st.colour(),
            submitted: a.submitted_at.map(format_minutes).unwrap_or_default(),
        });
    }
    let now = state.now_ms();
    Ok(PersonPage {
        layout: Layout::back_with_bell(state, ctx, user, "申报人详情", "/sdmanager/persons", flash)
            .await?,
        full_id: match reveal {
            Some(caller) => Some(app_oversight::reveal_id(state, caller, &p).await?),
            None => None,
        },
        p: PersonView {
            id: p.id.to_string(),
            name: p.name,
            id_masked: p.id_masked,
            phone: p.phone_masked,
            locked: locked_until(p.locked_until, now).is_some(),
            created: format_minutes(p.created_at),
        },
        apps,
    })
}

pub async fn person(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Path(id): Path<String>,
    Query(q): Query<SearchQuery>,
) -> Result<Response> {
    render(&person_page(&state, &ctx, &user, &id, None, flash_from(q.m.as_deref())).await?)
}

/// 显示完整身份证号: a separate, audited action.
pub async fn reveal(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<Response> {
    let caller = ctx.admin_caller(&state, &user);
    let page = person_page(&state, &ctx, &user, &id, Some(&caller), None).await?;
    render(&page)
}

/// 导出: the region's units (all of them, bounded), with the contact number masked; audited.
pub async fn units_export(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
) -> Result<Response> {
    state
        .limiter
        .allow(
            crate::app::limit::Bucket::Export,
            user.admin.id,
            state.now_ms(),
        )
        .await?;
    let scope = operator_scope(&user)?;
    let d = state.dicts();
    let mut sheet = crate::infra::export::Sheet::new(
        "单位",
        &["单位名称", "统一社会信用代码", "所属地区", "注册时间"],
    )?;
    let mut before = None;
    'pages: loop {
        let batch = oversight::units_before(&state.db.conn, scope.as_deref(), before, 1000).await?;
        let Some(last) = batch.last() else { break };
        before = Some((last.created_at, last.id));
        for u in batch {
            let region = d
                .region(&u.region_code)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            if !sheet.push(&[u.name, u.credit_code, region, format_minutes(u.created_at)])? {
                break 'pages;
            }
        }
    }
    let n = sheet.rows();
    crate::web::export::audited_download(
        &state,
        "单位",
        sheet,
        Event {
            actor: &user.actor(&d),
            ip: &ctx.ip.to_string(),
            action: "export",
            object: "units".into(),
            outcome: Outcome::Success,
            detail: format!("{n} rows"),
        },
    )
    .await
}
