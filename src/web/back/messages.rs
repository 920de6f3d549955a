//! 站内消息 of back-office users (e.g. a new final-review request for the bureau).

use axum::response::Response;

use crate::domain::auth::SubjectKind;
use crate::error::Result;
use crate::web::extract::Query;
use crate::web::front::{MessagesQuery, messages_page};
use crate::web::page::{Layout, render};
use crate::web::session::{AdminUser, Signed};

pub async fn page(
    Signed { state, ctx, user }: Signed<AdminUser>,
    Query(q): Query<MessagesQuery>,
) -> Result<Response> {
    let layout = Layout::back(&ctx, &user, "站内消息", "/sdmanager/messages", None);
    let to = (SubjectKind::Admin, user.admin.id);
    render(&messages_page(&state, to, &q, layout).await?)
}
