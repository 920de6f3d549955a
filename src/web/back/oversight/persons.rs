//! 申报人查询 and 申报人详情, and the audited reveal of a full ID number.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;

use super::{AppRow, Found, SearchQuery, app_row, operator_scope, search_page};
use crate::app::oversight as app_oversight;
use crate::app::{AppState, Caller};
use crate::domain::auth::locked_until;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::web::context::ReqCtx;
use crate::web::extract::Query;
use crate::web::extract::{CsrfForm, NoFields, Posted};
use crate::web::page::{Flash, Layout, flash_from, render};
use crate::web::session::{AdminUser, Signed};

pub struct PersonView {
    pub id: String,
    pub name: String,
    pub id_masked: String,
    pub phone: String,
    pub locked: bool,
    pub created: String,
}

/// A person's line, from a search row or from the account itself (the same fields).
macro_rules! person_view {
    ($p:expr, $now:expr) => {{
        let p = $p;
        PersonView {
            id: p.id.to_string(),
            name: p.name,
            id_masked: p.id_masked,
            phone: p.phone_masked,
            locked: locked_until(p.locked_until, $now).is_some(),
            created: format_minutes(p.created_at),
        }
    }};
}

#[derive(Template)]
#[template(path = "back/persons.html")]
struct PersonsPage {
    layout: Layout,
    found: Found<PersonView>,
}

pub async fn persons(signed: Signed<AdminUser>, Query(q): Query<SearchQuery>) -> Result<Response> {
    persons_page(signed, q).await
}

/// The search posts its form, so that an ID number never travels in a URL.
pub async fn persons_search(
    signed: Signed<AdminUser>,
    CsrfForm(q): CsrfForm<SearchQuery>,
) -> Result<Response> {
    persons_page(signed, q).await
}

async fn persons_page(signed: Signed<AdminUser>, q: SearchQuery) -> Result<Response> {
    let find = async |state: &AppState, scope: Option<&str>, text: &str, now| {
        let rows = app_oversight::find_persons(state, scope, text).await?;
        let message = if text.is_empty() {
            "请输入姓名或身份证号查询"
        } else if rows.is_empty() {
            "未找到匹配的申报人"
        } else {
            ""
        };
        let rows = rows.into_iter().map(|p| person_view!(p, now)).collect();
        Ok((rows, message))
    };
    let page = |layout, found| PersonsPage { layout, found };
    search_page(
        signed,
        q,
        ("申报人查询", "/sdmanager/persons", 30),
        find,
        page,
    )
    .await
}

#[derive(Template)]
#[template(path = "back/person.html")]
struct PersonPage {
    layout: Layout,
    p: PersonView,
    full_id: Option<String>,
    apps: Vec<AppRow>,
}

async fn person_page(
    state: &AppState,
    ctx: &ReqCtx,
    user: &AdminUser,
    id: &str,
    reveal: Option<&Caller>,
    flash: Option<Flash>,
) -> Result<PersonPage> {
    let scope = operator_scope(user)?;
    let (p, applications) = app_oversight::person_detail(state, scope.as_deref(), id).await?;
    let d = state.dicts();
    let apps = applications
        .iter()
        .map(|a| app_row(&d, a, p.name.clone()))
        .collect();
    let now = state.now_ms();
    Ok(PersonPage {
        layout: Layout::back_with_bell(state, ctx, user, "申报人详情", "/sdmanager/persons", flash)
            .await?,
        full_id: match reveal {
            Some(caller) => Some(app_oversight::reveal_id(state, caller, &p).await?),
            None => None,
        },
        p: person_view!(p, now),
        apps,
    })
}

pub async fn person(
    Signed { state, ctx, user }: Signed<AdminUser>,
    Path(id): Path<String>,
    Query(q): Query<SearchQuery>,
) -> Result<Response> {
    render(&person_page(&state, &ctx, &user, &id, None, flash_from(q.m.as_deref())).await?)
}

/// 显示完整身份证号: a separate, audited action.
pub async fn reveal(
    Posted(Signed { state, ctx, user }, id, _): super::super::Post<NoFields>,
) -> Result<Response> {
    let caller = ctx.admin_caller(&state, &user);
    let page = person_page(&state, &ctx, &user, &id, Some(&caller), None).await?;
    render(&page)
}
