//! 权限管理 → 外地调终审权限审核: a bureau's business operators decide the final-review
//! requests addressed to it, and can revoke a grant (approved applications stay approved).

use crate::web::extract::Query;
use askama::Template;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::app::chain::{self as app_chain, GrantDecision};
use crate::domain::auth::AdminRole;
use crate::domain::chain::{Standing, bureau_may_revoke};
use crate::domain::clock::format_minutes;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::chain;
use crate::web::extract::{DecideForm, Posted};
use crate::web::page::{Layout, Tag, render};
use crate::web::session::{AdminUser, Signed, bureau_name};

pub struct Row {
    pub id: String,
    pub unit: String,
    pub region: String,
    pub level: String,
    pub state: Tag,
    /// 通过 / 不通过 are offered: pending and addressed to this bureau.
    pub pending: bool,
    /// 撤销 is offered.
    pub active: bool,
    /// The bureau the request was addressed to, when not this one.
    pub elsewhere: String,
    pub opinion: String,
    pub created: String,
    pub decided: String,
}

#[derive(Template)]
#[template(path = "back/grants.html")]
struct GrantsPage {
    layout: Layout,
    bureau: String,
    rows: Vec<Row>,
    filter: String,
    /// The query of the next (older) page, when there is one.
    next: Option<String>,
    /// This is not the first page.
    older: bool,
}

/// Requests shown per page, newest first.
const PAGE: usize = 50;

#[derive(Deserialize, Default)]
pub struct GrantQuery {
    #[serde(default)]
    state: String,
    #[serde(default)]
    m: Option<String>,
    /// Where the previous page ended: `created_at.id` of its last request.
    #[serde(default)]
    before: Option<String>,
}

fn require_operator(user: &AdminUser) -> Result<()> {
    if user.role == AdminRole::Operator {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

pub async fn list(signed: Signed<AdminUser>, Query(q): Query<GrantQuery>) -> Result<Response> {
    let Signed { state, user, .. } = &signed;
    require_operator(user)?;
    let d = state.dicts();
    let filter = Standing::parse(&q.state);
    // A cursor not of the form this page writes is a 400, never a silent first page.
    let cursor = crate::api::v1::types::parse_cursor(&q.before)?;
    let mut found = chain::grants_for_bureau_after(
        &state.db.conn,
        &user.admin.bureau_code,
        filter,
        cursor,
        PAGE as i64 + 1,
    )
    .await?;
    let more = found.len() > PAGE;
    found.truncate(PAGE);
    let next = more.then(|| found.last()).flatten().map(|g| {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("state", filter.map(Standing::as_str).unwrap_or(""))
            .append_pair(
                "before",
                &crate::api::v1::types::cursor_of(g.created_at, g.id),
            )
            .finish()
    });
    let rows = found
        .into_iter()
        .map(|g| Row {
            id: g.id.to_string(),
            unit: g.unit_name,
            region: d
                .region(&g.unit_region)
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            level: d.level_name(&g.level).to_owned(),
            state: Tag::grant(g.standing),
            pending: g.standing == Standing::Pending && g.bureau == user.admin.bureau_code,
            active: g.standing == Standing::Active
                && bureau_may_revoke(&user.admin.bureau_code, &g.bureau, &g.unit_region),
            elsewhere: if g.bureau == user.admin.bureau_code {
                String::new()
            } else {
                d.region(&g.bureau)
                    .map(|r| bureau_name(&r.name))
                    .unwrap_or_default()
            },
            opinion: g.opinion,
            created: format_minutes(g.created_at),
            decided: g.decided_at.map(format_minutes).unwrap_or_default(),
        })
        .collect();
    render(&GrantsPage {
        layout: signed
            .layout("外地调终审权限审核", "/sdmanager/grants", q.m.as_deref())
            .await?,
        bureau: d
            .region(&user.admin.bureau_code)
            .map(|r| bureau_name(&r.name))
            .unwrap_or_default(),
        rows,
        filter: q.state,
        next,
        older: cursor.is_some(),
    })
}

/// 通过, 不通过 or 撤销.
pub async fn decide(
    Posted(Signed { state, ctx, user }, id, form): super::Post<DecideForm>,
) -> Result<Response> {
    require_operator(&user)?;
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let decision =
        GrantDecision::parse(&form.decision).ok_or(AppError::Conflict(Msg::BadRequest))?;
    let caller = ctx.admin_caller(&state, &user);
    app_chain::decide_grant(&state, &caller, &user.admin, id, decision, &form.opinion).await?;
    Ok(Redirect::to(&format!("/sdmanager/grants?m={}", decision.done().code())).into_response())
}
