//! 外地调入终审权限申请: a unit asks its city or the province bureau for final-review
//! authority for one certificate level; the bureau decides in the back office.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::Unit;
use crate::app::AppState;
use crate::app::chain as app_chain;
use crate::domain::account::FieldErrors;
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::store::chain;
use crate::store::dicts::choices;
use crate::store::entities::unit;
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::front::FlashQuery;
use crate::web::page::{Layout, flash_from, render, render_status};
use crate::web::session::{FrontUser, bureau_name};

pub struct GrantRow {
    pub level: String,
    pub bureau: String,
    pub state: &'static str,
    pub colour: &'static str,
    pub opinion: String,
    pub created: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct GrantForm {
    #[serde(default)]
    level: String,
    #[serde(default)]
    bureau: String,
}

#[derive(Template)]
#[template(path = "front/review/grants.html")]
struct GrantsPage {
    layout: Layout,
    rows: Vec<GrantRow>,
    form: GrantForm,
    errors: FieldErrors,
    levels: Vec<(String, String)>,
    bureaus: Vec<(String, String)>,
}

impl GrantsPage {
    fn err(&self, f: &str) -> &'static str {
        self.errors.get(f).unwrap_or("")
    }
}

async fn grants_page(
    state: &AppState,
    ctx: &ReqCtx,
    unit: &unit::Model,
    user: &FrontUser,
    form: GrantForm,
    errors: FieldErrors,
    flash: Option<crate::web::page::Flash>,
) -> Result<GrantsPage> {
    let d = state.dicts();
    let rows = chain::grants_of_unit(&state.db.conn, unit.id)
        .await?
        .into_iter()
        .map(|g| GrantRow {
            level: d.level_name(&g.level).to_owned(),
            bureau: d
                .region(&g.bureau)
                .map(|r| bureau_name(&r.name))
                .unwrap_or_default(),
            state: g.standing.grant_label(),
            colour: g.standing.colour(),
            opinion: g.opinion,
            created: format_minutes(g.created_at),
        })
        .collect();
    Ok(GrantsPage {
        layout: Layout::front_with_bell(
            state,
            ctx,
            user,
            "外地调入终审权限申请",
            "/rsrc/zc/paths",
            flash,
        )
        .await?,
        rows,
        form,
        errors,
        levels: choices(&d.levels),
        bureaus: d
            .regions
            .iter()
            .filter(|r| crate::domain::chain::grant_bureau_allowed(&unit.region_code, &r.code))
            .map(|r| (r.code.clone(), bureau_name(&r.name)))
            .collect(),
    })
}

pub async fn grants(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    let form = GrantForm {
        bureau: unit.region_code.clone(),
        ..Default::default()
    };
    render(
        &grants_page(
            &state,
            &ctx,
            &unit,
            &user,
            form,
            FieldErrors::default(),
            flash_from(q.m.as_deref()),
        )
        .await?,
    )
}

/// 保存 of 外地调入终审权限申请: 证书等级 and 所属机构; the bureau decides in the back office.
pub async fn request_grant(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Unit(unit, user): Unit,
    CsrfForm(form): CsrfForm<GrantForm>,
) -> Result<Response> {
    let caller = ctx.caller(&state, &user);
    let (status, errors) =
        match app_chain::request_grant(&state, &caller, &unit, &form.level, &form.bureau).await {
            Ok(_) => return Ok(Redirect::to("/rsrc/zc/grants?m=grant_requested").into_response()),
            Err(AppError::Validation(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
            Err(AppError::Conflict(m)) => {
                let mut errors = FieldErrors::default();
                errors.add("level", m);
                (StatusCode::CONFLICT, errors)
            }
            Err(e) => return Err(e),
        };
    render_status(
        status,
        &grants_page(&state, &ctx, &unit, &user, form, errors, None).await?,
    )
}
