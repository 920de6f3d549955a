//! The unit search page: what the picker popup does, as a plain page for browsers without
//! JavaScript (search by any part of 单位名称, copy the full name into the form).

use crate::web::extract::Query;
use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use super::logged_in::Member;
use crate::error::Result;
use crate::messages::Msg;
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
        let hits: Vec<Hit> = crate::app::units::search(state, me.user.id(), &q, 20)
            .await?
            .unwrap_or_default()
            .into_iter()
            .map(|f| Hit {
                name: f.name,
                region: f.region,
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
