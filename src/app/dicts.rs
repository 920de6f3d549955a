//! 字典管理: province operators add, rename and disable series, titles (with aliases),
//! specialties and 申报方式. A disabled entry leaves new forms and stays on old records.

use crate::app::{AppState, Caller};
use crate::domain::account::parse_text;
use crate::domain::auth::{AdminRole, PROVINCE_CODE};
use crate::error::{AppError, Result};
use crate::messages::Msg;
use crate::store::dicts::{self, Kind};
use crate::store::entities::admin;
use crate::store::unique_violation;

/// The province bureau's business operators only.
pub fn require(admin: &admin::Model, role: AdminRole) -> Result<()> {
    if role == AdminRole::Operator && admin.bureau_code == PROVINCE_CODE {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// One entry as the page and the API list it.
pub struct Entry {
    /// The code (series, 申报方式) or the id (titles, specialties).
    pub key: String,
    pub name: String,
    /// The code again (series, 申报方式) or the level's name (titles).
    pub extra: String,
    pub aliases: Vec<String>,
    pub enabled: bool,
}

/// The series a title or specialty list shows: the one asked for, else the first.
pub fn series_or_first(state: &AppState, series: &str) -> String {
    if series.is_empty() {
        state
            .dicts()
            .series
            .first()
            .map(|s| s.code.clone())
            .unwrap_or_default()
    } else {
        series.to_owned()
    }
}

/// Every entry of `kind`, disabled ones included; titles and specialties of one series.
pub fn entries(state: &AppState, kind: Kind, series: &str) -> Vec<Entry> {
    let d = state.dicts();
    // An entry without extra or aliases; each kind adds what it has.
    let plain = |key: String, name: &str, enabled: bool| Entry {
        key,
        name: name.to_owned(),
        extra: String::new(),
        aliases: Vec::new(),
        enabled,
    };
    let coded = |code: &str, name: &str, enabled: bool| Entry {
        extra: code.to_owned(),
        ..plain(code.to_owned(), name, enabled)
    };
    match kind {
        Kind::Series => d
            .series
            .iter()
            .map(|s| coded(&s.code, &s.name, s.enabled))
            .collect(),
        Kind::Methods => d
            .declare_methods
            .iter()
            .map(|s| coded(&s.code, &s.name, s.enabled))
            .collect(),
        Kind::Titles => d
            .titles
            .iter()
            .filter(|t| t.series_code == series)
            .map(|t| Entry {
                extra: d.level_name(&t.level_code).to_owned(),
                aliases: t.aliases.clone(),
                ..plain(t.id.to_string(), &t.name, t.enabled)
            })
            .collect(),
        Kind::Specialties => d
            .specialties
            .iter()
            .filter(|s| s.series_code == series)
            .map(|s| plain(s.id.to_string(), &s.name, s.enabled))
            .collect(),
    }
}

/// Aliases typed in one field, separated by commas (full or half width) or 、.
pub fn split_aliases(s: &str) -> Vec<String> {
    s.split(['，', ',', '、'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

/// One change to a dictionary.
#[derive(Debug, Clone)]
pub enum Change {
    /// 新增: titles and specialties belong to a series, titles also to a level.
    Add {
        name: String,
        series: String,
        level: String,
        aliases: Vec<String>,
    },
    /// 保存: a new name (and, for titles, the aliases).
    Rename {
        key: String,
        name: String,
        aliases: Vec<String>,
    },
    /// 停用 (`false`) or 启用 (`true`).
    Enable { key: String, enabled: bool },
}

/// Applies the change, audited, and reloads the dictionaries. A missing name or an unknown
/// series or level is `Validation`; a name the dictionary has is `Conflict(DictDuplicate)`;
/// an unknown key is `NotFound`. Returns the entry's key (a new one after 新增).
pub async fn change(
    state: &AppState,
    caller: &Caller,
    (admin, role): (&admin::Model, AdminRole),
    kind: Kind,
    change: &Change,
) -> Result<String> {
    require(admin, role)?;
    let d = state.dicts();
    let name_of =
        |name: &str| parse_text(name, 40, true).map_err(|_| AppError::field("name", Msg::Required));
    let tx = state.db.begin().await?;
    let result =
        match change {
            Change::Add {
                name,
                series,
                level,
                aliases,
            } => {
                let name = name_of(name)?;
                if matches!(kind, Kind::Titles | Kind::Specialties)
                    && !d.series.iter().any(|s| &s.code == series)
                {
                    return Err(AppError::field("series", Msg::BadChoice));
                }
                if kind == Kind::Titles && !d.levels.iter().any(|l| &l.code == level) {
                    return Err(AppError::field("level", Msg::BadChoice));
                }
                dicts::add(&*tx, kind, &name, series, level, aliases)
                    .await
                    .map(|k| (1, format!("add {k} {name}"), k))
            }
            Change::Rename { key, name, aliases } => {
                let name = name_of(name)?;
                dicts::rename(
                    &*tx,
                    kind,
                    key,
                    &name,
                    (kind == Kind::Titles).then_some(aliases.as_slice()),
                )
                .await
                .map(|n| (n, format!("rename {key} {name}"), key.clone()))
            }
            Change::Enable { key, enabled } => dicts::set_enabled(&*tx, kind, key, *enabled)
                .await
                .map(|n| {
                    let op = if *enabled { "enable" } else { "disable" };
                    (n, format!("{op} {key}"), key.clone())
                }),
        };
    let (detail, key) = match result {
        Ok((0, _, _)) => return Err(AppError::NotFound),
        Ok((_, detail, key)) => (detail, key),
        Err(e) if unique_violation(&e).is_some() => {
            return Err(AppError::Conflict(Msg::DictDuplicate));
        }
        Err(e) => return Err(e.into()),
    };
    dicts::bump_version(&*tx).await?;
    caller
        .record(
            &*tx,
            state.now_ms(),
            "dict_change",
            format!("dict:{}", kind.as_str()),
            detail,
        )
        .await?;
    tx.commit().await?;
    state.reload_dicts().await?;
    Ok(key)
}
