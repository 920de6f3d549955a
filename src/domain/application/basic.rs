//! 基本信息: as stored, as typed, and how a save checks it.

use serde::Deserialize;
use time::Date;
use uuid::Uuid;

use super::*;
use crate::domain::account::{FieldErrors, phone_msg};
use crate::domain::ids::Phone;
use crate::messages::Msg;

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
            errs.check("phone", Phone::parse(&self.phone).map_err(phone_msg))
                .map(|p| p.as_str().to_owned())
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
