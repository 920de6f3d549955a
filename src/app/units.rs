//! The unit picker's search by any part of 单位名称, for the page and the API alike: every
//! search spends one of the caller's unit-search budget first (`limit::Bucket::UnitSearch`).

use uuid::Uuid;

use super::AppState;
use super::limit::Bucket;
use crate::error::Result;
use crate::store::unit_search;

/// A unit found, with its region's name (济南市 …).
pub struct Found {
    pub id: Uuid,
    pub name: String,
    pub region: String,
}

/// Up to `limit` units whose name contains `q`, best match first, once `who` is within the
/// budget (beyond it, `AppError::TooManyRequests`). `None` when `q` is too short to search by;
/// the budget is spent all the same, so probing with short queries costs as much.
pub async fn search(
    state: &AppState,
    who: Uuid,
    q: &str,
    limit: u64,
) -> Result<Option<Vec<Found>>> {
    state
        .limiter
        .allow(Bucket::UnitSearch, who, state.now_ms())
        .await?;
    if unit_search::normalize_query(q).is_none() {
        return Ok(None);
    }
    let hits = unit_search::search(&state.db, q, limit).await?;
    let dicts = state.dicts();
    Ok(Some(
        hits.into_iter()
            .map(|h| Found {
                region: dicts
                    .region(&h.region_code)
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                id: h.id,
                name: h.name,
            })
            .collect(),
    ))
}
