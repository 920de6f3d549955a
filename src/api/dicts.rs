//! The form cascade 申报级别 → 申报职称 → 现从事专业, and the other dictionaries.

use crate::web::extract::Query;
use axum::Json;
use axum::extract::State;
use serde::Serialize;

use crate::api::extract::text_query;
use uuid::Uuid;

use crate::app::AppState;
use crate::error::AppError;
use crate::web::error::ApiError;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CodeName {
    code: String,
    name: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TitleOut {
    id: Uuid,
    name: String,
    series_code: String,
    series_name: String,
    aliases: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SpecialtyOut {
    id: Uuid,
    name: String,
}

fn enabled(items: &[crate::store::dicts::Item]) -> Vec<CodeName> {
    items
        .iter()
        .filter(|i| i.enabled)
        .map(|i| CodeName {
            code: i.code.clone(),
            name: i.name.clone(),
        })
        .collect()
}

pub async fn levels(State(state): State<AppState>) -> Json<Vec<CodeName>> {
    Json(enabled(&state.dicts().levels))
}

pub async fn series(State(state): State<AppState>) -> Json<Vec<CodeName>> {
    Json(enabled(&state.dicts().series))
}

pub async fn declare_methods(State(state): State<AppState>) -> Json<Vec<CodeName>> {
    Json(enabled(&state.dicts().declare_methods))
}

pub async fn regions(State(state): State<AppState>) -> Json<Vec<CodeName>> {
    Json(
        state
            .dicts()
            .regions
            .iter()
            .map(|r| CodeName {
                code: r.code.clone(),
                name: r.name.clone(),
            })
            .collect(),
    )
}

text_query!(LevelQuery {
    /// A 申报级别 code.
    level: String, at most 16
});

text_query!(TitleQuery {
    /// A 申报职称 id.
    title: String, at most 40
});

/// Titles at a level, across series; 404 for an unknown level.
pub async fn titles(
    State(state): State<AppState>,
    Query(q): Query<LevelQuery>,
) -> Result<Json<Vec<TitleOut>>, ApiError> {
    let d = state.dicts();
    if !d.levels.iter().any(|l| l.enabled && l.code == q.level) {
        return Err(AppError::NotFound.into());
    }
    Ok(Json(
        d.titles_at(&q.level)
            .map(|t| TitleOut {
                id: t.id,
                name: t.name.clone(),
                series_code: t.series_code.clone(),
                series_name: d.series_name(&t.series_code).to_owned(),
                aliases: t.aliases.clone(),
            })
            .collect(),
    ))
}

/// Specialties of the series the chosen title belongs to.
pub async fn specialties(
    State(state): State<AppState>,
    Query(q): Query<TitleQuery>,
) -> Result<Json<Vec<SpecialtyOut>>, ApiError> {
    let d = state.dicts();
    let id = Uuid::parse_str(&q.title).map_err(|_| AppError::NotFound)?;
    let title = d
        .title(id)
        .filter(|t| t.enabled)
        .ok_or(AppError::NotFound)?;
    Ok(Json(
        d.specialties_of(&title.series_code)
            .map(|s| SpecialtyOut {
                id: s.id,
                name: s.name.clone(),
            })
            .collect(),
    ))
}
