//! The dictionaries (regions, levels, series, titles, specialties, 申报方式): seeded from
//! the JSON files under `dict/` and read into memory for the forms' cascades.

use std::collections::HashSet;

use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Deserialize;
use uuid::Uuid;

use super::{WriteTx, exec, query_as};
use crate::error::Result;

#[derive(Debug, Clone, Deserialize)]
struct CodeName {
    code: String,
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct RegionSeed {
    code: String,
    name: String,
    short: String,
}

#[derive(Debug, Clone, Deserialize)]
struct TitleSeed {
    series: String,
    level: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct SpecialtySeed {
    series: String,
    names: Vec<String>,
}

const REGIONS: &str = include_str!("../../dict/regions.json");
const LEVELS: &str = include_str!("../../dict/levels.json");
const SERIES: &str = include_str!("../../dict/series.json");
const TITLES: &str = include_str!("../../dict/titles.json");
const SPECIALTIES: &str = include_str!("../../dict/specialties.json");
const DECLARE_METHODS: &str = include_str!("../../dict/declare_methods.json");

/// Inserts every shipped entry that the database lacks; entries edited or disabled by an
/// administrator are left as they are.
pub async fn seed(tx: &WriteTx) -> anyhow::Result<usize> {
    let c: &sea_orm::DatabaseTransaction = tx;
    let mut added = 0;
    let regions: Vec<RegionSeed> = serde_json::from_str(REGIONS)?;
    let have = codes(c, "SELECT code AS k FROM regions").await?;
    for (i, r) in regions.iter().enumerate() {
        if !have.contains(&r.code) {
            let values = vec![
                r.code.clone().into(),
                r.name.clone().into(),
                r.short.clone().into(),
            ];
            insert_entry(c, "regions", "code, name, short", values, i).await?;
            added += 1;
        }
    }
    for (table, text) in [
        ("dict_levels", LEVELS),
        ("dict_series", SERIES),
        ("dict_declare_methods", DECLARE_METHODS),
    ] {
        let items: Vec<CodeName> = serde_json::from_str(text)?;
        let have = codes(c, &format!("SELECT code AS k FROM {table}")).await?;
        for (i, it) in items.iter().enumerate() {
            if !have.contains(&it.code) {
                let values = vec![it.code.clone().into(), it.name.clone().into()];
                insert_entry(c, table, "code, name", values, i).await?;
                added += 1;
            }
        }
    }
    let levels: Vec<CodeName> = serde_json::from_str(LEVELS)?;
    let series: Vec<CodeName> = serde_json::from_str(SERIES)?;
    let code_of = |list: &[CodeName], name: &str| -> anyhow::Result<String> {
        list.iter()
            .find(|x| x.name == name)
            .map(|x| x.code.clone())
            .ok_or_else(|| anyhow::anyhow!("dictionary refers to unknown entry {name:?}"))
    };
    let titles: Vec<TitleSeed> = serde_json::from_str(TITLES)?;
    let have = codes(
        c,
        "SELECT series_code || '|' || level_code || '|' || name AS k FROM dict_titles",
    )
    .await?;
    for (i, t) in titles.iter().enumerate() {
        let s = code_of(&series, &t.series)?;
        let l = code_of(&levels, &t.level)?;
        if !have.contains(&format!("{s}|{l}|{}", t.name)) {
            insert_title(c, &s, &l, &t.name, &t.aliases, i).await?;
            added += 1;
        }
    }
    let specialties: Vec<SpecialtySeed> = serde_json::from_str(SPECIALTIES)?;
    let have = codes(
        c,
        "SELECT series_code || '|' || name AS k FROM dict_specialties",
    )
    .await?;
    for sp in &specialties {
        let s = code_of(&series, &sp.series)?;
        for (i, name) in sp.names.iter().enumerate() {
            if !have.contains(&format!("{s}|{name}")) {
                insert_specialty(c, &s, name, i).await?;
                added += 1;
            }
        }
    }
    if added > 0 {
        bump_version(c).await?;
    }
    Ok(added)
}

/// Inserts one entry into `table`, shipped or added by hand: `values` for `columns`, then
/// `sort`, its place in its list, enabled.
async fn insert_entry(
    c: &impl ConnectionTrait,
    table: &str,
    columns: &str,
    mut values: Vec<Value>,
    sort: usize,
) -> Result<(), sea_orm::DbErr> {
    let marks = vec!["?"; values.len() + 2].join(", ");
    values.extend([(sort as i32).into(), true.into()]);
    let sql = format!("INSERT INTO {table} ({columns}, sort, enabled) VALUES ({marks})");
    exec(c, &sql, values).await?;
    Ok(())
}

/// Inserts a title under a new id (see `insert_entry`); its aliases are stored as JSON.
async fn insert_title(
    c: &impl ConnectionTrait,
    series: &str,
    level: &str,
    name: &str,
    aliases: &[String],
    sort: usize,
) -> Result<Uuid, sea_orm::DbErr> {
    let id = Uuid::now_v7();
    let aliases = serde_json::to_string(aliases).unwrap_or_default();
    let values = vec![
        id.into(),
        series.into(),
        level.into(),
        name.into(),
        aliases.into(),
    ];
    let columns = "id, series_code, level_code, name, aliases";
    insert_entry(c, "dict_titles", columns, values, sort).await?;
    Ok(id)
}

/// Inserts a specialty under a new id (see `insert_entry`).
async fn insert_specialty(
    c: &impl ConnectionTrait,
    series: &str,
    name: &str,
    sort: usize,
) -> Result<Uuid, sea_orm::DbErr> {
    let id = Uuid::now_v7();
    let values = vec![id.into(), series.into(), name.into()];
    insert_entry(c, "dict_specialties", "id, series_code, name", values, sort).await?;
    Ok(id)
}

/// Marks the dictionaries changed, in the transaction that changes them: every node reloads
/// its copy when it sees a new version.
pub async fn bump_version(c: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    exec(
        c,
        "UPDATE dict_version SET version = version + 1 WHERE id = 1",
        vec![],
    )
    .await?;
    Ok(())
}

/// The dictionaries' version now (0 before any change).
pub async fn version(c: &impl ConnectionTrait) -> Result<i64, sea_orm::DbErr> {
    let sql = "SELECT version FROM dict_version WHERE id = 1";
    Ok(super::query_scalar(c, sql, vec![], "version")
        .await?
        .unwrap_or(0))
}

/// A key read by [`codes`].
#[derive(FromQueryResult)]
struct Key {
    k: String,
}

async fn codes(c: &impl ConnectionTrait, sql: &str) -> anyhow::Result<HashSet<String>> {
    let rows: Vec<Key> = query_as(c, sql, vec![]).await?;
    Ok(rows.into_iter().map(|r| r.k).collect())
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub short: String,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Item {
    pub code: String,
    pub name: String,
    pub enabled: bool,
}

/// `(code, name)` of the enabled entries, for the options of a select.
pub fn choices(items: &[Item]) -> Vec<(String, String)> {
    items
        .iter()
        .filter(|i| i.enabled)
        .map(|i| (i.code.clone(), i.name.clone()))
        .collect()
}

#[derive(Debug, Clone)]
pub struct Title {
    pub id: Uuid,
    pub series_code: String,
    pub level_code: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub enabled: bool,
}

/// A `dict_titles` row as stored: the aliases are a JSON array.
#[derive(FromQueryResult)]
struct TitleRow {
    id: Uuid,
    series_code: String,
    level_code: String,
    name: String,
    aliases: String,
    enabled: bool,
}

impl From<TitleRow> for Title {
    fn from(r: TitleRow) -> Self {
        Title {
            aliases: serde_json::from_str(&r.aliases).unwrap_or_default(),
            id: r.id,
            series_code: r.series_code,
            level_code: r.level_code,
            name: r.name,
            enabled: r.enabled,
        }
    }
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct Specialty {
    pub id: Uuid,
    pub series_code: String,
    pub name: String,
    pub enabled: bool,
}

/// Every dictionary, in display order, held in memory (a few thousand rows at most).
#[derive(Debug, Clone, Default)]
pub struct Dicts {
    pub regions: Vec<Region>,
    pub levels: Vec<Item>,
    pub series: Vec<Item>,
    pub titles: Vec<Title>,
    pub specialties: Vec<Specialty>,
    pub declare_methods: Vec<Item>,
}

impl Dicts {
    pub async fn load(c: &impl ConnectionTrait) -> Result<Self> {
        let regions = query_as(
            c,
            "SELECT code, name, short FROM regions WHERE enabled = TRUE ORDER BY sort",
            vec![],
        )
        .await?;
        let mut items = Vec::new();
        for table in ["dict_levels", "dict_series", "dict_declare_methods"] {
            let sql = format!("SELECT code, name, enabled FROM {table} ORDER BY sort, code");
            items.push(query_as(c, &sql, vec![]).await?);
        }
        let titles: Vec<TitleRow> = query_as(c, "SELECT id, series_code, level_code, name, aliases, enabled FROM dict_titles ORDER BY sort, name", vec![]).await?;
        let specialties = query_as(c, "SELECT id, series_code, name, enabled FROM dict_specialties ORDER BY series_code, sort", vec![]).await?;
        let declare_methods = items.pop().unwrap_or_default();
        let series = items.pop().unwrap_or_default();
        let levels = items.pop().unwrap_or_default();
        Ok(Dicts {
            regions,
            levels,
            series,
            titles: titles.into_iter().map(Title::from).collect(),
            specialties,
            declare_methods,
        })
    }

    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    /// Titles offered for a level on new forms (enabled ones only).
    pub fn titles_at(&self, level_code: &str) -> impl Iterator<Item = &Title> {
        self.titles
            .iter()
            .filter(move |t| t.enabled && t.level_code == level_code)
    }

    pub fn title(&self, id: Uuid) -> Option<&Title> {
        self.titles.iter().find(|t| t.id == id)
    }

    /// Specialties of the title's series, offered on new forms.
    pub fn specialties_of(&self, series_code: &str) -> impl Iterator<Item = &Specialty> {
        self.specialties
            .iter()
            .filter(move |s| s.enabled && s.series_code == series_code)
    }

    pub fn series_name(&self, code: &str) -> &str {
        self.series
            .iter()
            .find(|s| s.code == code)
            .map_or("", |s| s.name.as_str())
    }

    pub fn level_name(&self, code: &str) -> &str {
        self.levels
            .iter()
            .find(|s| s.code == code)
            .map_or("", |s| s.name.as_str())
    }
}

impl crate::domain::application::Catalog for Dicts {
    fn title(&self, id: Uuid) -> Option<(String, String)> {
        self.title(id)
            .filter(|t| t.enabled)
            .map(|t| (t.series_code.clone(), t.level_code.clone()))
    }
    fn specialty_series(&self, id: Uuid) -> Option<String> {
        self.specialties
            .iter()
            .find(|s| s.id == id && s.enabled)
            .map(|s| s.series_code.clone())
    }
    fn level_exists(&self, code: &str) -> bool {
        self.levels.iter().any(|l| l.enabled && l.code == code)
    }
    fn series_exists(&self, code: &str) -> bool {
        self.series.iter().any(|l| l.enabled && l.code == code)
    }
    fn declare_method_exists(&self, code: &str) -> bool {
        self.declare_methods
            .iter()
            .any(|l| l.enabled && l.code == code)
    }
}

impl Dicts {
    /// A title's name by id, also when disabled (old records stay readable).
    pub fn title_name(&self, id: Option<Uuid>) -> &str {
        id.and_then(|id| self.titles.iter().find(|t| t.id == id))
            .map_or("", |t| t.name.as_str())
    }

    pub fn specialty_name(&self, id: Option<Uuid>) -> &str {
        id.and_then(|id| self.specialties.iter().find(|t| t.id == id))
            .map_or("", |t| t.name.as_str())
    }

    pub fn declare_method_name(&self, code: Option<&str>) -> &str {
        code.and_then(|c| self.declare_methods.iter().find(|m| m.code == c))
            .map_or("", |m| m.name.as_str())
    }
}

/// The editable dictionaries of the back office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Series,
    Titles,
    Specialties,
    Methods,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "series" => Some(Kind::Series),
            "titles" => Some(Kind::Titles),
            "specialties" => Some(Kind::Specialties),
            "methods" => Some(Kind::Methods),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Series => "series",
            Kind::Titles => "titles",
            Kind::Specialties => "specialties",
            Kind::Methods => "methods",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Series => "职称系列",
            Kind::Titles => "职称",
            Kind::Specialties => "专业",
            Kind::Methods => "申报方式",
        }
    }
    fn table_key(self) -> (&'static str, &'static str) {
        match self {
            Kind::Series => ("dict_series", "code"),
            Kind::Titles => ("dict_titles", "id"),
            Kind::Specialties => ("dict_specialties", "id"),
            Kind::Methods => ("dict_declare_methods", "code"),
        }
    }
}

fn key_value(kind: Kind, key: &str) -> Option<Value> {
    match kind {
        Kind::Titles | Kind::Specialties => Uuid::parse_str(key).ok().map(Value::from),
        Kind::Series | Kind::Methods => Some(Value::from(key.to_owned())),
    }
}

/// Sets columns (`set`, with `values`) of the entry `key` names; an ill-formed key changes nothing.
async fn update_entry(
    c: &impl ConnectionTrait,
    kind: Kind,
    key: &str,
    set: &str,
    mut values: Vec<Value>,
) -> std::result::Result<u64, sea_orm::DbErr> {
    let (table, col) = kind.table_key();
    let Some(k) = key_value(kind, key) else {
        return Ok(0);
    };
    values.push(k);
    exec(
        c,
        &format!("UPDATE {table} SET {set} WHERE {col} = ?"),
        values,
    )
    .await
}

/// Renames an entry (and for titles replaces the aliases); a duplicate name fails on the unique index.
pub async fn rename(
    c: &impl ConnectionTrait,
    kind: Kind,
    key: &str,
    name: &str,
    aliases: Option<&[String]>,
) -> std::result::Result<u64, sea_orm::DbErr> {
    match (kind, aliases) {
        (Kind::Titles, Some(a)) => {
            let aliases = serde_json::to_string(a).unwrap_or_default();
            let values = vec![name.into(), aliases.into()];
            update_entry(c, kind, key, "name = ?, aliases = ?", values).await
        }
        _ => update_entry(c, kind, key, "name = ?", vec![name.into()]).await,
    }
}

/// Enables or disables an entry: disabled ones leave the forms but stay readable on old records.
pub async fn set_enabled(
    c: &impl ConnectionTrait,
    kind: Kind,
    key: &str,
    enabled: bool,
) -> std::result::Result<u64, sea_orm::DbErr> {
    update_entry(c, kind, key, "enabled = ?", vec![enabled.into()]).await
}

/// Where a title or specialty added by hand sorts: after every shipped one.
const ADDED_SORT: usize = 9999;

/// Adds an entry; series and 申报方式 get the next free code.
pub async fn add(
    c: &impl ConnectionTrait,
    kind: Kind,
    name: &str,
    series: &str,
    level: &str,
    aliases: &[String],
) -> std::result::Result<String, sea_orm::DbErr> {
    match kind {
        Kind::Series | Kind::Methods => {
            let (table, _) = kind.table_key();
            let codes = codes(c, &format!("SELECT code AS k FROM {table}"))
                .await
                .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
            let next = codes
                .iter()
                .filter_map(|c| c.parse::<u32>().ok())
                .max()
                .unwrap_or(0)
                + 1;
            let code = if kind == Kind::Series {
                format!("{next:02}")
            } else {
                next.to_string()
            };
            let values = vec![code.clone().into(), name.into()];
            insert_entry(c, table, "code, name", values, next as usize).await?;
            Ok(code)
        }
        Kind::Titles => {
            let id = insert_title(c, series, level, name, aliases, ADDED_SORT).await?;
            Ok(id.to_string())
        }
        Kind::Specialties => {
            let id = insert_specialty(c, series, name, ADDED_SORT).await?;
            Ok(id.to_string())
        }
    }
}
