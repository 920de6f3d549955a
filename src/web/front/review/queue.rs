//! 外地调入审核: the applications the unit holds or has held, with 查询 conditions.

use crate::web::extract::Query;
use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use super::{LevelSeries, Tag, Unit, name_of};
use crate::app::AppState;
use crate::domain::clock::format_minutes;
use crate::domain::workflow::State as WfState;
use crate::error::Result;
use crate::store::review::{self, Filter, PAGE_SIZE};
use crate::web::extract::CsrfForm;
use crate::web::page::{Layout, flash_from, render};

#[derive(Deserialize, Default, Clone)]
pub struct QueryForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub series: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Kept as text: a hand-edited `page=abc` means the first page, not an error.
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub m: Option<String>,
}

impl QueryForm {
    /// The filter the database runs; malformed dates are ignored (the page shows them back).
    pub fn filter(&self, state: &AppState) -> Filter {
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Filter {
            name: some(&self.name),
            id_hash: some(&self.id_number).map(|i| {
                state
                    .keys
                    .blind_index(crate::store::accounts::ID_CONTEXT, &i.to_ascii_uppercase())
            }),
            level: some(&self.level),
            series: some(&self.series),
            state: some(&self.state).filter(|s| WfState::parse(s).is_some()),
            from_ms: crate::domain::clock::day_bound_ms(&self.from, false),
            to_ms: crate::domain::clock::day_bound_ms(&self.to, true),
            held_now: false,
        }
    }

    pub fn page_no(&self) -> u64 {
        self.page.trim().parse().unwrap_or(0)
    }

    /// The query string for another page with the same conditions (never the ID number:
    /// an exact-number search has no second page).
    pub fn with_page(&self, page: u64) -> String {
        format!(
            "name={}&level={}&series={}&state={}&from={}&to={}&page={page}",
            crate::web::percent_encode(&self.name),
            crate::web::percent_encode(&self.level),
            crate::web::percent_encode(&self.series),
            crate::web::percent_encode(&self.state),
            crate::web::percent_encode(&self.from),
            crate::web::percent_encode(&self.to)
        )
    }
}

pub struct Row {
    pub id: String,
    pub name: String,
    pub id_masked: String,
    pub title: String,
    pub level: String,
    pub series: String,
    pub state: Tag,
    pub submitted: String,
    pub mine: bool,
    pub version: i32,
}

/// What the 审核 and 上报 lists share: the conditions as typed, one page of rows, where that
/// page stands, and the options of the 申报级别 and 职称系列 selects.
pub struct Listing {
    pub q: QueryForm,
    pub rows: Vec<Row>,
    pub total: i64,
    pub page: u64,
    pub pages: u64,
    pub prev: String,
    pub next: String,
    pub choices: LevelSeries,
}

impl Listing {
    /// The page of `q` among the applications `f` selects of those the unit holds or held.
    pub async fn load(
        state: &AppState,
        unit: uuid::Uuid,
        q: QueryForm,
        f: &Filter,
    ) -> Result<Self> {
        let (list, total) = review::page(&state.db, unit, f, q.page_no()).await?;
        let pages = ((total.max(0) as u64).div_ceil(PAGE_SIZE)).max(1);
        Ok(Listing {
            rows: rows(state, unit, list),
            total,
            page: q.page_no().min(pages - 1),
            pages,
            prev: q.with_page(q.page_no().saturating_sub(1)),
            next: q.with_page(q.page_no() + 1),
            choices: LevelSeries::of(&state.dicts()),
            q,
        })
    }
}

#[derive(Template)]
#[template(path = "front/review/queue.html")]
struct QueuePage {
    layout: Layout,
    list: Listing,
    /// The current conditions for the export link (never the ID number).
    export: String,
    states: Vec<(&'static str, &'static str)>,
}

/// Turns database rows into display rows.
pub fn rows(state: &AppState, unit: uuid::Uuid, list: Vec<review::Row>) -> Vec<Row> {
    let d = state.dicts();
    list.into_iter()
        .map(|r| {
            let st = r.state;
            Row {
                id: r.id.to_string(),
                name: r.name,
                id_masked: r.id_masked,
                title: d.title_name(r.title).to_owned(),
                level: name_of(r.level.as_deref(), |l| d.level_name(l)),
                series: name_of(r.series.as_deref(), |s| d.series_name(s)),
                state: Tag::from(st),
                submitted: r.submitted_at.map(format_minutes).unwrap_or_default(),
                mine: r.holder == Some(unit) && st == WfState::Pending,
                version: r.version,
            }
        })
        .collect()
}

pub async fn page(me: Unit, Query(q): Query<QueryForm>) -> Result<Response> {
    queue(me, q).await
}

/// 查询 posts the conditions, so that an ID number never travels in a URL.
pub async fn search(me: Unit, CsrfForm(q): CsrfForm<QueryForm>) -> Result<Response> {
    queue(me, q).await
}

async fn queue(me: Unit, q: QueryForm) -> Result<Response> {
    let f = q.filter(&me.state);
    render(&QueuePage {
        layout: me
            .layout(
                "外地调入审核",
                "/rsrc/zc/review",
                flash_from(q.m.as_deref()),
            )
            .await?,
        export: q.with_page(0),
        list: Listing::load(&me.state, me.account.id, q, &f).await?,
        states: WfState::ALL
            .iter()
            .filter(|s| **s != WfState::Draft)
            .map(|s| (s.as_str(), s.label()))
            .collect(),
    })
}

/// 导出: the queue with the current conditions as a workbook (masked ID numbers), audited.
pub async fn export(me: Unit, Query(q): Query<QueryForm>) -> Result<Response> {
    let (state, unit) = (&me.state, &me.account);
    crate::web::export::allow(state, unit.id).await?;
    let f = q.filter(state);
    let mut sheet = crate::infra::export::Sheet::new(
        "外地调入审核",
        &[
            "姓名",
            "身份证号",
            "申报职称",
            "申报级别",
            "职称系列",
            "状态",
            "提交时间",
        ],
    )?;
    let mut offset = 0u64;
    'pages: loop {
        let (list, _) = review::slice(&state.db, unit.id, &f, offset, 1000).await?;
        if list.is_empty() {
            break;
        }
        offset += list.len() as u64;
        for r in rows(state, unit.id, list) {
            if !sheet.push(&[
                r.name,
                r.id_masked,
                r.title,
                r.level,
                r.series,
                r.state.label.to_owned(),
                r.submitted,
            ])? {
                break 'pages;
            }
        }
    }
    let n = sheet.rows();
    let export = crate::web::export::Export {
        name: "外地调入审核",
        action: "export",
        object: "review_queue",
        detail: format!("{n} rows"),
    };
    crate::web::export::audited_download(state, &me.ctx, &me.actor(), sheet, export).await
}
