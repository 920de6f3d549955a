//! 单位查询 and 单位详情: search, open, correct a unit's name.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{AppRow, Found, SearchQuery, app_row, operator_scope, search_page};
use crate::app::AppState;
use crate::app::oversight as app_oversight;
use crate::domain::account::FieldErrors;
use crate::domain::auth::locked_until;
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::oversight::{self, UnitRow};
use crate::store::{accounts, chain};
use crate::web::context::ReqCtx;
use crate::web::extract::Posted;
use crate::web::extract::Query;
use crate::web::page::{Flash, Layout, Tag, flash_from, render, render_status};
use crate::web::session::{AdminUser, Signed};

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
    found: Found<UnitView>,
}

pub async fn units(signed: Signed<AdminUser>, Query(q): Query<SearchQuery>) -> Result<Response> {
    let find = async |state: &AppState, scope: Option<&str>, text: &str, now| {
        Ok(match app_oversight::find_units(state, scope, text).await? {
            Ok(rows) => {
                let rows = rows.into_iter().map(|u| unit_view(state, u, now)).collect();
                (rows, "")
            }
            Err(m) => (Vec::new(), m.text()),
        })
    };
    let page = |layout, found| UnitsPage { layout, found };
    search_page(signed, q, ("单位查询", "/sdmanager/units", 50), find, page).await
}

pub struct Line {
    pub a: String,
    pub b: String,
    pub c: String,
    pub state: Tag,
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
    flash: Option<Flash>,
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
            state: Tag::path(p.standing),
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
            state: Tag::grant(g.standing),
        })
        .collect();
    let mut apps = Vec::new();
    for a in oversight::applications_of(&state.db.conn, oversight::Party::DeclaringUnit(u.id), 50)
        .await?
    {
        let person = accounts::person_by_id(&state.db.conn, a.person_id)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        apps.push(app_row(&d, &a, person));
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
    Signed { state, ctx, user }: Signed<AdminUser>,
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
    Posted(Signed { state, ctx, user }, id, form): super::super::Post<RenameForm>,
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
