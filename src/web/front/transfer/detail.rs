//! 详细: every module of the application, each saved on its own, and 确定申报.

use crate::web::extract::Query;
use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Person, UnitNames, frame};
use crate::app::applications::{self as app_applications, ModuleInput};
use crate::domain::account::FieldErrors;
use crate::domain::application::{
    self as app, DEGREES, EDUCATIONS, EducationRow, Gap, ISSUERS, MOVE_KINDS, Module, OBTAINED_BY,
    Original, Slot, Transfer, WorkRow, editable,
};
use crate::domain::clock::format_minutes;
use crate::domain::workflow::State as WfState;
use crate::error::{AppError, Result};
use crate::store::applications::{self, Failure};
use crate::store::attachments::{self, Attachment};
use crate::store::entities::application;
use crate::web::front::logged_in::{Own, Step};
use crate::web::front::review::{LevelSeries, Tag, basic_rows, opinions_on};
use crate::web::page::{Flash, Layout, flash_from, render_status};

pub struct FileView {
    pub id: String,
    pub name: String,
    pub size: String,
    pub uploaded: String,
}

pub struct SlotView {
    pub code: &'static str,
    pub label: &'static str,
    pub required: bool,
    pub files: Vec<FileView>,
    /// Why the last upload to this slot was refused, shown at the slot.
    pub error: &'static str,
}

/// Everything the 详细 page shows; `errors` belong to `error_module`.
#[derive(Template)]
#[template(path = "front/transfer/detail.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub id: String,
    pub version: i32,
    pub state: Tag,
    pub holder: String,
    pub basic_rows: Vec<(&'static str, String)>,
    pub original: Original,
    pub transfer: Transfer,
    pub education: Vec<EducationRow>,
    pub work: Vec<WorkRow>,
    pub slots: Vec<SlotView>,
    pub editable: Vec<Module>,
    pub failures: Vec<Failure>,
    pub errors: FieldErrors,
    pub error_module: Option<Module>,
    pub gaps: Vec<Gap>,
    pub pledge_error: bool,
    pub can_submit: bool,
    pub can_withdraw: bool,
    pub can_delete: bool,
    pub choices: LevelSeries,
    pub obtained_by: Vec<String>,
    pub issuers: Vec<String>,
    pub provinces: Vec<String>,
    pub move_kinds: Vec<String>,
    pub educations: Vec<String>,
    pub degrees: Vec<String>,
}

impl DetailPage {
    fn can_edit(&self, module: &str) -> bool {
        Module::parse(module).is_some_and(|m| self.editable.contains(&m))
    }
    fn err(&self, module: &str, field: &str) -> &'static str {
        match self.error_module {
            Some(m) if m.as_str() == module => self.errors.get(field).unwrap_or(""),
            _ => "",
        }
    }
    fn row_err(&self, module: &str, field: &str, i: &usize) -> &'static str {
        self.err(module, app::row_field(field, *i))
    }
    fn opinion(&self, module: &str) -> String {
        opinions_on(&self.failures, module)
    }
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1_048_576.0)
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// Builds the page for an application as stored (module data may be replaced by a form being redrawn).
pub async fn build(
    me: &Person,
    a: &application::Model,
    flash: Option<Flash>,
) -> Result<DetailPage> {
    let (state, d) = (&me.state, me.state.dicts());
    let st = applications::state(a);
    let b = applications::basic(&state.keys, a);
    let mods = applications::modules(a);
    // The applicant sees the opinions of the round that sent it back.
    let failures = if st == WfState::Returned {
        applications::failures(&state.db.conn, a.id, a.round).await?
    } else {
        Vec::new()
    };
    let failed: Vec<Module> = failures.iter().map(|f| f.module).collect();
    let editable_modules: Vec<Module> = Module::ALL
        .into_iter()
        .filter(|m| editable(st, &failed, *m))
        .collect();
    let files = attachments::list(&state.db.conn, a.id).await?;
    let slots = slot_views(&files);
    let holder = a
        .holder_unit_id
        .filter(|_| matches!(st, WfState::Pending | WfState::ToReport));
    let units = UnitNames::load(state, [b.declare_unit, b.work_unit, holder]).await?;
    let declare_unit = units.name(b.declare_unit);
    let work_unit = if b.is_work_unit == Some(true) {
        "（同申报单位）".to_owned()
    } else {
        units.name(b.work_unit)
    };
    let basic_rows = basic_rows(&d, &b, declare_unit, work_unit);
    let withdraw = st == WfState::Pending
        && a.holder_unit_id == a.declare_unit_id
        && match a.declare_unit_id {
            Some(u) => !applications::unit_acted(&state.db.conn, a.id, a.round, u).await?,
            None => false,
        };
    Ok(DetailPage {
        layout: frame(me, flash).await?,
        id: a.id.to_string(),
        version: a.version,
        state: Tag::from(st),
        holder: units.name(holder),
        basic_rows,
        original: mods.original,
        transfer: mods.transfer,
        education: mods.education,
        work: mods.work,
        slots,
        editable: editable_modules,
        failures,
        errors: FieldErrors::default(),
        error_module: None,
        gaps: Vec::new(),
        pledge_error: false,
        can_submit: matches!(st, WfState::Draft | WfState::Returned),
        can_withdraw: withdraw,
        can_delete: st == WfState::Draft,
        choices: LevelSeries::of(&d),
        obtained_by: strings(&OBTAINED_BY),
        issuers: strings(&ISSUERS),
        provinces: strings(&app::previous_provinces()),
        move_kinds: strings(&MOVE_KINDS),
        educations: strings(&EDUCATIONS),
        degrees: strings(&DEGREES),
    })
}

fn slot_views(files: &[Attachment]) -> Vec<SlotView> {
    Slot::ALL
        .into_iter()
        .map(|slot| SlotView {
            code: slot.as_str(),
            label: slot.label(),
            required: slot.required(),
            error: "",
            files: files
                .iter()
                .filter(|f| f.slot == slot)
                .map(|f| FileView {
                    id: f.id.to_string(),
                    name: f.file_name.clone(),
                    size: size_label(f.size),
                    uploaded: format_minutes(f.created_at),
                })
                .collect(),
        })
        .collect()
}

pub async fn page(
    me: Person,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Result<Response> {
    let a = me.own(&id).await?;
    let flash = flash_from(q.m.as_deref());
    let mut page = build(&me, &a, None).await?;
    // A refused upload is told at its slot, where the person is, not at the page top.
    match (flash, page.slots.iter_mut().find(|s| s.code == q.slot)) {
        (Some(f), Some(slot)) if !f.ok => slot.error = f.text,
        (flash, _) => page.layout.flash = flash,
    }
    render_status(StatusCode::OK, &page)
}

#[derive(Deserialize, Default)]
pub struct DetailQuery {
    #[serde(default)]
    m: Option<String>,
    /// The attachment slot a refused upload was for.
    #[serde(default)]
    slot: String,
}

/// The rows of 学历信息 or 工作经历 as posted (fields repeat once per row).
#[derive(Deserialize, Default)]
pub struct ModuleForm {
    #[serde(default)]
    title_name: String,
    #[serde(default)]
    series: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    obtained_by: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    approval_no: String,
    #[serde(default)]
    issuer_region: String,
    #[serde(default)]
    certificate_no: String,
    #[serde(default)]
    obtained_date: String,
    #[serde(default)]
    prev_employer: String,
    #[serde(default)]
    prev_province: String,
    #[serde(default)]
    moved_date: String,
    #[serde(default)]
    how: String,
    #[serde(default)]
    school: Vec<String>,
    #[serde(default)]
    major: Vec<String>,
    #[serde(default)]
    education: Vec<String>,
    #[serde(default)]
    degree: Vec<String>,
    #[serde(default)]
    graduated: Vec<String>,
    #[serde(default)]
    from: Vec<String>,
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    employer: Vec<String>,
    #[serde(default)]
    post: Vec<String>,
    /// 增加一行: redraw with one more empty row, saving nothing.
    #[serde(default)]
    add_row: Option<String>,
    /// 删除 row i: redraw without it, saving nothing.
    #[serde(default)]
    remove_row: Option<usize>,
}

fn at(v: &[String], i: usize) -> String {
    v.get(i).cloned().unwrap_or_default()
}

impl ModuleForm {
    fn original(&self) -> Original {
        Original {
            title_name: self.title_name.clone(),
            series: self.series.clone(),
            level: self.level.clone(),
            obtained_by: self.obtained_by.clone(),
            issuer: self.issuer.clone(),
            approval_no: self.approval_no.clone(),
            issuer_region: self.issuer_region.clone(),
            certificate_no: self.certificate_no.clone(),
            obtained_date: self.obtained_date.clone(),
        }
    }
    fn transfer(&self) -> Transfer {
        Transfer {
            prev_employer: self.prev_employer.clone(),
            prev_province: self.prev_province.clone(),
            moved_date: self.moved_date.clone(),
            how: self.how.clone(),
        }
    }
    fn education_rows(&self) -> Vec<EducationRow> {
        let columns = [
            &self.school,
            &self.major,
            &self.education,
            &self.degree,
            &self.graduated,
        ];
        posted_rows(&columns, |i| EducationRow {
            school: at(&self.school, i),
            major: at(&self.major, i),
            education: at(&self.education, i),
            degree: at(&self.degree, i),
            graduated: at(&self.graduated, i),
        })
    }
    fn work_rows(&self) -> Vec<WorkRow> {
        let columns = [&self.from, &self.to, &self.employer, &self.post];
        posted_rows(&columns, |i| WorkRow {
            from: at(&self.from, i),
            to: at(&self.to, i),
            employer: at(&self.employer, i),
            post: at(&self.post, i),
        })
    }
}

/// The rows of a table posted as one repeated field per column: as many as the longest
/// column holds (at most `MAX_ROWS`), a cell missing from a shorter column empty.
fn posted_rows<T>(columns: &[&Vec<String>], row: impl FnMut(usize) -> T) -> Vec<T> {
    let n = columns.iter().map(|c| c.len()).max().unwrap_or(0);
    (0..n.min(app::MAX_ROWS)).map(row).collect()
}

/// Applies 增加一条 / 删除此条 to the rows as typed.
fn edit_rows<T: Default>(mut rows: Vec<T>, form: &ModuleForm) -> Vec<T> {
    if let Some(i) = form.remove_row
        && i < rows.len()
    {
        rows.remove(i);
    }
    if form.add_row.is_some() && rows.len() < app::MAX_ROWS {
        rows.push(T::default());
    }
    rows
}

/// Saves 原职称信息, 调入信息, 学历信息 or 工作经历.
pub async fn save_module(step: Step<Own, ModuleForm, (String, String)>) -> Result<Response> {
    let Step {
        me,
        a,
        form,
        rest: module,
    } = step;
    let module = Module::parse(&module)
        .filter(|m| {
            matches!(
                m,
                Module::Original | Module::Transfer | Module::Education | Module::Work
            )
        })
        .ok_or(AppError::NotFound)?;
    // Row edits redraw the page with the typed values and save nothing. The page is built
    // only to be shown: a save that succeeds answers with a redirect, and its reads (the
    // files, the units' names, the bell) were a sixth of a 保存's instructions.
    if form.add_row.is_some() || form.remove_row.is_some() {
        app_applications::expect_editable(&me.state, &a, module).await?;
        let mut page = build(&me, &a, None).await?;
        match module {
            Module::Education => page.education = edit_rows(form.education_rows(), &form),
            Module::Work => page.work = edit_rows(form.work_rows(), &form),
            _ => {}
        }
        return render_status(StatusCode::OK, &page);
    }
    let input = match module {
        Module::Original => ModuleInput::Original(form.original()),
        Module::Transfer => ModuleInput::Transfer(form.transfer()),
        Module::Education => ModuleInput::Education(form.education_rows()),
        Module::Work => ModuleInput::Work(form.work_rows()),
        Module::Basic | Module::Attachments => return Err(AppError::NotFound),
    };
    match app_applications::save_module(&me.state, &me.caller(), &me.account, &a, &input).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/rsrc/zc/transfer/{}?m=saved#module-{}",
            a.id,
            module.as_str()
        ))
        .into_response()),
        Err(AppError::Validation(errors)) => {
            // Redraw with what was typed and a message beside each bad field.
            let mut page = build(&me, &a, None).await?;
            match input {
                ModuleInput::Original(v) => page.original = v,
                ModuleInput::Transfer(v) => page.transfer = v,
                ModuleInput::Education(v) => page.education = v,
                ModuleInput::Work(v) => page.work = v,
            }
            page.errors = errors;
            page.error_module = Some(module);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e),
    }
}
