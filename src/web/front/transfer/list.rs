//! 我的申报信息: the person's applications with the actions each state allows.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

use super::{Person, UnitNames};
use crate::app::AppState;
use crate::domain::clock::format_minutes;
use crate::domain::workflow::State as WfState;
use crate::error::Result;
use crate::store::applications;
use crate::web::context::ReqCtx;
use crate::web::front::FlashQuery;
use crate::web::page::{Layout, flash_from, render};

pub struct Row {
    pub id: String,
    pub title: String,
    pub level: String,
    pub declare_unit: String,
    pub state: &'static str,
    pub colour: &'static str,
    pub holder: String,
    pub updated: String,
    pub version: i32,
    pub can_delete: bool,
    pub can_download: bool,
}

#[derive(Template)]
#[template(path = "front/transfer/list.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    has_open: bool,
}

pub async fn page(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(person, user): Person,
    Query(q): Query<FlashQuery>,
) -> Result<Response> {
    let apps = applications::list_for_person(&state.db.conn, person.id, 50).await?;
    let dicts = state.dicts();
    let units = UnitNames::load(
        &state,
        apps.iter()
            .flat_map(|a| [a.declare_unit_id, a.holder_unit_id]),
    )
    .await?;
    let mut rows = Vec::with_capacity(apps.len());
    for a in &apps {
        let st = applications::state(a);
        rows.push(Row {
            id: a.id.to_string(),
            title: dicts.title_name(a.title_id).to_owned(),
            level: a
                .level_code
                .as_deref()
                .map(|l| dicts.level_name(l).to_owned())
                .unwrap_or_default(),
            declare_unit: units.name(a.declare_unit_id),
            state: st.label(),
            colour: st.colour(),
            holder: units.name(
                a.holder_unit_id
                    .filter(|_| matches!(st, WfState::Pending | WfState::ToReport)),
            ),
            updated: format_minutes(a.updated_at),
            version: a.version,
            can_delete: st == WfState::Draft,
            can_download: st == WfState::Approved && a.serial.is_some(),
        });
    }
    let has_open = apps.iter().any(|a| applications::state(a).is_open());
    render(&ListPage {
        layout: Layout::front_with_bell(
            &state,
            &ctx,
            &user,
            "外地调入资格确认",
            "/rsrc/zc/transfer",
            flash_from(q.m.as_deref()),
        )
        .await?,
        rows,
        has_open,
    })
}

/// 下载转入表: the applicant's own, once 终审通过.
pub async fn download_form(
    State(state): State<AppState>,
    ctx: ReqCtx,
    Person(person, user): Person,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Result<Response> {
    let a = super::own(&state, &person, &id).await?;
    crate::web::front::send_form(&state, &ctx, &user.actor(&state.dicts()), &a).await
}
