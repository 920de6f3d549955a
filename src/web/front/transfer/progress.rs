//! 查看进度: every step of the application as a timeline.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;

use super::{Person, UnitNames, frame};
use crate::domain::clock::format_minutes;
use crate::domain::workflow::HistoryAction;
use crate::error::Result;
use crate::store::applications;
use crate::web::front::review::Tag;
use crate::web::page::{Layout, render};

pub struct Step {
    pub time: String,
    pub what: String,
    pub who: String,
    pub unit: String,
    pub state: Tag,
    pub opinion: String,
}

#[derive(Template)]
#[template(path = "front/transfer/progress.html")]
struct ProgressPage {
    layout: Layout,
    id: String,
    title: String,
    state: Tag,
    steps: Vec<Step>,
}

pub async fn page(me: Person, Path(id): Path<String>) -> Result<Response> {
    let (state, a) = (&me.state, me.own(&id).await?);
    let events = applications::events(&state.db.conn, a.id).await?;
    let units = UnitNames::load(state, events.iter().map(|e| e.unit_id)).await?;
    let mut steps = Vec::with_capacity(events.len());
    for e in events.iter().rev() {
        let to = e.to_state;
        steps.push(Step {
            time: format_minutes(e.at),
            what: HistoryAction::label_of(&e.action).to_owned(),
            who: e.actor_label.clone(),
            unit: units.name(e.unit_id),
            state: Tag::from(to),
            opinion: e.opinion.clone(),
        });
    }
    let st = applications::state(&a);
    render(&ProgressPage {
        layout: frame(&me, None).await?,
        id: a.id.to_string(),
        title: state.dicts().title_name(a.title_id).to_owned(),
        state: Tag::from(st),
        steps,
    })
}
