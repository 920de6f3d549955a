//! The unit picker: 单位名称 search by any part of the name, for logged-in front-site users.

use crate::web::extract::Query;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::api::extract::text_query;
use uuid::Uuid;

use crate::app::AppState;
use crate::web::error::ApiError;
use crate::web::session::FrontUser;

/// At most this many units per answer.
const LIMIT: u64 = 20;

text_query!(SearchQuery {
    /// Any part of the unit's name, at least two characters.
    q: String, at most 100
});

#[derive(Serialize, utoipa::ToSchema)]
pub struct UnitItem {
    id: Uuid,
    name: String,
    /// The region's name (济南市 …).
    region: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SearchOut {
    items: Vec<UnitItem>,
    message: Option<&'static str>,
}

/// `GET /rsrc/api/units?q=…`: up to 20 units whose name contains `q`.
pub async fn search(
    State(state): State<AppState>,
    user: FrontUser,
    Query(q): Query<SearchQuery>,
) -> Result<Json<SearchOut>, ApiError> {
    let Some(found) = crate::app::units::search(&state, user.id(), &q.q, LIMIT).await? else {
        return Ok(Json(SearchOut {
            items: Vec::new(),
            message: Some(crate::messages::Msg::QueryTooShort.text()),
        }));
    };
    Ok(Json(SearchOut {
        items: found
            .into_iter()
            .map(|f| UnitItem {
                id: f.id,
                name: f.name,
                region: f.region,
            })
            .collect(),
        message: None,
    }))
}
