//! The back office's administration calls: 后台用户管理 (system administrators), 字典管理
//! (the province's business operators) and 审计日志 (auditors), through `app::admins`,
//! `app::dicts` and `app::audit_log` as the pages are.

use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::types::{ErrorBody, IdempotencyHeader, day_param, days_shaped, next_after};
use super::{ApiPath, Resp};
use crate::api::extract::{ApiAdmin, ApiJson, ApiQuery, Bounds, at_most, text_query, within};
use crate::app::AppState;
use crate::app::admins::{self as app_admins, AdminInput, Refusal};
use crate::app::audit_log as app_audit;
use crate::app::dicts::{self as app_dicts, Change};
use crate::domain::auth::AdminRole;
use crate::error::AppError;
use crate::messages::Msg;
use crate::store::audit::{Filter, Verification};
use crate::store::dicts::Kind;
use crate::store::entities::admin;

const ADMINS_TAG: &str = "后台用户管理（系统管理员）";
const DICTS_TAG: &str = "字典管理（省人社厅）";
const AUDIT_TAG: &str = "审计日志（审计员）";

/// A back-office user.
#[derive(Serialize, ToSchema)]
pub struct AdminOut {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    /// The bureau's region code.
    pub bureau: String,
    pub bureau_name: String,
    pub role: AdminRole,
    pub role_label: String,
    /// Logs in with a UKEY (client certificate) as well as the password.
    pub ukey: bool,
    pub disabled: bool,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

impl AdminOut {
    fn of(state: &AppState, a: admin::Model) -> Self {
        let role = AdminRole::parse(&a.role).unwrap_or(AdminRole::Operator);
        AdminOut {
            bureau_name: state
                .dicts()
                .region(&a.bureau_code)
                .map(|r| crate::web::session::bureau_name(&r.name))
                .unwrap_or_default(),
            role,
            role_label: role.label().into(),
            ukey: a.cert_fingerprint.is_some(),
            id: a.id,
            username: a.username,
            display_name: a.display_name,
            bureau: a.bureau_code,
            disabled: a.disabled,
            created_at: a.created_at,
        }
    }
}

/// The users the caller manages (every bureau's for the province, the own bureau's for a
/// city), newest first, at most 200.
#[utoipa::path(get, path = "/sdmanager/api/v1/admins", tag = ADMINS_TAG,
    responses((status = 200, body = Vec<AdminOut>), (status = "default", body = ErrorBody)))]
pub async fn admins(me: ApiAdmin) -> Resp<Json<Vec<AdminOut>>> {
    let list = app_admins::list(&me.state, &me.user.admin, me.user.role).await?;
    Ok(Json(
        list.into_iter()
            .map(|a| AdminOut::of(&me.state, a))
            .collect(),
    ))
}

/// 新增后台用户.
#[derive(Deserialize, ToSchema)]
pub struct AdminIn {
    /// 3–32 letters, digits or underscores.
    pub username: String,
    pub display_name: String,
    /// The bureau's region code: any for the province, the own one for a city.
    pub bureau: String,
    pub role: AdminRole,
    /// The UKEY certificate's SHA-256 fingerprint, with or without colons; absent: none.
    #[serde(default)]
    pub cert_fingerprint: Option<String>,
}

impl From<AdminIn> for AdminInput {
    fn from(a: AdminIn) -> Self {
        AdminInput {
            username: a.username,
            display_name: a.display_name,
            bureau: a.bureau,
            role: a.role,
            cert_fingerprint: a.cert_fingerprint.unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AdminCreated {
    pub admin: AdminOut,
    /// Shown this once; the user must replace it at the first login.
    pub one_time_password: String,
}

/// 新增后台用户: 201 with the one-time password; 422 names each wrong or taken field.
#[utoipa::path(post, path = "/sdmanager/api/v1/admins", tag = ADMINS_TAG,
    params(IdempotencyHeader), request_body = AdminIn,
    responses((status = 201, body = AdminCreated), (status = 422, body = ErrorBody),
        (status = "default", body = ErrorBody)))]
pub async fn create_admin(
    me: ApiAdmin,
    ApiJson(body): ApiJson<AdminIn>,
) -> Resp<(StatusCode, Json<AdminCreated>)> {
    let mine = (&me.user.admin, me.user.role);
    match app_admins::create(&me.state, &me.caller, mine, &body.into()).await? {
        Ok((a, one_time_password)) => Ok((
            StatusCode::CREATED,
            Json(AdminCreated {
                admin: AdminOut::of(&me.state, a),
                one_time_password,
            }),
        )),
        Err(Refusal::Invalid(errors) | Refusal::Taken(errors)) => {
            Err(AppError::Validation(errors).into())
        }
    }
}

/// The dictionaries 字典管理 edits.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum DictKind {
    /// 职称系列
    Series,
    /// 职称
    Titles,
    /// 专业
    Specialties,
    /// 申报方式
    Methods,
}

fn kind_of(s: &str) -> Result<Kind, AppError> {
    Kind::parse(s).ok_or(AppError::NotFound)
}

/// One entry, disabled ones included.
#[derive(Serialize, ToSchema)]
pub struct DictEntryOut {
    /// The code (series, 申报方式) or the id (titles, specialties): the `key` of changes.
    pub key: String,
    pub name: String,
    /// Titles: the level's name.
    pub level: Option<String>,
    /// Titles: former names that still match.
    pub aliases: Vec<String>,
    pub enabled: bool,
}

text_query!(DictQuery {
    /// Titles and specialties: the series (default: the first).
    series: Option<String>, at most 16
});

/// Every entry of a dictionary; titles and specialties of one series.
#[utoipa::path(get, path = "/sdmanager/api/v1/dicts/{kind}", tag = DICTS_TAG,
    params(("kind" = inline(DictKind), Path, description = "字典"), DictQuery),
    responses((status = 200, body = Vec<DictEntryOut>), (status = "default", body = ErrorBody)))]
pub async fn dict(
    me: ApiAdmin,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(q): ApiQuery<DictQuery>,
) -> Resp<Json<Vec<DictEntryOut>>> {
    app_dicts::require(&me.user.admin, me.user.role)?;
    let kind = kind_of(&kind)?;
    let series = app_dicts::series_or_first(&me.state, q.series.as_deref().unwrap_or(""));
    Ok(Json(
        app_dicts::entries(&me.state, kind, &series)
            .into_iter()
            .map(|e| DictEntryOut {
                level: (kind == Kind::Titles).then_some(e.extra),
                key: e.key,
                name: e.name,
                aliases: e.aliases,
                enabled: e.enabled,
            })
            .collect(),
    ))
}

/// What a change does.
#[derive(Deserialize, ToSchema, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DictOp {
    /// 新增 (`name`; titles and specialties `series`, titles `level` and `aliases`).
    Add,
    /// 保存: a new `name` for `key` (titles: and the `aliases`).
    Rename,
    /// 停用 `key`: it leaves new forms and stays on old records.
    Disable,
    /// 启用 `key`.
    Enable,
}

#[derive(Deserialize, ToSchema)]
pub struct DictChangeIn {
    pub op: DictOp,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub series: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DictChanged {
    /// The entry's key (the new one after `add`).
    pub key: String,
}

/// 新增, 保存, 停用 or 启用 an entry, audited; the forms see it at once. A name the
/// dictionary has is 409; a missing name or an unknown series or level is 422.
#[utoipa::path(post, path = "/sdmanager/api/v1/dicts/{kind}", tag = DICTS_TAG,
    params(("kind" = inline(DictKind), Path, description = "字典"), IdempotencyHeader),
    request_body = DictChangeIn,
    responses((status = 200, body = DictChanged), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = "default", body = ErrorBody)))]
pub async fn change_dict(
    me: ApiAdmin,
    ApiPath(kind): ApiPath<String>,
    ApiJson(body): ApiJson<DictChangeIn>,
) -> Resp<Json<DictChanged>> {
    app_dicts::require(&me.user.admin, me.user.role)?;
    let kind = kind_of(&kind)?;
    let change = match body.op {
        DictOp::Add => Change::Add {
            name: body.name,
            series: body.series,
            level: body.level,
            aliases: body.aliases,
        },
        DictOp::Rename => Change::Rename {
            key: body.key,
            name: body.name,
            aliases: body.aliases,
        },
        DictOp::Disable | DictOp::Enable => Change::Enable {
            enabled: body.op == DictOp::Enable,
            key: body.key,
        },
    };
    let mine = (&me.user.admin, me.user.role);
    let key = app_dicts::change(&me.state, &me.caller, mine, kind, &change).await?;
    Ok(Json(DictChanged { key }))
}

/// 审计日志's filters; pages by `before` (the previous page's `next`).
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// On or after this day (YYYY-MM-DD, China time).
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: Option<String>,
    /// On or before this day.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub to: Option<String>,
    /// Part of the actor's name.
    #[param(max_length = 50)]
    pub actor: Option<String>,
    /// The action, e.g. `login`, `application_submit`.
    #[param(max_length = 50)]
    pub action: Option<String>,
    /// The beginning of the object, e.g. `application:` or `person:<id>`.
    #[param(max_length = 80)]
    pub object: Option<String>,
    /// Entries older than this sequence number.
    #[param(minimum = 1)]
    pub before: Option<i64>,
    /// Entries per page, 1–100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

impl Bounds for AuditQuery {
    const INTEGERS: &'static [&'static str] = &["before", "limit"];
    fn check(&self) -> Result<(), AppError> {
        days_shaped(&self.from, &self.to)?;
        if self.before.is_some_and(|b| b < 1) {
            return Err(AppError::Status(400, Msg::BadRequest));
        }
        at_most(self.actor.as_deref(), 50)?;
        at_most(self.action.as_deref(), 50)?;
        at_most(self.object.as_deref(), 80)?;
        within(self.limit, 1, 100)
    }
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditEntryOut {
    pub seq: i64,
    /// Milliseconds since the epoch.
    pub at: i64,
    /// person, unit, admin or anonymous.
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub org: String,
    pub ip: String,
    pub action: String,
    pub object: String,
    /// success, failure or denied.
    pub outcome: String,
    pub detail: String,
    /// This entry's link in the hash chain.
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryOut>,
    /// Pass as `before` for the next page; absent on the last.
    pub next: Option<i64>,
}

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// 审计日志, newest first. Auditors only.
#[utoipa::path(get, path = "/sdmanager/api/v1/audit", tag = AUDIT_TAG, params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 422, body = ErrorBody),
        (status = "default", body = ErrorBody)))]
pub async fn audit(me: ApiAdmin, ApiQuery(q): ApiQuery<AuditQuery>) -> Resp<Json<AuditPage>> {
    app_audit::require(me.user.role)?;
    let filter = Filter {
        from_ms: day_param("from", &q.from, false)?,
        to_ms: day_param("to", &q.to, true)?,
        actor: trimmed(q.actor),
        action: trimmed(q.action),
        object: trimmed(q.object),
        before_seq: q.before,
    };
    let limit = u64::from(q.limit.unwrap_or(50).clamp(1, 100));
    let entries = app_audit::search(&me.state, me.user.role, &filter, limit).await?;
    let next = next_after(&entries, limit, |e| e.seq);
    Ok(Json(AuditPage {
        items: entries
            .into_iter()
            .map(|e| AuditEntryOut {
                seq: e.seq,
                at: e.at,
                actor_kind: e.actor_kind,
                actor_id: e.actor_id,
                actor: e.actor_label,
                org: e.org,
                ip: e.ip,
                action: e.action,
                object: e.object,
                outcome: e.outcome,
                detail: e.detail,
                hash: e.hash,
            })
            .collect(),
        next,
    }))
}

/// The hash chain's check.
#[derive(Serialize, ToSchema)]
pub struct ChainOut {
    pub intact: bool,
    /// Entries checked, when intact.
    pub entries: Option<i64>,
    /// The first entry that does not fit, when broken.
    pub broken_at: Option<i64>,
    pub reason: Option<String>,
}

/// 校验哈希链: walks the whole chain and says whether every link and hash holds.
#[utoipa::path(get, path = "/sdmanager/api/v1/audit/verify", tag = AUDIT_TAG,
    responses((status = 200, body = ChainOut), (status = "default", body = ErrorBody)))]
pub async fn verify(me: ApiAdmin) -> Resp<Json<ChainOut>> {
    Ok(Json(
        match app_audit::verify(&me.state, me.user.role).await? {
            Verification::Intact { entries } => ChainOut {
                intact: true,
                entries: Some(entries),
                broken_at: None,
                reason: None,
            },
            Verification::Broken { seq, reason } => ChainOut {
                intact: false,
                entries: None,
                broken_at: Some(seq),
                reason: Some(reason),
            },
        },
    ))
}
