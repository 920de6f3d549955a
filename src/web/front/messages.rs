//! 站内消息: the newest messages of the logged-in person or unit; opening the box reads them.

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::app::AppState;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::store::notices;
use crate::web::context::ReqCtx;
use crate::web::page::{Layout, render};
use crate::web::session::FrontUser;

pub struct Row {
    pub title: String,
    pub body: String,
    pub link: String,
    pub time: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "front/messages.html")]
struct MessagesPage {
    layout: Layout,
    rows: Vec<Row>,
}

pub async fn page(State(state): State<AppState>, ctx: ReqCtx, user: FrontUser) -> Result<Response> {
    let me = (user.kind(), user.id());
    let list = notices::recent(&state.db.conn, me, 100).await?;
    notices::mark_all_read(&state.db.conn, me, state.now_ms()).await?;
    let rows = list
        .into_iter()
        .map(|n| Row {
            title: n.title,
            body: n.body,
            link: n.link,
            time: format_minutes(n.created_at),
            unread: !n.read,
        })
        .collect();
    let mut layout = Layout::front(&ctx, &user, "站内消息", "/rsrc/zc/messages", None);
    layout.unread = Some(0);
    render(&MessagesPage { layout, rows })
}
