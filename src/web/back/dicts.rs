//! 字典管理: province operators add, rename and disable series, titles (with aliases),
//! specialties and 申报方式. A disabled entry leaves new forms and stays on old records.

use crate::web::extract::Query;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::dicts::{self as app_dicts, Change};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::dicts::Kind;
use crate::web::extract::Posted;
use crate::web::page::{Layout, render};
use crate::web::session::{AdminUser, Signed};

fn require(user: &AdminUser) -> Result<()> {
    app_dicts::require(&user.admin, user.role)
}

pub struct Entry {
    pub key: String,
    pub name: String,
    pub extra: String,
    pub aliases: String,
    pub enabled: bool,
}

#[derive(Template)]
#[template(path = "back/dicts.html")]
struct DictsPage {
    layout: Layout,
    kind: &'static str,
    kind_label: &'static str,
    kinds: Vec<(&'static str, &'static str)>,
    series_filter: String,
    series: Vec<(String, String)>,
    levels: Vec<(String, String)>,
    entries: Vec<Entry>,
}

#[derive(Deserialize, Default)]
pub struct DictQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    m: Option<String>,
}

pub async fn page(signed: Signed<AdminUser>, Query(q): Query<DictQuery>) -> Result<Response> {
    let Signed { state, user, .. } = &signed;
    require(user)?;
    let kind = Kind::parse(&q.kind).unwrap_or(Kind::Series);
    let series_filter = app_dicts::series_or_first(state, &q.series);
    let entries: Vec<Entry> = app_dicts::entries(state, kind, &series_filter)
        .into_iter()
        .map(|e| Entry {
            key: e.key,
            name: e.name,
            extra: e.extra,
            aliases: e.aliases.join("，"),
            enabled: e.enabled,
        })
        .collect();
    let d = state.dicts();
    render(&DictsPage {
        layout: signed
            .layout("字典管理", "/sdmanager/dicts", q.m.as_deref())
            .await?,
        kind: kind.as_str(),
        kind_label: kind.label(),
        kinds: [Kind::Series, Kind::Titles, Kind::Specialties, Kind::Methods]
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        series_filter,
        series: d
            .series
            .iter()
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect(),
        levels: d
            .levels
            .iter()
            .map(|s| (s.code.clone(), s.name.clone()))
            .collect(),
        entries,
    })
}

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    op: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    aliases: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    level: String,
}

/// 新增, 保存 (rename), 停用 / 启用.
pub async fn change(
    Posted(Signed { state, ctx, user }, kind, form): super::Post<ChangeForm>,
) -> Result<Response> {
    require(&user)?;
    let kind = Kind::parse(&kind).ok_or(AppError::NotFound)?;
    let d = state.dicts();
    // The way back keeps the page's series filter, but only a series that exists, encoded:
    // a posted value never reaches the Location header as typed.
    let series_filter = d
        .series
        .iter()
        .find(|s| s.code == form.series)
        .map(|s| crate::web::percent_encode(&s.code))
        .unwrap_or_default();
    let back = |m: Msg| {
        Redirect::to(&format!(
            "/sdmanager/dicts?kind={}&series={series_filter}&m={}",
            kind.as_str(),
            m.code()
        ))
        .into_response()
    };
    let aliases = app_dicts::split_aliases(&form.aliases);
    let change = match form.op.as_str() {
        "add" => Change::Add {
            name: form.name,
            series: form.series,
            level: form.level,
            aliases,
        },
        "rename" => Change::Rename {
            key: form.key,
            name: form.name,
            aliases,
        },
        "disable" | "enable" => Change::Enable {
            enabled: form.op == "enable",
            key: form.key,
        },
        _ => return Err(AppError::Conflict(Msg::BadRequest)),
    };
    let caller = ctx.admin_caller(&state, &user);
    match app_dicts::change(&state, &caller, (&user.admin, user.role), kind, &change).await {
        Ok(_) => Ok((StatusCode::SEE_OTHER, back(Msg::Saved)).into_response()),
        Err(AppError::Validation(errors)) => Ok(back(
            errors.0.values().next().copied().unwrap_or(Msg::BadRequest),
        )),
        Err(AppError::Conflict(m)) => Ok(back(m)),
        Err(e) => Err(e),
    }
}
