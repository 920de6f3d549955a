//! 外地调入终审权限申请: a unit asks its city or the province bureau for final-review
//! authority for one certificate level; the bureau decides in the back office.

use crate::web::extract::Query;
use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Tag, Unit, refused_at};
use crate::app::chain as app_chain;
use crate::domain::account::FieldErrors;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::store::chain;
use crate::store::dicts::choices;
use crate::web::extract::CsrfForm;
use crate::web::front::FlashQuery;
use crate::web::page::{Flash, Layout, flash_from, render, render_status};
use crate::web::session::bureau_name;

pub struct GrantRow {
    pub level: String,
    pub bureau: String,
    pub state: Tag,
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

field_errors!(GrantsPage);

async fn grants_page(
    me: &Unit,
    form: GrantForm,
    errors: FieldErrors,
    flash: Option<Flash>,
) -> Result<GrantsPage> {
    let (unit, d) = (&me.account, me.state.dicts());
    let rows = chain::grants_of_unit(&me.state.db.conn, unit.id)
        .await?
        .into_iter()
        .map(|g| GrantRow {
            level: d.level_name(&g.level).to_owned(),
            bureau: d
                .region(&g.bureau)
                .map(|r| bureau_name(&r.name))
                .unwrap_or_default(),
            state: Tag::grant(g.standing),
            opinion: g.opinion,
            created: format_minutes(g.created_at),
        })
        .collect();
    Ok(GrantsPage {
        layout: me
            .layout("外地调入终审权限申请", "/rsrc/zc/paths", flash)
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

pub async fn grants(me: Unit, Query(q): Query<FlashQuery>) -> Result<Response> {
    let form = GrantForm {
        bureau: me.account.region_code.clone(),
        ..Default::default()
    };
    let flash = flash_from(q.m.as_deref());
    render(&grants_page(&me, form, FieldErrors::default(), flash).await?)
}

/// 保存 of 外地调入终审权限申请: 证书等级 and 所属机构; the bureau decides in the back office.
pub async fn request_grant(me: Unit, CsrfForm(form): CsrfForm<GrantForm>) -> Result<Response> {
    let (state, caller) = (&me.state, me.caller());
    let outcome =
        app_chain::request_grant(state, &caller, &me.account, &form.level, &form.bureau).await;
    let (status, errors) = match refused_at(outcome, "level")? {
        Ok(_) => return Ok(Redirect::to("/rsrc/zc/grants?m=grant_requested").into_response()),
        Err(refused) => refused,
    };
    render_status(status, &grants_page(&me, form, errors, None).await?)
}
