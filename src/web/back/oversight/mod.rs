//! Units and applicants of the bureau's region: search, open, correct a unit's name,
//! unlock accounts, reset passwords to one-time passwords, export. Business operators only.

mod accounts;
mod export;
mod persons;
mod units;

pub use accounts::account;
pub use export::units_export;
pub use persons::{person, persons, persons_search, reveal};
pub use units::{rename, unit, units};

use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use crate::app::AppState;
use crate::app::oversight as app_oversight;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::store::dicts::Dicts;
use crate::web::page::{Layout, Tag, render};
use crate::web::session::{AdminUser, Signed};

/// Operators only; returns the region they may see (`None`: the whole province).
pub fn operator_scope(user: &AdminUser) -> Result<Option<String>> {
    app_oversight::scope(&user.admin, user.role)
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    m: Option<String>,
}

/// What a search page found: the text as searched (trimmed and cut), the rows, and the line
/// that says why there are none (empty when there are rows).
pub struct Found<R> {
    pub q: String,
    pub rows: Vec<R>,
    pub message: &'static str,
}

/// A search page of the operator's region (单位查询, 申报人查询), with the flash its redirect
/// asked for. The text is trimmed and cut to `max_chars`; `find` turns it into the page's rows
/// (given the region, the text and the time), or says why there are none; `page` puts the
/// layout of the menu entry `(title, path)` and what was found into the page's template.
async fn search_page<R, T: Template>(
    signed: Signed<AdminUser>,
    q: SearchQuery,
    (title, path, max_chars): (&'static str, &'static str, usize),
    find: impl AsyncFnOnce(&AppState, Option<&str>, &str, i64) -> Result<(Vec<R>, &'static str)>,
    page: impl FnOnce(Layout, Found<R>) -> T,
) -> Result<Response> {
    let scope = operator_scope(&signed.user)?;
    let text: String = q.q.trim().chars().take(max_chars).collect();
    let now = signed.state.now_ms();
    let (rows, message) = find(&signed.state, scope.as_deref(), &text, now).await?;
    let layout = signed.layout(title, path, q.m.as_deref()).await?;
    let found = Found {
        q: text,
        rows,
        message,
    };
    render(&page(layout, found))
}

pub struct AppRow {
    pub person: String,
    pub title: String,
    pub state: Tag,
    pub submitted: String,
}

/// One application of a unit's or a person's page.
fn app_row(d: &Dicts, a: &crate::store::entities::application::Model, person: String) -> AppRow {
    let st = crate::store::applications::state(a);
    AppRow {
        person,
        title: d.title_name(a.title_id).to_owned(),
        state: Tag::from(st),
        submitted: a.submitted_at.map(format_minutes).unwrap_or_default(),
    }
}
