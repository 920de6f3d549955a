//! 字典管理: province operators add, rename and disable series, titles (with aliases),
//! specialties and 申报方式. A disabled entry leaves new forms and stays on old records.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::AppState;
use crate::domain::account::parse_text;
use crate::domain::auth::{AdminRole, PROVINCE_CODE};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::audit::{self, Event, Outcome};
use crate::store::dicts::{self, Kind};
use crate::store::unique_violation;
use crate::web::context::ReqCtx;
use crate::web::extract::CsrfForm;
use crate::web::page::{Layout, flash_from, render};
use crate::web::session::AdminUser;

fn require(user: &AdminUser) -> Result<()> {
    if user.role == AdminRole::Operator && user.admin.bureau_code == PROVINCE_CODE {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
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

pub async fn page(
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Query(q): Query<DictQuery>,
) -> Result<Response> {
    require(&user)?;
    let kind = Kind::parse(&q.kind).unwrap_or(Kind::Series);
    let d = state.dicts();
    let series_filter = if q.series.is_empty() {
        d.series.first().map(|s| s.code.clone()).unwrap_or_default()
    } else {
        q.series.clone()
    };
    let entries: Vec<Entry> = match kind {
        Kind::Series => d
            .series
            .iter()
            .map(|s| Entry {
                key: s.code.clone(),
                name: s.name.clone(),
                extra: s.code.clone(),
                aliases: String::new(),
                enabled: s.enabled,
            })
            .collect(),
        Kind::Methods => d
            .declare_methods
            .iter()
            .map(|s| Entry {
                key: s.code.clone(),
                name: s.name.clone(),
                extra: s.code.clone(),
                aliases: String::new(),
                enabled: s.enabled,
            })
            .collect(),
        Kind::Titles => d
            .titles
            .iter()
            .filter(|t| t.series_code == series_filter)
            .map(|t| Entry {
                key: t.id.to_string(),
                name: t.name.clone(),
                extra: d.level_name(&t.level_code).to_owned(),
                aliases: t.aliases.join("，"),
                enabled: t.enabled,
            })
            .collect(),
        Kind::Specialties => d
            .specialties
            .iter()
            .filter(|s| s.series_code == series_filter)
            .map(|s| Entry {
                key: s.id.to_string(),
                name: s.name.clone(),
                extra: String::new(),
                aliases: String::new(),
                enabled: s.enabled,
            })
            .collect(),
    };
    render(&DictsPage {
        layout: Layout::back_with_bell(
            &state,
            &ctx,
            &user,
            "字典管理",
            "/sdmanager/dicts",
            flash_from(q.m.as_deref()),
        )
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
    State(state): State<AppState>,
    ctx: ReqCtx,
    user: AdminUser,
    Path(kind): Path<String>,
    CsrfForm(form): CsrfForm<ChangeForm>,
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
    let aliases: Vec<String> = form
        .aliases
        .split(['，', ',', '、'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    let tx = state.db.begin().await?;
    let result = match form.op.as_str() {
        "add" => {
            let Ok(name) = parse_text(&form.name, 40, true) else {
                return Ok(back(Msg::Required));
            };
            if matches!(kind, Kind::Titles | Kind::Specialties)
                && !d.series.iter().any(|s| s.code == form.series)
            {
                return Ok(back(Msg::BadChoice));
            }
            if kind == Kind::Titles && !d.levels.iter().any(|l| l.code == form.level) {
                return Ok(back(Msg::BadChoice));
            }
            dicts::add(&*tx, kind, &name, &form.series, &form.level, &aliases)
                .await
                .map(|k| format!("add {k} {name}"))
        }
        "rename" => {
            let Ok(name) = parse_text(&form.name, 40, true) else {
                return Ok(back(Msg::Required));
            };
            dicts::rename(
                &*tx,
                kind,
                &form.key,
                &name,
                (kind == Kind::Titles).then_some(aliases.as_slice()),
            )
            .await
            .map(|_| format!("rename {} {name}", form.key))
        }
        "disable" | "enable" => dicts::set_enabled(&*tx, kind, &form.key, form.op == "enable")
            .await
            .map(|_| format!("{} {}", form.op, form.key)),
        _ => return Err(AppError::Conflict(Msg::BadRequest)),
    };
    let detail = match result {
        Ok(d) => d,
        Err(e) if unique_violation(&e).is_some() => return Ok(back(Msg::DictDuplicate)),
        Err(e) => return Err(e.into()),
    };
    audit::append(
        &*tx,
        state.now_ms(),
        Event {
            actor: &user.actor(&d),
            ip: &ctx.ip.to_string(),
            action: "dict_change",
            object: format!("dict:{}", kind.as_str()),
            outcome: Outcome::Success,
            detail,
        },
    )
    .await?;
    tx.commit().await?;
    state.reload_dicts().await?;
    Ok((StatusCode::SEE_OTHER, back(Msg::Saved)).into_response())
}
