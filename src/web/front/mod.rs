//! The front site (`/rsrc/`): login, registration, the portal and the account pages.

pub mod account;
mod auth;
mod logged_in;
mod messages;
mod transfer_form;

pub(crate) use auth::{FlashQuery, LoginPage};
pub(crate) use messages::{MessagesQuery, messages_page};
pub(crate) use transfer::serve_attachment;
pub(crate) use transfer_form::send as send_form;
mod register;
mod reset;
pub(crate) mod review;
mod transfer;
mod units;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(auth::login))
        .route("/portal", get(auth::portal))
        .route("/zc", get(auth::home))
        .route("/zc/account", get(account::show))
        .route(
            "/password/forgot",
            get(reset::forgot_page).post(reset::send_code),
        )
        .route("/password/reset", post(reset::reset))
        .route("/zc/messages", get(messages::page))
        .route("/zc/units", get(units::page))
        .route("/verify/{serial}", get(transfer_form::verify))
        .merge(crate::web::site_routes::<crate::web::session::FrontUser>())
        .merge(register::routes())
        .merge(transfer::routes())
        .merge(review::routes())
}

/// Routes that accept large bodies (uploads); everything else is held to the small limit.
pub fn upload_routes() -> Router<AppState> {
    transfer::upload_routes()
}
