//! The shapes the API speaks, each with its schema for the OpenAPI document.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::extract::{Bounds, at_most, within};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::AppState;
use crate::domain::application::{EducationRow, Original, Transfer, WorkRow};
use crate::domain::workflow::State;
use crate::store::applications;
use crate::store::entities::application;

/// Every error: a stable `code`, the message in Chinese, and per-field messages.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    pub fields: BTreeMap<String, FieldError>,
}

#[derive(Serialize, ToSchema)]
pub struct FieldError {
    pub code: String,
    pub message: String,
}

/// A PDF or an uploaded file.
pub struct Binary;

impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

/// The caller.
#[derive(Serialize, ToSchema)]
pub struct Me {
    /// person, unit or admin.
    pub kind: String,
    pub id: Uuid,
    pub name: String,
    /// 个人用户, 单位用户, or the back-office role.
    pub role: String,
}

/// The `Idempotency-Key` header of every state-changing call.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyHeader {
    /// Any 1–128 visible ASCII characters, new for each distinct request; a repeat with the
    /// same body replays the first answer, with another body is refused (422).
    #[serde(rename = "Idempotency-Key")]
    #[param(
        rename = "Idempotency-Key",
        min_length = 1,
        max_length = 128,
        pattern = "^[!-~]{1,128}$"
    )]
    pub key: Option<String>,
}

/// Keyset paging: pass `next` of one page as `cursor` of the next.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Where the previous page ended (its `next`).
    #[param(
        max_length = 52,
        pattern = r"^([0-9]{1,15}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$"
    )]
    pub cursor: Option<String>,
    /// Rows per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Where a keyset page starts (the `cursor` parameter, checked) and how many rows it holds
/// (the `limit` parameter: 1–100, 20 by default).
pub fn keyset(
    cursor: &Option<String>,
    limit: Option<u32>,
) -> Result<(Option<(i64, Uuid)>, u64), crate::error::AppError> {
    Ok((
        parse_cursor(cursor)?,
        u64::from(limit.unwrap_or(20).clamp(1, 100)),
    ))
}

/// Where the page after `rows` starts, from its last row's `key`: only a full page of
/// `limit` rows has one, so a shorter page is the last.
pub fn next_after<R, K>(rows: &[R], limit: u64, key: impl FnOnce(&R) -> K) -> Option<K> {
    if rows.len() as u64 == limit {
        rows.last().map(key)
    } else {
        None
    }
}

/// Declares one page of a keyset-paged list (its own schema in the OpenAPI documents):
/// the rows, and `next`, the cursor of the following page.
macro_rules! keyset_page {
    ($page:ident of $item:ident) => {
        #[derive(serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            pub items: Vec<$item>,
            pub next: Option<String>,
        }

        impl $page {
            /// A page of at most `limit` `rows`, each shaped by `item`; `key` is a row's
            /// sort key `(ms, id)`.
            pub fn of<R>(
                rows: Vec<R>,
                limit: u64,
                key: impl FnOnce(&R) -> (i64, uuid::Uuid),
                item: impl FnMut(R) -> $item,
            ) -> Self {
                let next = $crate::api::v1::types::next_after(&rows, limit, |r| {
                    let (at, id) = key(r);
                    $crate::api::v1::types::cursor_of(at, id)
                });
                $page {
                    items: rows.into_iter().map(item).collect(),
                    next,
                }
            }
        }
    };
}
pub(crate) use keyset_page;

/// A keyset cursor: the sort key `(ms, id)` of the last row.
pub fn cursor_of(at: i64, id: Uuid) -> String {
    format!("{at}.{id}")
}

/// The cursor as given; one that is not exactly what [`cursor_of`] writes is a 400 (a
/// trailing newline aside, which the documented pattern's `$` allows).
pub fn parse_cursor(c: &Option<String>) -> Result<Option<(i64, Uuid)>, crate::error::AppError> {
    let Some(c) = c.as_deref().map(|c| c.strip_suffix('\n').unwrap_or(c)) else {
        return Ok(None);
    };
    if c.is_empty() {
        return Ok(None);
    }
    let bad = || crate::error::AppError::Status(400, crate::messages::Msg::BadRequest);
    let (at, id) = c.split_once('.').ok_or_else(bad)?;
    let canonical_id = id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        });
    if !(1..=15).contains(&at.len()) || !at.bytes().all(|b| b.is_ascii_digit()) || !canonical_id {
        return Err(bad());
    }
    Ok(Some((
        at.parse().map_err(|_| bad())?,
        Uuid::parse_str(id).map_err(|_| bad())?,
    )))
}

impl Bounds for PageQuery {
    const INTEGERS: &'static [&'static str] = &["limit"];
    fn check(&self) -> Result<(), crate::error::AppError> {
        parse_cursor(&self.cursor)?;
        within(self.limit, 1, 100)
    }
}

impl Bounds for QueueQuery {
    const INTEGERS: &'static [&'static str] = &["limit"];
    fn check(&self) -> Result<(), crate::error::AppError> {
        parse_cursor(&self.cursor)?;
        one_of(self.state.as_deref(), &QUEUE_STATES)?;
        at_most(self.series.as_deref(), 16)?;
        at_most(self.level.as_deref(), 16)?;
        at_most(self.name.as_deref(), 50)?;
        within(self.limit, 1, 100)
    }
}

impl Bounds for GrantQuery {
    const INTEGERS: &'static [&'static str] = &["limit"];
    fn check(&self) -> Result<(), crate::error::AppError> {
        parse_cursor(&self.cursor)?;
        one_of(self.state.as_deref(), &GRANT_STATES)?;
        within(self.limit, 1, 100)
    }
}

/// An application's place: its state and the version to send with the next step.
#[derive(Serialize, ToSchema)]
pub struct Position {
    pub id: Uuid,
    /// draft, pending, returned, to_report or approved.
    pub state: String,
    /// The state as the pages name it (未提交, 待审核 …).
    pub state_label: String,
    /// Send it back with the next step; a stale one is refused (409).
    pub version: String,
}

impl Position {
    pub fn of(a: &application::Model) -> Self {
        let st = applications::state(a);
        Position {
            id: a.id,
            state: st.as_str().into(),
            state_label: st.label().into(),
            version: a.version.to_string(),
        }
    }
}

/// One application in a list.
#[derive(Serialize, ToSchema)]
pub struct ApplicationSummary {
    #[serde(flatten)]
    pub position: Position,
    pub level: Option<String>,
    pub series: Option<String>,
    pub title: Option<String>,
    /// Milliseconds since the epoch.
    pub submitted_at: Option<i64>,
    /// The 转入表's serial once 终审通过.
    pub serial: Option<String>,
}

impl ApplicationSummary {
    pub fn of(state: &AppState, a: &application::Model) -> Self {
        let d = state.dicts();
        ApplicationSummary {
            position: Position::of(a),
            level: a.level_code.clone(),
            series: a.series_code.clone(),
            title: a.title_id.map(|t| d.title_name(Some(t)).to_owned()),
            submitted_at: a.submitted_at,
            serial: a.serial.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: Uuid,
    /// The 附件材料 slot.
    pub slot: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// A module marked 不通过, with the reviewer's opinion.
#[derive(Serialize, ToSchema)]
pub struct FailureOut {
    pub round: i32,
    pub module: String,
    pub module_label: String,
    pub unit: Uuid,
    pub opinion: String,
}

/// Something missing before 确定申报.
#[derive(Serialize, ToSchema)]
pub struct GapOut {
    pub module: String,
    pub what: String,
}

/// The whole application.
#[derive(Serialize, ToSchema)]
pub struct ApplicationDetail {
    #[serde(flatten)]
    pub position: Position,
    pub round: i32,
    pub basic: crate::domain::application::Basic,
    pub original: Original,
    pub transfer: Transfer,
    pub education: Vec<EducationRow>,
    pub work: Vec<WorkRow>,
    pub attachments: Vec<AttachmentOut>,
    /// Every 不通过 mark, all rounds.
    pub failures: Vec<FailureOut>,
    /// What 确定申报 would still refuse.
    pub gaps: Vec<GapOut>,
    pub serial: Option<String>,
    /// The applicant, for units: name and masked ID number.
    pub person_name: Option<String>,
    pub person_id_masked: Option<String>,
}

pub async fn detail(
    state: &AppState,
    a: &application::Model,
    person: Option<&crate::store::entities::person::Model>,
) -> crate::error::Result<ApplicationDetail> {
    let b = applications::basic(&state.keys, a);
    let m = applications::modules(a);
    let files = crate::store::attachments::list(&state.db.conn, a.id).await?;
    let failures = applications::all_failures(&state.db.conn, a.id).await?;
    let gaps = if matches!(applications::state(a), State::Draft | State::Returned) {
        crate::app::workflow::gaps_of(state, a).await?
    } else {
        Vec::new()
    };
    Ok(ApplicationDetail {
        position: Position::of(a),
        round: a.round,
        basic: b,
        original: m.original,
        transfer: m.transfer,
        education: m.education,
        work: m.work,
        attachments: files
            .into_iter()
            .map(|f| AttachmentOut {
                id: f.id,
                slot: f.slot.as_str().into(),
                file_name: f.file_name,
                content_type: f.content_type,
                size: f.size,
                sha256: f.sha256,
            })
            .collect(),
        failures: failures
            .into_iter()
            .map(|f| FailureOut {
                round: f.round,
                module: f.module.as_str().into(),
                module_label: f.module.label().into(),
                unit: f.unit_id,
                opinion: f.opinion,
            })
            .collect(),
        gaps: gaps
            .into_iter()
            .map(|g| GapOut {
                module: g.module.as_str().into(),
                what: g.what,
            })
            .collect(),
        serial: a.serial.clone(),
        person_name: person.map(|p| p.name.clone()),
        person_id_masked: person.map(|p| p.id_masked.clone()),
    })
}

/// A step that needs only the version read last.
#[derive(Deserialize, ToSchema)]
pub struct VersionIn {
    pub version: String,
}

/// 确定申报: the version and the 承诺 (pledge) box.
#[derive(Deserialize, ToSchema)]
pub struct SubmitIn {
    pub version: String,
    /// 本人承诺所填信息真实有效: must be true.
    pub pledge: bool,
}

/// 不通过 of a module.
#[derive(Deserialize, ToSchema)]
pub struct OpinionIn {
    /// 审核意见, 1–500 characters.
    pub opinion: String,
}

/// 通过.
#[derive(Deserialize, ToSchema)]
pub struct ApproveIn {
    pub version: String,
    /// 审核意见; empty means 同意.
    #[serde(default)]
    pub opinion: String,
}

/// 学历信息 or 工作经历: all rows at once (at most 20).
#[derive(Deserialize, ToSchema)]
pub struct EducationIn {
    pub rows: Vec<EducationRow>,
}

#[derive(Deserialize, ToSchema)]
pub struct WorkIn {
    pub rows: Vec<WorkRow>,
}

/// 上传: one file into a slot (PDF, JPEG or PNG by content, at most 5 MB).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct UploadIn {
    /// The 附件材料 slot: certificate, approval, transfer_proof, social_insurance, diploma, photo or other.
    pub slot: String,
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: Uuid,
}

/// One step of the history (办理记录).
#[derive(Serialize, ToSchema)]
pub struct HistoryItem {
    pub at: i64,
    pub actor_kind: String,
    pub actor: String,
    pub unit: Option<Uuid>,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub opinion: String,
}

impl From<crate::store::applications::Event> for HistoryItem {
    fn from(e: crate::store::applications::Event) -> Self {
        HistoryItem {
            at: e.at,
            actor_kind: e.actor_kind,
            actor: e.actor_label,
            unit: e.unit_id,
            action: e.action,
            from_state: e.from_state.as_str().into(),
            to_state: e.to_state.as_str().into(),
            opinion: e.opinion,
        }
    }
}

/// A message (站内消息).
#[derive(Serialize, ToSchema)]
pub struct NoticeOut {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: i64,
    pub read: bool,
}

impl From<crate::store::notices::Notice> for NoticeOut {
    fn from(n: crate::store::notices::Notice) -> Self {
        NoticeOut {
            id: n.id,
            title: n.title,
            body: n.body,
            link: n.link,
            created_at: n.created_at,
            read: n.read,
        }
    }
}

keyset_page!(NoticePage of NoticeOut);

/// One row of a unit's queue.
#[derive(Serialize, ToSchema)]
pub struct QueueRow {
    pub id: Uuid,
    pub state: String,
    pub state_label: String,
    pub version: String,
    /// The unit holds it now (it may act).
    pub held: bool,
    pub name: String,
    pub id_masked: String,
    pub level: Option<String>,
    pub series: Option<String>,
    pub title: Option<String>,
    pub submitted_at: Option<i64>,
}

keyset_page!(QueuePage of QueueRow);

const QUEUE_STATES: [&str; 5] = ["", "pending", "returned", "to_report", "approved"];
const GRANT_STATES: [&str; 5] = ["", "pending", "active", "refused", "revoked"];

fn enum_schema(values: &[&str], description: &str) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .build()
}

/// The states the queue shows: 待审核, 已退回, 待上报, 终审通过; empty is all of them.
fn queue_state_schema() -> utoipa::openapi::Object {
    enum_schema(
        &QUEUE_STATES,
        "待审核 pending, 已退回 returned, 待上报 to_report, 终审通过 approved; empty is all.",
    )
}

/// A grant's standing: 未生效, 已生效, 未通过, 已撤销; empty is any.
fn grant_state_schema() -> utoipa::openapi::Object {
    enum_schema(
        &GRANT_STATES,
        "未生效 pending, 已生效 active, 未通过 refused, 已撤销 revoked; empty is any.",
    )
}

/// One of `allowed` when given.
fn one_of(value: Option<&str>, allowed: &[&str]) -> Result<(), crate::error::AppError> {
    match value {
        Some(v) if !allowed.contains(&v) => Err(crate::error::AppError::Status(
            400,
            crate::messages::Msg::BadChoice,
        )),
        _ => Ok(()),
    }
}

/// The queue's filters (as on 外地调入审核).
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    #[param(schema_with = queue_state_schema)]
    pub state: Option<String>,
    #[param(max_length = 16)]
    pub series: Option<String>,
    #[param(max_length = 16)]
    pub level: Option<String>,
    /// The applicant's exact name.
    #[param(max_length = 50)]
    pub name: Option<String>,
    /// Only what the unit holds now.
    pub held_now: Option<bool>,
    #[param(
        max_length = 52,
        pattern = r"^([0-9]{1,15}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$"
    )]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

#[derive(Deserialize, ToSchema)]
pub struct ReportItem {
    #[serde(deserialize_with = "any_id")]
    pub id: Uuid,
    pub version: String,
}

/// 数据上报 of up to 200 applications.
#[derive(Deserialize, ToSchema)]
pub struct ReportIn {
    pub items: Vec<ReportItem>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    pub reported: Vec<Uuid>,
    /// One line per application that stayed, with the reason.
    pub problems: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PathOut {
    pub id: Uuid,
    pub from_unit: Uuid,
    pub from_name: String,
    pub to_unit: Uuid,
    pub to_name: String,
    pub series: String,
    pub level: String,
    /// pending, active or refused.
    pub state: String,
    pub state_label: String,
    pub opinion: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

impl From<crate::store::chain::Path> for PathOut {
    fn from(p: crate::store::chain::Path) -> Self {
        PathOut {
            id: p.id,
            from_unit: p.from_unit,
            from_name: p.from_name,
            to_unit: p.to_unit,
            to_name: p.to_name,
            series: p.series,
            level: p.level,
            state: p.standing.as_str().into(),
            state_label: p.standing.path_label().into(),
            opinion: p.opinion,
            created_at: p.created_at,
            decided_at: p.decided_at,
        }
    }
}

/// An id in a body: a string that is not a UUID names nothing, as an unknown UUID does, so
/// the step answers "not found" for it (a 422 or a listed problem), not "bad JSON".
fn any_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Uuid, D::Error> {
    let s = String::deserialize(d)?;
    Ok(Uuid::parse_str(s.trim()).unwrap_or(Uuid::nil()))
}

/// As [`any_id`]; empty or absent is none.
fn any_optional_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Uuid>, D::Error> {
    let s = Option::<String>::deserialize(d)?.unwrap_or_default();
    Ok((!s.trim().is_empty()).then(|| Uuid::parse_str(s.trim()).unwrap_or(Uuid::nil())))
}

/// 新增 of 上报路径申请: the superior by id, or by its exact name.
#[derive(Deserialize, ToSchema)]
pub struct PathIn {
    #[serde(default, deserialize_with = "any_optional_id")]
    pub superior: Option<Uuid>,
    #[serde(default)]
    pub superior_name: String,
    pub series: String,
    pub level: String,
}

impl From<PathIn> for crate::app::chain::PathRequest {
    fn from(p: PathIn) -> Self {
        crate::app::chain::PathRequest {
            superior: p.superior,
            superior_name: p.superior_name,
            series: p.series,
            level: p.level,
        }
    }
}

/// 通过 (approve) or 不通过 (refuse, with an opinion).
#[derive(Deserialize, ToSchema)]
pub struct DecideIn {
    /// approve or refuse (and, for a bureau's grants, revoke).
    pub decision: String,
    #[serde(default)]
    pub opinion: String,
}

#[derive(Serialize, ToSchema)]
pub struct GrantOut {
    pub id: Uuid,
    pub unit: Uuid,
    pub unit_name: String,
    pub unit_region: String,
    pub level: String,
    /// The bureau (region code) the request is addressed to.
    pub bureau: String,
    /// pending, active, refused or revoked.
    pub state: String,
    pub state_label: String,
    pub opinion: String,
    pub created_at: i64,
    pub decided_at: Option<i64>,
}

impl From<crate::store::chain::Grant> for GrantOut {
    fn from(g: crate::store::chain::Grant) -> Self {
        GrantOut {
            id: g.id,
            unit: g.unit_id,
            unit_name: g.unit_name,
            unit_region: g.unit_region,
            level: g.level,
            bureau: g.bureau,
            state: g.standing.as_str().into(),
            state_label: g.standing.grant_label().into(),
            opinion: g.opinion,
            created_at: g.created_at,
            decided_at: g.decided_at,
        }
    }
}

keyset_page!(GrantPage of GrantOut);

/// 外地调入终审权限申请: 证书等级 and the bureau (the unit's city or the province).
#[derive(Deserialize, ToSchema)]
pub struct GrantIn {
    pub level: String,
    pub bureau: String,
}

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct GrantQuery {
    #[param(schema_with = grant_state_schema)]
    pub state: Option<String>,
    #[param(
        max_length = 52,
        pattern = r"^([0-9]{1,15}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$"
    )]
    pub cursor: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

/// Whether a day parameter is absent, empty or shaped `YYYY-MM-DD` (a trailing newline
/// aside, which the documented pattern's `$` allows); whether it is a calendar day is the
/// handler's question.
fn day_shaped(s: &Option<String>) -> bool {
    match s.as_deref().map(|d| d.strip_suffix('\n').unwrap_or(d)) {
        None | Some("") => true,
        Some(d) => {
            d.len() == 10
                && d.bytes().enumerate().all(|(i, b)| {
                    if i == 4 || i == 7 {
                        b == b'-'
                    } else {
                        b.is_ascii_digit()
                    }
                })
        }
    }
}

/// A `from`–`to` pair of day parameters, each absent, empty or shaped `YYYY-MM-DD`; any
/// other shape is a 400.
pub fn days_shaped(
    from: &Option<String>,
    to: &Option<String>,
) -> Result<(), crate::error::AppError> {
    if day_shaped(from) && day_shaped(to) {
        Ok(())
    } else {
        Err(crate::error::AppError::Status(
            400,
            crate::messages::Msg::BadRequest,
        ))
    }
}

/// A day parameter as the bound of a range in milliseconds (`end`: the end of that day);
/// absent or empty is no bound, a day that is no calendar day a 422 on `field`.
pub fn day_param(
    field: &'static str,
    s: &Option<String>,
    end: bool,
) -> Result<Option<i64>, crate::error::AppError> {
    match s.as_deref() {
        None | Some("") => Ok(None),
        Some(d) => crate::domain::clock::day_bound_ms(d, end)
            .map(Some)
            .ok_or_else(|| crate::error::AppError::field(field, crate::messages::Msg::DateInvalid)),
    }
}

/// 统计分析's filters. A date that fits the pattern but is no calendar day is a 422 on its field.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct StatsParams {
    /// Submitted on or after this day (YYYY-MM-DD, China time).
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: Option<String>,
    /// Submitted on or before this day.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub to: Option<String>,
    /// A 职称系列 code.
    #[param(max_length = 16)]
    pub series: Option<String>,
}

impl Bounds for StatsParams {
    fn check(&self) -> Result<(), crate::error::AppError> {
        days_shaped(&self.from, &self.to)?;
        at_most(self.series.as_deref(), 16)
    }
}

#[derive(Serialize, ToSchema)]
pub struct StatsRow {
    /// The dictionary code (a state, series, level or region code, or `YYYY-MM`).
    pub code: String,
    pub label: String,
    pub count: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StatsTable {
    /// state, series, level, city or month.
    pub by: String,
    pub title: String,
    pub rows: Vec<StatsRow>,
}

#[derive(Serialize, ToSchema)]
pub struct StatsOut {
    /// Applications counted.
    pub total: i64,
    /// 终审通过 among them.
    pub approved: i64,
    /// Submission → 终审通过, in hours.
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
    pub tables: Vec<StatsTable>,
}

/// 申报明细's filters (those of 统计分析) and keyset paging.
#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct DetailsParams {
    /// Submitted on or after this day (YYYY-MM-DD, China time).
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub from: Option<String>,
    /// Submitted on or before this day.
    #[param(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub to: Option<String>,
    /// A 职称系列 code.
    #[param(max_length = 16)]
    pub series: Option<String>,
    /// Where the previous page ended (its `next`).
    #[param(
        max_length = 52,
        pattern = r"^([0-9]{1,15}\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$"
    )]
    pub cursor: Option<String>,
    /// Rows per page, 1–100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
}

impl Bounds for DetailsParams {
    const INTEGERS: &'static [&'static str] = &["limit"];
    fn check(&self) -> Result<(), crate::error::AppError> {
        days_shaped(&self.from, &self.to)?;
        parse_cursor(&self.cursor)?;
        at_most(self.series.as_deref(), 16)?;
        within(self.limit, 1, 100)
    }
}

/// One submitted application of 申报明细.
#[derive(Serialize, ToSchema)]
pub struct DetailOut {
    pub id: Uuid,
    pub person: String,
    /// Masked, or in full from `/stats/applications/full`.
    pub id_number: String,
    pub unit: String,
    pub series: String,
    pub title: String,
    /// draft, pending, returned, to_report or approved.
    pub state: String,
    pub state_label: String,
    /// Milliseconds since the epoch.
    pub submitted_at: i64,
    pub final_at: Option<i64>,
}

impl From<crate::app::stats::Detail> for DetailOut {
    fn from(r: crate::app::stats::Detail) -> Self {
        DetailOut {
            id: r.id,
            person: r.person,
            id_number: r.id_number,
            unit: r.unit,
            series: r.series,
            title: r.title,
            state: r.state.as_str().into(),
            state_label: r.state.label().into(),
            submitted_at: r.submitted_at,
            final_at: r.final_at,
        }
    }
}

keyset_page!(DetailPage of DetailOut);
