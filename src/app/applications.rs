//! Filling in an application: 新增 (基本信息), 保存 of each module, and the attachments.
//! Each save is a history step and an audit entry in the same transaction; a module the
//! state does not open is refused with `Msg::ModuleLocked`.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::history::Step;
use super::{AppState, Caller};
use crate::domain::account::FieldErrors;
use crate::domain::application::{
    self as app, BasicForm, EducationRow, FileKind, MAX_FILES_PER_SLOT, Module, Original, Slot,
    Transfer, WorkRow, clean_file_name, editable,
};
use crate::domain::workflow::HistoryAction;
use crate::domain::workflow::State;
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::accounts;
use crate::store::applications;
use crate::store::attachments::{self, NewAttachment};
use crate::store::entities::{application, person};

/// The modules marked 不通过 in the current round that `editable` opens: a returned
/// application's. In every other state the marks open nothing, and are not read (a draft's
/// 保存 above all).
pub async fn failed_modules(state: &AppState, a: &application::Model) -> Result<Vec<Module>> {
    if applications::state(a) != State::Returned {
        return Ok(Vec::new());
    }
    Ok(applications::failures(&state.db.conn, a.id, a.round)
        .await?
        .into_iter()
        .map(|f| f.module)
        .collect())
}

/// Refuses a change to a module the application's state does not open.
pub async fn expect_editable(state: &AppState, a: &application::Model, m: Module) -> Result<()> {
    if editable(applications::state(a), &failed_modules(state, a).await?, m) {
        Ok(())
    } else {
        Err(AppError::Conflict(Msg::ModuleLocked))
    }
}

/// Turns the typed unit names into unit ids: the picker fills the id; without it the exact
/// name is looked up.
async fn resolve_units(
    state: &AppState,
    form: &mut BasicForm,
    errs: &mut FieldErrors,
) -> Result<()> {
    for (id_field, name_field, key) in [
        (
            &mut form.declare_unit,
            &mut form.declare_unit_name,
            "declare_unit",
        ),
        (&mut form.work_unit, &mut form.work_unit_name, "work_unit"),
    ] {
        let name = name_field.trim().to_owned();
        let by_id = match Uuid::parse_str(id_field.trim()) {
            Ok(id) => accounts::unit_by_id(&state.db.conn, id).await?,
            Err(_) => None,
        };
        let unit = match by_id {
            Some(u) if name.is_empty() || u.name == name => Some(u),
            _ if name.is_empty() => None,
            _ => match accounts::unit_by_name(&state.db.conn, &name).await? {
                Some(u) => Some(u),
                None => {
                    errs.add(key, Msg::UnitNotFound);
                    None
                }
            },
        };
        *id_field = unit.as_ref().map(|u| u.id.to_string()).unwrap_or_default();
        if let Some(u) = unit {
            *name_field = u.name;
        }
    }
    Ok(())
}

/// Checks 基本信息 as typed (resolving unit names in `form`, so a redrawn page shows them);
/// on success the domain value and the title's series.
async fn check_basic(
    state: &AppState,
    form: &mut BasicForm,
) -> Result<(app::Basic, Option<String>)> {
    let mut errs = FieldErrors::default();
    resolve_units(state, form, &mut errs).await?;
    if form.is_work_unit == "是" {
        form.work_unit.clear();
        form.work_unit_name.clear();
    }
    let dicts = state.dicts();
    match form.parse(&*dicts, state.clock.today()) {
        Ok(b) if errs.is_empty() => {
            let series = b
                .title
                .and_then(|t| dicts.title(t))
                .map(|t| t.series_code.clone());
            Ok((b, series))
        }
        Ok(_) => Err(AppError::Validation(errs)),
        Err(more) => {
            for (k, v) in more.0 {
                errs.add(k, v);
            }
            Err(AppError::Validation(errs))
        }
    }
}

/// 新增申报信息: a draft with its 基本信息. One open application per person.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    p: &person::Model,
    form: &mut BasicForm,
) -> Result<Uuid> {
    if applications::has_open(&state.db.conn, p.id).await? {
        return Err(AppError::Conflict(Msg::OpenApplicationExists));
    }
    let (basic, series) = check_basic(state, form).await?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    let draft = applications::create_draft(&*tx, &state.keys, now, p.id, &basic.phone).await?;
    applications::save_basic(&*tx, &state.keys, &draft, &basic, series, now).await?;
    Step::by_person(p, None, HistoryAction::Create)
        .record(
            &*tx,
            caller,
            draft.id,
            (State::Draft, State::Draft),
            now,
            "",
        )
        .await?;
    tx.commit().await?;
    Ok(draft.id)
}

/// 保存 of 基本信息.
pub async fn save_basic(
    state: &AppState,
    caller: &Caller,
    p: &person::Model,
    a: &application::Model,
    form: &mut BasicForm,
) -> Result<()> {
    expect_editable(state, a, Module::Basic).await?;
    let (basic, series) = check_basic(state, form).await?;
    let now = state.now_ms();
    let (keys, caller, p, a) = (state.keys.clone(), caller.clone(), p.clone(), a.clone());
    let save: crate::store::Job = Box::new(move |tx| {
        Box::pin(async move {
            applications::save_basic(tx, &keys, &a, &basic, series, now).await?;
            record_save(tx, &caller, &p, &a, Module::Basic, now).await
        })
    });
    state.db.write(save).await
}

/// The values of one module as typed.
#[derive(Debug, Clone)]
pub enum ModuleInput {
    Original(Original),
    Transfer(Transfer),
    Education(Vec<EducationRow>),
    Work(Vec<WorkRow>),
}

impl ModuleInput {
    pub fn module(&self) -> Module {
        match self {
            ModuleInput::Original(_) => Module::Original,
            ModuleInput::Transfer(_) => Module::Transfer,
            ModuleInput::Education(_) => Module::Education,
            ModuleInput::Work(_) => Module::Work,
        }
    }
}

/// 保存 of 原职称信息, 调入信息, 学历信息 or 工作经历. Bad fields come back as `Validation`.
pub async fn save_module(
    state: &AppState,
    caller: &Caller,
    p: &person::Model,
    a: &application::Model,
    input: &ModuleInput,
) -> Result<()> {
    let module = input.module();
    expect_editable(state, a, module).await?;
    let today = state.clock.today();
    let dicts = state.dicts();
    let json = match input {
        ModuleInput::Original(v) => {
            Original::parse(v, &*dicts, today).map(|v| serde_json::to_string(&v))
        }
        ModuleInput::Transfer(v) => Transfer::parse(v, today).map(|v| serde_json::to_string(&v)),
        ModuleInput::Education(rows) => {
            if rows.len() > app::MAX_ROWS {
                return Err(AppError::field("rows", Msg::TooManyRows));
            }
            app::parse_education(rows, today).map(|v| serde_json::to_string(&v))
        }
        ModuleInput::Work(rows) => {
            if rows.len() > app::MAX_ROWS {
                return Err(AppError::field("rows", Msg::TooManyRows));
            }
            app::parse_work(rows, today).map(|v| serde_json::to_string(&v))
        }
    }
    .map_err(AppError::Validation)?
    .map_err(|e| AppError::Unexpected(e.into()))?;
    let now = state.now_ms();
    let (caller, p, a) = (caller.clone(), p.clone(), a.clone());
    let save: crate::store::Job = Box::new(move |tx| {
        Box::pin(async move {
            applications::save_module(tx, &a, module, json, now).await?;
            record_save(tx, &caller, &p, &a, module, now).await
        })
    });
    state.db.write(save).await
}

/// A save is a step of the history and an audit entry.
async fn record_save(
    c: &impl sea_orm::ConnectionTrait,
    caller: &Caller,
    p: &person::Model,
    a: &application::Model,
    module: Module,
    now: i64,
) -> Result<()> {
    let st = applications::state(a);
    Step::by_person(p, None, HistoryAction::Save)
        .with_opinion(module.label())
        .record(c, caller, a.id, (st, st), now, module.as_str())
        .await
}

/// Why an upload was refused, with the slot it was meant for.
pub fn file_refusal(m: Msg) -> AppError {
    AppError::Conflict(m)
}

/// 上传 of one file into a slot: the type is decided by content, the bytes are stored
/// durably before the record commits, and removed again if it does not.
pub async fn upload(
    state: &AppState,
    caller: &Caller,
    a: &application::Model,
    slot: Slot,
    file_name: &str,
    bytes: &[u8],
) -> Result<Uuid> {
    expect_editable(state, a, Module::Attachments).await?;
    if file_name.is_empty() && bytes.is_empty() {
        return Err(file_refusal(Msg::FileMissing));
    }
    if bytes.is_empty() {
        return Err(file_refusal(Msg::FileEmpty));
    }
    if bytes.len() > app::MAX_FILE_BYTES {
        return Err(file_refusal(Msg::FileTooLarge));
    }
    let Some(kind) = FileKind::sniff(bytes) else {
        return Err(file_refusal(Msg::FileType));
    };
    let existing = attachments::list(&state.db.conn, a.id).await?;
    if existing.iter().filter(|f| f.slot == slot).count() >= MAX_FILES_PER_SLOT {
        return Err(file_refusal(Msg::TooManyFiles));
    }
    let sha = hex::encode(Sha256::digest(bytes));
    let key = format!("{}.bin", Uuid::now_v7().simple());
    state.files.put(&key, bytes).await?;
    metrics::counter!("zhicheng_upload_bytes_total").increment(bytes.len() as u64);
    let name = clean_file_name(file_name, kind);
    let now = state.now_ms();
    let result = async {
        let tx = state.db.begin().await?;
        applications::bump(&*tx, a, now).await?;
        let file_id = attachments::insert(
            &*tx,
            a.id,
            now,
            NewAttachment {
                slot,
                file_name: &name,
                content_type: kind.mime(),
                size: bytes.len() as i64,
                sha256: &sha,
                storage_key: &key,
            },
        )
        .await?;
        caller
            .record(
                &*tx,
                now,
                "attachment_upload",
                format!("application:{}/file:{file_id}", a.id),
                format!("{} {} {} bytes", slot.as_str(), kind.mime(), bytes.len()),
            )
            .await?;
        tx.commit().await?;
        Ok::<_, AppError>(file_id)
    }
    .await;
    if result.is_err() {
        // The record never committed: the bytes must not stay behind.
        if let Err(del) = state.files.delete(&key).await {
            tracing::warn!(error = %del, "could not remove an uncommitted upload; the orphan sweep will");
        }
    }
    result
}

/// 删除 of one attachment.
pub async fn remove_attachment(
    state: &AppState,
    caller: &Caller,
    a: &application::Model,
    file: &str,
) -> Result<()> {
    expect_editable(state, a, Module::Attachments).await?;
    let file_id = Uuid::parse_str(file).map_err(|_| AppError::NotFound)?;
    let f = attachments::find(&state.db.conn, a.id, file_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let now = state.now_ms();
    let tx = state.db.begin().await?;
    applications::bump(&*tx, a, now).await?;
    attachments::delete(&*tx, a.id, f.id).await?;
    caller
        .record(
            &*tx,
            now,
            "attachment_remove",
            format!("application:{}/file:{}", a.id, f.id),
            f.slot.as_str(),
        )
        .await?;
    tx.commit().await?;
    state.files.delete(&f.storage_key).await?;
    Ok(())
}

/// The approved application behind a printed 转入表 serial, for the public verify page: a
/// serial whose tag does not verify is refused without touching the database, and an answer
/// is reused for a minute (`AppState::verified_cached`).
pub async fn verified(
    state: &AppState,
    serial: &str,
) -> Result<Option<crate::store::applications::Verified>> {
    if !state.keys.serial_is_signed(serial) {
        return Ok(None);
    }
    if let Some(v) = state.verified_cached(serial) {
        return Ok(Some(v));
    }
    let v = applications::verified_by_serial(&state.db.conn, serial).await?;
    if let Some(v) = &v {
        state.remember_verified(serial, v);
    }
    Ok(v)
}
