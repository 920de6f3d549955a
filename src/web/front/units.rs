//! The unit search page: what the picker popup does, as a plain page for browsers without
//! JavaScript (search by any part of 单位名称, copy the full name into the form).

use crate::web::extract::Query;
use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use super::logged_in::Member;
use crate::error::Result;
use crate::messages::Msg;
use crate::store::unit_search;
use crate::web::page::{Layout, render};

pub struct Hit {
    pub name: String,
    pub region: String,
}

#[derive(Template)]
#[template(path = "front/units.html")]
struct UnitsPage {
    layout: Layout,
    q: String,
    hits: Vec<Hit>,
    message: &'static str,
}

#[derive(Deserialize, Default)]
pub struct UnitQuery {
    #[serde(default)]
    q: String,
}

pub async fn page(me: Member, Query(query): Query<UnitQuery>) -> Result<Response> {
    let state = &me.state;
    let q: String = query.q.trim().chars().take(50).collect();
    let (hits, message) = if q.is_empty() {
        (Vec::new(), "")
    } else if q.chars().count() < 2 {
        (Vec::new(), Msg::QueryTooShort.text())
    } else {
        state
            .limiter
            .allow(
                crate::app::limit::Bucket::UnitSearch,
                me.user.id(),
                state.now_ms(),
            )
            .await?;
        let d = state.dicts();
        let hits: Vec<Hit> = unit_search::search(&state.db.conn, &q, 20)
            .await?
            .into_iter()
            .map(|h| Hit {
                region: d
                    .region(&h.region_code)
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                name: h.name,
            })
            .collect();
        let message = if hits.is_empty() {
            "未找到匹配的单位"
        } else {
            ""
        };
        (hits, message)
    };
    let layout = me.layout("选择单位", "/rsrc/zc/transfer", None).await?;
    render(&UnitsPage {
        layout,
        q,
        hits,
        message,
    })
}
