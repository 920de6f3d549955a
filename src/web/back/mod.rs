//! The back office (`/sdmanager`): bureau staff log in (password, or UKEY + password on
//! the TLS listener) and manage back-office users.

mod admins;
mod audit_log;
mod auth;
mod dicts;
mod grants;
mod messages;
mod oversight;
mod stats;

pub(crate) use auth::LoginPage;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::web::extract::Posted;
use crate::web::session::{AdminUser, Signed};

/// A form a back-office user posts to a path with parameters `P` (by default one, the id).
type Post<F, P = String> = Posted<Signed<AdminUser>, F, P>;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(auth::login))
        .route("/home", get(auth::home))
        .route("/admins", get(admins::list))
        .route("/grants", get(grants::list))
        .route("/messages", get(messages::page))
        .route("/audit", get(audit_log::page))
        .route("/stats", get(stats::page))
        .route("/dicts", get(dicts::page))
        .route("/dicts/{kind}", post(dicts::change))
        .route("/stats/export", get(stats::export))
        .route(
            "/stats/details",
            get(stats::details).post(stats::details_full),
        )
        .route("/units", get(oversight::units))
        .route("/units/export", get(oversight::units_export))
        .route("/units/{id}", get(oversight::unit))
        .route("/units/{id}/rename", post(oversight::rename))
        .route(
            "/persons",
            get(oversight::persons).post(oversight::persons_search),
        )
        .route("/persons/{id}", get(oversight::person))
        .route("/persons/{id}/reveal", post(oversight::reveal))
        .route("/units/{id}/{action}", post(oversight::account::<true>))
        .route("/persons/{id}/{action}", post(oversight::account::<false>))
        .route("/grants/{id}/decide", post(grants::decide))
        .route("/admins/new", get(admins::new_page).post(admins::create))
        .merge(crate::web::site_routes::<crate::web::session::AdminUser>())
}
