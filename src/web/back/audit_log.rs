//! 审计日志 for auditors: filter by time, actor, action and object; see whether the hash
//! chain verifies and where it breaks. Auditors read; nobody edits or deletes entries here.

use crate::web::extract::Query;
use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use crate::app::audit_log as app_audit;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::store::audit::{self, Verification};
use crate::web::page::{Layout, render};
use crate::web::session::{AdminUser, Signed};

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    object: String,
    /// Keyset: entries older than this sequence number.
    #[serde(default)]
    before: Option<i64>,
    #[serde(default)]
    verify: Option<String>,
}

/// An entry as the page lists it: the stored entry, with its time and actor as read.
pub struct Row {
    pub time: String,
    /// The actor's label, or its kind when it has none.
    pub actor: String,
    pub entry: audit::Entry,
}

#[derive(Template)]
#[template(path = "back/audit.html")]
struct AuditPage {
    layout: Layout,
    q: AuditQuery,
    rows: Vec<Row>,
    next: Option<String>,
    chain: Option<String>,
    chain_ok: bool,
}

const PAGE: u64 = 50;

pub async fn page(
    Signed { state, ctx, user }: Signed<AdminUser>,
    Query(q): Query<AuditQuery>,
) -> Result<Response> {
    let filter = audit::Filter {
        from_ms: crate::domain::clock::day_bound_ms(&q.from, false),
        to_ms: crate::domain::clock::day_bound_ms(&q.to, true),
        actor: Some(q.actor.trim().to_owned()).filter(|s| !s.is_empty()),
        action: Some(q.action.trim().to_owned()).filter(|s| !s.is_empty()),
        object: Some(q.object.trim().to_owned()).filter(|s| !s.is_empty()),
        before_seq: q.before,
    };
    let entries = app_audit::search(&state, user.role, &filter, PAGE).await?;
    let next = (entries.len() as u64 == PAGE).then(|| {
        let last = entries.last().map_or(0, |e| e.seq);
        format!(
            "from={}&to={}&actor={}&action={}&object={}&before={last}",
            crate::web::percent_encode(&q.from),
            crate::web::percent_encode(&q.to),
            crate::web::percent_encode(&q.actor),
            crate::web::percent_encode(&q.action),
            crate::web::percent_encode(&q.object)
        )
    });
    let rows = entries
        .into_iter()
        .map(|e| Row {
            time: format_minutes(e.at),
            actor: if e.actor_label.is_empty() {
                e.actor_kind.clone()
            } else {
                e.actor_label.clone()
            },
            entry: e,
        })
        .collect();
    let (chain, chain_ok) = if q.verify.is_some() {
        match app_audit::verify(&state, user.role).await? {
            Verification::Intact { entries } => (
                Some(format!("哈希链完整：共 {entries} 条记录均通过校验")),
                true,
            ),
            Verification::Broken { seq, reason } => {
                (Some(format!("哈希链在第 {seq} 条处断开：{reason}")), false)
            }
        }
    } else {
        (None, true)
    };
    render(&AuditPage {
        layout: Layout::back_with_bell(&state, &ctx, &user, "审计日志", "/sdmanager/audit", None)
            .await?,
        q,
        rows,
        next,
        chain,
        chain_ok,
    })
}
