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

use serde::Deserialize;

use crate::app::AppState;
use crate::app::oversight as app_oversight;
use crate::domain::clock::format_minutes;
use crate::error::Result;
use crate::store::dicts::Dicts;
use crate::web::context::ReqCtx;
use crate::web::page::{Layout, flash_from};
use crate::web::session::AdminUser;

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

/// The layout of a search page (单位查询, 申报人查询), with the flash its redirect asked for.
async fn search_layout(
    state: &AppState,
    ctx: &ReqCtx,
    user: &AdminUser,
    title: &'static str,
    path: &'static str,
    q: &SearchQuery,
) -> Result<Layout> {
    Layout::back_with_bell(state, ctx, user, title, path, flash_from(q.m.as_deref())).await
}

pub struct AppRow {
    pub person: String,
    pub title: String,
    pub state: &'static str,
    pub colour: &'static str,
    pub submitted: String,
}

/// One application of a unit's or a person's page.
fn app_row(d: &Dicts, a: &crate::store::entities::application::Model, person: String) -> AppRow {
    let st = crate::store::applications::state(a);
    AppRow {
        person,
        title: d.title_name(a.title_id).to_owned(),
        state: st.label(),
        colour: st.colour(),
        submitted: a.submitted_at.map(format_minutes).unwrap_or_default(),
    }
}
