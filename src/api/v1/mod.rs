//! `/rsrc/api/v1` (persons and units) and `/sdmanager/api/v1` (bureau staff): every action
//! of the pages as a JSON call through the same `app` functions, described by an OpenAPI
//! 3.1 document generated from these handlers.

pub mod admin;
pub mod back;
pub mod common;
pub mod oversight;
pub mod person;
pub mod register;
pub mod types;
pub mod unit;

use std::sync::LazyLock;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router, middleware};
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::AppError;
use crate::web::error::ApiError;

/// What API handlers answer.
pub type Resp<T> = Result<T, ApiError>;

/// Path parameters; a malformed one is "not found", as JSON.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|_| ApiError(AppError::NotFound))
    }
}

/// An application's 办理记录.
pub async fn history_of(
    state: &AppState,
    id: uuid::Uuid,
) -> crate::error::Result<Vec<types::HistoryItem>> {
    Ok(crate::store::applications::events(&state.db.conn, id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// 下载 of the attachment `file` of `a` (a malformed or unknown id is "not found"), served
/// and audited as the pages serve it: the applicant's and the reviewers' download.
pub async fn attachment(
    state: &AppState,
    ctx: &crate::web::context::ReqCtx,
    caller: &crate::app::Caller,
    a: &crate::store::entities::application::Model,
    file: &str,
) -> Resp<Response> {
    let file = uuid::Uuid::parse_str(file).map_err(|_| AppError::NotFound)?;
    let f = crate::store::attachments::find(&state.db.conn, a.id, file)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(crate::web::front::serve_attachment(state, ctx, &caller.actor, a, &f).await?)
}

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let c = doc.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token created on the 访问令牌 page (front site or back office), sent as \
                         `Authorization: Bearer zc_…`. Same-site scripts may instead use the browser \
                         session and send the form token in `X-CSRF-Token` with every write.",
                    ))
                    .build(),
            ),
        );
        doc.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "zhicheng 外地调入资格确认 API（个人用户、单位用户）", version = "1",
        description = "Every action of the front site's pages. Errors are `{code, message, fields}` with the \
            platform's Chinese messages; every state-changing call takes an `Idempotency-Key`; lists page by \
            keyset (`cursor` = the previous page's `next`)."),
    modifiers(&Bearer)
)]
struct FrontDoc;

#[derive(OpenApi)]
#[openapi(
    info(title = "zhicheng 后台管理 API（人社局）", version = "1",
        description = "Every action of the back office's pages: grant decisions, statistics, oversight of units, \
            applicants and accounts, back-office users, dictionaries and the audit log, each for the role the \
            page is for. \
            Served only on the back-office listener, behind its network rules."),
    modifiers(&Bearer)
)]
struct BackDoc;

/// The router and the document of one site: each `[…]` is one path's handlers, in the
/// document's order.
macro_rules! documented {
    ($doc:ident; $([$($handler:path),+]),+ $(,)?) => {
        OpenApiRouter::with_openapi($doc::openapi())
            $(.routes(routes!($($handler),+)))+
            .split_for_parts()
    };
}

fn front_parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    documented!(FrontDoc;
        [common::me],
        [common::change_password],
        [common::messages],
        [common::units],
        [common::levels],
        [common::series],
        [common::declare_methods],
        [common::regions],
        [common::titles],
        [common::specialties],
        [register::person],
        [register::unit],
        [register::forgot],
        [register::reset_password],
        [person::list, person::create],
        [person::show],
        [person::save_basic],
        [person::save_original],
        [person::save_transfer],
        [person::save_education],
        [person::save_work],
        [person::upload],
        [person::download, person::remove],
        [person::submit],
        [person::withdraw],
        [person::delete],
        [person::history],
        [person::form],
        [unit::queue],
        [unit::show],
        [unit::fail],
        [unit::unfail],
        [unit::approve],
        [unit::send_back],
        [unit::download],
        [unit::report],
        [unit::paths, unit::request_path],
        [unit::asked],
        [unit::decide_path],
        [unit::grants, unit::request_grant],
    )
}

fn back_parts() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    documented!(BackDoc;
        [back::me],
        [back::change_password],
        [back::messages],
        [back::grants],
        [back::decide],
        [back::stats],
        [back::details],
        [back::details_full],
        [oversight::units],
        [oversight::all_units],
        [oversight::unit],
        [oversight::rename],
        [oversight::unit_account],
        [oversight::person_account],
        [oversight::persons],
        [oversight::person],
        [oversight::reveal],
        [admin::admins, admin::create_admin],
        [admin::dict, admin::change_dict],
        [admin::audit],
        [admin::verify],
    )
}

static FRONT_DOC: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| front_parts().1);
static BACK_DOC: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| back_parts().1);

/// The front site's OpenAPI document.
pub fn front_doc() -> &'static utoipa::openapi::OpenApi {
    &FRONT_DOC
}

/// The back office's OpenAPI document.
pub fn back_doc() -> &'static utoipa::openapi::OpenApi {
    &BACK_DOC
}

/// Whether the documents declare `method` on the route template `path`: the idempotency
/// layer keeps keys only for those, so any other method reaches the router's 405.
pub fn declared(method: &axum::http::Method, path: &str) -> bool {
    static WRITES: LazyLock<std::collections::HashSet<(String, String)>> = LazyLock::new(|| {
        let mut set = std::collections::HashSet::new();
        for doc in [front_doc(), back_doc()] {
            for (path, item) in &doc.paths.paths {
                for (m, op) in [
                    ("POST", &item.post),
                    ("PUT", &item.put),
                    ("PATCH", &item.patch),
                    ("DELETE", &item.delete),
                ] {
                    if op.is_some() {
                        set.insert((m.to_owned(), path.clone()));
                    }
                }
            }
        }
        set
    });
    WRITES.contains(&(method.as_str().to_owned(), path.to_owned()))
}

async fn unknown() -> ApiError {
    ApiError(AppError::NotFound)
}

/// Uploads are the largest bodies the API takes; JSON bodies are held to the form limit.
const BODY_LIMIT: usize = 8 * 1024 * 1024;

fn finish(
    router: Router<AppState>,
    state: &AppState,
    doc: &'static utoipa::openapi::OpenApi,
    base: &'static str,
) -> Router<AppState> {
    router
        .route(&format!("{base}/v1/{{*rest}}"), any(unknown))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::api::idempotency::layer,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(BODY_LIMIT))
        .route(
            &format!("{base}/openapi.json"),
            get(move || async move { Json(doc) }),
        )
        .route(
            &format!("{base}/docs"),
            get(move |State(_): State<AppState>| async move { reference(doc, base) }),
        )
}

/// `/rsrc/api/v1/…`, `/rsrc/api/openapi.json` and `/rsrc/api/docs`.
pub fn front_routes(state: &AppState) -> Router<AppState> {
    finish(front_parts().0, state, front_doc(), "/rsrc/api")
}

/// `/sdmanager/api/v1/…`, `/sdmanager/api/openapi.json` and `/sdmanager/api/docs`.
pub fn back_routes(state: &AppState) -> Router<AppState> {
    finish(back_parts().0, state, back_doc(), "/sdmanager/api")
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The reference page, drawn from the document by the server itself (no script, no CDN).
fn reference(doc: &utoipa::openapi::OpenApi, base: &str) -> Response {
    use std::fmt::Write;
    let css = if base.starts_with("/sdmanager") {
        "/sdmanager/static/app.css"
    } else {
        "/rsrc/static/app.css"
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · 接口文档</title><link rel=\"stylesheet\" href=\"{css}\"></head><body><main id=\"main\" class=\"container\">\
         <h1>{title}</h1><p>{desc}</p><p>机器可读的文档：<a href=\"{base}/openapi.json\">{base}/openapi.json</a>（OpenAPI 3.1）</p>",
        title = esc(&doc.info.title),
        desc = esc(doc.info.description.as_deref().unwrap_or("")),
    );
    let json = serde_json::to_value(doc).unwrap_or_default();
    let mut by_tag: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    if let Some(paths) = json.get("paths").and_then(|p| p.as_object()) {
        for (path, item) in paths {
            let Some(item) = item.as_object() else {
                continue;
            };
            for (method, op) in item {
                let tag = op
                    .pointer("/tags/0")
                    .and_then(|t| t.as_str())
                    .unwrap_or("其他")
                    .to_owned();
                let summary = op.get("summary").and_then(|s| s.as_str()).unwrap_or("");
                let mut row = format!(
                    "<section class=\"card\"><h3><code>{} {}</code></h3><p>{}</p>",
                    esc(&method.to_uppercase()),
                    esc(path),
                    esc(summary)
                );
                if let Some(params) = op.get("parameters").and_then(|p| p.as_array()) {
                    row.push_str("<p>参数：");
                    let names: Vec<String> = params
                        .iter()
                        .map(|p| {
                            format!(
                                "<code>{}</code>（{}）",
                                esc(p.get("name").and_then(|n| n.as_str()).unwrap_or("")),
                                esc(p.get("in").and_then(|n| n.as_str()).unwrap_or(""))
                            )
                        })
                        .collect();
                    row.push_str(&names.join("、"));
                    row.push_str("</p>");
                }
                if let Some(body) = op
                    .pointer("/requestBody/content")
                    .and_then(|c| c.as_object())
                {
                    for (ctype, c) in body {
                        let schema = c
                            .pointer("/schema/$ref")
                            .and_then(|r| r.as_str())
                            .map(|r| r.rsplit('/').next().unwrap_or(r).to_owned())
                            .unwrap_or_default();
                        let _ = write!(
                            row,
                            "<p>请求体：<code>{}</code> {}</p>",
                            esc(ctype),
                            esc(&schema)
                        );
                    }
                }
                if let Some(res) = op.get("responses").and_then(|r| r.as_object()) {
                    let codes: Vec<String> = res
                        .keys()
                        .map(|k| format!("<code>{}</code>", esc(k)))
                        .collect();
                    let _ = write!(row, "<p>应答：{}</p>", codes.join(" "));
                }
                row.push_str("</section>");
                by_tag.entry(tag).or_default().push(row);
            }
        }
    }
    for (tag, rows) in by_tag {
        let _ = write!(h, "<h2>{}</h2>", esc(&tag));
        for r in rows {
            h.push_str(&r);
        }
    }
    if let Some(schemas) = json
        .pointer("/components/schemas")
        .and_then(|s| s.as_object())
    {
        h.push_str("<h2>数据结构</h2>");
        for (name, s) in schemas {
            let _ = write!(
                h,
                "<section class=\"card\"><h3 id=\"schema-{0}\"><code>{0}</code></h3>",
                esc(name)
            );
            if let Some(d) = s.get("description").and_then(|d| d.as_str()) {
                let _ = write!(h, "<p>{}</p>", esc(d));
            }
            if let Some(props) = s.get("properties").and_then(|p| p.as_object()) {
                h.push_str("<ul>");
                for (p, v) in props {
                    let ty = v
                        .get("type")
                        .map(|t| t.to_string().replace('"', ""))
                        .or_else(|| {
                            v.get("$ref")
                                .and_then(|r| r.as_str())
                                .map(|r| r.rsplit('/').next().unwrap_or(r).to_owned())
                        })
                        .unwrap_or_default();
                    let d = v.get("description").and_then(|d| d.as_str()).unwrap_or("");
                    let _ = write!(
                        h,
                        "<li><code>{}</code> {} {}</li>",
                        esc(p),
                        esc(&ty),
                        esc(d)
                    );
                }
                h.push_str("</ul>");
            }
            h.push_str("</section>");
        }
    }
    h.push_str("</main></body></html>");
    Html(h).into_response()
}
