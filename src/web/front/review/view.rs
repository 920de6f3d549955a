//! Everything about an application in display form, shared by the review page and the 转入表.

use uuid::Uuid;

use crate::app::AppState;
use crate::domain::application::{Basic, Original, Slot};
use crate::domain::clock::format_minutes;
use crate::domain::workflow::HistoryAction;
use crate::error::Result;
use crate::store::applications::{Event, Failure};
use crate::store::dicts::{Dicts, choices};
use crate::store::entities::{application, person};
use crate::store::{accounts, applications, attachments};
use crate::web::front::transfer::UnitNames;

pub struct FileRow {
    pub id: String,
    pub slot: &'static str,
    pub name: String,
}

pub struct HistoryRow {
    pub time: String,
    pub action: &'static str,
    pub who: String,
    pub unit: String,
    pub opinion: String,
    pub to: &'static str,
}

/// The applicant as registered, with the full ID number: only for reviewers (audited), the
/// applicant's own 基本信息 page and the 转入表.
pub struct Applicant {
    pub name: String,
    pub id_number: String,
    pub sex: String,
    pub birth_date: String,
}

impl Applicant {
    pub fn of(state: &AppState, p: &person::Model) -> Self {
        Applicant {
            name: p.name.clone(),
            id_number: state
                .keys
                .decrypt(accounts::ID_CONTEXT, &p.id_cipher)
                .unwrap_or_else(|_| p.id_masked.clone()),
            sex: p.sex.clone(),
            birth_date: p.birth_date.clone(),
        }
    }
}

/// An application laid out for reading.
pub struct AppView {
    pub id: Uuid,
    pub applicant: Applicant,
    pub basic: Vec<(&'static str, String)>,
    pub original: Vec<(&'static str, String)>,
    pub transfer: Vec<(&'static str, String)>,
    pub education: Vec<[String; 5]>,
    pub work: Vec<[String; 4]>,
    pub files: Vec<FileRow>,
    pub history: Vec<HistoryRow>,
}

/// The options of a page's 级别 and 系列 selects, from the dictionaries.
pub struct LevelSeries {
    pub levels: Vec<(String, String)>,
    pub series: Vec<(String, String)>,
}

impl LevelSeries {
    pub fn of(d: &Dicts) -> Self {
        LevelSeries {
            levels: choices(&d.levels),
            series: choices(&d.series),
        }
    }
}

/// The reviewers' opinions on one module, as one text (a module may fail at several units).
pub fn opinions_on(failures: &[Failure], module: &str) -> String {
    failures
        .iter()
        .filter(|f| f.module.as_str() == module)
        .map(|f| f.opinion.as_str())
        .collect::<Vec<_>>()
        .join("；")
}

/// A dictionary name for a code that may be missing: nothing for no code.
pub fn name_of<'d>(code: Option<&str>, name: impl Fn(&str) -> &'d str) -> String {
    code.map(|c| name(c).to_owned()).unwrap_or_default()
}

/// 基本信息 as label and value, in the order the 详细 page and the review page show it.
/// The units come as names because the two pages word the work unit differently.
pub fn basic_rows(
    d: &Dicts,
    b: &Basic,
    declare_unit: String,
    work_unit: String,
) -> Vec<(&'static str, String)> {
    vec![
        ("手机号", b.phone.clone()),
        ("申报单位", declare_unit),
        (
            "是否是工作单位",
            b.is_work_unit
                .map(|w| if w { "是" } else { "否" }.to_owned())
                .unwrap_or_default(),
        ),
        ("工作单位", work_unit),
        ("申报级别", name_of(b.level.as_deref(), |l| d.level_name(l))),
        ("申报职称", d.title_name(b.title).to_owned()),
        ("现从事专业", d.specialty_name(b.specialty).to_owned()),
        (
            "申报方式",
            d.declare_method_name(b.declare_method.as_deref())
                .to_owned(),
        ),
        (
            "职称获得年度",
            b.title_year.map(|y| y.to_string()).unwrap_or_default(),
        ),
    ]
}

/// 原职称信息 as label and value, as the review page shows it and the 转入表 prints it.
pub fn original_rows(d: &Dicts, o: &Original) -> Vec<(&'static str, String)> {
    vec![
        ("职称名称", o.title_name.clone()),
        ("职称系列", d.series_name(&o.series).to_owned()),
        ("职称级别", d.level_name(&o.level).to_owned()),
        ("取得方式", o.obtained_by.clone()),
        ("评审/发证机构", o.issuer.clone()),
        ("批准文号", o.approval_no.clone()),
        ("发证省份或系统", o.issuer_region.clone()),
        ("证书编号", o.certificate_no.clone()),
        ("取得时间", o.obtained_date.clone()),
    ]
}

/// An application's history with the names of every unit it mentions: the declaring and
/// work units and each step's, read in one statement beside the events' own.
pub struct Steps {
    pub events: Vec<Event>,
    pub units: UnitNames,
    pub declare_unit: String,
    pub work_unit: String,
}

impl Steps {
    pub async fn load(state: &AppState, a: &application::Model, b: &Basic) -> Result<Self> {
        let events = applications::events(&state.db.conn, a.id).await?;
        let mentioned = events.iter().map(|e| e.unit_id);
        let units = UnitNames::load(state, mentioned.chain([b.declare_unit, b.work_unit])).await?;
        let declare_unit = units.name(b.declare_unit);
        let work_unit = if b.is_work_unit == Some(true) {
            declare_unit.clone()
        } else {
            units.name(b.work_unit)
        };
        Ok(Steps {
            events,
            units,
            declare_unit,
            work_unit,
        })
    }
}

pub async fn load_view(state: &AppState, a: &application::Model) -> Result<AppView> {
    let d = state.dicts();
    let person = accounts::person_by_id(&state.db.conn, a.person_id)
        .await?
        .ok_or(crate::error::AppError::NotFound)?;
    let b = applications::basic(&state.keys, a);
    let m = applications::modules(a);
    let steps = Steps::load(state, a, &b).await?;
    let basic = basic_rows(&d, &b, steps.declare_unit, steps.work_unit);
    let original = original_rows(&d, &m.original);
    let t = &m.transfer;
    let transfer = vec![
        ("原工作单位", t.prev_employer.clone()),
        ("原单位所在省份", t.prev_province.clone()),
        ("调入时间", t.moved_date.clone()),
        ("调入方式", t.how.clone()),
    ];
    let files = attachments::list(&state.db.conn, a.id)
        .await?
        .into_iter()
        .map(|f| FileRow {
            id: f.id.to_string(),
            slot: Slot::label(f.slot),
            name: f.file_name,
        })
        .collect();
    let mut history = Vec::new();
    for e in steps.events {
        if e.action == "save" {
            continue;
        }
        history.push(HistoryRow {
            time: format_minutes(e.at),
            action: HistoryAction::label_of(&e.action),
            who: e.actor_label.clone(),
            unit: steps.units.name(e.unit_id),
            opinion: e.opinion.clone(),
            to: e.to_state.label(),
        });
    }
    Ok(AppView {
        id: a.id,
        applicant: Applicant::of(state, &person),
        basic,
        original,
        transfer,
        education: m
            .education
            .iter()
            .map(|r| {
                [
                    r.school.clone(),
                    r.major.clone(),
                    r.education.clone(),
                    r.degree.clone(),
                    r.graduated.clone(),
                ]
            })
            .collect(),
        work: m
            .work
            .iter()
            .map(|r| {
                [
                    r.from.clone(),
                    if r.to.is_empty() {
                        "至今".into()
                    } else {
                        r.to.clone()
                    },
                    r.employer.clone(),
                    r.post.clone(),
                ]
            })
            .collect(),
        files,
        history,
    })
}
