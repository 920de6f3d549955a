//! Applications, their history, review marks and notices. Every change is conditional on
//! the version read, so that of two concurrent requests exactly one wins.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, Set, Value,
};
use uuid::Uuid;

use super::entities::application::{self, Model};
use super::{exec, guarded, insert_new, query_as, query_one_as, unique_or};
use crate::domain::application::{Basic, EducationRow, Module, Original, Transfer, WorkRow};
use crate::domain::mask::mask;
use crate::domain::workflow::HistoryAction;
use crate::domain::workflow::{Position, State};
use crate::error::{AppError, Result};
use crate::infra::crypto::Keys;
use crate::messages::Msg;

pub const PHONE_CONTEXT: &str = "application.phone";

/// Opens a new draft; the unique index on `open_person_id` refuses a second unfinished one.
pub async fn create_draft(
    c: &impl ConnectionTrait,
    keys: &Keys,
    now: i64,
    person_id: Uuid,
    phone: &str,
) -> Result<Model> {
    let model = application::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        open_person_id: Set(Some(person_id)),
        state: Set(State::Draft.as_str().to_owned()),
        version: Set(1),
        round: Set(0),
        holder_unit_id: Set(None),
        declare_unit_id: Set(None),
        is_work_unit: Set(None),
        work_unit_id: Set(None),
        phone_cipher: Set(keys.encrypt(PHONE_CONTEXT, phone)),
        phone_masked: Set(mask(phone)),
        level_code: Set(None),
        series_code: Set(None),
        title_id: Set(None),
        specialty_id: Set(None),
        declare_method_code: Set(None),
        title_year: Set(None),
        original: Set("{}".into()),
        transfer: Set("{}".into()),
        education: Set("[]".into()),
        work: Set("[]".into()),
        created_at: Set(now),
        updated_at: Set(now),
        submitted_at: Set(None),
        final_at: Set(None),
        serial: Set(None),
        declare_region: Set(None),
        submitted_month: Set(None),
    };
    unique_or(model.insert(c).await, |_| {
        AppError::Conflict(Msg::OpenApplicationExists)
    })
}

/// The person's application, or `None` whether it does not exist or is someone else's.
/// On a SQLite file it runs on the request's own thread (`store::local`).
pub async fn find_for_person(db: &super::Db, person_id: Uuid, id: Uuid) -> Result<Option<Model>> {
    use std::sync::OnceLock;
    // Every page and step on the person's own application runs this first: its text is
    // built once per database, not by the query builder at each request.
    static BUILT: [OnceLock<String>; 3] = [const { OnceLock::new() }; 3];
    let backend = db.backend();
    let sql = super::built_once(&BUILT, backend, 0, || {
        super::query_text(
            application::Entity::find_by_id(Uuid::nil())
                .filter(application::Column::PersonId.eq(Uuid::max()))
                .limit(1),
            backend,
            vec![Uuid::nil().into(), Uuid::max().into(), 1u64.into()],
            "the person's own application",
        )
    });
    let values = vec![id.into(), person_id.into(), 1u64.into()];
    let found = super::local::read_all(db, sql, values).await?;
    Ok(found.into_iter().next())
}

/// The person's applications, newest first (a person has few; bounded anyway).
pub async fn list_for_person(
    c: &impl ConnectionTrait,
    person_id: Uuid,
    limit: u64,
) -> Result<Vec<Model>> {
    Ok(of_person(person_id, limit).all(c).await?)
}

/// The query of [`list_for_person`] and [`list_for_person_named`].
fn of_person(person_id: Uuid, limit: u64) -> sea_orm::Select<application::Entity> {
    application::Entity::find()
        .filter(application::Column::PersonId.eq(person_id))
        .order_by_desc(application::Column::CreatedAt)
        .limit(limit)
}

/// A row of 我的申报信息: the columns the list shows, with the names of its 申报单位 and of
/// the unit holding it. Not the whole application: its modules' JSON, the phone's cipher
/// and the rest are neither read nor decoded for a list.
#[derive(Debug)]
pub struct Listed {
    pub id: Uuid,
    pub state: crate::domain::workflow::State,
    pub version: i32,
    pub level_code: Option<String>,
    pub title_id: Option<Uuid>,
    pub updated_at: i64,
    /// The 转入表's serial, given at the final approval.
    pub serial: Option<String>,
    pub declare_unit: Option<String>,
    pub holder_unit: Option<String>,
}

// In the order [`list_for_person_named`] selects the columns.
super::local::from_cols!(Listed =>
    id, state, version, level_code, title_id, updated_at, serial, declare_unit, holder_unit
);

/// [`list_for_person`] narrowed to [`Listed`]: one statement for 我的申报信息, on a SQLite
/// file on the request's own thread (`store::local`).
pub async fn list_for_person_named(
    db: &super::Db,
    person_id: Uuid,
    limit: u64,
) -> Result<Vec<Listed>> {
    use application::Column as C;
    use sea_orm::sea_query::Expr;
    use std::sync::OnceLock;
    // 我的申报信息 runs this for every view: its text is built once per database (building
    // it with the query builder each time cost a seventh of the page's instructions).
    static BUILT: [OnceLock<String>; 3] = [const { OnceLock::new() }; 3];
    let backend = db.backend();
    let sql = super::built_once(&BUILT, backend, 0, || {
        let name_of = |column: &str| {
            Expr::cust(format!(
                "(SELECT u.name FROM units u WHERE u.id = applications.{column})"
            ))
        };
        super::query_text(
            of_person(Uuid::nil(), 0)
                .select_only()
                .columns([
                    C::Id,
                    C::State,
                    C::Version,
                    C::LevelCode,
                    C::TitleId,
                    C::UpdatedAt,
                    C::Serial,
                ])
                .column_as(name_of("declare_unit_id"), "declare_unit_name")
                .column_as(name_of("holder_unit_id"), "holder_unit_name"),
            backend,
            vec![Uuid::nil().into(), 0u64.into()],
            "the person's list",
        )
    });
    let values = vec![person_id.into(), limit.into()];
    Ok(super::local::read_all(db, sql, values).await?)
}

/// Any application by id, for staff and tests; callers check who may see it.
pub async fn find_any(c: &impl ConnectionTrait, id: Uuid) -> Result<Option<Model>> {
    Ok(application::Entity::find_by_id(id).one(c).await?)
}

pub async fn has_open(c: &impl ConnectionTrait, person_id: Uuid) -> Result<bool> {
    Ok(application::Entity::find()
        .filter(application::Column::OpenPersonId.eq(person_id))
        .one(c)
        .await?
        .is_some())
}

/// Decoded module data of a row.
pub struct Modules {
    pub original: Original,
    pub transfer: Transfer,
    pub education: Vec<EducationRow>,
    pub work: Vec<WorkRow>,
}

pub fn modules(m: &Model) -> Modules {
    Modules {
        original: serde_json::from_str(&m.original).unwrap_or_default(),
        transfer: serde_json::from_str(&m.transfer).unwrap_or_default(),
        education: serde_json::from_str(&m.education).unwrap_or_default(),
        work: serde_json::from_str(&m.work).unwrap_or_default(),
    }
}

pub fn basic(keys: &Keys, m: &Model) -> Basic {
    Basic {
        phone: keys
            .decrypt(PHONE_CONTEXT, &m.phone_cipher)
            .unwrap_or_default(),
        declare_unit: m.declare_unit_id,
        is_work_unit: m.is_work_unit,
        work_unit: m.work_unit_id,
        level: m.level_code.clone(),
        title: m.title_id,
        specialty: m.specialty_id,
        declare_method: m.declare_method_code.clone(),
        title_year: m.title_year,
    }
}

pub fn state(m: &Model) -> State {
    State::parse(&m.state).unwrap_or(State::Draft)
}

/// A form drawn for an older version of the application: someone (or a double click)
/// got there first, and the request changes nothing.
pub fn expect_version(m: &Model, posted: &str) -> Result<()> {
    if posted.trim() == m.version.to_string() {
        Ok(())
    } else {
        Err(AppError::Conflict(Msg::AlreadyHandled))
    }
}

/// Saves 基本信息 if the row is still at `version` and in `state`.
pub async fn save_basic(
    c: &impl ConnectionTrait,
    keys: &Keys,
    m: &Model,
    b: &Basic,
    series: Option<String>,
    now: i64,
) -> Result<()> {
    let phone_cipher = keys.encrypt(PHONE_CONTEXT, &b.phone);
    let rows = exec(
        c,
        "UPDATE applications SET phone_cipher = ?, phone_masked = ?, declare_unit_id = ?, is_work_unit = ?, work_unit_id = ?, \
         level_code = ?, series_code = ?, title_id = ?, specialty_id = ?, declare_method_code = ?, title_year = ?, \
         version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND state = ?",
        vec![
            phone_cipher.into(),
            mask(&b.phone).into(),
            b.declare_unit.into(),
            b.is_work_unit.into(),
            b.work_unit.into(),
            b.level.clone().into(),
            series.into(),
            b.title.into(),
            b.specialty.into(),
            b.declare_method.clone().into(),
            b.title_year.into(),
            now.into(),
            m.id.into(),
            m.version.into(),
            m.state.clone().into(),
        ],
    )
    .await?;
    guarded(rows)
}

/// Saves one of the JSON modules.
pub async fn save_module(
    c: &impl ConnectionTrait,
    m: &Model,
    module: Module,
    json: String,
    now: i64,
) -> Result<()> {
    let column = match module {
        Module::Original => "original",
        Module::Transfer => "transfer",
        Module::Education => "education",
        Module::Work => "work",
        Module::Basic | Module::Attachments => {
            return Err(AppError::Unexpected(anyhow::anyhow!("not a JSON module")));
        }
    };
    let rows = exec(
        c,
        &format!("UPDATE applications SET {column} = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND state = ?"),
        vec![json.into(), now.into(), m.id.into(), m.version.into(), m.state.clone().into()],
    )
    .await?;
    guarded(rows)
}

/// Marks a change that has no column of its own (attachments) so concurrent edits conflict.
pub async fn bump(c: &impl ConnectionTrait, m: &Model, now: i64) -> Result<()> {
    let rows = exec(
        c,
        "UPDATE applications SET version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND state = ?",
        vec![now.into(), m.id.into(), m.version.into(), m.state.clone().into()],
    )
    .await?;
    guarded(rows)
}

/// Moves the application to a new position if nobody moved it since `m` was read.
/// A submission opens a new review round.
pub async fn move_to(
    c: &impl ConnectionTrait,
    m: &Model,
    to: Position,
    new_round: bool,
    now: i64,
) -> Result<()> {
    let open: Option<Uuid> = to.state.is_open().then_some(m.person_id);
    let submitted = if new_round { Some(now) } else { m.submitted_at };
    let final_at = (to.state == State::Approved).then_some(now);
    // A submission also fixes the facts statistics group by, in the same statement.
    let facts = if new_round {
        ", submitted_month = ?, declare_region = (SELECT region_code FROM units WHERE units.id = applications.declare_unit_id)"
    } else {
        ""
    };
    let mut values: Vec<Value> = vec![
        to.state.as_str().into(),
        to.holder.into(),
        open.into(),
        i32::from(new_round).into(),
        submitted.into(),
        final_at.into(),
        now.into(),
    ];
    if new_round {
        values.push(crate::domain::clock::month_of(now).into());
    }
    values.extend([m.id.into(), m.version.into(), m.state.clone().into()]);
    let rows = exec(
        c,
        &format!(
            "UPDATE applications SET state = ?, holder_unit_id = ?, open_person_id = ?, round = round + ?, submitted_at = ?, \
             final_at = ?, version = version + 1, updated_at = ?{facts} WHERE id = ? AND version = ? AND state = ?"
        ),
        values,
    )
    .await?;
    guarded(rows)?;
    if new_round {
        // The queue's copy of the sort key, in every unit that held it in an earlier round.
        exec(
            c,
            "UPDATE application_holders SET submitted_at = ? WHERE application_id = ?",
            vec![now.into(), m.id.into()],
        )
        .await?;
    }
    Ok(())
}

/// Deletes a draft with everything hanging off it; returns the storage keys of its files.
pub async fn delete_draft(c: &impl ConnectionTrait, m: &Model) -> Result<Vec<String>> {
    let keys = super::attachments::list(c, m.id)
        .await?
        .into_iter()
        .map(|a| a.storage_key)
        .collect();
    for table in ["attachments", "application_events", "module_reviews"] {
        exec(
            c,
            &format!("DELETE FROM {table} WHERE application_id = ?"),
            vec![m.id.into()],
        )
        .await?;
    }
    let rows = exec(
        c,
        "DELETE FROM applications WHERE id = ? AND version = ? AND state = 'draft'",
        vec![m.id.into(), m.version.into()],
    )
    .await?;
    guarded(rows)?;
    Ok(keys)
}

/// One step in an application's history.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Event {
    pub at: i64,
    pub actor_kind: String,
    pub actor_label: String,
    pub unit_id: Option<Uuid>,
    pub action: String,
    pub from_state: State,
    pub to_state: State,
    pub opinion: String,
}

pub struct NewEvent<'a> {
    pub actor_kind: &'a str,
    pub actor_id: Option<Uuid>,
    pub actor_label: &'a str,
    pub unit_id: Option<Uuid>,
    pub action: HistoryAction,
    pub from: State,
    pub to: State,
    pub opinion: &'a str,
}

pub async fn add_event(
    c: &impl ConnectionTrait,
    app: Uuid,
    now: i64,
    e: NewEvent<'_>,
) -> Result<()> {
    let label: String = e.actor_label.chars().take(200).collect();
    insert_new(
        c,
        "application_events",
        vec![
            ("application_id", app.into()),
            ("at", now.into()),
            ("actor_kind", e.actor_kind.into()),
            ("actor_id", e.actor_id.into()),
            ("actor_label", label.into()),
            ("unit_id", e.unit_id.into()),
            ("action", e.action.as_str().into()),
            ("from_state", e.from.as_str().into()),
            ("to_state", e.to.as_str().into()),
            ("opinion", e.opinion.into()),
        ],
    )
    .await?;
    // Counted when recorded: the step's transaction commits right after in every caller.
    metrics::counter!("zhicheng_transitions_total", "action" => e.action.as_str()).increment(1);
    Ok(())
}

/// The history, oldest first (bounded: an application has tens of steps).
pub async fn events(c: &impl ConnectionTrait, app: Uuid) -> Result<Vec<Event>> {
    Ok(query_as(
        c,
        "SELECT at, actor_kind, actor_label, unit_id, action, from_state, to_state, opinion FROM application_events \
         WHERE application_id = ? ORDER BY at, id LIMIT 500",
        vec![app.into()],
    )
    .await?)
}

/// A module a reviewer failed, with the opinion.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Failure {
    pub module: Module,
    pub opinion: String,
    pub unit_id: Uuid,
    pub round: i32,
}

/// The failures of an application whose rows match `cond` (after the application's id);
/// marks of a module this build does not know are skipped.
async fn failures_where(
    c: &impl ConnectionTrait,
    cond: &str,
    values: Vec<Value>,
) -> Result<Vec<Failure>> {
    let rows: Vec<Option<Failure>> = query_as(
        c,
        &format!("SELECT module, opinion, unit_id, round FROM module_reviews WHERE application_id = ? {cond}"),
        values,
    )
    .await?;
    Ok(rows.into_iter().flatten().collect())
}

/// Failures recorded in a round (the current one for the reviewer; the last one for the applicant).
pub async fn failures(c: &impl ConnectionTrait, app: Uuid, round: i32) -> Result<Vec<Failure>> {
    failures_where(
        c,
        "AND round = ? ORDER BY created_at",
        vec![app.into(), round.into()],
    )
    .await
}

/// Whether a unit has marked anything in this round (then the applicant can no longer 撤回).
pub async fn unit_acted(
    c: &impl ConnectionTrait,
    app: Uuid,
    round: i32,
    unit: Uuid,
) -> Result<bool> {
    Ok(super::count(c, "SELECT COUNT(*) AS n FROM module_reviews WHERE application_id = ? AND round = ? AND unit_id = ?", vec![app.into(), round.into(), unit.into()]).await? > 0)
}

/// Marks a module 不通过 in the current round (a second mark replaces the opinion).
pub async fn fail_module(
    c: &impl ConnectionTrait,
    app: Uuid,
    round: i32,
    module: Module,
    unit: Uuid,
    opinion: &str,
    now: i64,
) -> Result<()> {
    exec(
        c,
        "DELETE FROM module_reviews WHERE application_id = ? AND round = ? AND module = ?",
        vec![app.into(), round.into(), module.as_str().into()],
    )
    .await?;
    insert_new(
        c,
        "module_reviews",
        vec![
            ("application_id", app.into()),
            ("round", round.into()),
            ("module", module.as_str().into()),
            ("unit_id", unit.into()),
            ("opinion", opinion.into()),
            ("created_at", now.into()),
        ],
    )
    .await?;
    Ok(())
}

/// Withdraws a 不通过 mark of the current round.
pub async fn unfail_module(
    c: &impl ConnectionTrait,
    app: Uuid,
    round: i32,
    module: Module,
    unit: Uuid,
) -> Result<u64> {
    Ok(exec(
        c,
        "DELETE FROM module_reviews WHERE application_id = ? AND round = ? AND module = ? AND unit_id = ?",
        vec![app.into(), round.into(), module.as_str().into(), unit.into()],
    )
    .await?)
}

/// Every 不通过 ever recorded, oldest round first (reviewers see earlier opinions).
pub async fn all_failures(c: &impl ConnectionTrait, app: Uuid) -> Result<Vec<Failure>> {
    failures_where(c, "ORDER BY round, created_at LIMIT 500", vec![app.into()]).await
}

/// Sets the 转入表 serial of an application that just reached 终审通过.
pub async fn set_serial(c: &impl ConnectionTrait, app: Uuid, serial: &str) -> Result<()> {
    exec(
        c,
        "UPDATE applications SET serial = ? WHERE id = ?",
        vec![serial.into(), app.into()],
    )
    .await?;
    Ok(())
}

/// What the public verify page shows of an approved application.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Verified {
    pub person_name: String,
    pub title_id: Option<Uuid>,
    pub level_code: Option<String>,
    pub series_code: Option<String>,
    /// The unit that gave the final approval (its name now).
    pub unit_name: Option<String>,
    pub final_at: Option<i64>,
}

/// The approved application a 转入表 serial belongs to, with its person's and unit's names,
/// in one indexed read (the verify page is public and opened by every QR code).
pub async fn verified_by_serial(
    c: &impl ConnectionTrait,
    serial: &str,
) -> Result<Option<Verified>> {
    Ok(query_one_as(
        c,
        "SELECT p.name AS person_name, a.title_id, a.level_code, a.series_code, a.final_at, u.name AS unit_name \
         FROM applications a JOIN persons p ON p.id = a.person_id LEFT JOIN units u ON u.id = a.holder_unit_id \
         WHERE a.serial = ? AND a.state = 'approved'",
        vec![serial.into()],
    )
    .await?)
}
