//! The 外地调入 application: its modules, what a save accepts, what 确定申报 requires,
//! and which modules may be edited in which state.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use super::account::{FieldErrors, parse_text, phone_msg};
use super::ids::Phone;
use super::workflow::State;
use crate::messages::Msg;

/// The parts of an application; each can be failed separately by a reviewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Module {
    Basic,
    Original,
    Transfer,
    Education,
    Work,
    Attachments,
}

impl Module {
    pub const ALL: [Module; 6] = [
        Module::Basic,
        Module::Original,
        Module::Transfer,
        Module::Education,
        Module::Work,
        Module::Attachments,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Module::Basic => "basic",
            Module::Original => "original",
            Module::Transfer => "transfer",
            Module::Education => "education",
            Module::Work => "work",
            Module::Attachments => "attachments",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Module::Basic => "基本信息",
            Module::Original => "原职称信息",
            Module::Transfer => "调入信息",
            Module::Education => "学历信息",
            Module::Work => "工作经历",
            Module::Attachments => "附件材料",
        }
    }
}

/// Which modules the applicant may change: all in 未提交, the failed ones in 已退回, none otherwise.
pub fn editable(state: State, failed: &[Module], module: Module) -> bool {
    match state {
        State::Draft => true,
        State::Returned => failed.contains(&module),
        State::Pending | State::ToReport | State::Approved => false,
    }
}

/// Attachment slots; all but 其他附件 are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Certificate,
    Approval,
    TransferProof,
    SocialInsurance,
    Diploma,
    Photo,
    Other,
}

impl Slot {
    pub const ALL: [Slot; 7] = [
        Slot::Certificate,
        Slot::Approval,
        Slot::TransferProof,
        Slot::SocialInsurance,
        Slot::Diploma,
        Slot::Photo,
        Slot::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::Certificate => "certificate",
            Slot::Approval => "approval",
            Slot::TransferProof => "transfer_proof",
            Slot::SocialInsurance => "social_insurance",
            Slot::Diploma => "diploma",
            Slot::Photo => "photo",
            Slot::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Slot::Certificate => "原职称证书",
            Slot::Approval => "评审表或批文",
            Slot::TransferProof => "调动证明（调令、商调函或劳动合同）",
            Slot::SocialInsurance => "近六个月社保缴费明细",
            Slot::Diploma => "最高学历证书",
            Slot::Photo => "证件照",
            Slot::Other => "其他附件",
        }
    }

    pub fn required(self) -> bool {
        self != Slot::Other
    }
}

/// Files accepted as attachments, recognised by their first bytes, never by their name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Jpeg,
    Png,
    Gif,
}

impl FileKind {
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
            Some(FileKind::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(FileKind::Gif)
        } else {
            None
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Gif => "image/gif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Gif => "gif",
        }
    }
}

pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
pub const MAX_FILES_PER_SLOT: usize = 10;

/// A file name safe to store and to offer back: canonical (no hidden bidirectional overrides),
/// no path, no control characters, bounded.
pub fn clean_file_name(raw: &str, kind: FileKind) -> String {
    let canonical = super::text::canonical_name(raw);
    let base = canonical.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | '|' | ':' | '*' | '?'))
        .take(80)
        .collect();
    let stem = cleaned
        .rsplit_once('.')
        .map_or(cleaned.as_str(), |(s, _)| s)
        .trim();
    let stem = if stem.is_empty() { "附件" } else { stem };
    format!("{stem}.{}", kind.extension())
}

/// How the original title was obtained.
pub const OBTAINED_BY: [&str; 3] = ["评审", "考试", "考核认定"];
/// How the person moved.
pub const MOVE_KINDS: [&str; 5] = ["调动", "人才引进", "军队转业", "公开招聘", "其他"];
pub const EDUCATIONS: [&str; 7] = [
    "博士研究生",
    "硕士研究生",
    "大学本科",
    "大学专科",
    "中等专科",
    "高中",
    "其他",
];
pub const DEGREES: [&str; 4] = ["博士", "硕士", "学士", "无"];
/// Where a title can come from in this business: outside Shandong, or a central or military body.
pub const ISSUERS: [&str; 33] = [
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "新疆生产建设兵团",
    "中央和国家机关",
    "军队",
];
/// Previous employers may be anywhere, Shandong included (省内跨市调入).
pub fn previous_provinces() -> Vec<&'static str> {
    let mut v = vec!["山东省"];
    v.extend(ISSUERS);
    v
}

/// The reference data the rules consult (implemented by the dictionaries).
pub trait Catalog {
    /// (series code, level code) of an enabled title.
    fn title(&self, id: Uuid) -> Option<(String, String)>;
    /// Series of an enabled specialty.
    fn specialty_series(&self, id: Uuid) -> Option<String>;
    fn level_exists(&self, code: &str) -> bool;
    fn series_exists(&self, code: &str) -> bool;
    fn declare_method_exists(&self, code: &str) -> bool;
}

/// 基本信息 as stored. Unit references are checked against the database by the caller.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Basic {
    pub phone: String,
    pub declare_unit: Option<Uuid>,
    pub is_work_unit: Option<bool>,
    pub work_unit: Option<Uuid>,
    pub level: Option<String>,
    pub title: Option<Uuid>,
    pub specialty: Option<Uuid>,
    pub declare_method: Option<String>,
    pub title_year: Option<i32>,
}

/// 基本信息 as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BasicForm {
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub declare_unit: String,
    #[serde(default)]
    pub declare_unit_name: String,
    #[serde(default)]
    pub is_work_unit: String,
    #[serde(default)]
    pub work_unit: String,
    #[serde(default)]
    pub work_unit_name: String,
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub specialty: String,
    #[serde(default)]
    pub declare_method: String,
    #[serde(default)]
    pub title_year: String,
}

fn opt_uuid(s: &str) -> Option<Uuid> {
    Uuid::parse_str(s.trim()).ok()
}

impl BasicForm {
    /// Checks what is filled in; nothing is required to save. Unit ids must already be resolved.
    pub fn parse(&self, catalog: &dyn Catalog, today: Date) -> Result<Basic, FieldErrors> {
        let mut errs = FieldErrors::default();
        let phone = if self.phone.trim().is_empty() {
            String::new()
        } else {
            Phone::parse(&self.phone)
                .map(|p| p.as_str().to_owned())
                .map_err(|e| errs.add("phone", phone_msg(e)))
                .unwrap_or_default()
        };
        let is_work_unit = match self.is_work_unit.as_str() {
            "是" | "yes" | "true" => Some(true),
            "否" | "no" | "false" => Some(false),
            _ => None,
        };
        let level = Some(self.level.trim().to_owned()).filter(|l| !l.is_empty());
        if let Some(l) = &level
            && !catalog.level_exists(l)
        {
            errs.add("level", Msg::BadChoice);
        }
        let title = opt_uuid(&self.title);
        let mut title_series = None;
        if let Some(t) = title {
            match catalog.title(t) {
                Some((series, title_level)) => {
                    if level.as_deref().is_some_and(|l| l != title_level) {
                        errs.add("title", Msg::TitleNotAtLevel);
                    }
                    title_series = Some(series);
                }
                None => errs.add("title", Msg::BadChoice),
            }
        } else if !self.title.trim().is_empty() {
            errs.add("title", Msg::BadChoice);
        }
        let specialty = opt_uuid(&self.specialty);
        if let Some(s) = specialty {
            match catalog.specialty_series(s) {
                Some(series) if title_series.as_ref().is_none_or(|t| *t == series) => {}
                Some(_) => errs.add("specialty", Msg::SpecialtyNotOfSeries),
                None => errs.add("specialty", Msg::BadChoice),
            }
        }
        let declare_method = Some(self.declare_method.trim().to_owned()).filter(|m| !m.is_empty());
        if let Some(m) = &declare_method
            && !catalog.declare_method_exists(m)
        {
            errs.add("declare_method", Msg::BadChoice);
        }
        let title_year = match self.title_year.trim() {
            "" => None,
            y => match y.parse::<i32>() {
                Ok(y) if (1950..=today.year()).contains(&y) => Some(y),
                Ok(y) if y > today.year() => {
                    errs.add("title_year", Msg::YearInFuture);
                    None
                }
                _ => {
                    errs.add("title_year", Msg::YearInvalid);
                    None
                }
            },
        };
        let work_unit = opt_uuid(&self.work_unit);
        errs.finish(|| Basic {
            phone,
            declare_unit: opt_uuid(&self.declare_unit),
            is_work_unit,
            work_unit: if is_work_unit == Some(true) {
                None
            } else {
                work_unit
            },
            level,
            title,
            specialty,
            declare_method,
            title_year,
        })
    }
}

/// 原职称信息.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Original {
    pub title_name: String,
    pub series: String,
    pub level: String,
    pub obtained_by: String,
    pub issuer: String,
    pub approval_no: String,
    pub issuer_region: String,
    pub certificate_no: String,
    pub obtained_date: String,
}

/// 调入信息.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Transfer {
    pub prev_employer: String,
    pub prev_province: String,
    pub moved_date: String,
    pub how: String,
}

/// One row of 学历信息.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EducationRow {
    pub school: String,
    pub major: String,
    pub education: String,
    pub degree: String,
    pub graduated: String,
}

/// One row of 工作经历; an empty `to` means 至今.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WorkRow {
    pub from: String,
    pub to: String,
    pub employer: String,
    pub post: String,
}

pub const MAX_ROWS: usize = 20;

/// Parses `YYYY-MM-DD`; refuses impossible and future dates.
pub fn parse_date(raw: &str, today: Date) -> Result<Option<Date>, Msg> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = Date::parse(s, &fmt).map_err(|_| Msg::DateInvalid)?;
    if d > today {
        return Err(Msg::DateInFuture);
    }
    if d.year() < 1950 {
        return Err(Msg::DateInvalid);
    }
    Ok(Some(d))
}

fn choice(errs: &mut FieldErrors, field: &'static str, value: &str, allowed: &[&str]) -> String {
    let v = value.trim();
    if !v.is_empty() && !allowed.contains(&v) {
        errs.add(field, Msg::BadChoice);
    }
    v.to_owned()
}

fn text(errs: &mut FieldErrors, field: &'static str, value: &str, max: usize) -> String {
    parse_text(value, max, false)
        .map_err(|m| errs.add(field, m))
        .unwrap_or_default()
}

fn date(errs: &mut FieldErrors, field: &'static str, value: &str, today: Date) -> String {
    match parse_date(value, today) {
        Ok(Some(d)) => d.to_string(),
        Ok(None) => String::new(),
        Err(m) => {
            errs.add(field, m);
            String::new()
        }
    }
}

impl Original {
    /// Cleans and checks a typed 原职称信息; fields may stay empty until 确定申报.
    pub fn parse(
        raw: &Original,
        catalog: &dyn Catalog,
        today: Date,
    ) -> Result<Original, FieldErrors> {
        let mut e = FieldErrors::default();
        let series = raw.series.trim().to_owned();
        if !series.is_empty() && !catalog.series_exists(&series) {
            e.add("series", Msg::BadChoice);
        }
        let level = raw.level.trim().to_owned();
        if !level.is_empty() && !catalog.level_exists(&level) {
            e.add("level", Msg::BadChoice);
        }
        if raw.issuer_region.trim() == "山东省" {
            e.add("issuer_region", Msg::IssuerInShandong);
        }
        let v = Original {
            title_name: text(&mut e, "title_name", &raw.title_name, 40),
            series,
            level,
            obtained_by: choice(&mut e, "obtained_by", &raw.obtained_by, &OBTAINED_BY),
            issuer: text(&mut e, "issuer", &raw.issuer, 100),
            approval_no: text(&mut e, "approval_no", &raw.approval_no, 60),
            issuer_region: choice(&mut e, "issuer_region", &raw.issuer_region, &ISSUERS),
            certificate_no: text(&mut e, "certificate_no", &raw.certificate_no, 60),
            obtained_date: date(&mut e, "obtained_date", &raw.obtained_date, today),
        };
        e.finish(|| v)
    }
}

impl Transfer {
    pub fn parse(raw: &Transfer, today: Date) -> Result<Transfer, FieldErrors> {
        let mut e = FieldErrors::default();
        let v = Transfer {
            prev_employer: text(&mut e, "prev_employer", &raw.prev_employer, 100),
            prev_province: choice(
                &mut e,
                "prev_province",
                &raw.prev_province,
                &previous_provinces(),
            ),
            moved_date: date(&mut e, "moved_date", &raw.moved_date, today),
            how: choice(&mut e, "how", &raw.how, &MOVE_KINDS),
        };
        e.finish(|| v)
    }
}

/// Field names of repeated rows are `<field>_<index>` in error maps.
pub fn row_field(field: &str, i: usize) -> &'static str {
    // Error keys must be 'static; rows are bounded by MAX_ROWS, so leak-free lookup table.
    const FIELDS: [&str; 9] = [
        "school",
        "major",
        "education",
        "degree",
        "graduated",
        "from",
        "to",
        "employer",
        "post",
    ];
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        FIELDS
            .iter()
            .flat_map(|f| (0..MAX_ROWS).map(move |i| format!("{f}_{i}")))
            .collect()
    });
    let pos = FIELDS.iter().position(|f| *f == field).unwrap_or(0) * MAX_ROWS + i.min(MAX_ROWS - 1);
    keys[pos].as_str()
}

/// Cleans 学历信息 rows; blank rows are dropped.
pub fn parse_education(
    rows: &[EducationRow],
    today: Date,
) -> Result<Vec<EducationRow>, FieldErrors> {
    let mut e = FieldErrors::default();
    let mut out = Vec::new();
    for (i, r) in rows
        .iter()
        .filter(|r| **r != EducationRow::default())
        .take(MAX_ROWS)
        .enumerate()
    {
        out.push(EducationRow {
            school: text(&mut e, row_field("school", i), &r.school, 100),
            major: text(&mut e, row_field("major", i), &r.major, 60),
            education: choice(&mut e, row_field("education", i), &r.education, &EDUCATIONS),
            degree: choice(&mut e, row_field("degree", i), &r.degree, &DEGREES),
            graduated: date(&mut e, row_field("graduated", i), &r.graduated, today),
        });
    }
    e.finish(|| out)
}

/// Cleans 工作经历 rows; blank rows are dropped; a row may not end before it starts.
pub fn parse_work(rows: &[WorkRow], today: Date) -> Result<Vec<WorkRow>, FieldErrors> {
    let mut e = FieldErrors::default();
    let mut out = Vec::new();
    for (i, r) in rows
        .iter()
        .filter(|r| **r != WorkRow::default())
        .take(MAX_ROWS)
        .enumerate()
    {
        let row = WorkRow {
            from: date(&mut e, row_field("from", i), &r.from, today),
            to: date(&mut e, row_field("to", i), &r.to, today),
            employer: text(&mut e, row_field("employer", i), &r.employer, 100),
            post: text(&mut e, row_field("post", i), &r.post, 60),
        };
        if !row.from.is_empty() && !row.to.is_empty() && row.to < row.from {
            e.add(row_field("to", i), Msg::EndBeforeStart);
        }
        out.push(row);
    }
    e.finish(|| out)
}

/// Everything 确定申报 looks at.
pub struct Snapshot<'a> {
    pub basic: &'a Basic,
    pub original: &'a Original,
    pub transfer: &'a Transfer,
    pub education: &'a [EducationRow],
    pub work: &'a [WorkRow],
    /// Files per slot.
    pub files: &'a dyn Fn(Slot) -> usize,
    /// The series of the chosen title, for the "same series" rule.
    pub title_series: Option<String>,
}

/// One thing that keeps 确定申报 from going through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    pub module: Module,
    pub what: String,
}

fn gap(module: Module, what: impl Into<String>) -> Gap {
    Gap {
        module,
        what: what.into(),
    }
}

/// Lists every missing field, row, attachment and broken cross-module rule.
pub fn gaps(s: &Snapshot<'_>) -> Vec<Gap> {
    let mut g = Vec::new();
    let b = s.basic;
    let need = |g: &mut Vec<Gap>, m: Module, ok: bool, label: &str| {
        if !ok {
            g.push(gap(m, format!("请填写“{label}”")));
        }
    };
    need(&mut g, Module::Basic, !b.phone.is_empty(), "手机号");
    need(&mut g, Module::Basic, b.declare_unit.is_some(), "申报单位");
    need(
        &mut g,
        Module::Basic,
        b.is_work_unit.is_some(),
        "是否是工作单位",
    );
    need(
        &mut g,
        Module::Basic,
        b.is_work_unit == Some(true) || b.work_unit.is_some(),
        "工作单位",
    );
    need(&mut g, Module::Basic, b.level.is_some(), "申报级别");
    need(&mut g, Module::Basic, b.title.is_some(), "申报职称");
    need(&mut g, Module::Basic, b.specialty.is_some(), "现从事专业");
    need(
        &mut g,
        Module::Basic,
        b.declare_method.is_some(),
        "申报方式",
    );
    need(
        &mut g,
        Module::Basic,
        b.title_year.is_some(),
        "职称获得年度",
    );
    let o = s.original;
    for (v, label) in [
        (&o.title_name, "职称名称"),
        (&o.series, "职称系列"),
        (&o.level, "职称级别"),
        (&o.obtained_by, "取得方式"),
        (&o.issuer, "评审/发证机构"),
        (&o.approval_no, "批准文号"),
        (&o.issuer_region, "发证省份或系统"),
        (&o.certificate_no, "证书编号"),
        (&o.obtained_date, "取得时间"),
    ] {
        need(&mut g, Module::Original, !v.is_empty(), label);
    }
    let t = s.transfer;
    for (v, label) in [
        (&t.prev_employer, "原工作单位"),
        (&t.prev_province, "原单位所在省份"),
        (&t.moved_date, "调入时间"),
        (&t.how, "调入方式"),
    ] {
        need(&mut g, Module::Transfer, !v.is_empty(), label);
    }
    if s.education.is_empty() {
        g.push(gap(Module::Education, "请至少填写一条学历信息"));
    }
    for (i, r) in s.education.iter().enumerate() {
        if [&r.school, &r.major, &r.education, &r.degree, &r.graduated]
            .iter()
            .any(|v| v.is_empty())
        {
            g.push(gap(
                Module::Education,
                format!("第{}条学历信息不完整", i + 1),
            ));
        }
    }
    if s.work.is_empty() {
        g.push(gap(Module::Work, "请至少填写一条工作经历"));
    }
    for (i, r) in s.work.iter().enumerate() {
        if [&r.from, &r.employer, &r.post].iter().any(|v| v.is_empty()) {
            g.push(gap(Module::Work, format!("第{}条工作经历不完整", i + 1)));
        }
    }
    for slot in Slot::ALL.into_iter().filter(|s| s.required()) {
        if (s.files)(slot) == 0 {
            g.push(gap(
                Module::Attachments,
                format!("请上传“{}”", slot.label()),
            ));
        }
    }
    // Rules across modules.
    if let (Some(l), false) = (&b.level, o.level.is_empty())
        && *l != o.level
    {
        g.push(gap(Module::Basic, "申报级别须与原职称级别一致"));
    }
    if let (Some(series), false) = (&s.title_series, o.series.is_empty())
        && *series != o.series
    {
        g.push(gap(Module::Basic, "申报职称须与原职称属于同一系列"));
    }
    if let (Some(y), Some(year)) = (
        b.title_year,
        o.obtained_date
            .get(0..4)
            .and_then(|y| y.parse::<i32>().ok()),
    ) && y != year
    {
        g.push(gap(
            Module::Basic,
            "职称获得年度须与原职称取得时间的年份一致",
        ));
    }
    if !t.moved_date.is_empty() && !o.obtained_date.is_empty() && t.moved_date < o.obtained_date {
        g.push(gap(Module::Transfer, "调入时间不能早于原职称取得时间"));
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    struct Cat;
    impl Catalog for Cat {
        fn title(&self, id: Uuid) -> Option<(String, String)> {
            (id == Uuid::from_u128(1)).then(|| ("05".into(), "2".into()))
        }
        fn specialty_series(&self, id: Uuid) -> Option<String> {
            match id.as_u128() {
                10 => Some("05".into()),
                11 => Some("04".into()),
                _ => None,
            }
        }
        fn level_exists(&self, code: &str) -> bool {
            ["1", "2", "3", "4", "5"].contains(&code)
        }
        fn series_exists(&self, code: &str) -> bool {
            code == "05" || code == "04"
        }
        fn declare_method_exists(&self, code: &str) -> bool {
            code == "1"
        }
    }

    const TODAY: Date = date!(2026 - 11 - 26);

    #[test]
    fn sniffing_decides_by_content() {
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(
            FileKind::sniff(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some(FileKind::Jpeg)
        );
        assert_eq!(FileKind::sniff(b"GIF89a...."), Some(FileKind::Gif));
        assert_eq!(FileKind::sniff(b"MZ\x90\x00"), None);
        assert_eq!(FileKind::sniff(b"<html>"), None);
        assert_eq!(
            clean_file_name("C:\\fake\\..\\证书.exe", FileKind::Pdf),
            "证书.pdf"
        );
        assert_eq!(clean_file_name("", FileKind::Png), "附件.png");
    }

    #[test]
    fn the_cascade_must_hold_together() {
        let form = |level: &str, title: &str, spec: &str| BasicForm {
            level: level.into(),
            title: title.into(),
            specialty: spec.into(),
            ..Default::default()
        };
        let t = Uuid::from_u128(1).to_string();
        assert!(
            form("2", &t, &Uuid::from_u128(10).to_string())
                .parse(&Cat, TODAY)
                .is_ok()
        );
        let e = form("3", &t, "").parse(&Cat, TODAY).unwrap_err();
        assert_eq!(e.0.get("title"), Some(&Msg::TitleNotAtLevel));
        let e = form("2", &t, &Uuid::from_u128(11).to_string())
            .parse(&Cat, TODAY)
            .unwrap_err();
        assert_eq!(e.0.get("specialty"), Some(&Msg::SpecialtyNotOfSeries));
        let e = BasicForm {
            title_year: "2027".into(),
            ..Default::default()
        }
        .parse(&Cat, TODAY)
        .unwrap_err();
        assert_eq!(e.0.get("title_year"), Some(&Msg::YearInFuture));
        assert!(
            BasicForm::default().parse(&Cat, TODAY).is_ok(),
            "saving needs nothing"
        );
    }

    #[test]
    fn dates_and_provinces() {
        let raw = Original {
            issuer_region: "山东省".into(),
            obtained_date: "2026-02-30".into(),
            ..Default::default()
        };
        let e = Original::parse(&raw, &Cat, TODAY).unwrap_err();
        assert_eq!(e.0.get("issuer_region"), Some(&Msg::IssuerInShandong));
        assert_eq!(e.0.get("obtained_date"), Some(&Msg::DateInvalid));
        let raw = Transfer {
            moved_date: "2027-01-01".into(),
            ..Default::default()
        };
        assert_eq!(
            Transfer::parse(&raw, TODAY)
                .unwrap_err()
                .0
                .get("moved_date"),
            Some(&Msg::DateInFuture)
        );
        let rows = [WorkRow {
            from: "2020-01-01".into(),
            to: "2019-01-01".into(),
            ..Default::default()
        }];
        assert_eq!(
            parse_work(&rows, TODAY).unwrap_err().0.get("to_0"),
            Some(&Msg::EndBeforeStart)
        );
        assert_eq!(
            parse_work(&[WorkRow::default()], TODAY).unwrap(),
            vec![],
            "blank rows are dropped"
        );
    }

    #[test]
    fn gaps_list_everything_missing_and_the_cross_module_rules() {
        let basic = Basic {
            level: Some("2".into()),
            title_year: Some(2015),
            ..Default::default()
        };
        let original = Original {
            level: "3".into(),
            obtained_date: "2016-05-01".into(),
            ..Default::default()
        };
        let transfer = Transfer {
            moved_date: "2016-01-01".into(),
            ..Default::default()
        };
        let none = |_: Slot| 0;
        let s = Snapshot {
            basic: &basic,
            original: &original,
            transfer: &transfer,
            education: &[],
            work: &[],
            files: &none,
            title_series: None,
        };
        let g = gaps(&s);
        let whats: Vec<&str> = g.iter().map(|x| x.what.as_str()).collect();
        for expected in [
            "请填写“申报单位”",
            "请填写“批准文号”",
            "请至少填写一条学历信息",
            "请上传“证件照”",
            "申报级别须与原职称级别一致",
            "职称获得年度须与原职称取得时间的年份一致",
            "调入时间不能早于原职称取得时间",
        ] {
            assert!(
                whats.contains(&expected),
                "{expected} missing from {whats:?}"
            );
        }
        assert!(!whats.contains(&"请上传“其他附件”"));
    }

    #[test]
    fn edits_follow_the_state() {
        for m in Module::ALL {
            assert!(editable(State::Draft, &[], m));
            assert!(!editable(State::Pending, &Module::ALL, m));
            assert!(!editable(State::Approved, &Module::ALL, m));
        }
        assert!(editable(State::Returned, &[Module::Work], Module::Work));
        assert!(!editable(State::Returned, &[Module::Work], Module::Basic));
    }
}
