//! 我的申报信息: the person's applications with the actions each state allows.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::Path;
use axum::response::Response;

use super::{Person, UnitNames, frame};
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
    let apps = applications::list_for_person(&state.db.conn, me.account.id, 50).await?;
    let dicts = state.dicts();
    let units = UnitNames::load(
        state,
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
            level: name_of(a.level_code.as_deref(), |l| dicts.level_name(l)),
            declare_unit: units.name(a.declare_unit_id),
            state: Tag::from(st),
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
