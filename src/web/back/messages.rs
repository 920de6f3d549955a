//! 站内消息 of back-office users (e.g. a new final-review request for the bureau).

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::app::AppState;
use crate::domain::auth::SubjectKind;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::store::notices;
use crate::web::context::ReqCtx;
use crate::web::front::MessageRow as Row;
use crate::web::page::{Layout, render};
use crate::web::session::AdminUser;

#[derive(Template)]
#[template(path = "front/messages.html")]
struct MessagesPage {
    layout: Layout,
    rows: Vec<Row>,
}

pub async fn page(State(state): State<AppState>, ctx: ReqCtx, user: AdminUser) -> Result<Response> {
    let me = (SubjectKind::Admin, user.admin.id);
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
    let mut layout = Layout::back(&ctx, &user, "站内消息", "/sdmanager/messages", None);
    layout.unread = Some(0);
    render(&MessagesPage { layout, rows })
}
