//! 我的申报信息: the person's applications with the actions each state allows.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::Path;
use axum::response::Response;

use super::{Person, frame};
use crate::domain::clock::format_minutes;
use crate::domain::workflow::State as WfState;
use crate::error::Result;
use crate::store::applications;
use crate::web::front::FlashQuery;
use crate::web::front::review::{Tag, name_of};
use crate::web::page::{Layout, flash_from, render};

pub struct Row {
    pub id: String,
    pub title: String,
    pub level: String,
    pub declare_unit: String,
    pub state: Tag,
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

pub async fn page(me: Person, Query(q): Query<FlashQuery>) -> Result<Response> {
    let state = &me.state;
    let apps = applications::list_for_person_named(&state.db, me.account.id, 50).await?;
    let dicts = state.dicts();
    let mut rows = Vec::with_capacity(apps.len());
    for l in &apps {
        let st = l.state;
        rows.push(Row {
            id: l.id.to_string(),
            title: dicts.title_name(l.title_id).to_owned(),
            level: name_of(l.level_code.as_deref(), |l| dicts.level_name(l)),
            declare_unit: l.declare_unit.clone().unwrap_or_default(),
            state: Tag::from(st),
            holder: l
                .holder_unit
                .clone()
                .filter(|_| matches!(st, WfState::Pending | WfState::ToReport))
                .unwrap_or_default(),
            updated: format_minutes(l.updated_at),
            version: l.version,
            can_delete: st == WfState::Draft,
            can_download: st == WfState::Approved && l.serial.is_some(),
        });
    }
    let has_open = apps.iter().any(|l| l.state.is_open());
    let flash = flash_from(q.m.as_deref());
    render(&ListPage {
        layout: frame(&me, flash).await?,
        rows,
        has_open,
    })
}

/// 下载转入表: the applicant's own, once 终审通过.
pub async fn download_form(me: Person, Path(id): Path<String>) -> Result<Response> {
    let a = me.own(&id).await?;
    crate::web::front::send_form(&me.state, &me.ctx, &me.actor(), &a).await
}
