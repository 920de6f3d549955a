//! 原职称信息, 调入信息, 学历信息 and 工作经历: what a save accepts.

use serde::{Deserialize, Serialize};
use time::Date;

use super::*;
use crate::domain::account::{FieldErrors, parse_text};
use crate::messages::Msg;

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
    errs.check(field, parse_text(value, max, false))
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

/// Cleans repeated rows with `clean` (given the errors, the row's index and the row as
/// typed); blank rows are dropped, at most `MAX_ROWS` are kept.
fn parse_rows<R: Default + PartialEq>(
    rows: &[R],
    mut clean: impl FnMut(&mut FieldErrors, usize, &R) -> R,
) -> Result<Vec<R>, FieldErrors> {
    let mut e = FieldErrors::default();
    let out: Vec<R> = rows
        .iter()
        .filter(|r| **r != R::default())
        .take(MAX_ROWS)
        .enumerate()
        .map(|(i, r)| clean(&mut e, i, r))
        .collect();
    e.finish(|| out)
}

/// Cleans 学历信息 rows; blank rows are dropped.
pub fn parse_education(
    rows: &[EducationRow],
    today: Date,
) -> Result<Vec<EducationRow>, FieldErrors> {
    parse_rows(rows, |e, i, r| EducationRow {
        school: text(e, row_field("school", i), &r.school, 100),
        major: text(e, row_field("major", i), &r.major, 60),
        education: choice(e, row_field("education", i), &r.education, &EDUCATIONS),
        degree: choice(e, row_field("degree", i), &r.degree, &DEGREES),
        graduated: date(e, row_field("graduated", i), &r.graduated, today),
    })
}

/// Cleans 工作经历 rows; blank rows are dropped; a row may not end before it starts.
pub fn parse_work(rows: &[WorkRow], today: Date) -> Result<Vec<WorkRow>, FieldErrors> {
    parse_rows(rows, |e, i, r| {
        let row = WorkRow {
            from: date(e, row_field("from", i), &r.from, today),
            to: date(e, row_field("to", i), &r.to, today),
            employer: text(e, row_field("employer", i), &r.employer, 100),
            post: text(e, row_field("post", i), &r.post, 60),
        };
        if !row.from.is_empty() && !row.to.is_empty() && row.to < row.from {
            e.add(row_field("to", i), Msg::EndBeforeStart);
        }
        row
    })
}
