//! Calls every front-site user has: who am I, 站内消息, the dictionaries and the unit picker.

use axum::Json;
use axum::extract::State;

use super::Resp;
use super::types::*;
use crate::api::dicts::{self, CodeName, LevelQuery, SpecialtyOut, TitleOut, TitleQuery};
use crate::api::extract::{ApiQuery, ApiUser};
use crate::api::units::{SearchOut, SearchQuery};
use crate::app::AppState;
use crate::web::extract::Query;

const TAG: &str = "通用";

/// The caller.
#[utoipa::path(get, path = "/rsrc/api/v1/me", tag = TAG,
    responses((status = 200, body = Me), (status = "default", body = ErrorBody)))]
pub async fn me(me: ApiUser) -> Json<Me> {
    Json(Me {
        kind: me.user.kind().as_str().into(),
        id: me.user.id(),
        name: me.user.name().into(),
        role: me.user.role_label().into(),
    })
}

/// 站内消息, newest first.
#[utoipa::path(get, path = "/rsrc/api/v1/messages", tag = TAG, params(PageQuery),
    responses((status = 200, body = NoticePage), (status = "default", body = ErrorBody)))]
pub async fn messages(me: ApiUser, ApiQuery(q): ApiQuery<PageQuery>) -> Resp<Json<NoticePage>> {
    notices_of(&me.state, (me.user.kind(), me.user.id()), &q).await
}

/// One page of the notices to `to`, newest first; the front and back office's 站内消息.
pub async fn notices_of(
    state: &AppState,
    to: (crate::domain::auth::SubjectKind, uuid::Uuid),
    q: &PageQuery,
) -> Resp<Json<NoticePage>> {
    let (cursor, limit) = keyset(&q.cursor, q.limit)?;
    let list = crate::store::notices::before(&state.db.conn, to, cursor, limit).await?;
    Ok(Json(NoticePage::of(
        list,
        limit,
        |n| (n.created_at, n.id),
        Into::into,
    )))
}

/// The unit picker: up to 20 units whose name contains `q`.
#[utoipa::path(get, path = "/rsrc/api/v1/units", tag = TAG, params(SearchQuery),
    responses((status = 200, body = SearchOut), (status = "default", body = ErrorBody)))]
pub async fn units(me: ApiUser, ApiQuery(q): ApiQuery<SearchQuery>) -> Resp<Json<SearchOut>> {
    crate::api::units::search(State(me.state), me.user, Query(q)).await
}

/// The lists of `api::dicts` a form's choices come from, each under `/rsrc/api/v1/dict/`
/// with the name of its `api::dicts` function, and open to all (no credential).
macro_rules! dict_lists {
    ($($(#[$doc:meta])* $name:ident at $path:tt;)+) => {$(
        $(#[$doc])*
        #[utoipa::path(get, path = $path, tag = TAG, security(()),
            responses((status = 200, body = Vec<CodeName>)))]
        pub async fn $name(state: State<AppState>) -> Json<Vec<CodeName>> {
            dicts::$name(state).await
        }
    )+};
}

dict_lists! {
    /// 申报级别.
    levels at "/rsrc/api/v1/dict/levels";
    /// 职称系列.
    series at "/rsrc/api/v1/dict/series";
    /// 申报方式.
    declare_methods at "/rsrc/api/v1/dict/declare-methods";
    /// 行政区划 (the bureaus' regions).
    regions at "/rsrc/api/v1/dict/regions";
}

/// The steps of the form cascade 申报级别 → 申报职称 → 现从事专业: each answers the entries
/// under the one its query names (404 for an unknown one) from the `api::dicts` function
/// of its name, open to all (no credential).
macro_rules! dict_lookups {
    ($($(#[$doc:meta])* $name:ident at $path:tt by $query:ident -> $out:ident;)+) => {$(
        $(#[$doc])*
        #[utoipa::path(get, path = $path, tag = TAG, security(()), params($query),
            responses((status = 200, body = Vec<$out>), (status = "default", body = ErrorBody)))]
        pub async fn $name(
            state: State<AppState>,
            ApiQuery(q): ApiQuery<$query>,
        ) -> Resp<Json<Vec<$out>>> {
            dicts::$name(state, Query(q)).await
        }
    )+};
}

dict_lookups! {
    /// 申报职称 at a level (404 for an unknown level).
    titles at "/rsrc/api/v1/dict/titles" by LevelQuery -> TitleOut;
    /// 现从事专业 of the title's series (404 for an unknown title).
    specialties at "/rsrc/api/v1/dict/specialties" by TitleQuery -> SpecialtyOut;
}

/// 修改密码 of the calling account: the current password and the new one twice. Every
/// browser session of the account ends; API tokens stay valid.
#[utoipa::path(post, path = "/rsrc/api/v1/me/password", tag = TAG, params(IdempotencyHeader),
    request_body = crate::app::accounts::PasswordChange,
    responses((status = 204), (status = 422, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn change_password(
    me: ApiUser,
    crate::api::extract::ApiJson(change): crate::api::extract::ApiJson<
        crate::app::accounts::PasswordChange,
    >,
) -> Resp<axum::http::StatusCode> {
    let secrets = me.user.password_secrets(&me.state);
    let who = secrets.holder();
    crate::app::accounts::change_password(&me.state, &me.caller, &who, &change, None).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
