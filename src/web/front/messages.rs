//! 站内消息: the messages of the logged-in person, unit or back-office user, newest first,
//! 50 a page; opening the box reads them.

use askama::Template;
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use super::logged_in::Member;
use crate::app::AppState;
use crate::domain::auth::SubjectKind;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::store::notices;
use crate::web::extract::Query;
use crate::web::page::{Layout, render};

pub struct Row {
    pub title: String,
    pub body: String,
    pub link: String,
    pub time: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "front/messages.html")]
pub struct MessagesPage {
    pub layout: Layout,
    pub rows: Vec<Row>,
    /// The query of the next (older) page, when this one is full.
    pub next: Option<String>,
    /// Not the newest page: offer the way back to it.
    pub older: bool,
}

#[derive(Deserialize, Default)]
pub struct MessagesQuery {
    /// Where the previous page ended: `created_at.id` of its last message.
    #[serde(default)]
    before: String,
}

/// One page of messages: the newest 50, or the 50 before `q.before` (a malformed cursor
/// reads as the newest page). Opening the box reads every message.
pub async fn messages_page(
    state: &AppState,
    to: (SubjectKind, Uuid),
    q: &MessagesQuery,
    layout: Layout,
) -> Result<MessagesPage> {
    const PAGE: u64 = 50;
    let cursor = q
        .before
        .split_once('.')
        .and_then(|(at, id)| Some((at.parse::<i64>().ok()?, Uuid::parse_str(id).ok()?)));
    let list = notices::before(&state.db.conn, to, cursor, PAGE).await?;
    notices::mark_all_read(&state.db.conn, to, state.now_ms()).await?;
    let next = (list.len() as u64 == PAGE)
        .then(|| {
            list.last()
                .map(|n| format!("before={}.{}", n.created_at, n.id))
        })
        .flatten();
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
    let mut layout = layout;
    layout.unread = Some(0);
    Ok(MessagesPage {
        layout,
        rows,
        next,
        older: cursor.is_some(),
    })
}

pub async fn page(me: Member, Query(q): Query<MessagesQuery>) -> Result<Response> {
    let user = &me.user;
    // No unread count to fetch: opening the box reads every message.
    let layout = Layout::front(&me.ctx, user, "站内消息", "/rsrc/zc/messages", None);
    render(&messages_page(&me.state, (user.kind(), user.id()), &q, layout).await?)
}
